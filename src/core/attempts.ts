// After one spawn of the agent: retry it, re-run it with a correction, or accept what we have. Pure.
import type { Problem, ProblemKind, SignalRead } from './signal.js';

/** Only a missing or unreadable signal earns a corrective re-run; every other problem blocks at once. */
export function isCorrectable(kind: ProblemKind): boolean {
  return kind === 'signal_missing' || kind === 'signal_empty' || kind === 'signal_not_json';
}

/** The facts of one finished spawn that the policy looks at. */
export interface AttemptOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The process could not be started at all (ENOENT, EACCES …). */
  spawnError?: string | undefined;
  stderrTail: string;
}

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type NextStep =
  | { action: 'retry'; delayMs: number; why: string }
  | { action: 'corrective'; problem: Problem }
  | { action: 'accept'; read: SignalRead }
  | { action: 'give_up'; problem: Problem };

export interface AttemptContext {
  /** 1-based count of failed spawns so far in this iteration, including this one if it failed. */
  failures: number;
  /** Whether the one corrective re-run for this iteration has been used. */
  correctiveUsed: boolean;
  policy: RetryPolicy;
}

export function describeFailure(outcome: AttemptOutcome, timeoutMs: number): string | undefined {
  if (outcome.spawnError) return `could not start the agent: ${outcome.spawnError}`;
  if (outcome.timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s (SAMOCODE_TIMEOUT) and was killed`;
  if (outcome.signal) return `was killed by ${outcome.signal}`;
  if (outcome.exitCode !== 0) return `exited with code ${outcome.exitCode}`;
  return undefined;
}

export function nextStep(outcome: AttemptOutcome, read: SignalRead, ctx: AttemptContext, timeoutMs: number): NextStep {
  const failure = describeFailure(outcome, timeoutMs);
  if (failure) {
    if (ctx.failures <= ctx.policy.maxRetries) {
      return { action: 'retry', delayMs: backoffMs(ctx.failures, ctx.policy), why: failure };
    }
    const tail = outcome.stderrTail.trim();
    return {
      action: 'give_up',
      problem: {
        kind: 'agent_failed',
        message:
          `the agent ${failure} on ${ctx.failures} attempt${ctx.failures === 1 ? '' : 's'} ` +
          `(SAMOCODE_MAX_RETRIES=${ctx.policy.maxRetries})` +
          (tail ? `; last stderr: ${tail.slice(-500)}` : ''),
      },
    };
  }
  if (!read.ok && isCorrectable(read.problem.kind) && !ctx.correctiveUsed) {
    return { action: 'corrective', problem: read.problem };
  }
  return { action: 'accept', read };
}

/** Exponential backoff: base, 2×base, 4×base … capped. */
export function backoffMs(failures: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
}
