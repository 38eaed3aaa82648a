// Replace a file atomically: write a temp file beside it, then rename it over. A crash leaves the old file or the new
// one, never half of one.
//
// Not write-file-atomic's `sync`: it ignores the byte count of its one `writeSync`, so on a nearly full disk it renames
// a cut-off temp file over the good one without an error (seen: 24 KB of a 50 KB file on a full tmpfs).
// `writeFileSync` writes until done or throws, and the temp file is removed when anything fails.
import { renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

let counter = 0;

export function writeFileAtomicSync(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}-${counter++}`;
  try {
    writeFileSync(temp, text, { flag: 'wx', mode: modeOf(file) });
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw error;
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
