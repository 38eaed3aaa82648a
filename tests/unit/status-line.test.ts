// The terminal's status line (core/status-line.ts) and the printout of a wait (core/waiting-text.ts): pure text,
// fitted to the width, with nothing of the agent's that could move the cursor or repaint the screen.
import stringWidth from 'string-width';
import { describe, expect, test } from 'vitest';
import { clockTime, cutToWidth, renderStatus, type StatusModel } from '../../src/core/status-line.js';
import { waitingLines } from '../../src/core/waiting-text.js';
import { fakeState } from '../helpers/fake-state.js';

const NOW = 1_000_000_000;
const model = (over: Partial<StatusModel> = {}): StatusModel => ({
  phase: 'implementation',
  iteration: 7,
  attempt: 1,
  startedMs: NOW - 125_000,
  action: 'Bash npm test -- tests/unit/status-line.test.ts',
  costUsd: 1.234,
  ...over,
});
const plain = (m: StatusModel, columns = 120) => renderStatus(m, { nowMs: NOW, columns, color: false });
/** Anything but printable text: C0 (tab and newline too: the line must stay one line), DEL, C1. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('renderStatus', () => {
  test('phase, iteration, elapsed, the last action and the cost so far, on one line', () => {
    expect(plain(model())).toBe('▸ #7 impl · 2:05 · Bash npm test -- tests/unit/status-line.test.ts · $1.23');
  });

  test('a retried attempt, an estimated cost, a waiting retry instead of the action, no cost yet', () => {
    expect(plain(model({ attempt: 2, costEstimated: true }))).toContain('▸ #7 impl (attempt 2) · 2:05 · Bash npm');
    expect(plain(model({ costEstimated: true }))).toMatch(/· ~\$1\.23 est\.$/);
    expect(plain(model({ note: 'rate limited; retry in 30 s' }))).toBe(
      '▸ #7 impl · 2:05 · rate limited; retry in 30 s · $1.23',
    );
    expect(plain(model({ costUsd: undefined, action: undefined }))).toBe('▸ #7 impl · 2:05');
  });

  test('the action is cut first, then left out; the line never reaches the last column at any width', () => {
    expect(plain(model(), 50)).toBe('▸ #7 impl · 2:05 · Bash npm test -- test… · $1.23');
    expect(plain(model(), 30)).toBe('▸ #7 impl · 2:05 · $1.23');
    const wide = model({ action: 'Read /src/古い名前/ファイル👩‍👩‍👧‍👦.ts', phase: 'investigation' });
    for (let columns = 1; columns <= 100; columns++)
      for (const m of [model(), wide])
        expect(stringWidth(plain(m, columns)), `${columns} columns`).toBeLessThanOrEqual(Math.max(1, columns - 1));
  });

  test("no escape sequence or control character of the agent's reaches the terminal", () => {
    const hostile = model({
      action: 'Bash \u001b[2J\u001b[H\u001b]0;owned\u0007 rm\r\n -rf\u009b31m \u0000x\ty\u001b[31mred',
    });
    const line = plain(hostile);
    expect(line).not.toMatch(CONTROL);
    expect(line).toBe('▸ #7 impl · 2:05 · Bash rm -rf x yred · $1.23');
    // In colour, the only escapes are ours (bold and dim, each closed).
    const coloured = renderStatus(hostile, { nowMs: NOW, columns: 120, color: true });
    expect(coloured.replace(/\u001b\[(1|2|22)m/g, '')).toBe(line);
  });

  test('the clock keeps its shape as it ticks', () => {
    expect([0, 7_900, 65_000, 3_599_000, 3_723_000, -5].map(clockTime)).toEqual([
      '0:00',
      '0:07',
      '1:05',
      '59:59',
      '1:02:03',
      '0:00',
    ]);
  });

  test('cutToWidth counts wide characters as two columns and never splits a grapheme', () => {
    expect(cutToWidth('abcdef', 4)).toBe('abc…');
    expect(cutToWidth('古い名前', 5)).toBe('古い…');
    expect(cutToWidth('a👩‍👩‍👧‍👦b', 3)).toBe('a…');
    expect(cutToWidth('a👩‍👩‍👧‍👦bc', 4)).toBe('a👩‍👩‍👧‍👦…');
    expect(cutToWidth('short', 10)).toBe('short');
  });
});

const QA = [
  '# Questions',
  '### Q1: Which database?',
  '- A) Postgres',
  '- B) SQLite \u001b[31mred\u001b[0m',
  '**Suggestion:** A',
  '**Answer:** _waiting_',
  '### Q2: Keep the old API?',
  '- A) yes',
  '**Answer:** B',
  '### Q3: Anything else?',
  '**Answer:** _waiting_',
].join('\n');

const PLAN = [
  '# Plan: add auth',
  '',
  '## Approach',
  'Tokens in a cookie, refreshed by middleware.',
  'Decided with Q1: Postgres.',
  '',
  '## Plan phases',
  '### Phase 1: Token helper',
  '- **Files:** `src/auth/token.ts`',
  '### Phase 2: Middleware',
  '',
  '**Approval:** _waiting_',
].join('\n');

const REVIEW = [
  '# Review of the diff',
  '',
  'samocode read the diff and found 2 things to look at in 2 files.',
  '',
  '## Tests and checks weakened',
  '',
  '### test-deleted: a test file removed',
  '',
  '- `tests/a.test.ts`',
  '',
  '### skip-added: a test skipped',
  '',
  '- `tests/b.test.ts:12` `it.skip("works")`',
  '',
  '## Your decision',
  '',
  '- not a finding',
  '**Decision:** _waiting_',
].join('\n');

describe('waitingLines', () => {
  const dir = '/s/26-01-02-add-auth';

  test('questions: each open one with its id, text and options; the file to edit; the dashboard', () => {
    const lines = waitingLines({
      state: fakeState({ status: 'waiting', waitingFor: 'qa_answers', needs: 'answer\u001b[2J _qa.md' }),
      sessionDir: dir,
      fileText: QA,
      dashboardUrl: 'http://127.0.0.1:4321/',
    });
    expect(lines).toEqual([
      '── waiting for you (qa_answers) ──',
      'needs: answer _qa.md',
      'Q1: Which database?',
      '    A) Postgres',
      '    B) SQLite red',
      '    suggestion: A',
      'Q3: Anything else?',
      `answer in ${dir}/_qa.md: replace each "**Answer:** _waiting_" with a letter or your own words`,
      'or in the dashboard: http://127.0.0.1:4321/',
    ]);
  });

  test.each([
    [
      'the plan: its title, the first lines of its approach, its phases counted and named',
      'plan_approval',
      PLAN,
      [
        'Plan: add auth',
        '  Tokens in a cookie, refreshed by middleware.',
        '  Decided with Q1: Postgres.',
        '2 plan phases:',
        '  Phase 1: Token helper',
        '  Phase 2: Middleware',
        `approve in ${dir}/_plan.md: "**Approval:** approved" or "rejected: <what to change>"`,
      ],
    ],
    [
      'the review: every finding under its rule, not the decision part',
      'review',
      REVIEW,
      [
        '2 findings:',
        '  test-deleted: `tests/a.test.ts`',
        '  skip-added: `tests/b.test.ts:12` `it.skip("works")`',
        `decide in ${dir}/_review.md: "**Decision:** approved" or "rejected: <what to change>"`,
      ],
    ],
    [
      'a plan of numbered steps without sections: its first lines, and the steps counted',
      'plan_approval',
      '# Plan\n\n1. Add `greet.js`.\n2. Add its test.\n\n**Approval:** _waiting_\n',
      [
        'Plan',
        '  1. Add `greet.js`.',
        '  2. Add its test.',
        '2 steps',
        `approve in ${dir}/_plan.md: "**Approval:** approved" or "rejected: <what to change>"`,
      ],
    ],
  ])('%s', (_what, waitingFor, fileText, expected) => {
    const lines = waitingLines({ state: fakeState({ status: 'waiting', waitingFor }), sessionDir: dir, fileText });
    expect(lines).toEqual([`── waiting for you (${waitingFor}) ──`, ...expected]);
  });

  test('a long list is capped with a count of the rest; a missing file is named', () => {
    const many = Array.from({ length: 30 }, (_, i) => `### Q${i + 1}: question ${i + 1}\n**Answer:** _waiting_`);
    const lines = waitingLines({
      state: fakeState({ status: 'waiting', waitingFor: 'qa_answers' }),
      sessionDir: dir,
      fileText: many.join('\n'),
    });
    expect(lines.filter((l) => /^Q\d+:/.test(l))).toHaveLength(12);
    expect(lines).toContain('  … and 18 more questions (in the file)');
    expect(
      waitingLines({ state: fakeState({ status: 'waiting', waitingFor: 'plan_approval' }), sessionDir: dir }),
    ).toContain('(no _plan.md yet)');
  });

  test('any other wait names the file the run watches', () => {
    const lines = waitingLines({
      state: fakeState({ status: 'waiting', waitingFor: 'credentials', needs: 'a token in .env' }),
      sessionDir: dir,
    });
    expect(lines).toEqual([
      '── waiting for you (credentials) ──',
      'needs: a token in .env',
      `edit ${dir}/_overview.md when done (or run orchestrate resume)`,
    ]);
  });
});
