// Reading a file the dashboard shows from a session folder. The agent writes these files, so one may be a symbolic
// link to somewhere else (`_plan.md` → ~/.ssh/id_rsa), a FIFO or a huge file: only a regular file that is not a link
// is read (opened with O_NOFOLLOW | O_NONBLOCK, so neither a link nor a pipe is ever followed or waited on), and
// only its first `max` bytes.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type SessionText = { kind: 'text'; text: string; size: number; cut: boolean } | { kind: 'missing' | 'refused' };

export function readSessionFile(file: string, max: number): SessionText {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { kind: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'refused' };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: 'refused' };
    const buffer = Buffer.alloc(Math.min(stat.size, max));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n <= 0) break;
      read += n;
    }
    return { kind: 'text', text: buffer.subarray(0, read).toString('utf8'), size: stat.size, cut: stat.size > max };
  } finally {
    closeSync(fd);
  }
}
