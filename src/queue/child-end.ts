// What the end of a session's `orchestrate run` child means for its job: an outcome, or a crash worth a restart.
// Pure: the worker (worker.ts) gathers the facts (exit code, signal, stderr tail, the session's state and last
// failure class) and acts on the verdict.
import { EXIT_CODES } from '../errors.js';
import type { JobResult } from './backend.js';

export interface ChildEnd {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines it printed on stderr, scrubbed. */
  stderrTail: string;
}

export interface SessionFacts {
  blockedReason?: string | undefined;
  /** The failure class of the last iteration's last attempt (core/failure-class.ts), from the history. */
  lastFailure?: string | undefined;
}

export type ChildVerdict =
  | { kind: 'result'; result: JobResult }
  /** Blocked because the provider kept rate-limiting it: the worker backs off the provider and re-queues the job. */
  | { kind: 'rate_limited' }
  /** Died unexpectedly (a crash, a kill, an internal error): its state is in the files, a restart resumes it. */
  | { kind: 'crashed'; why: string };

const NAMES = new Map<number, string>(Object.entries(EXIT_CODES).map(([name, code]) => [code, name]));

/** `stopping`: the worker itself asked the child to stop (drain, a lost lease), so an interrupt is expected. */
export function judgeChildEnd(end: ChildEnd, facts: SessionFacts, stopping: boolean): ChildVerdict {
  const how = describeEnd(end);
  const interrupt =
    end.exitCode === EXIT_CODES.sigterm ||
    end.exitCode === EXIT_CODES.sigint ||
    end.signal === 'SIGTERM' ||
    end.signal === 'SIGINT';
  // While stopping, any end is an interruption: a child killed by the signal before it could handle it resumes too.
  if (stopping && end.exitCode !== EXIT_CODES.done && end.exitCode !== EXIT_CODES.waiting)
    if (interrupt || end.signal !== null || end.exitCode === EXIT_CODES.internal)
      return { kind: 'result', result: { outcome: 'interrupted' } };
  switch (end.exitCode) {
    case EXIT_CODES.done:
      return { kind: 'result', result: { outcome: 'done' } };
    case EXIT_CODES.waiting:
      return { kind: 'result', result: { outcome: 'waiting' } };
    case EXIT_CODES.blocked:
    case EXIT_CODES.agentFailed:
      if (facts.lastFailure === 'rate_limited') return { kind: 'rate_limited' };
      return { kind: 'result', result: { outcome: 'blocked', reason: facts.blockedReason ?? how } };
    case EXIT_CODES.usage:
    case EXIT_CODES.config:
    case EXIT_CODES.locked:
    case EXIT_CODES.storage:
      // A restart would meet the same problem: the person must fix it first.
      return { kind: 'result', result: { outcome: 'failed', reason: withTail(how, end.stderrTail) } };
  }
  if (interrupt) {
    return {
      kind: 'result',
      result: {
        outcome: 'failed',
        reason: `${how}: stopped from outside the worker; the session is resumable: orchestrate enqueue it again`,
      },
    };
  }
  return { kind: 'crashed', why: withTail(how, end.stderrTail) };
}

export function describeEnd(end: ChildEnd): string {
  if (end.exitCode === null) return `orchestrate run was killed by ${end.signal ?? 'a signal'}`;
  const name = NAMES.get(end.exitCode);
  return `orchestrate run exited ${end.exitCode}${name ? ` (${name})` : ''}`;
}

function withTail(how: string, tail: string): string {
  const text = tail.trim();
  return text ? `${how}; its last words: ${text}` : how;
}
