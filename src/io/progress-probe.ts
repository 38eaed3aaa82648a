// Fingerprints of the workspace for stall detection: `git status` of the worktree (files, index, HEAD in one call)
// and the names, sizes and times of the agent's files in the session folder (samocode's own files are left out).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isOwnFile } from '../core/session-files.js';
import { git } from './git.js';

function withStat(line: string, workingDir: string): string {
  if (line.startsWith('#') || line === '') return line;
  const path = line.slice(line.lastIndexOf(line.startsWith('?') ? '? ' : ' ') + (line.startsWith('?') ? 2 : 1));
  try {
    const stat = statSync(join(workingDir, path));
    return `${line} ${stat.size}:${stat.mtimeMs}`;
  } catch {
    return line;
  }
}

/** The working tree: files, index and HEAD in one `git status`, plus each changed file's size and time. */
export async function treeSnapshot(workingDir: string, standalone: boolean): Promise<string | undefined> {
  if (standalone) return undefined;
  // --no-optional-locks: a probe must not write the index (and skipping the refresh write saves ~2 ms here).
  const result = await git(workingDir, [
    '--no-optional-locks',
    'status',
    '--porcelain=v2',
    '--branch',
    '--untracked-files=all',
  ]);
  // The status alone misses a file edited again while already modified: add each changed path's size and time.
  return result.ok
    ? result.out
        .split('\n')
        .map((line) => withStat(line, workingDir))
        .join('\n')
    : undefined;
}

/** The agent's files in the session folder: names, sizes and times. */
export function sessionSnapshot(sessionDir: string): string {
  return readdirSync(sessionDir)
    .filter((name) => !isOwnFile(name))
    .sort()
    .map((name) => {
      try {
        const stat = statSync(join(sessionDir, name));
        return `${name}:${stat.size}:${stat.mtimeMs}`;
      } catch {
        return name;
      }
    })
    .join('\n');
}
