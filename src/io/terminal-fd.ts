// Whether a file descriptor is a terminal, with node:tty loaded only when it may be one. A terminal is a character
// device, so a pipe or a file (a run under a supervisor, in CI, in the bench) is answered by one fstat: node:tty
// costs a start ~0.5 ms (Node's tty internals), and nothing else on the way to the first spawn needs it.
import { fstatSync } from 'node:fs';
import { createRequire } from 'node:module';

export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false; // closed
  }
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}
