// `mkdir -p` with a bounded loop. Node's own `mkdirSync(dir, { recursive: true })` spins for ever, at full CPU and
// deaf to signals (the event loop never comes back), when the kernel answers ENOENT for a parent that exists, as
// /proc does for `/proc/x`. Here each missing folder is made once, from the top down, so the work is bounded by the
// depth of the path, and every failure names the folder and the fix.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StorageError } from '../errors.js';
import { isStorageErrno, storageError } from './storage-failure.js';

/**
 * Make `dir` and any missing parents. `what` says what the folder is for ("the sessions folder"), `setting` the
 * setting that names it, if one does. Throws a StorageError when the folder cannot be made.
 */
export function makeDir(dir: string, what: string, setting?: string): void {
  const target = resolve(dir);
  const label = setting ? `${what} (${setting})` : what;
  const fix = setting ? `point ${setting} to another folder` : 'use another folder';
  const missing: string[] = [];
  // Walk up to the first folder that exists; dirname of the root is the root, so this ends.
  for (let current = target; ; current = dirname(current)) {
    const kind = kindOf(current);
    if (kind === 'folder') break;
    if (kind === 'other') {
      throw new StorageError(
        `cannot create ${target}: ${label}: ${current} exists and is not a folder. Fix: move ${current} away, or ${fix}, then run again.`,
        target,
        'ENOTDIR',
      );
    }
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Made meanwhile by someone else, or there but not ours to look into (the next step reports that): go on.
      if (code === 'EEXIST' && kindOf(folder) !== 'other') continue;
      if (isStorageErrno(error)) throw storageError(error, { file: folder, what: `creating ${label}` });
      const parent = dirname(folder);
      throw new StorageError(
        `cannot create ${target}: ${label}: ${parent} does not allow new folders (${code ?? 'error'} on mkdir ${folder}). Fix: ${fix}, on an ordinary writable disk, then run again.`,
        target,
        code ?? 'EIO',
        { cause: error },
      );
    }
  }
}

function kindOf(path: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    // ENOENT is missing; anything else (EACCES on a parent …) is left to mkdir, which reports it with the errno.
    return (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'other' : 'missing';
  }
}
