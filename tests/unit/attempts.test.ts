import { describe, expect, test } from 'vitest';
import { backoffMs, nextStep, type AttemptOutcome } from '../../src/core/attempts.js';
import type { SignalRead } from '../../src/core/signal.js';

const policy = { maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 3000 };
const ok: AttemptOutcome = { exitCode: 0, signal: null, timedOut: false, stderrTail: '' };
const good: SignalRead = { ok: true, signal: { status: 'continue' } };
const missing: SignalRead = { ok: false, problem: { kind: 'signal_missing', message: 'm' } };
const illegal: SignalRead = { ok: false, problem: { kind: 'illegal_transition', message: 'i' } };

describe('nextStep', () => {
  test('a clean run with a signal is accepted', () => {
    expect(nextStep(ok, good, { failures: 0, correctiveUsed: false, policy }, 60_000)).toEqual({ action: 'accept', read: good });
  });

  test.each([
    ['non-zero exit', { ...ok, exitCode: 1 }, 'exited with code 1'],
    ['timeout', { ...ok, exitCode: null, signal: 'SIGTERM', timedOut: true }, 'timed out after 60 s'],
    ['killed', { ...ok, exitCode: null, signal: 'SIGKILL' }, 'killed by SIGKILL'],
    ['spawn failure', { ...ok, exitCode: null, spawnError: 'ENOENT: not found' }, 'could not start the agent'],
  ])('%s is retried with backoff, then given up', (_name, outcome, why) => {
    expect(nextStep(outcome, good, { failures: 1, correctiveUsed: false, policy }, 60_000)).toEqual({ action: 'retry', delayMs: 1000, why: expect.stringContaining(why) });
    expect(nextStep(outcome, good, { failures: 2, correctiveUsed: false, policy }, 60_000)).toMatchObject({ action: 'retry', delayMs: 2000 });
    const last = nextStep({ ...outcome, stderrTail: 'trace\nfatal: boom\n' }, good, { failures: 3, correctiveUsed: false, policy }, 60_000);
    expect(last).toMatchObject({ action: 'give_up', problem: { kind: 'agent_failed' } });
    if (last.action === 'give_up') expect(last.problem.message).toMatch(new RegExp(`${why}.*3 attempts.*SAMOCODE_MAX_RETRIES=2.*fatal: boom`, 's'));
  });

  test('a missing signal earns one corrective re-run, then is accepted as the problem', () => {
    expect(nextStep(ok, missing, { failures: 0, correctiveUsed: false, policy }, 1)).toEqual({ action: 'corrective', problem: missing.ok ? undefined : missing.problem });
    expect(nextStep(ok, missing, { failures: 0, correctiveUsed: true, policy }, 1)).toEqual({ action: 'accept', read: missing });
  });

  test('other problems are accepted at once (they block)', () => {
    expect(nextStep(ok, illegal, { failures: 0, correctiveUsed: false, policy }, 1)).toEqual({ action: 'accept', read: illegal });
  });

  test('backoff doubles and is capped', () => {
    expect([1, 2, 3, 4].map((f) => backoffMs(f, policy))).toEqual([1000, 2000, 3000, 3000]);
  });
});
