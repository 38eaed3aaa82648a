// The dashboard's figures as a person reads them (src/web/format.ts: pure, no DOM).
import { describe, expect, test } from 'vitest';
import { ago, cost, count, duration, signalWords, statusBadge, tokens } from '../../src/web/format.js';

describe('the page formats', () => {
  test.each([
    [0, undefined, '$0.00'],
    [0.0041, undefined, '$0.0041'],
    [1.256, undefined, '$1.26'],
    [0.45, true, '~$0.45 est.'],
    [undefined, undefined, '–'],
    [Number.NaN, undefined, '–'],
  ])('cost %s (estimated %s) → %s', (usd, estimated, text) => {
    expect(cost(usd, estimated)).toBe(text);
  });

  test.each([
    [950, '950'],
    [1234, '1.2k'],
    [45_678, '46k'],
    [4_100_000, '4.1M'],
    [undefined, '–'],
  ])('count %s → %s', (n, text) => expect(count(n)).toBe(text));

  test('tokens add every kind, cache included; none is undefined', () => {
    expect(tokens({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 100, cacheWriteTokens: 1 })).toBe(116);
    expect(tokens({ inputTokens: 3 })).toBe(3);
    expect(tokens(undefined)).toBeUndefined();
  });

  test.each([
    [850, '850 ms'],
    [4200, '4.2 s'],
    [185_000, '3 min 5 s'],
    [7_800_000, '2 h 10 min'],
    [undefined, '–'],
  ])('duration %s → %s', (ms, text) => expect(duration(ms)).toBe(text));

  test('ago counts from the given now; an unreadable time is a dash', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(ago('2026-12-01T11:59:58Z', now)).toBe('just now');
    expect(ago('2026-12-01T11:55:00Z', now)).toBe('5 min ago');
    expect(ago('2026-11-29T12:00:00Z', now)).toBe('2 days ago');
    expect(ago('not a time', now)).toBe('–');
    expect(ago(null, now)).toBe('–');
  });

  test('the status badge: what it waits for or why it is blocked; a running session without its orchestrator', () => {
    expect(statusBadge({ status: 'running', live: true })).toEqual({ text: 'running', tone: 'running' });
    expect(statusBadge({ status: 'running', live: false }).tone).toBe('blocked');
    expect(statusBadge({ status: 'waiting', statusLine: 'waiting for plan_approval' })).toEqual({
      text: 'waiting for plan_approval',
      tone: 'waiting',
    });
    expect(statusBadge({ status: 'waiting', statusLine: 'waiting for qa_answers (pid 12 waits)' }).text).toBe(
      'waiting for qa_answers',
    );
    expect(statusBadge({ status: 'blocked', statusLine: 'blocked: budget: cost' }).text).toBe('blocked: budget: cost');
    expect(statusBadge({ status: null, statusLine: 'unreadable: bad yaml' }).tone).toBe('unknown');
  });

  test('signal words', () => {
    expect(signalWords({ status: 'waiting', for: 'qa_answers' })).toBe('waiting for qa_answers');
    expect(signalWords({ status: 'continue' })).toBe('continue');
    expect(signalWords(null)).toBe('no signal');
    expect(signalWords('SIGINT')).toBe('SIGINT');
  });
});
