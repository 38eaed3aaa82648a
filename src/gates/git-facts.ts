// What git says about the session branch, for the done rules and for skipping checks on an unchanged tree: HEAD,
// the commits beyond the base, and what `git status` shows (the session folder left out when it lives in the tree).
import { statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { git as gitCall } from '../io/git.js';

// --no-optional-locks: reading the status must not write the index under a running agent's feet.
const git = (cwd: string, args: string[]) => gitCall(cwd, ['--no-optional-locks', ...args]);

export async function headOf(workingDir: string): Promise<string | undefined> {
  const head = await git(workingDir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  return head.ok ? head.out : undefined;
}

/** Commits on HEAD that the base branch does not have; undefined when git cannot tell (the base is gone). */
export async function commitsBeyond(workingDir: string, base: string): Promise<number | undefined> {
  // The local branch first (a tag of the same name must not win); then whatever git makes of the name (origin/main).
  for (const ref of [`refs/heads/${base}`, base]) {
    const count = await git(workingDir, ['rev-list', '--count', `${ref}..HEAD`, '--']);
    if (count.ok) return Number.parseInt(count.out, 10);
  }
  return undefined;
}

/** Folders inside the working dir that are samocode's, not the work: `:(exclude)` pathspecs for git. */
export function ownFolders(workingDir: string, folders: readonly string[]): string[] {
  return folders
    .map((folder) => relative(workingDir, folder))
    .filter((rel) => rel !== '' && !rel.startsWith('..') && !isAbsolute(rel))
    .map((rel) => `:(exclude,top)${rel}`);
}

export interface TreeState {
  head: string | undefined;
  /** `git status --porcelain` lines: staged, modified and untracked (not ignored) paths. */
  changes: string[];
  /** HEAD, the status and each changed path's size and time: equal fingerprints mean nothing changed. */
  fingerprint: string;
}

/** HEAD and the status, leaving out `exclude` (pathspecs from ownFolders); undefined when git fails. */
export async function treeState(workingDir: string, exclude: readonly string[]): Promise<TreeState | undefined> {
  const status = await git(workingDir, ['status', '--porcelain=v1', '--untracked-files=all', '--', '.', ...exclude]);
  if (!status.ok) return undefined;
  const head = await headOf(workingDir);
  const changes = status.out === '' ? [] : status.out.split('\n');
  // The status alone misses a file edited again while already modified: add each changed path's size and time.
  const stamped = changes.map((line) => {
    const path = line.slice(3).replace(/^.* -> /, '');
    try {
      const stat = statSync(join(workingDir, path));
      return `${line} ${stat.size}:${stat.mtimeMs}`;
    } catch {
      return line;
    }
  });
  return { head, changes, fingerprint: [`HEAD ${head ?? '(none)'}`, ...stamped].join('\n') };
}
