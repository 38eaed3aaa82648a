// Fingerprints of the workspace for stall detection: `git status` of the worktree (files, index, HEAD in one call)
// and the names, sizes and times of the agent's files in the session folder (samocode's own files are left out).
// With each `git status` comes a glance: the branch's HEAD files and the stats of the paths it listed. A later glance
// that differs proves the tree changed without a git call (~3 ms); one that does not proves nothing, so git runs.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Glance, TreeLook } from '../core/progress.js';
import { isOwnFile } from '../core/session-files.js';
import { git } from './git.js';
import { readSmallFile } from './regular-file.js';

/** A glance stats every path the status listed: beyond this many, git alone is cheaper to trust. */
const MAX_GLANCE_PATHS = 2000;

/** The path a porcelain v2 status line names (the new name of a rename), or undefined for a header line. */
function pathOf(line: string): string | undefined {
  if (line.startsWith('#') || line === '') return undefined;
  return line.slice(line.lastIndexOf(line.startsWith('?') ? '? ' : ' ') + (line.startsWith('?') ? 2 : 1));
}

function statText(file: string): string {
  try {
    // No error built for a path that is not there (packed-refs often is not): ~10 µs each.
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat ? statKey(stat) : '-';
  } catch {
    return '-';
  }
}

/** Size, time and inode: what moves when a file is written or replaced. */
function statKey(stat: Stats): string {
  return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
}

/** The working tree: files, index and HEAD in one `git status`, plus each changed file's size and time. */
export async function treeSnapshot(workingDir: string, standalone: boolean): Promise<TreeLook | undefined> {
  if (standalone) return undefined;
  // --no-optional-locks: a probe must not write the index (and skipping the refresh write saves ~2 ms here).
  const result = await git(workingDir, [
    '--no-optional-locks',
    'status',
    '--porcelain=v2',
    '--branch',
    '--untracked-files=all',
  ]);
  if (!result.ok) return undefined;
  // The status alone misses a file edited again while already modified: add each changed path's size and time.
  const paths: string[] = [];
  const stats: string[] = [];
  const lines = result.out.split('\n').map((line) => {
    const path = pathOf(line);
    if (path === undefined) return line;
    const stat = statText(join(workingDir, path));
    paths.push(path);
    stats.push(stat);
    return stat === '-' ? line : `${line} ${stat}`;
  });
  const head = headLook(workingDir);
  const glance =
    head !== undefined && paths.length <= MAX_GLANCE_PATHS
      ? { paths, value: `${head}\n${stats.join('\n')}` }
      : undefined;
  return { fingerprint: lines.join('\n'), glance };
}

/** The same look again, without git: the branch's HEAD files and the stats of the same paths. */
export function glanceAgain(workingDir: string, last: Glance): Glance | undefined {
  const head = headLook(workingDir);
  if (head === undefined) return undefined;
  const stats = last.paths.map((path) => statText(join(workingDir, path)));
  return { paths: last.paths, value: `${head}\n${stats.join('\n')}` };
}

/**
 * What moves when a commit is made or HEAD changes, read from files: HEAD's text, and the stats of the ref it names
 * and of packed-refs (git rewrites a ref by rename, so a commit always gives it a new inode). Undefined where the
 * layout is not the usual one (a `.git` that cannot be read, reftable): then every look is a git call.
 */
function headLook(workingDir: string): string | undefined {
  const place = headPlace(workingDir);
  if (place === undefined) return undefined;
  const refStat = place.ref === undefined ? '' : statText(join(place.common, place.ref));
  return `${place.head} ${refStat} ${statText(join(place.common, 'packed-refs'))}`;
}

/** Where a worktree's HEAD is and what it says, with the stats of the files that told it. */
interface HeadPlace {
  workingDir: string;
  /** `.git`'s stat when it is a file naming the git dir (a worktree); 'dir' when it is the git dir. */
  pointer: string;
  gitDir: string;
  /** The stats of `<gitDir>/HEAD` and `<gitDir>/commondir`. */
  stats: string;
  head: string;
  ref: string | undefined;
  common: string;
}

/**
 * The last place found, kept while its files' stats stand still: a glance is then five stats instead of fifteen
 * calls (git rewrites HEAD by rename, so a change gives it a new inode). Wrong at worst the way any glance may be: it
 * shows no change, and git is asked.
 */
let lastPlace: HeadPlace | undefined;

function headPlace(workingDir: string): HeadPlace | undefined {
  const dotGit = join(workingDir, '.git');
  try {
    const stat = statSync(dotGit, { throwIfNoEntry: false });
    if (!stat) return undefined;
    const known = lastPlace?.workingDir === workingDir ? lastPlace : undefined;
    const pointer = stat.isDirectory() ? 'dir' : statKey(stat);
    let gitDir = dotGit;
    if (pointer !== 'dir') {
      if (known?.pointer === pointer) gitDir = known.gitDir;
      else {
        const named = /^gitdir:\s*(.+?)\s*$/m.exec(smallFile(dotGit) ?? '')?.[1];
        if (!named) return undefined;
        gitDir = isAbsolute(named) ? named : join(workingDir, named);
      }
    }
    const stats = `${statText(join(gitDir, 'HEAD'))} ${statText(join(gitDir, 'commondir'))}`;
    // The same pointer names the same git dir (see above): the place stands while HEAD and commondir do.
    if (known?.pointer === pointer && known.stats === stats) return known;
    const head = smallFile(join(gitDir, 'HEAD'))?.trim();
    if (head === undefined) return undefined;
    // A worktree's git dir names the common one; a main checkout's git dir is the common one.
    const relative = smallFile(join(gitDir, 'commondir'))?.trim();
    const common = relative ? (isAbsolute(relative) ? relative : join(gitDir, relative)) : gitDir;
    const ref = /^ref:\s*(refs\/\S+)$/.exec(head)?.[1];
    if (ref === undefined && !/^[0-9a-f]{40,64}$/.test(head)) return undefined;
    lastPlace = { workingDir, pointer, gitDir, stats, head, ref, common };
    return lastPlace;
  } catch {
    return undefined;
  }
}

/**
 * A small regular file's text, or undefined. The agent can rewrite `.git` in its worktree to point anywhere: a FIFO
 * or a device there must not block the orchestrator, nor a huge file be read whole (io/regular-file.ts).
 */
function smallFile(file: string, maxBytes = 4096): string | undefined {
  return readSmallFile(file, maxBytes) ?? undefined;
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
