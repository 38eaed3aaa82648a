import { describe, expect, test } from 'vitest';
import { backoffMs, type AttemptContext, type AttemptResult } from '../../src/core/attempts.js';
import { nextStep } from '../../src/core/iteration.js';
import type { Classified } from '../../src/core/failure-class.js';
import type { SignalRead } from '../../src/core/signal.js';

const policy = { maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 3000, maxRateLimitWaitMs: 60_000, maxRateLimitWaits: 3 };
type Attempt = Pick<AttemptResult, 'failure' | 'stderrTail'>;
const ok: Attempt = { stderrTail: '' };
const failed = (failure: Classified, stderrTail = ''): Attempt => ({ stderrTail, failure });
const good: SignalRead = { ok: true, signal: { status: 'continue' } };
const missing: SignalRead = { ok: false, problem: { kind: 'signal_missing', message: 'm' } };
const illegal: SignalRead = { ok: false, problem: { kind: 'illegal_transition', message: 'i' } };
const ctx = (over: Partial<AttemptContext> = {}): AttemptContext => ({
  failures: 0,
  waits: 0,
  correctiveUsed: false,
  fallbackAvailable: false,
  policy,
  ...over,
});

describe('nextStep', () => {
  test('a clean run with a signal is accepted; other problems are accepted at once (they block)', () => {
    expect(nextStep(ok, good, ctx())).toEqual({ action: 'accept', read: good });
    expect(nextStep(ok, illegal, ctx())).toEqual({ action: 'accept', read: illegal });
  });

  test('a missing signal earns one corrective re-run, then is accepted as the problem', () => {
    expect(nextStep(ok, missing, ctx())).toEqual({
      action: 'corrective',
      problem: { kind: 'signal_missing', message: 'm' },
    });
    expect(nextStep(ok, missing, ctx({ correctiveUsed: true }))).toEqual({ action: 'accept', read: missing });
  });

  test('backoff classes retry with growing delays, stop after the retries, and stop at once when the same class repeats', () => {
    const crash = failed({ cls: 'crashed', detail: 'exited with code 1' }, 'boom\n');
    expect(nextStep(crash, missing, ctx({ failures: 1 }))).toEqual({
      action: 'retry',
      delayMs: 1000,
      why: 'crashed: exited with code 1',
      cls: 'crashed',
    });
    expect(nextStep(crash, missing, ctx({ failures: 2, previous: 'timeout' }))).toMatchObject({
      action: 'retry',
      delayMs: 2000,
    });
    const twice = nextStep(crash, missing, ctx({ failures: 2, previous: 'crashed' }));
    expect(twice).toMatchObject({ action: 'give_up', cls: 'crashed', problem: { kind: 'agent_failed' } });
    if (twice.action === 'give_up')
      expect(twice.problem.message).toBe(
        'crashed: exited with code 1 (the same failure twice in a row, on 2 attempts); last stderr: boom',
      );
    const spent = nextStep(crash, missing, ctx({ failures: 3, previous: 'timeout' }));
    if (spent.action === 'give_up') expect(spent.problem.message).toContain('on 3 attempts; SAMOCODE_MAX_RETRIES=2');
    else expect.fail(`expected give_up, got ${spent.action}`);
  });

  test('hard classes block at once with the fix, or go to the fallback provider once', () => {
    const auth = failed({ cls: 'auth', detail: '401 Invalid API key', fix: 'set ANTHROPIC_API_KEY' });
    expect(nextStep(auth, missing, ctx({ failures: 1 }))).toEqual({
      action: 'give_up',
      cls: 'auth',
      problem: {
        kind: 'agent_failed',
        message: 'authentication failed: 401 Invalid API key. Fix: set ANTHROPIC_API_KEY',
      },
    });
    expect(nextStep(auth, missing, ctx({ failures: 1, fallbackAvailable: true }))).toMatchObject({
      action: 'fallback',
      cls: 'auth',
    });
    // A content problem never goes to the fallback.
    const denied = failed({ cls: 'permission_denied', detail: 'Write to /s/_signal.json was denied' });
    expect(nextStep(denied, missing, ctx({ failures: 1, fallbackAvailable: true }))).toMatchObject({
      action: 'give_up',
      cls: 'permission_denied',
    });
  });

  test('rate limits wait (honouring retry-after, capped) without counting as failures, up to a number of waits', () => {
    const limited = (retryAfterMs?: number) => failed({ cls: 'rate_limited', detail: '429', retryAfterMs });
    expect(nextStep(limited(5000), missing, ctx({ waits: 1 }))).toEqual({
      action: 'retry',
      delayMs: 5000,
      why: 'rate limited: 429',
      cls: 'rate_limited',
    });
    expect(nextStep(limited(10 * 3_600_000), missing, ctx({ waits: 1 }))).toMatchObject({ delayMs: 60_000 });
    expect(nextStep(limited(), missing, ctx({ waits: 1 }))).toMatchObject({ delayMs: 60_000 });
    expect(nextStep(limited(), missing, ctx({ waits: 3 }))).toMatchObject({ action: 'retry' });
    expect(nextStep(limited(), missing, ctx({ waits: 4 }))).toMatchObject({
      action: 'give_up',
      problem: { message: expect.stringContaining('still rate limited after 3 waits') },
    });
  });

  test('out of turns: the signal if written, else a max_turns step', () => {
    const turns = failed({ cls: 'max_turns', detail: 'reached the maximum number of turns' });
    expect(nextStep(turns, good, ctx())).toEqual({ action: 'max_turns', read: good });
    expect(nextStep(turns, missing, ctx())).toEqual({ action: 'max_turns', read: missing });
  });

  test('backoff doubles and is capped', () => {
    expect([1, 2, 3, 4].map((f) => backoffMs(f, policy))).toEqual([1000, 2000, 3000, 3000]);
  });
});
