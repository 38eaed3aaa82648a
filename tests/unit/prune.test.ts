// Which sessions `orchestrate prune` takes, and the ages it reads (core/prune.ts).
import { describe, expect, test } from 'vitest';
import { judgePrune, parseAge } from '../../src/core/prune.js';
import { ZERO_TOTALS, type SessionState } from '../../src/core/state.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;

function state(over: Partial<SessionState>): SessionState {
  return {
    session: '26-11-01-x',
    name: 'x',
    task: 't',
    phase: 'done',
    status: 'done',
    phaseIterations: 0,
    iterations: 8,
    historySeq: 8,
    gatesPassed: [],
    startedAt: '2026-11-01T00:00:00Z',
    updatedAt: new Date(NOW - 10 * DAY).toISOString(),
    workingDir: '/w/x',
    branch: 'samocode/x',
    baseBranch: 'main',
    standalone: false,
    totals: ZERO_TOTALS,
    ...over,
  };
}

const opts = { nowMs: NOW, olderThanMs: 7 * DAY, branches: true, baseBranch: 'main' };

describe('judgePrune', () => {
  test.each([
    ['an old done session', {}, { kind: 'prune', branch: 'samocode/x' }],
    ['a fresh done one', { updatedAt: new Date(NOW - DAY).toISOString() }, { kind: 'keep' }],
    [
      'a waiting one, however old',
      { status: 'waiting' as const },
      { kind: 'keep', why: 'waiting (only done sessions are pruned)' },
    ],
    ['a blocked one', { status: 'blocked' as const }, { kind: 'keep' }],
    ['a running one', { status: 'running' as const }, { kind: 'keep' }],
    ['a standalone one', { standalone: true }, { kind: 'keep' }],
    ['one whose branch is the base branch', { branch: 'main' }, { kind: 'prune', branch: undefined }],
    ['an unreadable time', { updatedAt: 'never' }, { kind: 'keep' }],
  ])('%s', (_, over, expected) => {
    expect(judgePrune(state(over), opts)).toMatchObject(expected);
  });

  test('the branch only with --branches, never the configured base branch', () => {
    expect(judgePrune(state({}), { ...opts, branches: false })).toMatchObject({ kind: 'prune', branch: undefined });
    expect(judgePrune(state({ branch: 'develop', baseBranch: 'x' }), { ...opts, baseBranch: 'develop' })).toMatchObject(
      {
        branch: undefined,
      },
    );
  });
});

test.each([
  ['7d', 7 * DAY],
  ['36h', 36 * 3_600_000],
  ['90m', 90 * 60_000],
  ['2', 2 * DAY],
  ['0.5d', DAY / 2],
  ['a week', undefined],
  ['-1d', undefined],
  ['7w', undefined],
])('parseAge(%j)', (text, ms) => {
  expect(parseAge(text)).toBe(ms);
});
