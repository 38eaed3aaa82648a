// core/iteration.ts: what one finished iteration means, table by table (the phase table itself: decide.test.ts;
// the per-attempt step: attempts.test.ts; the stall count: budget-stall.test.ts).
import { describe, expect, test } from 'vitest';
import type { AttemptResult } from '../../src/core/attempts.js';
import {
  couldStall,
  iterationEntry,
  judgeIteration,
  withStall,
  type FinishedIteration,
  type Verdict,
} from '../../src/core/iteration.js';
import type { Progress } from '../../src/core/progress.js';
import type { Signal, SignalRead } from '../../src/core/signal.js';
import type { SessionState } from '../../src/core/state.js';
import type { WaitSignalFacts } from '../../src/core/wait.js';
import { fakeState } from '../helpers/fake-state.js';
import { LIMITS, MISSING } from '../helpers/loop-fakes.js';

const ok = (signal: Signal): SignalRead => ({ ok: true, signal });
const missing: SignalRead = { ok: false, problem: MISSING };
const last: AttemptResult = {
  outcome: { exitCode: 0, killSignal: null, timedOut: false, idle: false, cancelled: false, durationMs: 1200 },
  stderrTail: '',
  read: missing,
  provider: 'claude',
  log: '_logs/x.jsonl',
  usage: { turns: 3, costUsd: 0.25 },
};
const finished = (read: SignalRead, over: Partial<FinishedIteration> = {}): FinishedIteration => ({
  last: { ...last, read },
  read,
  attempts: 1,
  corrective: false,
  iterationMs: 1500,
  maxTurns: false,
  ...over,
});
const outOfTurns = finished(missing, {
  maxTurns: true,
  last: { ...last, failure: { cls: 'max_turns', detail: 'claude stopped: 2 turns' } },
});
const roots = ['/s', '/work/tree'];

describe('judgeIteration', () => {
  test.each<
    [string, Partial<SessionState>, FinishedIteration, WaitSignalFacts | undefined, Verdict | Record<string, unknown>]
  >([
    [
      'a good signal moves on',
      {},
      finished(ok({ status: 'continue', phase: 'requirements' })),
      undefined,
      { ok: true, phaseAfter: 'requirements', statusAfter: 'running' },
    ],
    ['a read problem is the verdict', {}, finished(missing), undefined, { ok: false, problem: MISSING }],
    [
      'the phase table still judges',
      {},
      finished(ok({ status: 'continue', phase: 'planning' })),
      undefined,
      { ok: false, problem: { kind: 'illegal_transition' } },
    ],
    [
      'out of turns, no signal: go on in the same phase',
      {},
      outOfTurns,
      undefined,
      { ok: true, phaseAfter: 'investigation', statusAfter: 'running' },
    ],
    [
      'out of turns twice: agent_failed with the fix',
      { carryNote: 'max_turns' },
      outOfTurns,
      undefined,
      {
        ok: false,
        problem: {
          kind: 'agent_failed',
          message: expect.stringContaining(
            'out of turns twice in a row without signalling (claude stopped: 2 turns). Fix: raise CLAUDE_MAX_TURNS',
          ),
        },
      },
    ],
    [
      'out of turns at the phase limit: the limit applies',
      { phaseIterations: 9 },
      outOfTurns,
      undefined,
      { ok: false, problem: { kind: 'phase_limit' } },
    ],
    [
      'a wait for a file inside the roots',
      { phase: 'implementation' },
      finished(ok({ status: 'waiting', for: 'file_update', file: 'notes.md' })),
      { file: { resolved: '/s/notes.md', roots } },
      { ok: true, statusAfter: 'waiting' },
    ],
    [
      'a wait for a file outside: signal_invalid',
      { phase: 'implementation' },
      finished(ok({ status: 'waiting', for: 'file_update', file: '/etc/hostname' })),
      { file: { resolved: '/etc/hostname', roots } },
      { ok: false, problem: { kind: 'signal_invalid' } },
    ],
  ])('%s', (_name, state, iteration, waitFacts, expected) => {
    expect(judgeIteration(fakeState(state), iteration, LIMITS, waitFacts)).toMatchObject(expected);
  });
});

describe('couldStall: when the working tree is worth a git call', () => {
  const stayed: Verdict = { ok: true, phaseAfter: 'investigation', statusAfter: 'running' };
  const stay = (summary?: string) => ok({ status: 'continue', summary });
  test.each<[string, Partial<SessionState>, SignalRead, Verdict, boolean, boolean]>([
    ['stayed, session files unchanged', { lastSummary: 'old' }, stay('new'), stayed, true, true],
    ['stayed, session files changed, same summary', { lastSummary: 'same' }, stay('same'), stayed, false, true],
    [
      'stayed, session files changed, new summary: visible work',
      { lastSummary: 'old' },
      stay('new'),
      stayed,
      false,
      false,
    ],
    ['moved on', {}, stay(), { ok: true, phaseAfter: 'requirements', statusAfter: 'running' }, true, false],
    [
      'waiting',
      {},
      ok({ status: 'waiting', for: 'qa_answers' }),
      { ok: true, phaseAfter: 'investigation', statusAfter: 'waiting' },
      true,
      false,
    ],
    ['rejected', {}, stay(), { ok: false, problem: MISSING }, true, false],
    ['no signal', {}, missing, stayed, true, false],
  ])('%s', (_name, state, read, verdict, sessionUnchanged, expected) => {
    expect(couldStall(fakeState(state), read, verdict, sessionUnchanged)).toBe(expected);
  });
});

describe('withStall: the stall override', () => {
  const nothing: Progress = { tree: false, session: false, treeKnown: true };
  const stayed: Verdict = { ok: true, phaseAfter: 'investigation', statusAfter: 'running' };
  const go = ok({ status: 'continue' });
  test.each<
    [string, number, SignalRead, Verdict, Progress | undefined, { stalled: boolean; verdict: Record<string, unknown> }]
  >([
    ['below the limit: counted, verdict kept', 0, go, stayed, nothing, { stalled: true, verdict: stayed }],
    [
      'at the limit: blocked as stalled',
      2,
      go,
      stayed,
      nothing,
      { stalled: true, verdict: { ok: false, problem: { kind: 'stalled' } } },
    ],
    ['not measured: never a stall', 2, go, stayed, undefined, { stalled: false, verdict: stayed }],
    [
      'the tree changed',
      2,
      go,
      stayed,
      { tree: true, session: false, treeKnown: true },
      { stalled: false, verdict: stayed },
    ],
    [
      'an already rejected verdict stays as it is',
      2,
      go,
      { ok: false, problem: MISSING },
      nothing,
      { stalled: false, verdict: { ok: false, problem: MISSING } },
    ],
  ])('%s', (_name, stallCount, read, verdict, progress, expected) => {
    expect(withStall(fakeState({ stallCount }), read, verdict, progress, 3)).toMatchObject(expected);
  });
});

describe('iterationEntry', () => {
  const head = { seq: 4, time: '2026-01-02T03:04:05.000Z', phase: 'investigation' as const, iteration: 3 };
  const entry = (over: Partial<Parameters<typeof iterationEntry>[1]>) =>
    iterationEntry(head, {
      state: fakeState(),
      finished: finished(missing),
      verdict: { ok: false, problem: MISSING },
      progress: undefined,
      stallLimit: 3,
      waitFacts: undefined,
      ...over,
    });

  test('the run as the history keeps it: the same keys as ever (`signal` is the POSIX signal), idle only when it was', () => {
    const killed = finished(missing, {
      attempts: 2,
      corrective: true,
      fallbackFrom: 'codex',
      last: {
        ...last,
        outcome: { ...last.outcome, exitCode: null, killSignal: 'SIGKILL', timedOut: true, idle: true },
        failure: { cls: 'timeout', detail: 'd' },
      },
    });
    expect(entry({ finished: killed }).run).toEqual({
      exitCode: null,
      signal: 'SIGKILL',
      timedOut: true,
      durationMs: 1200,
      provider: 'claude',
      log: '_logs/x.jsonl',
      failure: 'timeout',
      turns: 3,
      costUsd: 0.25,
      idle: true,
      attempts: 2,
      corrective: true,
      iterationMs: 1500,
      fallbackFrom: 'codex',
    });
    expect(Object.keys(entry({}).run)).not.toContain('idle');
    expect(Object.keys(entry({}).run)).not.toContain('killSignal');
  });

  test.each<[string, Partial<Parameters<typeof iterationEntry>[1]>, Record<string, unknown>]>([
    [
      'a rejected signal blocks, naming the problem',
      {},
      {
        statusAfter: 'blocked',
        phaseAfter: 'investigation',
        validation: 'signal_missing',
        problem: MISSING.message,
        signal: null,
      },
    ],
    [
      'out of turns, carried on',
      { finished: outOfTurns, verdict: { ok: true, phaseAfter: 'investigation', statusAfter: 'running' } },
      { validation: 'max_turns', statusAfter: 'running', problem: undefined },
    ],
    [
      'a wait for answers records how many questions there were',
      {
        finished: finished(ok({ status: 'waiting', for: 'qa_answers' })),
        verdict: { ok: true, phaseAfter: 'investigation', statusAfter: 'waiting' },
        waitFacts: { questions: 3 },
      },
      { validation: 'ok', statusAfter: 'waiting', waitQuestions: 3, signal: { status: 'waiting', for: 'qa_answers' } },
    ],
    ['session files changed', { progress: { tree: false, session: true, treeKnown: false } }, { changed: true }],
    ['a measured, unchanged tree', { progress: { tree: false, session: false, treeKnown: true } }, { changed: false }],
    [
      'an unmeasured tree is not reported',
      { progress: { tree: true, session: false, treeKnown: false } },
      { changed: undefined },
    ],
    [
      'a stall at the limit overrides the verdict',
      {
        state: fakeState({ stallCount: 2 }),
        finished: finished(ok({ status: 'continue' })),
        verdict: { ok: true, phaseAfter: 'investigation', statusAfter: 'running' },
        progress: { tree: false, session: false, treeKnown: true },
      },
      { validation: 'stalled', statusAfter: 'blocked', stalled: true, changed: false },
    ],
  ])('%s', (_name, over, expected) => {
    expect(entry(over)).toMatchObject({ ...head, event: 'iteration', ...expected });
  });
});
