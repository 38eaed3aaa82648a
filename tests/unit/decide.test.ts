import { describe, expect, test } from 'vitest';
import { judgeSignal } from '../../src/core/iteration.js';
import { PHASES, PHASE_RULES, allowedNextPhases, defaultPhaseLimits, type Phase } from '../../src/core/phases.js';
import type { Signal } from '../../src/core/signal.js';
import { fakeState } from '../helpers/fake-state.js';

const limits = defaultPhaseLimits();
const go = (phase: Phase): Signal => ({ status: 'continue', phase, summary: 's' });

// The whole transition table, spelled out: a change to the workflow must change this table too.
const LEGAL: Record<Phase, Phase[]> = {
  init: ['investigation'],
  investigation: ['investigation', 'requirements'],
  requirements: ['requirements', 'planning'],
  planning: ['planning', 'implementation'],
  implementation: ['implementation', 'testing', 'quality'],
  testing: ['testing', 'quality', 'done'],
  quality: ['quality', 'testing', 'done'],
  done: [],
};

describe('transition table', () => {
  const cases = PHASES.flatMap((from) => PHASES.map((to) => ({ from, to, legal: LEGAL[from].includes(to) })));
  test.each(cases)('continue $from → $to is legal: $legal', ({ from, to, legal }) => {
    // Gates already passed, so only the table decides.
    const verdict = judgeSignal(fakeState({ phase: from, gatesPassed: [...PHASES] }), go(to), limits);
    if (from === 'done') {
      expect(verdict).toMatchObject({ ok: false, problem: { kind: 'status_not_allowed' } });
    } else if (legal) {
      expect(verdict).toEqual({ ok: true, phaseAfter: to, statusAfter: 'running' });
    } else {
      expect(verdict).toMatchObject({ ok: false, problem: { kind: 'illegal_transition' } });
      if (!verdict.ok) expect(verdict.problem.message).toContain(`${from} → ${to}`);
    }
  });

  test('allowedNextPhases matches the table', () => {
    for (const phase of PHASES) expect(allowedNextPhases(phase).sort()).toEqual([...LEGAL[phase]].sort());
  });

  test('continue without a phase stays in the current phase', () => {
    expect(judgeSignal(fakeState({ phase: 'implementation' }), { status: 'continue' }, limits)).toEqual({
      ok: true,
      phaseAfter: 'implementation',
      statusAfter: 'running',
    });
  });
});

describe('statuses per phase', () => {
  const statuses = ['continue', 'done', 'blocked', 'waiting'] as const;
  const cases = PHASES.flatMap((phase) =>
    statuses.map((status) => ({ phase, status, allowed: PHASE_RULES[phase].statuses.includes(status) })),
  );
  test.each(cases)('$status in $phase allowed: $allowed', ({ phase, status, allowed }) => {
    const signal: Signal = { status, reason: 'r', for: 'qa_answers' };
    const verdict = judgeSignal(fakeState({ phase, gatesPassed: [...PHASES] }), signal, limits);
    if (allowed) expect(verdict.ok || (!verdict.ok && verdict.problem.kind !== 'status_not_allowed')).toBe(true);
    else expect(verdict).toMatchObject({ ok: false, problem: { kind: 'status_not_allowed' } });
  });

  test('done only in the done phase, and it ends the session', () => {
    expect(judgeSignal(fakeState({ phase: 'done' }), { status: 'done' }, limits)).toEqual({
      ok: true,
      phaseAfter: 'done',
      statusAfter: 'done',
    });
    expect(judgeSignal(fakeState({ phase: 'quality' }), { status: 'done' }, limits)).toMatchObject({
      ok: false,
      problem: { kind: 'status_not_allowed' },
    });
  });

  test('waiting and blocked keep the phase; naming another phase is an illegal transition', () => {
    expect(judgeSignal(fakeState({ phase: 'planning' }), { status: 'waiting', for: 'plan_approval' }, limits)).toEqual({
      ok: true,
      phaseAfter: 'planning',
      statusAfter: 'waiting',
    });
    expect(judgeSignal(fakeState({ phase: 'testing' }), { status: 'blocked', reason: 'x' }, limits)).toEqual({
      ok: true,
      phaseAfter: 'testing',
      statusAfter: 'blocked',
    });
    expect(
      judgeSignal(fakeState({ phase: 'planning' }), { status: 'waiting', for: 'x', phase: 'implementation' }, limits),
    ).toMatchObject({ ok: false, problem: { kind: 'illegal_transition' } });
  });
});

describe('gates', () => {
  test.each(['requirements', 'planning'] as const)('%s cannot be left before the person answered', (phase) => {
    const next = PHASE_RULES[phase].next[0]!;
    expect(judgeSignal(fakeState({ phase }), go(next), limits)).toMatchObject({
      ok: false,
      problem: { kind: 'gate_skipped' },
    });
    expect(judgeSignal(fakeState({ phase, gatesPassed: [phase] }), go(next), limits)).toEqual({
      ok: true,
      phaseAfter: next,
      statusAfter: 'running',
    });
    // Staying is fine before the gate.
    expect(judgeSignal(fakeState({ phase }), go(phase), limits)).toMatchObject({ ok: true });
  });

  test('ungated phases move on freely', () => {
    expect(judgeSignal(fakeState({ phase: 'investigation' }), go('requirements'), limits)).toMatchObject({ ok: true });
  });
});

describe('phase limits', () => {
  const small = { ...limits, implementation: 3 };
  test('staying counts toward the limit; the iteration that reaches it without leaving blocks', () => {
    expect(
      judgeSignal(fakeState({ phase: 'implementation', phaseIterations: 1 }), go('implementation'), small),
    ).toMatchObject({ ok: true });
    const verdict = judgeSignal(
      fakeState({ phase: 'implementation', phaseIterations: 2 }),
      go('implementation'),
      small,
    );
    expect(verdict).toMatchObject({ ok: false, problem: { kind: 'phase_limit' } });
    if (!verdict.ok) expect(verdict.problem.message).toContain('implementation=6');
  });
  test('leaving at the limit is fine; waiting counts; blocked does not', () => {
    expect(judgeSignal(fakeState({ phase: 'implementation', phaseIterations: 2 }), go('testing'), small)).toMatchObject(
      { ok: true },
    );
    expect(
      judgeSignal(
        fakeState({ phase: 'implementation', phaseIterations: 2 }),
        { status: 'waiting', for: 'human_action' },
        small,
      ),
    ).toMatchObject({ ok: false, problem: { kind: 'phase_limit' } });
    expect(
      judgeSignal(
        fakeState({ phase: 'implementation', phaseIterations: 2 }),
        { status: 'blocked', reason: 'r' },
        small,
      ),
    ).toMatchObject({ ok: true, statusAfter: 'blocked' });
  });
});
