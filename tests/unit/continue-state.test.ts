// The fold of `continued` and `requeued` (core/state.ts) and the instruction in the prompt (core/prompt.ts).
import { describe, expect, test } from 'vitest';
import { buildPrompt } from '../../src/core/prompt.js';
import { applyEntry, type ContinuedEntry, type RequeuedEntry } from '../../src/core/state.js';
import { fakeState } from '../helpers/fake-state.js';

const done = fakeState({
  phase: 'done',
  status: 'done',
  iterations: 8,
  historySeq: 9,
  gatesPassed: ['requirements', 'planning'],
  approvedPlan: '_plan.md',
  lastSummary: 'all done',
});

const continued: ContinuedEntry = {
  seq: 10,
  time: '2026-12-01T12:00:00.000Z',
  iteration: 8,
  phase: 'done',
  event: 'continued',
  phaseAfter: 'planning',
  instruction: 'Also refresh tokens',
  cycle: 2,
};

describe('continued', () => {
  test('a new cycle: the phase asked for, running, its gates ahead again, counters and totals going on', () => {
    const state = applyEntry(done, continued);
    expect(state).toMatchObject({
      phase: 'planning',
      status: 'running',
      phaseIterations: 0,
      iterations: 8,
      historySeq: 10,
      gatesPassed: [],
      instruction: 'Also refresh tokens',
      cycle: 2,
      totals: done.totals,
      lastSummary: 'all done',
    });
    expect(state.approvedPlan).toBeUndefined();
  });

  test('the instruction is in the prompt of every phase of the cycle', () => {
    const state = applyEntry(done, continued);
    for (const phase of ['planning', 'implementation', 'testing'] as const) {
      const prompt = buildPrompt({
        workflow: '',
        phaseAgent: '',
        state: { ...state, phase },
        sessionDir: '/s',
        signalFile: '/s/_signal.json',
        iteration: 9,
        phaseLimit: 10,
        timeoutMs: 60_000,
        now: continued.time,
      });
      expect(prompt).toContain(
        '## The person continued this session (cycle 2): new work on the same branch\nAlso refresh tokens',
      );
    }
  });
});

test('requeued changes nothing but the record: the session resumes in the same phase', () => {
  const running = fakeState({ phase: 'implementation', status: 'running', phaseIterations: 2, historySeq: 4 });
  const entry: RequeuedEntry = {
    seq: 5,
    time: '2026-12-01T12:00:00.000Z',
    iteration: 3,
    phase: 'implementation',
    event: 'requeued',
    reason: 'its worker died',
    restarts: 1,
  };
  expect(applyEntry(running, entry)).toEqual({ ...running, historySeq: 5, updatedAt: entry.time });
});
