import { describe, expect, test } from 'vitest';
import { checkBudget, describeUse, type Budget } from '../../src/core/budget.js';
import { judgeStall } from '../../src/core/iteration.js';
import { progressBetween } from '../../src/core/progress.js';
import { applyEntry, ZERO_TOTALS } from '../../src/core/state.js';
import { fakeState } from '../helpers/fake-state.js';

const budget: Budget = { iterations: 10, hours: 2, cost: 5, tokens: 1000 };

describe('checkBudget', () => {
  test('nothing to say below 80%', () => {
    expect(checkBudget(fakeState({ iterations: 7 }), budget)).toEqual({ warn: [], exceeded: undefined });
  });
  test('80% warns once per kind; 100% is exceeded', () => {
    const state = fakeState({ iterations: 8, totals: { ...ZERO_TOTALS, costUsd: 4.5, activeMs: 3_600_000 } });
    expect(checkBudget(state, budget).warn.map((w) => w.kind)).toEqual(['iterations', 'cost']);
    expect(checkBudget({ ...state, budgetWarned: ['iterations'] }, budget).warn.map((w) => w.kind)).toEqual(['cost']);
    const over = fakeState({ iterations: 3, totals: { ...ZERO_TOTALS, inputTokens: 900, outputTokens: 100 } });
    expect(checkBudget(over, budget).exceeded).toEqual({ kind: 'tokens', used: 1000, limit: 1000 });
  });
  test('undefined limits are no limits', () => {
    expect(
      checkBudget(fakeState({ iterations: 1e6 }), {
        iterations: undefined,
        hours: undefined,
        cost: undefined,
        tokens: undefined,
      }),
    ).toEqual({ warn: [], exceeded: undefined });
  });
  test('messages name the amount, the limit and the setting', () => {
    expect(describeUse({ kind: 'cost', used: 5.123, limit: 5 })).toBe('$5.12 of $5.00 (102%, SAMOCODE_MAX_COST)');
    expect(describeUse({ kind: 'iterations', used: 8, limit: 10 })).toBe(
      '8 iterations of 10 iterations (80%, SAMOCODE_MAX_ITERATIONS)',
    );
  });
  test('budget entries fold: a warning is remembered, an excess blocks with the way out', () => {
    const warned = applyEntry(fakeState(), {
      seq: 1,
      time: 't',
      event: 'budget',
      iteration: 8,
      phase: 'investigation',
      level: 'warning',
      kind: 'cost',
      used: 4,
      limit: 5,
    });
    expect(warned.budgetWarned).toEqual(['cost']);
    const blocked = applyEntry(warned, {
      seq: 2,
      time: 't',
      event: 'budget',
      iteration: 9,
      phase: 'investigation',
      level: 'exceeded',
      kind: 'cost',
      used: 5.5,
      limit: 5,
    });
    expect(blocked).toMatchObject({
      status: 'blocked',
      blockedKind: 'budget_exceeded',
      blockedReason: 'budget_exceeded: $5.50 of $5.00 (110%, SAMOCODE_MAX_COST)',
      needs: expect.stringContaining('raise SAMOCODE_MAX_COST'),
    });
  });
});

describe('judgeStall', () => {
  const go = { status: 'continue' as const, phase: 'implementation' as const, summary: 'tried again' };
  const nothing = { tree: false, session: false };
  const state = (stallCount = 0) => fakeState({ phase: 'implementation', stallCount, lastSummary: 'tried again' });

  test('an iteration that stayed and changed nothing counts; at the limit it blocks with the evidence', () => {
    expect(judgeStall(state(0), go, true, nothing, 3)).toEqual({ stalled: true });
    const verdict = judgeStall(state(2), go, true, nothing, 3);
    expect(verdict.problem?.kind).toBe('stalled');
    expect(verdict.problem?.message).toContain('3 iterations in a row in implementation changed nothing');
    expect(verdict.problem?.message).toContain('"tried again"');
  });
  test('changed code, moving on, waiting, blocking, no measurement, or detection off: no stall', () => {
    expect(judgeStall(state(2), go, true, { tree: true, session: false }, 3)).toEqual({ stalled: false });
    expect(judgeStall(state(2), go, false, nothing, 3)).toEqual({ stalled: false });
    expect(judgeStall(state(2), { status: 'waiting', for: 'qa_answers' }, true, nothing, 3)).toEqual({
      stalled: false,
    });
    expect(judgeStall(state(2), go, true, undefined, 3)).toEqual({ stalled: false });
    expect(judgeStall(state(2), go, true, nothing, 0)).toEqual({ stalled: false });
  });
  test('session notes alone are progress, unless the agent repeats the same summary', () => {
    const notes = { tree: false, session: true };
    expect(judgeStall(state(0), { ...go, summary: 'wrote findings' }, true, notes, 3)).toEqual({ stalled: false });
    expect(judgeStall(state(0), go, true, notes, 3)).toEqual({ stalled: true });
  });
  test('progressBetween: an unknown tree counts as changed', () => {
    expect(progressBetween({ tree: 'a', session: 's' }, { tree: 'a', session: 's' })).toEqual({
      tree: false,
      session: false,
      treeKnown: true,
    });
    expect(progressBetween({ session: 's' }, { session: 's' })).toEqual({
      tree: true,
      session: false,
      treeKnown: false,
    });
  });
});
