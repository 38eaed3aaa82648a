// `orchestrate continue`: reopen a done session, under its lock, before the loop runs it. The earlier delivery is kept
// (`_delivery/` → `_delivery-<cycle>/`), a `continued` history entry starts the new cycle (core/state.ts folds it into
// the phase asked for, status running, the instruction for every prompt), and the worktree is made again if it was
// pruned. A session that is not done is refused, with the exit code of what it is.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import type { Phase } from '../../core/phases.js';
import { DELIVERY_DIR, OVERVIEW_FILE } from '../../core/session-files.js';
import { applyEntry, type ContinuedEntry, type SessionState } from '../../core/state.js';
import { EXIT_CODES, OrchestratorError } from '../../errors.js';
import { guardWrite } from '../../io/storage-failure.js';
import { sessionWorkspace } from '../../io/workspace.js';
import type { OpenSession } from '../run/open-session.js';

/** implementation: a fix with no question or plan to ask again (what the pull request rules use, core/pr-watch.ts). */
export const CONTINUE_PHASES = ['investigation', 'planning', 'implementation'] as const satisfies readonly Phase[];
export type ContinuePhase = (typeof CONTINUE_PHASES)[number];

export interface Continuation {
  instruction: string;
  from: ContinuePhase;
  rerun: string;
}

/** Refused: the session is not done. The exit code says what it is (4 blocked, 5 waiting, 6 running). */
export function notDone(state: SessionState, overview: string, rerun: string): OrchestratorError {
  const what =
    state.status === 'waiting'
      ? `waiting for you (${state.waitingFor ?? 'an answer'}) in ${state.phase}: answer it (see ${overview}), then run: ${rerun}`
      : state.status === 'blocked'
        ? `blocked in ${state.phase} (${state.blockedKind ?? 'blocked'}): fix the cause, then run: ${rerun}`
        : `running (or stopped mid-run, resumable) in ${state.phase}: let it finish, or resume it with: ${rerun}`;
  const code =
    state.status === 'waiting'
      ? EXIT_CODES.waiting
      : state.status === 'blocked'
        ? EXIT_CODES.blocked
        : EXIT_CODES.locked;
  return new OrchestratorError(
    `session ${state.session} is not done, so there is nothing to continue: it is ${what}. ` +
      '`orchestrate continue` reopens a done session only.',
    code,
  );
}

/** Make the opened (done) session the start of a new cycle; returns notes for the log. */
export async function reopenSession(
  config: Config,
  opened: OpenSession,
  continuation: Continuation,
  now: Date,
): Promise<string[]> {
  const before = opened.state;
  if (before.status !== 'done') throw notDone(before, join(opened.sessionDir, OVERVIEW_FILE), continuation.rerun);
  const notes: string[] = [];
  const cycle = (before.cycle ?? 1) + 1;
  const deliveryKept = keepDelivery(opened.sessionDir, cycle - 1);
  if (deliveryKept) notes.push(`kept the earlier delivery as ${join(opened.sessionDir, deliveryKept)}`);
  const last = before.historySeq;
  const entry: ContinuedEntry = {
    seq: last + 1,
    time: now.toISOString(),
    iteration: before.iterations,
    phase: before.phase,
    event: 'continued',
    phaseAfter: continuation.from,
    instruction: continuation.instruction,
    cycle,
    ...(deliveryKept ? { deliveryKept } : {}),
  };
  await opened.history.append(entry);
  let state = applyEntry(before, entry);
  if (!state.standalone) {
    // `orchestrate prune` may have removed the worktree (its branch stays unless --branches): make it again.
    const workspace = await sessionWorkspace(config, state);
    notes.push(workspace.note);
    state = { ...state, workingDir: workspace.workingDir, branch: workspace.branch ?? state.branch };
  }
  await opened.store.write(state);
  notes.push(
    `continued session ${state.session}: cycle ${cycle} starts in ${continuation.from} with the new instruction; history and totals go on`,
  );
  opened.state = state;
  opened.alreadyDone = false;
  return notes;
}

/** `_delivery/` → `_delivery-<n>/` (the first free n from the cycle it delivered); the name kept, if any. */
function keepDelivery(sessionDir: string, deliveredCycle: number): string | undefined {
  const current = join(sessionDir, DELIVERY_DIR);
  if (!existsSync(current)) return undefined;
  let n = Math.max(1, deliveredCycle);
  while (existsSync(join(sessionDir, `${DELIVERY_DIR}-${n}`))) n++;
  const kept = `${DELIVERY_DIR}-${n}`;
  guardWrite({ file: current, what: `keeping the earlier delivery as ${kept}` }, () =>
    renameSync(current, join(sessionDir, kept)),
  );
  return kept;
}
