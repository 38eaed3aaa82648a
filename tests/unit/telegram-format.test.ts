import { describe, expect, test } from 'vitest';
import type { SessionEvent } from '../../src/loop/ports.js';
import {
  escapeHtml,
  formatCrashed,
  formatEvent,
  formatStarted,
  splitMessage,
  TELEGRAM_LIMIT,
  type FormatContext,
} from '../../src/telegram/format.js';
import { htmlToPlain } from '../../src/telegram/html.js';
import { fakeState } from '../helpers/fake-state.js';

const ctx: FormatContext = {
  sessionName: 'add-auth',
  sessionDir: '/s/26-01-02-add-auth',
  rerunCommand: 'orchestrate --config ./.samocode --session add-auth',
};

const QA = [
  '# Questions',
  '',
  '### Q1: Which database?',
  '- A) Postgres <15+>',
  '- B) SQLite & files',
  '**Suggestion:** A, because it is already in docker_compose',
  '**Answer:** _waiting_',
  '',
  '### Q2: Keep the old API?',
  '- A) yes',
  '- B) no',
  '**Answer:** B',
  '',
  '### Q3: Anything else?',
  '**Answer:** _waiting_',
  '',
].join('\n');

/** Every tag in the piece is closed in it, and no `&` starts anything but a whole entity. */
function wellFormed(html: string): boolean {
  const stack: string[] = [];
  for (const [, close, name] of html.matchAll(/<(\/?)([a-zA-Z]+)[^<>]*>/g)) {
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0 && !/&(?!amp;|lt;|gt;)/.test(html) && !/<(?![a-zA-Z/])/.test(html);
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('escapeHtml', () => {
  test('escapes exactly &, < and >; markdown characters stay as they are', () => {
    expect(escapeHtml('a_b *c* <tag> & `x` [y](z)')).toBe('a_b *c* &lt;tag&gt; &amp; `x` [y](z)');
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });

  test('agent text with _ * <tag> & in a blocked reason arrives intact', () => {
    const reason = 'snake_case *bold* <script>alert(1)</script> & a_b';
    const html = formatEvent(
      { type: 'blocked', state: fakeState({ status: 'blocked', blockedReason: reason, blockedKind: 'agent' }) },
      ctx,
    )!;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; a_b');
    expect(htmlToPlain(html)).toContain(reason);
    expect(wellFormed(html)).toBe(true);
  });
});

describe('splitMessage', () => {
  test('a short message is one piece, unchanged', () => {
    expect(splitMessage('<b>hi</b> there')).toEqual(['<b>hi</b> there']);
  });

  test('long text: every piece fits, pieces end at line breaks, nothing is lost', () => {
    const text = Array.from({ length: 400 }, (_, i) => `line ${i}: ${'word '.repeat(6)}`).join('\n');
    const pieces = splitMessage(text, TELEGRAM_LIMIT, 10);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(TELEGRAM_LIMIT);
    for (const piece of pieces.slice(0, -1)) expect(piece.endsWith('\n')).toBe(true);
    expect(pieces.join('')).toBe(text);
  });

  test('measured after escaping: never cuts inside an entity', () => {
    const html = escapeHtml('<&>'.repeat(3000));
    const pieces = splitMessage(html, TELEGRAM_LIMIT, 10);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(TELEGRAM_LIMIT);
      expect(wellFormed(piece)).toBe(true);
    }
    expect(pieces.join('')).toBe(html);
  });

  test('tags open at a cut are closed and reopened', () => {
    const html = `<b>title</b>\n<blockquote>${escapeHtml('x <y> '.repeat(2000))}</blockquote>\nend`;
    const pieces = splitMessage(html, TELEGRAM_LIMIT, 10);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(TELEGRAM_LIMIT);
      expect(wellFormed(piece)).toBe(true);
    }
    expect(pieces[1]!.startsWith('<blockquote>')).toBe(true);
    expect(htmlToPlain(pieces.join(''))).toBe(htmlToPlain(html));
  });

  test('long multi-byte text: no piece splits a surrogate pair', () => {
    const text = '😀 привет мир 日本語 '.repeat(700);
    const pieces = splitMessage(escapeHtml(text), TELEGRAM_LIMIT, 10);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(TELEGRAM_LIMIT);
      expect(loneSurrogate.test(piece)).toBe(false);
    }
    expect(pieces.join('')).toBe(text);
    // A run with no spaces or line breaks at all is cut between characters.
    const emoji = '😀'.repeat(5000);
    const hard = splitMessage(emoji, TELEGRAM_LIMIT, 10);
    for (const piece of hard) expect(loneSurrogate.test(piece)).toBe(false);
    expect(hard.join('')).toBe(emoji);
  });

  test('too many pieces: the rest is trimmed with a note', () => {
    const pieces = splitMessage(`<i>${'a b\n'.repeat(20_000)}</i>`, TELEGRAM_LIMIT, 3);
    expect(pieces).toHaveLength(3);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(TELEGRAM_LIMIT);
    expect(pieces[2]).toMatch(/trimmed/);
    expect(wellFormed(pieces[2]!)).toBe(true);
  });
});

describe('formatEvent', () => {
  const header = (html: string | undefined, phase: string) => {
    expect(html).toBeDefined();
    expect(html!.split('\n')[0]).toContain('<b>add-auth</b>');
    expect(html!.split('\n')[0]).toContain(phase);
    expect(wellFormed(html!)).toBe(true);
  };

  test('every message names the session and the phase', () => {
    const events: SessionEvent[] = [
      { type: 'waiting', state: fakeState({ phase: 'requirements', status: 'waiting', waitingFor: 'qa_answers' }) },
      { type: 'waiting', state: fakeState({ phase: 'planning', status: 'waiting', waitingFor: 'plan_approval' }) },
      {
        type: 'waiting',
        state: fakeState({
          phase: 'testing',
          status: 'waiting',
          waitingFor: 'human_action',
          needs: 'plug in the <device>',
        }),
      },
      {
        type: 'blocked',
        state: fakeState({
          phase: 'implementation',
          status: 'blocked',
          blockedReason: 'no db',
          blockedKind: 'phase_limit',
        }),
      },
      { type: 'done', state: fakeState({ phase: 'done', status: 'done' }) },
      { type: 'interrupted', state: fakeState({ phase: 'quality' }), stopSignal: 'SIGTERM' },
      { type: 'resumed', state: fakeState({ phase: 'planning' }), how: 'telegram /resume' },
    ];
    for (const event of events) header(formatEvent(event, ctx), event.state.phase);
    header(formatStarted(fakeState({ phase: 'investigation' }), ctx), 'investigation');
    header(formatCrashed('EACCES: <permission> denied', fakeState({ phase: 'testing' }), ctx), 'testing');
  });

  test('loop chatter is not worth a message', () => {
    const state = fakeState();
    expect(formatEvent({ type: 'iteration-start', state, iteration: 1, attempt: 1 }, ctx)).toBeUndefined();
    expect(
      formatEvent({ type: 'retry', state, iteration: 1, attempt: 2, delayMs: 1000, why: 'exited 1' }, ctx),
    ).toBeUndefined();
  });

  test('waiting for answers: the open questions with their options and suggestion, and how to reply', () => {
    const state = fakeState({ phase: 'requirements', status: 'waiting', waitingFor: 'qa_answers' });
    const html = formatEvent({ type: 'waiting', state }, { ...ctx, qaText: QA })!;
    expect(html).toContain('<b>Q1: Which database?</b>');
    expect(html).toContain('A) Postgres &lt;15+&gt;');
    expect(html).toContain('B) SQLite &amp; files');
    expect(html).toContain('<i>Suggestion:</i> A, because it is already in docker_compose');
    expect(html).toContain('<b>Q3: Anything else?</b>');
    expect(html).not.toContain('Keep the old API'); // answered already
    expect(html).toContain('<code>1A</code>');
    expect(html).toContain('<code>Q3: your own answer</code>');
    expect(html).toContain('2 questions for you');
  });

  test('waiting for plan approval: the start of the plan and /approve, /reject <what to change>', () => {
    const plan = `# Plan\n\n${Array.from({ length: 100 }, (_, i) => `${i + 1}. step_${i} with <b> & co`).join('\n')}\n\n**Approval:** _waiting_\n`;
    const state = fakeState({ phase: 'planning', status: 'waiting', waitingFor: 'plan_approval' });
    const html = formatEvent({ type: 'waiting', state }, { ...ctx, planText: plan })!;
    expect(html).toContain('1. step_0 with &lt;b&gt; &amp; co');
    expect(html).not.toContain('step_99');
    expect(html).toMatch(/more characters/);
    expect(html).toContain('/approve');
    expect(html).toContain('/reject &lt;what to change&gt;');
    const quoted = /<blockquote>([\s\S]*)<\/blockquote>/.exec(html)![1]!;
    expect(htmlToPlain(quoted).length).toBeLessThan(1600);
  });

  test('other waits: what is needed and /resume', () => {
    const state = fakeState({
      phase: 'testing',
      status: 'waiting',
      waitingFor: 'human_action',
      needs: 'Start Postgres on :5432',
    });
    const html = formatEvent({ type: 'waiting', state }, ctx)!;
    expect(html).toContain('Start Postgres on :5432');
    expect(html).toContain('/resume');
    expect(html).toContain('<code>/s/26-01-02-add-auth/_overview.md</code>');
    const named = formatEvent(
      { type: 'waiting', state: { ...state, waitingFor: 'file_update', waitingFile: 'notes/db.md' } },
      ctx,
    )!;
    expect(named).toContain('<code>/s/26-01-02-add-auth/notes/db.md</code>');
  });

  test('blocked: reason, needs, and how to unblock', () => {
    const state = fakeState({
      phase: 'implementation',
      status: 'blocked',
      blockedReason: 'tests need Postgres',
      blockedKind: 'agent',
      needs: 'start it',
    });
    const html = formatEvent({ type: 'blocked', state }, ctx)!;
    expect(html).toContain('tests need Postgres');
    expect(html).toContain('start it');
    expect(html).toContain('/s/26-01-02-add-auth/_overview.md');
    expect(html).toContain('/resume');
    expect(html).toContain('<code>orchestrate --config ./.samocode --session add-auth</code>');
  });

  test('done: summary, iterations, wall time, agent time, cost and tokens when reported', () => {
    const state = fakeState({
      phase: 'done',
      status: 'done',
      iterations: 12,
      lastSummary: 'Auth added; 40 tests',
      startedAt: '2026-01-02T03:00:00.000Z',
      updatedAt: '2026-01-02T05:30:00.000Z',
      totals: {
        costUsd: 3.456,
        inputTokens: 1_200_000,
        outputTokens: 45_000,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        agentMs: 3_600_000,
        activeMs: 3_700_000,
      },
    });
    const html = formatEvent({ type: 'done', state }, ctx)!;
    for (const part of [
      'Auth added; 40 tests',
      '12 iterations',
      'wall time 2 h 30 min',
      'agent time 1 h 0 min',
      'cost $3.46',
      'tokens 1.2M in / 45k out',
    ]) {
      expect(html).toContain(part);
    }
    const bare = formatEvent(
      { type: 'done', state: fakeState({ phase: 'done', status: 'done', iterations: 1 }) },
      ctx,
    )!;
    expect(bare).not.toMatch(/cost|tokens|agent time/);
  });

  test('done: a cost computed from CODEX_PRICE is shown as an estimate', () => {
    const totals = {
      costUsd: 0.451,
      inputTokens: 100_000,
      outputTokens: 2_000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      agentMs: 60_000,
      activeMs: 60_000,
      costEstimated: true,
    };
    const html = formatEvent(
      { type: 'done', state: fakeState({ phase: 'done', status: 'done', iterations: 3, totals }) },
      ctx,
    )!;
    expect(html).toContain('cost ~$0.45 est.');
  });

  test('interrupted and crashed say the session is resumable and how', () => {
    const interrupted = formatEvent(
      { type: 'interrupted', state: fakeState({ phase: 'quality' }), stopSignal: 'SIGINT' },
      ctx,
    )!;
    expect(interrupted).toContain('SIGINT');
    expect(interrupted).toContain('orchestrate --config ./.samocode --session add-auth');
    const crashed = formatCrashed('boom <x>', undefined, { sessionName: 'add-auth', sessionDir: '/s/x' })!;
    expect(crashed).toContain('boom &lt;x&gt;');
    expect(crashed).toContain('unknown phase');
    expect(crashed).toContain('orchestrate --config &lt;your .samocode&gt; --session add-auth');
  });
});

test('a budget warning is a message; an excess leaves it to the blocked message', () => {
  const state = fakeState({ phase: 'implementation' });
  const ctx = { sessionName: 'auth', sessionDir: '/s/auth' };
  const warning = formatEvent(
    { type: 'budget', state, level: 'warning', use: { kind: 'cost', used: 40, limit: 50 } },
    ctx,
  );
  expect(warning).toContain('budget at $40.00 of $50.00 (80%, SAMOCODE_MAX_COST)');
  expect(warning).toContain('auth');
  expect(
    formatEvent({ type: 'budget', state, level: 'exceeded', use: { kind: 'cost', used: 50, limit: 50 } }, ctx),
  ).toBeUndefined();
});
