// What stall detection measures: the workspace before and after an iteration, compared. Pure: the loop's probe
// takes the snapshots (io/progress-probe.ts); whether no progress is a stall is core/iteration.ts's judgement.

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

export function progressBetween(before: Snapshot, after: Snapshot): Progress {
  // Without a way to see the tree (standalone session), assume it changed: better no stall than a false one.
  const treeKnown = before.tree !== undefined && after.tree !== undefined;
  return { tree: treeKnown ? before.tree !== after.tree : true, session: before.session !== after.session, treeKnown };
}
