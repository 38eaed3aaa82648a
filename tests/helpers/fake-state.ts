// Builder for SessionState in unit tests (pure core only: no files, no clock).
import type { Phase } from '../../src/core/phases.js';
import { ZERO_TOTALS, type SessionState } from '../../src/core/state.js';

export function fakeState(overrides: Partial<SessionState> = {}): SessionState {
  return {
    session: '26-01-02-test',
    name: 'test',
    task: 'do the thing',
    phase: 'investigation' as Phase,
    status: 'running',
    phaseIterations: 0,
    iterations: 0,
    historySeq: 0,
    gatesPassed: [],
    startedAt: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-01-02T03:04:05.000Z',
    workingDir: '/work/tree',
    branch: 'samocode/test',
    baseBranch: 'main',
    standalone: false,
    totals: ZERO_TOTALS,
    ...overrides,
  };
}
