// A failed write of samocode's own files, told as what it is: the disk is full, read-only or not ours to write.
// Turns the errno into a StorageError that names the file, what was being written, the space needed and the fix,
// instead of an "internal error" with a stack trace.
import { readFileSync, realpathSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StorageError } from '../errors.js';

/** The errnos that mean "the environment does not let us write here", in words. */
const STORAGE_ERRNOS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

export interface WriteAttempt {
  /** The file or folder samocode was writing. */
  file: string;
  /** What it was writing, in words: "the history entry of iteration 3", "the session state". */
  what: string;
  /** Bytes it tried to write, when known. */
  bytes?: number | undefined;
}

export function isStorageErrno(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in STORAGE_ERRNOS;
}

/** Run a write; a storage errno becomes a StorageError about `attempt`, anything else is rethrown as it is. */
export function guardWrite<T>(attempt: WriteAttempt, write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw isStorageErrno(error) ? storageError(error, attempt) : error;
  }
}

/** Async twin of guardWrite. */
export async function guardWriteAsync<T>(attempt: WriteAttempt, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw isStorageErrno(error) ? storageError(error, attempt) : error;
  }
}

export function storageError(error: NodeJS.ErrnoException, attempt: WriteAttempt): StorageError {
  const code = error.code ?? 'EIO';
  const words = STORAGE_ERRNOS[code] ?? code;
  // The errno's own path can be a temp file beside the target (io/atomic-write.ts): name the target, mention the other.
  const also = error.path && resolve(error.path) !== resolve(attempt.file) ? ` (at ${error.path})` : '';
  const where = whereOnDisk(attempt.file);
  const head = `cannot write ${attempt.file}${also}: ${attempt.what}: ${words} (${code}${error.syscall ? ` on ${error.syscall}` : ''}).`;
  return new StorageError(`${head} ${advice(code, attempt, where)}`, attempt.file, code, { cause: error });
}

function advice(code: string, attempt: WriteAttempt, where: Where): string {
  const size = attempt.bytes === undefined ? 'some space' : `at least ${attempt.bytes} bytes`;
  const free = where.freeBytes === undefined ? '' : ` (${where.freeBytes} bytes free now)`;
  const again = 'then run the same command again: the session goes on where it stopped';
  switch (code) {
    case 'ENOSPC':
      return `It needs ${size} free on ${where.mount}${free}. Fix: free space there (or move SESSIONS to a bigger disk), ${again}.`;
    case 'EDQUOT':
      return `It needs ${size} more within your disk quota on ${where.mount}. Fix: free space within the quota (or raise it), ${again}.`;
    case 'EROFS':
      return `${where.mount} is mounted read-only. Fix: remount it read-write (or point SESSIONS to a writable folder), ${again}.`;
    case 'EACCES':
      return `The user running samocode (uid ${process.getuid?.() ?? '?'}) may not write there. Fix: give it write access to ${dirname(attempt.file)} (chown or chmod), or run samocode as the folder's owner, ${again}.`;
    default:
      return `The file or its folder may be immutable or append-only (see lsattr ${attempt.file}; chattr -i removes it), or protected by the system. Fix: remove the protection, ${again}.`;
  }
}

interface Where {
  /** The mount point holding the file, with its type: "/tmp/x (tmpfs)"; or the nearest existing folder. */
  mount: string;
  freeBytes?: number | undefined;
}

/** Best effort: this runs while something is already wrong, so every lookup may fail and falls back quietly. */
function whereOnDisk(file: string): Where {
  const folder = nearestExisting(dirname(resolve(file)));
  let freeBytes: number | undefined;
  try {
    const stats = statfsSync(folder);
    freeBytes = stats.bavail * stats.bsize;
  } catch {
    freeBytes = undefined;
  }
  return { mount: mountOf(folder) ?? folder, freeBytes };
}

function nearestExisting(folder: string): string {
  // Bounded by the depth of the path: dirname of the root is the root.
  for (let current = folder; ; current = dirname(current)) {
    try {
      return realpathSync(current);
    } catch {
      if (dirname(current) === current) return current;
    }
  }
}

/** The longest mount point in /proc/self/mounts that holds `folder` (Linux); undefined elsewhere. */
function mountOf(folder: string): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return undefined;
  }
  let best: { point: string; type: string } | undefined;
  for (const line of text.split('\n')) {
    const [, rawPoint, type] = line.split(' ');
    if (!rawPoint || !type) continue;
    // Spaces and the like are octal escapes in /proc/self/mounts.
    const point = rawPoint.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    const holds = point === '/' || folder === point || folder.startsWith(`${point}/`);
    if (holds && (!best || point.length >= best.point.length)) best = { point, type };
  }
  return best && `${best.point} (${best.type})`;
}

/**
 * For session.log: a log line that cannot be written must not stop the run in the middle of whatever was logging
 * (a full disk stops it anyway, with a named error, at the next history or state write). The first failure is told
 * once on stderr; later lines are dropped until a write works again.
 */
export function tolerantLogStream<T extends { write(chunk: string): unknown }>(stream: T, file: string): T {
  const write = stream.write.bind(stream);
  let failing = false;
  stream.write = (chunk: string) => {
    try {
      const result = write(chunk);
      failing = false;
      return result;
    } catch (error) {
      if (!isStorageErrno(error)) throw error;
      if (!failing) {
        const code = error.code ?? 'EIO';
        process.stderr.write(
          `orchestrate: warning: cannot write ${file}: ${STORAGE_ERRNOS[code]} (${code}). The run goes on; ${file} misses lines until a write works again.\n`,
        );
      }
      failing = true;
      return true;
    }
  };
  return stream;
}
