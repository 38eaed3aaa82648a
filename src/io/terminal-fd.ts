// Whether a file descriptor is a terminal, with node:tty loaded only when it may be one. A terminal is a character
// device, so a pipe or a file (a run under a supervisor, in CI, in the bench) is answered by one fstat, and /dev/null
// (cron's, a daemon's or `2>/dev/null`'s stderr: a character device too) by one stat more: node:tty costs a start
// ~0.5 ms (Node's tty internals), and nothing else on the way to the first spawn needs it.
import { fstatSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

export function isTerminal(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    if (!stat.isCharacterDevice() || isDevNull(stat.rdev)) return false;
  } catch {
    return false; // closed
  }
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}

function isDevNull(rdev: number): boolean {
  try {
    return statSync('/dev/null').rdev === rdev;
  } catch {
    return false; // no /dev/null (Windows): node:tty decides
  }
}
