// The pull request rules (core/pr-watch.ts): what samocode does about what a PR shows, given what it already reacted
// to; reading gh's JSON (hostile and odd output included); the continuation's instruction; the pr_reaction fold.
import { describe, expect, test } from 'vitest';
import {
  actionsRunOf,
  decidePrReaction,
  logTail,
  parsePrChecks,
  parsePrView,
  prInstruction,
  prNotice,
  repoOfPr,
  type PrCheck,
  type PrDecision,
  type PrFacts,
  type PrReaction,
} from '../../src/core/pr-watch.js';
import type { PrRules } from '../../src/core/pr-rules.js';
import { applyEntry, type ContinuedEntry, type PrReactionEntry } from '../../src/core/state.js';
import { fakeState } from '../helpers/fake-state.js';

const URL = 'https://github.com/acme/shop/pull/7';
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const RULES: PrRules = {
  pollMs: 1000,
  ciFailed: 'continue',
  ciRetries: 3,
  changesRequested: 'continue',
  reviewRetries: 2,
  approved: 'notify',
};

const check = (name: string, bucket: string, link = ''): PrCheck => ({
  name,
  bucket,
  workflow: 'CI',
  link,
  description: '',
});
const changes = {
  id: 'R1',
  author: 'ann',
  state: 'CHANGES_REQUESTED',
  body: 'rename it',
  submittedAt: '2026-12-01T10:00:00Z',
};

function facts(over: Partial<PrFacts> = {}): PrFacts {
  return {
    url: URL,
    state: 'OPEN',
    reviewDecision: '',
    headSha: SHA,
    reviews: [],
    comments: [],
    checks: [check('test', 'pass')],
    ...over,
  };
}

const seen = (seen: PrReaction['seen'], key: string, did: PrReaction['did']): PrReaction => ({
  pr: URL,
  seen,
  key,
  did,
});
const ciKey = `ci_failed:${SHA.slice(0, 12)}`;

type Expected = { kind: 'nothing' } | Partial<Extract<PrDecision, { kind: 'react' }>>;

const CASES: [string, PrFacts, Partial<PrRules>, PrReaction[], Expected][] = [
  ['green, no review: nothing', facts(), {}, [], { kind: 'nothing' }],
  [
    'CI failed: continue, 1 of 3',
    facts({ checks: [check('test', 'fail'), check('lint', 'pass')] }),
    {},
    [],
    { seen: 'ci_failed', key: ciKey, did: 'continue', attempt: 1, of: 3 },
  ],
  [
    'CI failed while another check still runs: wait for the round',
    facts({ checks: [check('test', 'fail'), check('e2e', 'pending')] }),
    {},
    [],
    { kind: 'nothing' },
  ],
  [
    'the same failure (same head) again: nothing',
    facts({ checks: [check('test', 'fail')] }),
    {},
    [seen('ci_failed', ciKey, 'continue')],
    { kind: 'nothing' },
  ],
  [
    'a new head fails: the second continuation',
    facts({ headSha: 'f'.repeat(40), checks: [check('test', 'fail')] }),
    {},
    [seen('ci_failed', ciKey, 'continue')],
    { did: 'continue', attempt: 2, of: 3 },
  ],
  [
    'retries used up: notify, gave up',
    facts({ headSha: 'e'.repeat(40), checks: [check('test', 'fail')] }),
    { ciRetries: 2 },
    [seen('ci_failed', 'ci_failed:a', 'continue'), seen('ci_failed', 'ci_failed:b', 'continue')],
    { seen: 'ci_failed', did: 'notify', gaveUp: true, of: 2 },
  ],
  [
    'PR_ON_CI_FAILED=notify: notify, not given up',
    facts({ checks: [check('test', 'fail')] }),
    { ciFailed: 'notify' },
    [],
    { seen: 'ci_failed', did: 'notify' },
  ],
  [
    'PR_ON_CI_FAILED=off: nothing',
    facts({ checks: [check('test', 'fail')] }),
    { ciFailed: 'off' },
    [],
    { kind: 'nothing' },
  ],
  [
    'changes requested: continue with the review, 1 of 2',
    facts({ reviewDecision: 'CHANGES_REQUESTED', reviews: [changes] }),
    {},
    [],
    { seen: 'changes_requested', key: 'changes_requested:R1', did: 'continue', attempt: 1, of: 2 },
  ],
  [
    'the same review again: nothing',
    facts({ reviewDecision: 'CHANGES_REQUESTED', reviews: [changes] }),
    {},
    [seen('changes_requested', 'changes_requested:R1', 'continue')],
    { kind: 'nothing' },
  ],
  [
    'a newer changes request after two continuations: notify',
    facts({ reviewDecision: 'CHANGES_REQUESTED', reviews: [changes, { ...changes, id: 'R3' }] }),
    {},
    [
      seen('changes_requested', 'changes_requested:R1', 'continue'),
      seen('changes_requested', 'changes_requested:R2', 'continue'),
    ],
    { key: 'changes_requested:R3', did: 'notify', gaveUp: true },
  ],
  [
    'CI failed and changes requested: CI first',
    facts({ reviewDecision: 'CHANGES_REQUESTED', reviews: [changes], checks: [check('test', 'fail')] }),
    {},
    [],
    { seen: 'ci_failed' },
  ],
  [
    'CI failure already handled, changes requested: the review',
    facts({ reviewDecision: 'CHANGES_REQUESTED', reviews: [changes], checks: [check('test', 'fail')] }),
    {},
    [seen('ci_failed', ciKey, 'continue')],
    { seen: 'changes_requested' },
  ],
  [
    'approved and green: notify',
    facts({ reviewDecision: 'APPROVED' }),
    {},
    [],
    { seen: 'approved', key: `approved:${SHA.slice(0, 12)}`, did: 'notify' },
  ],
  [
    'approved with no checks at all: green',
    facts({ reviewDecision: 'APPROVED', checks: [] }),
    {},
    [],
    { seen: 'approved' },
  ],
  [
    'approved, said already: nothing',
    facts({ reviewDecision: 'APPROVED' }),
    {},
    [seen('approved', `approved:${SHA.slice(0, 12)}`, 'notify')],
    { kind: 'nothing' },
  ],
  [
    'approved, a check pending: nothing',
    facts({ reviewDecision: 'APPROVED', checks: [check('t', 'pending')] }),
    {},
    [],
    { kind: 'nothing' },
  ],
  [
    'approved, PR_ON_APPROVED=off: nothing',
    facts({ reviewDecision: 'APPROVED' }),
    { approved: 'off' },
    [],
    { kind: 'nothing' },
  ],
  [
    'merged: stop',
    facts({ state: 'MERGED', checks: [check('test', 'fail')] }),
    {},
    [],
    { seen: 'merged', did: 'stop' },
  ],
  ['closed: stop', facts({ state: 'CLOSED' }), {}, [], { seen: 'closed', did: 'stop' }],
  [
    'after a stop: nothing at all',
    facts({ checks: [check('test', 'fail')] }),
    {},
    [seen('merged', 'merged', 'stop')],
    { kind: 'nothing' },
  ],
  ['a cancelled check is no failure', facts({ checks: [check('test', 'cancel')] }), {}, [], { kind: 'nothing' }],
];

describe('decidePrReaction', () => {
  test.each(CASES)('%s', (_name, pr, rules, past, expected) => {
    const decision = decidePrReaction(pr, { ...RULES, ...rules }, past);
    if ('kind' in expected && expected.kind === 'nothing') expect(decision.kind).toBe('nothing');
    else expect(decision).toMatchObject({ kind: 'react', ...expected });
    if (decision.kind === 'react' && !('gaveUp' in expected && expected.gaveUp))
      expect(decision.gaveUp).toBeUndefined();
  });
});

describe('reading gh', () => {
  const view = {
    state: 'OPEN',
    reviewDecision: 'CHANGES_REQUESTED',
    headRefOid: SHA,
    reviews: [
      { id: 'R1', author: { login: 'ann\u001b[31m' }, state: 'CHANGES_REQUESTED', body: 'x', submittedAt: 't' },
    ],
    comments: [{ author: null, body: 'hi', createdAt: 't2' }],
  };

  test('gh pr view: the facts, control characters out of names', () => {
    const parsed = parsePrView(JSON.stringify(view));
    expect(parsed).toMatchObject({ ok: true, value: { state: 'OPEN', headSha: SHA } });
    if (!parsed.ok) throw new Error('unreachable');
    expect(parsed.value.reviews[0]!.author).toBe('ann');
    expect(parsed.value.comments[0]!.author).toBe('');
  });

  test.each([
    ['not JSON', 'Welcome to GitHub CLI', /printed no JSON/],
    ['an array', '[]', /not a pull request/],
    ['an unknown state', JSON.stringify({ ...view, state: 'DRAFTY' }), /gave the state "DRAFTY"/],
  ])('gh pr view %s: a named problem', (_what, stdout, problem) => {
    const parsed = parsePrView(stdout);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  test('a head that is not a sha is not used as a key', () => {
    const parsed = parsePrView(JSON.stringify({ ...view, headRefOid: '../../etc' }));
    expect(parsed.ok && parsed.value.headSha).toBe('');
  });

  test('gh pr checks: buckets lower-cased; no checks reported is an empty list; garbage is named', () => {
    expect(parsePrChecks(JSON.stringify([{ name: 'test', bucket: 'FAIL', link: 'l' }]), '')).toEqual({
      ok: true,
      value: [{ name: 'test', bucket: 'fail', workflow: '', link: 'l', description: '' }],
    });
    expect(parsePrChecks('', "no checks reported on the 'samocode/x' branch")).toEqual({ ok: true, value: [] });
    expect(parsePrChecks('{"a":1}', '')).toMatchObject({ ok: false, problem: /not a list of checks/ });
  });

  test('the Actions run of a check link, the repo of a PR URL', () => {
    expect(actionsRunOf('https://github.com/acme/shop/actions/runs/123/job/456')).toEqual({ run: '123', job: '456' });
    expect(actionsRunOf('https://ci.example.com/build/9')).toBeUndefined();
    expect(repoOfPr(URL)).toBe('acme/shop');
    expect(repoOfPr('https://git.corp/acme/shop/pull/3')).toBe('git.corp/acme/shop');
    expect(repoOfPr('not a url')).toBeUndefined();
  });
});

describe('the instruction and the notice', () => {
  const failing = facts({ checks: [check('test', 'fail', 'https://github.com/acme/shop/actions/runs/1/job/2')] });
  const decision = decidePrReaction(failing, RULES, []) as Extract<PrDecision, { kind: 'react' }>;

  test('CI: the PR, the head, the failing check and the end of its log in a fence the log cannot close', () => {
    const log = `${'early line\n'.repeat(2000)}FAIL src/x.test.ts \u001b[31m\`\`\`\`\nexpected 1, got 2\n`;
    const text = prInstruction(decision, failing, [{ name: 'test', log }]);
    expect(text).toContain(URL);
    expect(text).toContain(SHA.slice(0, 12));
    expect(text).toContain('expected 1, got 2');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('`````text');
    expect(text).toMatch(/earlier characters of the log left out/);
    expect(text.length).toBeLessThan(9_000);
  });

  test('CI without a log: the check and its link', () => {
    expect(prInstruction(decision, failing, [])).toContain('"test": no log could be read');
  });

  test('review: the review body and only the comments newer than the last reaction', () => {
    const pr = facts({
      reviewDecision: 'CHANGES_REQUESTED',
      reviews: [changes],
      comments: [
        { author: 'bob', body: 'old remark', createdAt: '2026-12-01T08:00:00Z' },
        { author: 'bob', body: 'also the docs', createdAt: '2026-12-01T11:00:00Z' },
      ],
    });
    const review = decidePrReaction(pr, RULES, []) as Extract<PrDecision, { kind: 'react' }>;
    const text = prInstruction(review, pr, [], '2026-12-01T09:00:00Z');
    expect(text).toContain('rename it');
    expect(text).toContain('also the docs');
    expect(text).not.toContain('old remark');
  });

  test('notices say what was done', () => {
    expect(prNotice(decision, URL)).toMatch(/continuing the session with it \(1 of 3\)/);
    const approved = decidePrReaction(facts({ reviewDecision: 'APPROVED' }), RULES, []) as Extract<
      PrDecision,
      { kind: 'react' }
    >;
    expect(prNotice(approved, URL)).toMatch(/never merges/);
  });

  test('logTail keeps the end', () => {
    expect(logTail('a\nb\nc', 100)).toBe('a\nb\nc');
    expect(logTail(`${'x'.repeat(50)}\nlast`, 10)).toMatch(/left out\)\nlast$/);
  });
});

describe('the fold', () => {
  const done = fakeState({
    phase: 'done',
    status: 'done',
    historySeq: 9,
    approvedPlan: '_plan.md',
    gatesPassed: ['planning'],
  });

  test('pr_reaction changes nothing but the record', () => {
    const entry: PrReactionEntry = {
      seq: 10,
      time: '2026-12-01T12:00:00.000Z',
      iteration: 8,
      phase: 'done',
      event: 'pr_reaction',
      pr: URL,
      seen: 'ci_failed',
      key: ciKey,
      detail: 'CI failed',
      did: 'continue',
    };
    expect(applyEntry(done, entry)).toEqual({ ...done, historySeq: 10, updatedAt: entry.time });
  });

  test('a cycle from implementation keeps the approved plan as the contract; from planning it does not', () => {
    const entry: ContinuedEntry = {
      seq: 10,
      time: '2026-12-01T12:00:00.000Z',
      iteration: 8,
      phase: 'done',
      event: 'continued',
      phaseAfter: 'implementation',
      instruction: 'fix CI',
      cycle: 2,
    };
    expect(applyEntry(done, entry)).toMatchObject({
      phase: 'implementation',
      status: 'running',
      approvedPlan: '_plan.md',
    });
    expect(applyEntry(done, { ...entry, phaseAfter: 'planning' }).approvedPlan).toBeUndefined();
  });
});
