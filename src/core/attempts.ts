// One spawn of the agent for an iteration (what the AgentPort reports), and the retry policy for a failed one: wait
// and retry, back off and retry, switch to the fallback provider, or give up. Pure: the failure was classified from
// the exit, the stream and stderr (core/failure-class.ts); this decides what to do about it. What a run that did not
// fail means, and the one corrective re-run for a missing signal, are core/iteration.ts's (`nextStep`).
import type { ChildOutcome } from './child-outcome.js';
import { FAILURE_POLICY, type Classified, type FailureClass } from './failure-class.js';
import type { Problem, SignalRead } from './signal.js';
import type { RunFacts } from './state.js';

/** One attempt, as agent/session-agent.ts reports it. */
export interface AttemptResult {
  /** How the agent's process ended. */
  outcome: ChildOutcome;
  /** What went wrong, if anything did. */
  failure?: Classified | undefined;
  /** The end of the agent's stderr, for messages: read only when a message may need it, else empty. */
  stderrTail: string;
  read: SignalRead;
  /** The agent's last words in its stream: the iteration's summary when the signal has none. */
  lastText?: string | undefined;
  /** The CLI that ran (the fallback's, if the iteration switched). */
  provider: string;
  /** The raw stream log, relative to the session folder. */
  log?: string | undefined;
  /** Files in the working tree the stream says were written (core/progress.ts treeWrites): stall evidence. */
  treeWrites?: number | undefined;
  /** What the CLI reported: turns, cost, tokens and tool calls, recorded in the history as they are. */
  usage: Pick<RunFacts, 'turns' | 'costUsd' | 'costEstimated' | 'tokens' | 'toolCalls' | 'toolFailures'>;
}

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest single wait for a rate limit, whatever the CLI says. */
  maxRateLimitWaitMs: number;
  /** Rate-limit waits allowed in one iteration before giving up. */
  maxRateLimitWaits: number;
}

/** The parts of the retry policy that are not settings: the longest backoff, and the waits one iteration may take. */
export const RETRY_LIMITS = { maxDelayMs: 5 * 60_000, maxRateLimitWaits: 8 } as const;

export type NextStep =
  | { action: 'retry'; delayMs: number; why: string; cls: FailureClass }
  | { action: 'fallback'; why: string; cls: FailureClass }
  | { action: 'corrective'; problem: Problem }
  | { action: 'accept'; read: SignalRead }
  /** The agent hit its turn limit: its signal if it wrote one, else the iteration ends with a note for the next. */
  | { action: 'max_turns'; read: SignalRead }
  | { action: 'give_up'; problem: Problem; cls: FailureClass };

export interface AttemptContext {
  /** Failed spawns so far in this iteration that count (rate-limit waits do not), including this one. */
  failures: number;
  /** Rate-limit waits so far in this iteration. */
  waits: number;
  /** The class of the previous attempt's failure, if it failed. */
  previous?: FailureClass | undefined;
  /** Whether the one corrective re-run for this iteration has been used. */
  correctiveUsed: boolean;
  /** A fallback provider is configured and has not been tried in this iteration. */
  fallbackAvailable: boolean;
  policy: RetryPolicy;
}

/** What to do after a failed run. Out of turns is not a failure of the run: its signal (or none) is judged. */
export function failureStep(failure: Classified, stderrTail: string, read: SignalRead, ctx: AttemptContext): NextStep {
  const policy = FAILURE_POLICY[failure.cls];
  const why = `${policy.label}: ${failure.detail}`;
  const giveUp = (reason: string): NextStep => {
    if (policy.fallbackWorthy && ctx.fallbackAvailable) return { action: 'fallback', why, cls: failure.cls };
    return {
      action: 'give_up',
      cls: failure.cls,
      problem: {
        kind: 'agent_failed',
        message: `${why}${reason}${failure.fix ? `. Fix: ${failure.fix}` : ''}${stderrNote(stderrTail)}`,
      },
    };
  };

  switch (policy.action) {
    case 'continue':
      return { action: 'max_turns', read };
    case 'block':
      return giveUp('');
    case 'wait': {
      if (ctx.waits > ctx.policy.maxRateLimitWaits)
        return giveUp(` (still rate limited after ${ctx.policy.maxRateLimitWaits} waits)`);
      // Without a retry-after or reset time from the CLI, a minute is a fair first guess.
      const delayMs = Math.min(ctx.policy.maxRateLimitWaitMs, failure.retryAfterMs ?? 60_000);
      return { action: 'retry', delayMs, why, cls: failure.cls };
    }
    case 'backoff': {
      // The same failure twice in a row is not passing: stop spending attempts on it.
      if (ctx.previous === failure.cls)
        return giveUp(` (the same failure twice in a row, on ${ctx.failures} attempts)`);
      if (ctx.failures > ctx.policy.maxRetries)
        return giveUp(` (on ${ctx.failures} attempts; SAMOCODE_MAX_RETRIES=${ctx.policy.maxRetries})`);
      return { action: 'retry', delayMs: backoffMs(ctx.failures, ctx.policy), why, cls: failure.cls };
    }
  }
}

function stderrNote(stderrTail: string): string {
  const tail = stderrTail.trim();
  return tail ? `; last stderr: ${tail.slice(-500)}` : '';
}

/** Exponential backoff: base, 2×base, 4×base … capped. */
export function backoffMs(failures: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
}
