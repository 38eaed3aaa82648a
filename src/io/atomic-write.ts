// Replace a file atomically: write a temp file beside it, then rename it over. A crash leaves the old file or the new
// one, never half of one.
//
// Not write-file-atomic's `sync`: it ignores the byte count of its one `writeSync`, so on a nearly full disk it renames
// a cut-off temp file over the good one without an error (seen: 24 KB of a 50 KB file on a full tmpfs).
// `writeFileSync` writes until done or throws, and the temp file is removed when anything fails.
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { SessionStateError } from '../errors.js';

let counter = 0;
/** Temp names tried when something else already stands at one (samocode's own are never left behind by it). */
const TRIES = 8;

export function writeFileAtomicSync(file: string, text: string): void {
  const mode = modeOf(file);
  const taken: string[] = [];
  for (;;) {
    const temp = `${file}.tmp-${process.pid}-${counter++}`;
    let fd: number;
    try {
      // Created here and now, or not at all: what stands at the name (an agent's FIFO, a file) is never opened.
      fd = openSync(temp, 'wx', mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      taken.push(temp);
      if (taken.length < TRIES) continue;
      throw new SessionStateError(
        `cannot write ${file}: the temp names it is written through are taken by files samocode did not make (${taken.slice(0, 3).join(', ')}, …); it left them as they are. Move them away (${file}.tmp-*) and run again.`,
      );
    }
    try {
      try {
        writeFileSync(fd, text);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, file);
      return;
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // already renamed, or gone
      }
      throw error;
    }
  }
}

/** Keep the file's permissions (the temp file would get the default ones). */
function modeOf(file: string): number {
  try {
    return statSync(file).mode & 0o7777;
  } catch {
    return 0o666;
  }
}
