// Stall detection: an agent that keeps "continuing" in the same phase without changing anything is burning money.
// Pure: the loop passes in whether the iteration changed the working tree and the session files.
import type { Problem, Signal } from './signal.js';
import type { SessionState } from './state.js';

export interface Progress {
  /** The working tree (files, index, HEAD) changed during the iteration. */
  tree: boolean;
  /** Files in the session folder that the agent writes (not samocode's own) changed. */
  session: boolean;
  /** Whether `tree` was measured (both snapshots had it) or assumed. */
  treeKnown?: boolean | undefined;
}

/**
 * Does this iteration count toward a stall, and does it reach the limit? Only an iteration that stayed in its phase
 * with `continue` can stall: moving on, waiting for the person (a requirements phase waiting for answers) or blocking
 * is not a stall. It counts when it changed nothing at all, or changed only session notes while repeating the last
 * summary word for word (the same signal again).
 */
export function judgeStall(
  state: Pick<SessionState, 'phase' | 'stallCount' | 'lastSummary'>,
  signal: Signal,
  stayed: boolean,
  progress: Progress | undefined,
  limit: number,
): { stalled: boolean; problem?: Problem } {
  if (!progress || limit <= 0 || !stayed || signal.status !== 'continue') return { stalled: false };
  const repeated = signal.summary !== undefined && signal.summary === state.lastSummary;
  const stalled = !progress.tree && (!progress.session || repeated);
  if (!stalled) return { stalled: false };
  const count = (state.stallCount ?? 0) + 1;
  if (count < limit) return { stalled: true };
  const what = progress.session ? 'changed only session notes while repeating the same summary' : 'changed nothing in the working tree or the session files';
  return {
    stalled: true,
    problem: {
      kind: 'stalled',
      message: `stalled: ${count} iterations in a row in ${state.phase} ${what}${signal.summary ? ` (last summary: ${JSON.stringify(signal.summary)})` : ''}. Look at the agent's logs, steer it in _overview.md, or raise SAMOCODE_STALL_LIMIT (${limit}), then run again.`,
    },
  };
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
