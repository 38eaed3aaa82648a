import { describe, expect, test } from 'vitest';
import { buildPrompt } from '../../src/core/prompt.js';
import {
  countFindings,
  planFiles,
  readDecision,
  renderReview,
  setDecision,
} from '../../src/core/review/review-file.js';
import type { ReviewFinding } from '../../src/core/review/rules.js';
import { applyEntry, type ResumedEntry } from '../../src/core/state.js';
import { evaluateWait } from '../../src/core/wait.js';
import { formatEvent } from '../../src/telegram/format.js';
import { fakeState } from '../helpers/fake-state.js';

const FINDINGS: ReviewFinding[] = [
  { rule: 'skip_marker', file: 'tests/a.test.ts', line: 3, excerpt: "it.skip('adds', () => {" },
  { rule: 'skip_marker', file: 'tests/b.test.ts', line: 9, excerpt: 'describe.only(`x` + ``y``)' },
  { rule: 'out_of_scope', file: 'src/db.ts', excerpt: 'modified' },
];
const waiting = fakeState({
  phase: 'done',
  status: 'waiting',
  waitingFor: 'review',
  waitingFile: '_review.md',
  reviewFindings: 3,
  updatedAt: '2026-01-02T04:00:00.000Z',
});
const at = { startup: false, force: false };
/** The `resumed` entry the loop records for a resume verdict. */
function resumedEntry(verdict: ReturnType<typeof evaluateWait>): ResumedEntry {
  if (!('resume' in verdict)) throw new Error(`expected a resume, got: ${verdict.pending}`);
  return {
    seq: 9,
    time: '2026-01-02T05:00:00.000Z',
    iteration: 7,
    phase: 'done',
    event: 'resumed',
    from: 'waiting',
    ...verdict.resume,
  };
}
const withDecision = (value: string) =>
  renderReview(FINDINGS).replace('**Decision:** _waiting_', `**Decision:** ${value}`);

describe('_review.md', () => {
  test('findings grouped by family and rule, file:line and excerpt each, ending with the decision line', () => {
    const text = renderReview(FINDINGS, { base: 'main', branch: 'samocode/x', head: 'abcdef0123456789' });
    expect(text).toContain('`main...samocode/x` (at abcdef012345)');
    expect(text).toContain('3 things to look at in 3 files');
    expect(text).toContain("- `tests/a.test.ts:3` `it.skip('adds', () => {`");
    expect(text).toContain('- `src/db.ts` `modified`');
    // An excerpt with backticks still makes one code span.
    expect(text).toContain('- `tests/b.test.ts:9` ```describe.only(`x` + ``y``)```');
    expect(text.indexOf('## Tests and checks weakened')).toBeLessThan(text.indexOf('## Outside the plan'));
    expect(text.trimEnd().endsWith('**Decision:** _waiting_')).toBe(true);
    expect(countFindings(text)).toBe(3);
    expect(readDecision(text)).toEqual({ state: 'waiting' });
  });

  test('the decision line is read and written like the plan approval', () => {
    expect(readDecision(withDecision('approved'))).toEqual({ state: 'approved' });
    expect(readDecision(withDecision('rejected: drop the skip'))).toEqual({
      state: 'rejected',
      feedback: 'drop the skip',
    });
    expect(readDecision(withDecision('maybe later'))).toEqual({ state: 'unclear', line: 'maybe later' });
    const rejected = setDecision(renderReview(FINDINGS), { approve: false, feedback: 'undo\nthe skip' })!;
    expect(readDecision(rejected)).toEqual({ state: 'rejected', feedback: 'undo the skip' });
    expect(setDecision('no line here', { approve: true })).toBeUndefined();
  });

  test("the plan's ## Files: backticked or bare paths, comments after them, up to the next section", () => {
    const plan = [
      '# Plan',
      '## Steps',
      '- src/not-this.ts',
      '## Files',
      '- `src/auth/**` — the new module',
      '* src/app.ts: wire it in',
      '1. tests/auth.test.ts',
      '',
      '## Risks',
      '- docs/x.md',
    ].join('\n');
    expect(planFiles(plan)).toEqual(['src/auth/**', 'src/app.ts', 'tests/auth.test.ts']);
    expect(planFiles('# Plan\n## Steps\n- a')).toBeUndefined();
    expect(planFiles('## Files\n- (none)\n')).toBeUndefined();
  });
});

describe('waiting for the review', () => {
  test('approved: resume with review approved; the fold makes the session done', () => {
    const verdict = evaluateWait(waiting, { reviewText: withDecision('approved') }, at);
    expect(verdict).toEqual({
      resume: { how: 'review approved in _review.md', gatePassed: false, review: 'approved' },
    });
    const after = applyEntry(waiting, resumedEntry(verdict));
    expect(after).toMatchObject({ status: 'done', phase: 'done', waitingFor: undefined, reviewFindings: undefined });
  });

  test('rejected with words: back to implementation, the feedback kept for the next prompt and then dropped', () => {
    const verdict = evaluateWait(waiting, { reviewText: withDecision('rejected: un-skip the test') }, at);
    expect(verdict).toEqual({
      resume: {
        how: 'review rejected in _review.md',
        gatePassed: false,
        phaseAfter: 'implementation',
        review: 'rejected',
        feedback: 'un-skip the test',
      },
    });
    const resumed = applyEntry(waiting, resumedEntry(verdict));
    expect(resumed).toMatchObject({ status: 'running', phase: 'implementation', reviewFeedback: 'un-skip the test' });
    expect(resumed.planFeedback).toBeUndefined();
    const prompt = buildPrompt({
      workflow: '',
      phaseAgent: '',
      state: resumed,
      sessionDir: '/s/x',
      signalFile: '/s/x/_signal.json',
      iteration: 8,
      phaseLimit: 50,
      timeoutMs: 60_000,
      now: '2026-01-02T05:00:01.000Z',
    });
    expect(prompt).toContain("## The person rejected the review of the session's changes");
    expect(prompt).toContain('Their feedback: un-skip the test');
    expect(prompt).toContain('/s/x/_review.md');
  });

  test('rejected without words, unclear, still waiting, or missing: pending, each saying what to write', () => {
    const pending = (text: string | undefined) => evaluateWait(waiting, { reviewText: text }, at);
    expect(pending(withDecision('rejected'))).toEqual({
      pending: '_review.md says rejected but not what to change: write "rejected: <what to change>"',
    });
    expect(pending(withDecision('hmm'))).toEqual({
      pending: '_review.md has a decision line saying "hmm": write "approved" or "rejected: <what to change>"',
    });
    expect(pending(renderReview(FINDINGS))).toMatchObject({ pending: expect.stringMatching(/still says/) });
    expect(pending(undefined)).toEqual({ pending: '_review.md does not exist in the session folder' });
  });

  test('a resume request without a decision lets the agent go on in its phase (the review runs again)', () => {
    const verdict = evaluateWait(
      waiting,
      {
        reviewText: renderReview(FINDINGS),
        resumeRequest: { how: 'telegram /resume', at: Date.parse('2026-01-02T05:00:00Z') },
      },
      at,
    );
    expect(verdict).toEqual({ resume: { how: 'telegram /resume', gatePassed: false } });
  });

  test('the Telegram message names the count and the file, and how to answer', () => {
    const text = formatEvent(
      { type: 'waiting', state: waiting },
      { sessionName: 'x', sessionDir: '/s/x', reviewText: renderReview(FINDINGS) },
    )!;
    expect(text).toContain('the review of the diff has 3 findings for you');
    expect(text).toContain('/s/x/_review.md');
    expect(text).toContain('/approve');
    expect(text).toContain('tests/a.test.ts:3');
    expect(text).not.toContain('**Decision:**');
  });
});
