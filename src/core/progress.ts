// What stall detection measures: the workspace before and after an iteration, compared. Pure: the loop's probe
// takes the snapshots (io/progress-probe.ts); whether no progress is a stall is core/iteration.ts's judgement.
// The agent's stream is evidence too: a file it wrote in the working tree is progress without asking git.
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface Progress {
  /** The working tree (files, index, HEAD) changed during the iteration. */
  tree: boolean;
  /** Files in the session folder that the agent writes (not samocode's own) changed. */
  session: boolean;
  /** Whether `tree` was measured (both snapshots had it) or assumed. */
  treeKnown?: boolean | undefined;
}

/** What the probe sees of the workspace at one moment; compared as strings. `tree` is undefined when unknown. */
export interface Snapshot {
  tree?: string | undefined;
  session: string;
}

/**
 * How many of the files the agent's stream says it wrote (Write/Edit … that came back without an error) lie in the
 * working tree: inside `workingDir` (relative paths are resolved against it), outside its `.git` and outside the
 * session folder (its notes and the signal are not the tree's progress).
 */
export function treeWrites(paths: readonly string[], workingDir: string, sessionDir: string): number {
  const inside = (dir: string, path: string) => {
    const rel = relative(dir, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  return paths.filter((path) => {
    const full = resolve(workingDir, path);
    if (!inside(workingDir, full) || inside(sessionDir, full)) return false;
    const rel = relative(workingDir, full);
    return rel !== '' && rel !== '.git' && !rel.startsWith(`.git${sep}`);
  }).length;
}

export function progressBetween(before: Snapshot, after: Snapshot): Progress {
  // Without a way to see the tree (standalone session), assume it changed: better no stall than a false one.
  const treeKnown = before.tree !== undefined && after.tree !== undefined;
  return { tree: treeKnown ? before.tree !== after.tree : true, session: before.session !== after.session, treeKnown };
}
