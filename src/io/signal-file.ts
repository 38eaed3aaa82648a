// `_signal.json` on disk: cleared before every spawn, read after it. The agent controls this path, so the read
// trusts nothing about it: only a regular file of at most SIGNAL_MAX_BYTES is read, never through a symlink, and
// never by a call that can block (a FIFO, /dev/zero). Everything else is a named problem the corrective re-run
// states to the agent. What a refused path holds (or points to) is never read, so it cannot reach the history,
// the prompt or the console. Symlinks are refused even when they point inside the session folder: no agent needs
// one to write a signal, and following one means resolving a path the agent chose (and may swap) a second time.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  readlinkSync,
  rmSync,
  statSync,
  unlinkSync,
  type Stats,
} from 'node:fs';
import { withoutControls } from '../core/agent-text.js';
// Types only: the parser (and its zod schema) loads when the first signal is parsed, not on the way to the first spawn.
import type { Problem } from '../core/signal.js';
import { truncate } from '../core/text.js';

/** The largest signal file read (64 KB): a bigger one is `signal_too_large`, and is never read. */
export const SIGNAL_MAX_BYTES = 64 * 1024;

/** The file's text; `undefined` when there is none; or why it was not read. */
export type SignalFileRead = { text: string | undefined } | { problem: Problem };

const FIX =
  'Write the signal as a plain file (the JSON object only, at most 64 KB): write a temp file, then rename it over the signal path.';

/**
 * Remove whatever is at the signal path (a file, a FIFO, a symlink — not its target — or a whole directory), so
 * that nothing left from before can pass as this iteration's answer, nor break the next spawn.
 */
export function clearSignalFile(file: string): void {
  // Nearly always a plain file or nothing: one unlink. What else an agent may have put there (a folder) goes too.
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') rmSync(file, { force: true, recursive: true });
  }
}

let readBuffer: Buffer | undefined;

export function readSignalFile(file: string): SignalFileRead {
  let stat: Stats;
  try {
    stat = lstatSync(file);
  } catch (error) {
    return missingOr(file, error);
  }
  const refused = refuse(file, stat);
  if (refused) return { problem: refused };
  if (stat.size > SIGNAL_MAX_BYTES) return { problem: tooLarge(file, stat.size) };

  let fd: number;
  try {
    // O_NOFOLLOW and O_NONBLOCK: a symlink or FIFO swapped in after the lstat fails or returns at once, not blocks.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      return { problem: notRegular(file, 'a symbolic link (it was replaced while being read)') };
    return missingOr(file, error);
  }
  try {
    // What was opened is what counts: the lstat above may describe a file that has since been swapped.
    const opened = fstatSync(fd);
    const swapped = refuse(file, opened);
    if (swapped) return { problem: swapped };
    // One byte past the limit shows a file that is (still) too large. Read synchronously and copied out at once, so
    // one buffer serves every read (a fresh zero-filled 64 KB per iteration was garbage for the GC).
    const buffer = (readBuffer ??= Buffer.allocUnsafe(SIGNAL_MAX_BYTES + 1));
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) return { problem: tooLarge(file, Math.max(opened.size, length)) };
    }
    return { text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return { problem: unreadable(file, error) };
  } finally {
    closeSync(fd);
  }
}

function missingOr(file: string, error: unknown): SignalFileRead {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { text: undefined };
  // ENOTDIR: the session folder's path itself was tampered with; EACCES and the like: not a file samocode can read.
  return { problem: unreadable(file, error) };
}

/** The problem with a path that is not a plain file of its own, or undefined for a regular file. */
function refuse(file: string, stat: Stats): Problem | undefined {
  if (stat.isSymbolicLink()) return notRegular(file, `a symbolic link to ${linkTarget(file)}`);
  if (stat.isFIFO()) return notRegular(file, 'a FIFO (named pipe)');
  if (stat.isDirectory()) return notRegular(file, 'a directory');
  if (stat.isSocket()) return notRegular(file, 'a socket');
  if (stat.isCharacterDevice()) return notRegular(file, 'a character device');
  if (stat.isBlockDevice()) return notRegular(file, 'a block device');
  if (!stat.isFile()) return notRegular(file, 'not a regular file');
  // A hard link to another file (`ln /etc/passwd _signal.json`) is a regular file that is not the agent's own.
  if (stat.nlink > 1)
    return notRegular(file, `a hard link shared with ${stat.nlink - 1} other name${stat.nlink > 2 ? 's' : ''}`);
  return undefined;
}

function linkTarget(file: string): string {
  let target: string;
  try {
    target = readlinkSync(file);
  } catch {
    return 'a target that cannot be read';
  }
  let where = '';
  try {
    statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    where = code === 'ELOOP' ? ' (a loop of links)' : code === 'ENOENT' ? ' (which does not exist)' : '';
  }
  return `${JSON.stringify(withoutControls(truncate(target, 200)))}${where}`;
}

function notRegular(file: string, what: string): Problem {
  return {
    kind: 'signal_not_regular_file',
    message: `${file} is ${what}, not a regular file; samocode reads the signal only from a plain file and did not read it. ${FIX}`,
  };
}

function unreadable(file: string, error: unknown): Problem {
  return { kind: 'signal_not_regular_file', message: `${file} could not be read (${describeError(error)}). ${FIX}` };
}

function tooLarge(file: string, bytes: number): Problem {
  const over = bytes - SIGNAL_MAX_BYTES;
  return {
    kind: 'signal_too_large',
    message:
      `${file} is ${bytes} bytes, ${over} bytes over the ${SIGNAL_MAX_BYTES / 1024} KB cap for a signal; it was not read. ` +
      'Keep summary, reason and needs short (samocode keeps 4 KB of each) and put long notes in _overview.md.',
  };
}

function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? (e instanceof Error ? e.message : String(e));
}
