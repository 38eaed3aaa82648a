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

/**
 * A cheap look at the tree that can only prove a change: the HEAD files and the stats of the paths a `git status`
 * listed (io/progress-probe.ts). A glance that differs from the last one means the tree changed; an equal one means
 * nothing, since a change elsewhere (a new file, an edit to a clean file) does not show in it.
 */
export interface Glance {
  paths: readonly string[];
  value: string;
}

/** What a `git status` look gives: the tree's fingerprint, and the glance to compare the next look with. */
export interface TreeLook {
  fingerprint: string;
  glance?: Glance | undefined;
}

/**
 * What the probe sees of the workspace at one moment; compared as strings. `tree` is undefined when unknown or not
 * taken; `glance` alone (no `tree`) when a glance already showed the change.
 */
export interface Snapshot {
  tree?: string | undefined;
  glance?: Glance | undefined;
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
  const session = before.session !== after.session;
  // A glance that moved is a change seen: no git call was needed to know it.
  if (after.tree === undefined && after.glance && before.glance && after.glance.value !== before.glance.value)
    return { tree: true, session, treeKnown: true };
  // Without a way to see the tree (standalone session, a glance before), assume it changed: better no stall than a
  // false one. Two full looks are compared only with each other, so a stall is never judged from a glance.
  const treeKnown = before.tree !== undefined && after.tree !== undefined;
  return { tree: treeKnown ? before.tree !== after.tree : true, session, treeKnown };
}
