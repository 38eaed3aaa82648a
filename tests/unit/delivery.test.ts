// The delivery's pure side: reading checks and the review from the history, summary.md, the rows the console,
// Telegram and `status` show, the PR title, and the fold of the `delivered` entry into the state.
import { describe, expect, test } from 'vitest';
import {
  applyCommands,
  deliveryRows,
  doneText,
  latestChecks,
  prTitle,
  renderSummary,
  reviewOutcome,
  rowsText,
  standingRows,
  type DeliveryFacts,
} from '../../src/core/delivery.js';
import { parseOverview } from '../../src/core/overview.js';
import { renderOverview } from '../../src/core/overview-format.js';
import { applyEntry, type HistoryEntry, type IterationEntry, type Totals } from '../../src/core/state.js';
import { formatHistory } from '../../src/commands/inspect/format-history.js';
import { formatEvent } from '../../src/telegram/format.js';
import { fakeState } from '../helpers/fake-state.js';

const TOTALS: Totals = {
  costUsd: 1.234,
  inputTokens: 48_200,
  outputTokens: 1_900,
  cacheReadTokens: 100_000,
  cacheWriteTokens: 0,
  agentMs: 125_000,
  activeMs: 130_000,
};
const state = fakeState({
  task: 'Add JWT auth\n\nwith refresh tokens',
  phase: 'done',
  status: 'done',
  iterations: 9,
  startedAt: '2026-01-02T03:00:00.000Z',
  totals: TOTALS,
  lastSummary: 'auth is in',
});
const BASE_SHA = 'b'.repeat(40);

function facts(over: Partial<DeliveryFacts> = {}): DeliveryFacts {
  return {
    dir: '/s/26-01-02-test/_delivery',
    mode: 'patch',
    time: '2026-01-02T04:00:00.000Z',
    base: 'main',
    baseSha: BASE_SHA,
    branch: 'samocode/test',
    head: 'c'.repeat(40),
    commitCount: 2,
    commits: [
      { sha: '1'.repeat(40), subject: 'Add the token check' },
      { sha: '2'.repeat(40), subject: 'Test it | all of it' },
    ],
    diffstat: '3 files changed, 10 insertions(+), 2 deletions(-)',
    patches: 2,
    mbox: true,
    verified: true,
    checks: [],
    problems: [],
    written: true,
    ...over,
  };
}

function iteration(seq: number, over: Record<string, unknown> = {}): HistoryEntry {
  return {
    seq,
    time: '2026-01-02T03:30:00.000Z',
    iteration: seq,
    phase: 'testing',
    event: 'iteration',
    phaseAfter: 'testing',
    statusAfter: 'running',
    signal: null,
    validation: 'ok',
    run: { exitCode: 0, signal: null, timedOut: false, durationMs: 1, attempts: 1, corrective: false, provider: 'x' },
    ...over,
  } as IterationEntry;
}

const run = (name: string, exitCode: number | null, extra: Record<string, unknown> = {}) => ({
  name,
  command: `npm run ${name}`,
  exitCode,
  timedOut: false,
  durationMs: 1500,
  log: `_logs/${name}.log`,
  ...extra,
});

describe('reading the history', () => {
  test("each check's latest result, how often it ran and failed; what is not a check is skipped", () => {
    const checks = latestChecks([
      iteration(1, { checks: [run('test', 1, { cls: 'vitest_failed' }), run('lint', 0)] }),
      iteration(2),
      { seq: 3, event: 'resumed', time: 't', iteration: 2, phase: 'testing', from: 'waiting', how: 'x' },
      iteration(4, { checks: [run('test', 0), 'nonsense', { command: 'no name' }] }),
      iteration(5, { checks: 'not an array' }),
    ]);
    expect(checks.map((c) => [c.name, c.exitCode, c.runs, c.failures])).toEqual([
      ['test', 0, 2, 1],
      ['lint', 0, 1, 0],
    ]);
    expect(latestChecks([iteration(1)])).toEqual([]);
  });

  test("the review: the person's last decision with the findings, else what the scan found", () => {
    const resumed = (review: string) =>
      ({
        seq: 9,
        event: 'resumed',
        time: 't',
        iteration: 3,
        phase: 'done',
        from: 'waiting',
        how: 'x',
        review,
      }) as HistoryEntry;
    const scanned = (findings: number) => iteration(2, { review: { file: '_review.md', findings } });
    expect(reviewOutcome([scanned(3), resumed('rejected'), scanned(1), resumed('approved')])).toBe(
      'approved (1 finding)',
    );
    expect(reviewOutcome([scanned(0)])).toBe('clean (no findings)');
    expect(reviewOutcome([scanned(2)])).toBe('2 findings, not decided');
    expect(reviewOutcome([iteration(1)])).toBeUndefined();
  });
});

describe('summary.md', () => {
  test('patch: the facts table, task, commits, checks with their results, review, the git am and merge commands', () => {
    const text = renderSummary({
      state,
      facts: facts({
        checks: latestChecks([
          iteration(1, { checks: [run('test', 2, { cls: 'ts_error' })] }),
          iteration(2, { checks: [run('test', 0), run('lint', 1)] }),
        ]),
        review: 'approved (2 findings)',
      }),
      mainRepo: '/home/me/proj',
    });
    expect(text.startsWith('# Add JWT auth\n')).toBe(true);
    for (const line of [
      '| Branch | `samocode/test` |',
      '| Base | `main` at `bbbbbbbbbb` |',
      '| Commits | 2 |',
      '| Changes | 3 files changed, 10 insertions(+), 2 deletions(-) |',
      '| Iterations | 9 |',
      '| Wall time | 1 h 0 min |',
      '| Agent time | 2 min 5 s |',
      '| Cost | $1.23 |',
      '| Tokens | 48,200 in / 1,900 out / 100,000 cache |',
      '| Delivered | 2026-01-02T04:00:00.000Z (DELIVER=patch) |',
      'Add JWT auth\n\nwith refresh tokens',
      '- `1111111111` Add the token check',
      '- `2222222222` Test it | all of it',
      '| test | `npm run test` | passed | 1.5 s | 2 (1 failed) | `_logs/test.log` |',
      '| lint | `npm run lint` | failed: exit 1 | 1.5 s | 1 (1 failed) |',
      'Diff review: approved (2 findings).',
      `git switch -c samocode/test ${BASE_SHA}\ngit am /s/26-01-02-test/_delivery/combined.mbox`,
      'the patches give exactly the branch',
      'git -C /home/me/proj merge samocode/test',
    ])
      expect(text).toContain(line);
    expect(text).not.toContain('## Problems');
    expect(text).not.toContain('Pull request');
  });

  test('push and pr: the fetch and the URL come first; a failure is a problem with its fix and command', () => {
    const pushed = renderSummary({ state, facts: facts({ mode: 'push', push: { remote: 'up', ok: true } }) });
    expect(pushed).toContain('Pushed to `up` as `samocode/test`');
    expect(pushed).toContain('git fetch up samocode/test\ngit merge FETCH_HEAD');
    const pr = renderSummary({
      state,
      facts: facts({ mode: 'pr', push: { remote: 'origin', ok: true }, prUrl: 'https://x/pull/1' }),
    });
    expect(pr.indexOf('Pull request: https://x/pull/1')).toBeLessThan(pr.indexOf('git am'));
    const failed = renderSummary({
      state,
      facts: facts({
        mode: 'push',
        push: { remote: 'origin', ok: false },
        problems: [
          { step: 'push', what: 'git push to origin failed: exit 128', fix: 'check it', command: 'git push o b' },
        ],
      }),
    });
    expect(failed).not.toContain('git fetch');
    expect(failed).toContain('## Problems\n\n- **push**: git push to origin failed: exit 128. Fix: check it');
    expect(failed).toContain('  git push o b');
    expect(failed).toContain('git am'); // the patch is never lost
  });

  test('no commits and standalone: said plainly, no apply commands; merges are warned about', () => {
    const empty = renderSummary({
      state,
      facts: facts({
        commitCount: 0,
        commits: [],
        diffstat: undefined,
        patches: 0,
        mbox: false,
        noPatches: 'no commits on b',
      }),
      mainRepo: '/r',
    });
    expect(empty).toContain('## Commits\n\nno commits on b');
    expect(empty).toContain('Nothing to apply: no commits on b.');
    expect(empty).not.toContain('git am');
    expect(empty).not.toContain('merge samocode');
    expect(empty).toContain('No checks ran');
    expect(empty).toContain('No diff review ran.');
    const merges = renderSummary({ state, facts: facts({ merges: 1 }) });
    expect(merges).toContain('the branch has 1 merge commit;');
  });
});

describe('rows and the end of a run', () => {
  test('a delivered session: branch, commits, changes, checks, review, spent, delivery, warnings, next', () => {
    const rows = deliveryRows(
      facts({
        review: 'clean (no findings)',
        problems: [{ step: 'pr', what: 'gh failed', fix: 'retry', command: 'gh pr create' }],
      }),
      TOTALS,
      3_600_000,
      '/r',
    );
    expect(rows.map((r) => r.label)).toEqual([
      'branch',
      'commits',
      'changes',
      'checks',
      'review',
      'spent',
      'delivery',
      'warning',
      'next',
    ]);
    const text = rowsText(rows);
    expect(text).toContain('  branch:   samocode/test from main at bbbbbbbbbb');
    expect(text).toContain('  commits:  2: 1111111 Add the token check; 2222222 Test it | all of it');
    expect(text).toContain(
      '  spent:    wall time 1 h 0 min, agent time 2 min 5 s, cost $1.23, tokens 48,200 in / 1,900 out / 100,000 cache',
    );
    expect(text).toContain('  delivery: /s/26-01-02-test/_delivery; 2 patches, combined.mbox, summary.md');
    expect(text).toContain('  warning:  gh failed. Fix: retry (gh pr create)');
    expect(text).toContain(
      `  next:     git switch -c samocode/test bbbbbbbbbb && git am /s/26-01-02-test/_delivery/combined.mbox`,
    );
  });

  test('the next command follows the mode: the PR, the fetch, git am; many commits are counted', () => {
    expect(applyCommands(facts({ prUrl: 'https://x/pull/1', push: { remote: 'o', ok: true } }))[0]).toBe(
      'review and merge the pull request: https://x/pull/1',
    );
    expect(applyCommands(facts({ push: { remote: 'o', ok: true } }))[0]).toMatch(
      /^git fetch o samocode\/test && git merge FETCH_HEAD/,
    );
    expect(applyCommands(facts({ commitCount: 0, commits: [], mbox: false, patches: 0 }), '/r')).toEqual([]);
    const many = facts({ commitCount: 7 });
    expect(rowsText(deliveryRows(many, TOTALS, undefined))).toContain('; and 5 more');
  });

  test('doneText says a delivery warning in its first line', () => {
    expect(doneText(state, facts(), '/r').split('\n')[0]).toBe('session 26-01-02-test is done after 9 iterations.');
    const warned = doneText(state, facts({ problems: [{ step: 'push', what: 'w', fix: 'f' }] }));
    expect(warned.split('\n')[0]).toBe('session 26-01-02-test is done after 9 iterations (with a delivery warning).');
  });

  test('a run that ends before done: branch, commits, changes, checks, spent, no delivery yet, next', () => {
    const rows = standingRows({
      branch: 'samocode/test',
      base: 'main',
      commitCount: 1,
      diffstat: '1 file changed, 1 insertion(+)',
      checks: latestChecks([iteration(1, { checks: [run('test', null, { timedOut: true, durationMs: 600_000 })] })]),
      totals: TOTALS,
      wallMs: 90_000,
      next: 'orchestrate --config c --session test',
    });
    expect(rowsText(rows)).toBe(
      [
        '  branch:   samocode/test from main',
        '  commits:  1',
        '  changes:  1 file changed, 1 insertion(+)',
        '  checks:   test timed out in 10 min',
        '  spent:    wall time 1 min 30 s, agent time 2 min 5 s, cost $1.23, tokens 48,200 in / 1,900 out / 100,000 cache',
        '  delivery: not yet: written when the session is done',
        '  next:     orchestrate --config c --session test',
      ].join('\n'),
    );
    expect(standingRows({ checks: [], totals: TOTALS, next: 'x' })[0]).toEqual({
      label: 'branch',
      value: 'none (standalone session)',
    });
  });

  test('the PR title is the first line of the task, cut to 100 characters', () => {
    expect(prTitle('\n  Add   JWT auth  \nmore')).toBe('Add JWT auth');
    expect(prTitle('x'.repeat(150))).toHaveLength(100);
    expect(prTitle('   ')).toBe('samocode session');
  });
});

describe('the delivered entry', () => {
  const entry = (over: Partial<DeliveryFacts>): HistoryEntry => ({
    seq: 12,
    time: '2026-01-02T04:00:01.000Z',
    iteration: 9,
    phase: 'done',
    event: 'delivered',
    delivery: facts(over),
  });

  test('folds into state.delivery and survives _overview.md; one not written leaves it unset', () => {
    const folded = applyEntry(state, entry({ mode: 'pr', push: { remote: 'origin', ok: true }, prUrl: 'https://x/1' }));
    expect(folded.historySeq).toBe(12);
    expect(folded.delivery).toEqual({
      dir: '/s/26-01-02-test/_delivery',
      mode: 'pr',
      time: '2026-01-02T04:00:00.000Z',
      commits: 2,
      diffstat: '3 files changed, 10 insertions(+), 2 deletions(-)',
      patches: 2,
      pushed: 'origin',
      prUrl: 'https://x/1',
      problems: 0,
    });
    const read = parseOverview(renderOverview(folded, 'notes\n'), '_overview.md');
    expect(read.kind === 'state' && read.state.delivery).toEqual(folded.delivery);
    expect(applyEntry(state, entry({ written: false, dir: undefined })).delivery).toBeUndefined();
  });

  test('orchestrate history shows it on one row', () => {
    const text = formatHistory(
      {
        entries: [
          entry({ push: { remote: 'origin', ok: false }, problems: [{ step: 'push', what: 'no remote', fix: 'f' }] }),
        ],
        skipped: [],
        file: 'h',
        exists: true,
      },
      Number.POSITIVE_INFINITY,
    );
    expect(text).toMatch(
      /✓ delivered +done +DELIVER=patch +2 patches in \/s\/26-01-02-test\/_delivery; push to origin failed; push failed: no remote/,
    );
  });

  test('the Telegram done message carries the facts, escaped', () => {
    const html = formatEvent(
      {
        type: 'done',
        state,
        delivery: facts({ commits: [{ sha: '1'.repeat(40), subject: 'Fix <b> & co' }], commitCount: 1 }),
      },
      { sessionName: 'test', sessionDir: '/s/26-01-02-test' },
    )!;
    expect(html).toContain('✅ <b>test</b> · done · finished');
    expect(html).toContain('<b>commits:</b> 1: 1111111 Fix &lt;b&gt; &amp; co');
    expect(html).toContain('<b>changes:</b> 3 files changed');
    expect(html).toContain('<b>next:</b> git switch -c samocode/test');
    expect(html).toContain('<code>/s/26-01-02-test/_delivery/summary.md</code>');
  });
});
