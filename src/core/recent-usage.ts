// What the sessions spent over a recent window (Telegram's /stats): iterations, failures, cost and tokens, summed
// from their history entries. Pure: the caller reads `_signal_history.jsonl` and feeds the entries in.
import type { HistoryEntry } from './state.js';

/** What iterations spent, summed. */
export interface Usage {
  iterations: number;
  failedIterations: number;
  costUsd: number;
  costEstimated: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheTokens: number;
}

export interface SessionUsage extends Usage {
  name: string;
}

export function emptyUsage(name: string): SessionUsage {
  return {
    name,
    iterations: 0,
    failedIterations: 0,
    costUsd: 0,
    costEstimated: false,
    inputTokens: 0,
    outputTokens: 0,
    cacheTokens: 0,
  };
}

/** Adds one history entry when it is an iteration that ended at or after `sinceMs`; other entries change nothing. */
export function addUsage(usage: SessionUsage, entry: HistoryEntry, sinceMs: number): void {
  if (entry.event !== 'iteration') return;
  const at = Date.parse(entry.time);
  if (!Number.isFinite(at) || at < sinceMs) return;
  const run = entry.run ?? {};
  usage.iterations += 1;
  if (run.failure !== undefined) usage.failedIterations += 1;
  usage.costUsd += finite(run.costUsd);
  if (run.costEstimated) usage.costEstimated = true;
  usage.inputTokens += finite(run.tokens?.inputTokens);
  usage.outputTokens += finite(run.tokens?.outputTokens);
  usage.cacheTokens += finite(run.tokens?.cacheReadTokens) + finite(run.tokens?.cacheWriteTokens);
}

/** The sum over sessions, and the sessions that ran at all, costliest first. */
export function totalUsage(sessions: readonly SessionUsage[]): { total: SessionUsage; active: SessionUsage[] } {
  const total = emptyUsage('all');
  for (const s of sessions) {
    total.iterations += s.iterations;
    total.failedIterations += s.failedIterations;
    total.costUsd += s.costUsd;
    total.costEstimated ||= s.costEstimated;
    total.inputTokens += s.inputTokens;
    total.outputTokens += s.outputTokens;
    total.cacheTokens += s.cacheTokens;
  }
  const active = sessions
    .filter((s) => s.iterations > 0)
    .sort((a, b) => b.costUsd - a.costUsd || b.iterations - a.iterations || a.name.localeCompare(b.name));
  return { total, active };
}

/** A hand-edited or older history may hold anything where a number belongs. */
function finite(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}
