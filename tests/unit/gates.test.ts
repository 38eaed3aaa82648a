// core/gates.ts, table-driven: when samocode's gates are due, and what a report makes of an accepted verdict.
import { describe, expect, test } from 'vitest';
import {
  gateFailureAfter,
  gatesDue,
  judgeGates,
  type CheckRun,
  type GateReport,
  type GateVerdict,
} from '../../src/core/gates.js';
import type { Phase } from '../../src/core/phases.js';
import type { SessionStatus } from '../../src/core/state.js';
import { fakeState } from '../helpers/fake-state.js';

const ok = (phaseAfter: Phase, statusAfter: SessionStatus = 'running'): GateVerdict => ({
  ok: true,
  phaseAfter,
  statusAfter,
});

describe('gatesDue', () => {
  test.each<[Phase, GateVerdict, ReturnType<typeof gatesDue>]>([
    ['implementation', ok('testing'), { from: 'implementation', to: 'testing', finishing: false }],
    ['implementation', ok('quality'), { from: 'implementation', to: 'quality', finishing: false }],
    ['testing', ok('quality'), { from: 'testing', to: 'quality', finishing: false }],
    ['testing', ok('done'), { from: 'testing', to: 'done', finishing: false }],
    ['quality', ok('done'), { from: 'quality', to: 'done', finishing: false }],
    ['done', ok('done', 'done'), { from: 'done', to: 'done', finishing: true }],
    // Not due: staying, going back, earlier phases, waiting, blocking, a failed verdict.
    ['implementation', ok('implementation'), undefined],
    ['quality', ok('testing'), undefined],
    ['investigation', ok('requirements'), undefined],
    ['planning', ok('implementation'), undefined],
    ['implementation', ok('implementation', 'waiting'), undefined],
    ['testing', ok('testing', 'blocked'), undefined],
    ['testing', { ok: false, problem: { kind: 'illegal_transition', message: 'x' } }, undefined],
  ])('%s with %j → %j', (phase, verdict, due) => {
    expect(gatesDue({ phase }, verdict)).toEqual(due);
  });
});

const run = (over: Partial<CheckRun> = {}): CheckRun => ({
  name: 'verify',
  command: 'npm test',
  exitCode: 0,
  timedOut: false,
  durationMs: 1200,
  log: '_logs/a-check-verify.log',
  ...over,
});
const fail = (over: Partial<CheckRun> = {}) => run({ exitCode: 1, cls: 'exit_1', excerpt: 'FAIL x.test.ts', ...over });
const policy = { blockAfter: 3, phaseLimit: 10 };
const previous = (key: string, count: number) => ({
  gateFailure: { kind: 'verify_failed' as const, key, count, message: 'm', iteration: 1 },
});

describe('judgeGates', () => {
  test.each<[string, Partial<ReturnType<typeof fakeState>>, GateReport, Record<string, unknown>]>([
    ['all checks pass: the verdict stands', {}, { checks: [run()] }, { ok: true, phaseAfter: 'testing' }],
    ['no check configured', {}, { checks: [] }, { ok: true, phaseAfter: 'testing', statusAfter: 'running' }],
    [
      'a failed check refuses the move',
      {},
      { checks: [run({ name: 'lint' }), fail()] },
      { ok: false, refused: true, problem: { kind: 'verify_failed' } },
    ],
    [
      'a timed-out check refuses the move',
      {},
      { checks: [run({ exitCode: null, timedOut: true, cls: 'timeout' })] },
      { ok: false, refused: true, problem: { kind: 'verify_failed' } },
    ],
    [
      'the same failure the third time blocks',
      previous('verify_failed:verify:exit_1', 2),
      { checks: [fail()] },
      { ok: false, problem: { kind: 'verify_failed' } },
    ],
    [
      'another failure after two of one class is refused, not blocked',
      previous('verify_failed:verify:ts_error', 2),
      { checks: [fail()] },
      { ok: false, refused: true },
    ],
    [
      'a refusal at the phase limit blocks as phase_limit',
      { phaseIterations: 9 },
      { checks: [fail()] },
      { ok: false, problem: { kind: 'phase_limit' } },
    ],
    [
      'no_commits refuses done',
      { phase: 'done' },
      { checks: [], doneProblem: { kind: 'no_commits', message: 'no_commits: none' } },
      { ok: false, refused: true, problem: { kind: 'no_commits', message: 'no_commits: none' } },
    ],
    [
      'dirty_worktree refuses done',
      { phase: 'done' },
      { checks: [], doneProblem: { kind: 'dirty_worktree', message: 'dirty' } },
      { ok: false, refused: true, problem: { kind: 'dirty_worktree' } },
    ],
    [
      'a secret blocks, whatever else',
      {},
      { checks: [run()], secrets: [{ rule: 'aws-key', file: 'a.env', line: 2, excerpt: '[redacted]' }] },
      { ok: false, problem: { kind: 'secret_in_diff' } },
    ],
    [
      'review findings wait for the person on the file',
      { phase: 'done' },
      { checks: [], review: { file: '_review.md', findings: [{ rule: 'r', file: 'f', excerpt: 'e' }] } },
      { ok: true, statusAfter: 'waiting', waitFor: { for: 'review', file: '_review.md' } },
    ],
    [
      'an empty review passes silently',
      {},
      { checks: [], review: { file: '_review.md', findings: [] } },
      { ok: true, statusAfter: 'running' },
    ],
  ])('%s', (_, state, report, expected) => {
    const verdict = judgeGates(fakeState({ phase: 'implementation', ...state }), ok('testing'), report, policy);
    expect(verdict).toMatchObject(expected);
  });

  test('a failed verdict is left alone', () => {
    const failed: GateVerdict = { ok: false, problem: { kind: 'phase_limit', message: 'x' } };
    expect(judgeGates(fakeState(), failed, { checks: [fail()] }, policy)).toBe(failed);
  });

  test('the messages name the check, its command, the exit code and the log; a block carries the output', () => {
    const refused = judgeGates(fakeState({ phase: 'implementation' }), ok('testing'), { checks: [fail()] }, policy);
    expect(refused.ok || refused.problem.message).toBe(
      'check "verify" (npm test) exited with code 1 after 1.2 s; its output: _logs/a-check-verify.log.',
    );
    const blocked = judgeGates(
      fakeState({ phase: 'implementation', ...previous('verify_failed:verify:exit_1', 2) }),
      ok('testing'),
      { checks: [fail()] },
      policy,
    );
    expect(blocked.ok || blocked.problem.message).toContain('the same failure 3 times in a row (VERIFY_BLOCK_AFTER=3)');
    expect(blocked.ok || blocked.problem.message).toContain('FAIL x.test.ts');
    const secret = judgeGates(
      fakeState(),
      ok('done', 'done'),
      { checks: [], secrets: [{ rule: 'aws', file: 'k', line: 4, excerpt: 'AKIA…' }] },
      policy,
    );
    expect(secret.ok || secret.problem.message).toContain('k:4 (aws)');
    expect(secret.ok || secret.problem.message).not.toContain('AKIA');
  });
});

describe('gateFailureAfter (the fold)', () => {
  const entry = (validation: string, checks?: CheckRun[], problem?: string) => ({
    iteration: 7,
    validation,
    checks,
    problem,
  });
  test.each<[string, ReturnType<typeof previous> | object, ReturnType<typeof entry>, unknown]>([
    ['no gate ran: carried as it was', previous('k', 2), entry('ok'), previous('k', 2).gateFailure],
    ['a gate passed: cleared', previous('k', 2), entry('ok', []), undefined],
    [
      'a first failure: count 1',
      {},
      entry('verify_failed', [fail()]),
      { key: 'verify_failed:verify:exit_1', count: 1, iteration: 7 },
    ],
    [
      'the same again: counted up',
      previous('verify_failed:verify:exit_1', 1),
      entry('verify_failed', [fail()]),
      { count: 2 },
    ],
    [
      'a done rule: keyed by the rule',
      {},
      entry('no_commits', [], 'no_commits: x'),
      { kind: 'no_commits', key: 'no_commits', message: 'no_commits: x' },
    ],
    ['blocked for another reason while gated: cleared', previous('k', 1), entry('secret_in_diff', []), undefined],
  ])('%s', (_, state, e, expected) => {
    const after = gateFailureAfter(state, e);
    if (expected === undefined) expect(after).toBeUndefined();
    else expect(after).toMatchObject(expected as object);
  });
});
