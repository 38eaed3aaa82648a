// Where a session stands at the end of a run that did not finish it (waiting, blocked, interrupted): its branch,
// commits and diffstat (git), the checks' last results (the history), spending and wall time (the state).
import { join } from 'node:path';
import { latestChecks, wallTime, type Standing } from '../core/delivery.js';
import { HISTORY_FILE } from '../core/session-files.js';
import type { HistoryEntry, SessionState } from '../core/state.js';
import { parseEntry } from '../io/history-log.js';
import { readIfExists } from '../io/read-if-exists.js';
import { branchFacts, gitIn } from './branch-facts.js';

/** Every readable entry of the history (a torn or hand-edited line is skipped: this only reports). */
export function readHistoryEntries(sessionDir: string): HistoryEntry[] {
  const text = readIfExists(join(sessionDir, HISTORY_FILE)) ?? '';
  return text
    .split('\n')
    .map((line) => (line.trim() ? parseEntry(line) : undefined))
    .filter((e): e is HistoryEntry => e !== undefined);
}

/**
 * The standing of `state`. The git calls get their own short deadline and abort: the run's own abort may already
 * have fired (Ctrl-C), and the last words must still come.
 */
export async function runStanding(
  state: SessionState,
  opts: { sessionDir: string; env: NodeJS.ProcessEnv; killGraceMs: number; next: string; now: Date },
): Promise<Standing> {
  const standing: Standing = {
    branch: state.standalone ? undefined : state.branch,
    base: state.baseBranch,
    checks: latestChecks(readHistoryEntries(opts.sessionDir)),
    totals: state.totals,
    wallMs: wallTime(state, opts.now.toISOString()),
    next: opts.next,
  };
  if (state.standalone || !state.branch) return standing;
  const git = gitIn(state.workingDir, opts.env, {
    timeoutMs: 10_000,
    killGraceMs: opts.killGraceMs,
    abort: new AbortController().signal,
  });
  const read = await branchFacts(git, state);
  if (read.ok) {
    standing.commitCount = read.facts.commitCount;
    standing.diffstat = read.facts.diffstat;
  }
  return standing;
}
