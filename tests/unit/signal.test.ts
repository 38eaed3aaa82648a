import { describe, expect, test } from 'vitest';
import { isCorrectable } from '../../src/core/attempts.js';
import { parseSignal } from '../../src/core/signal.js';

const FILE = '/s/_signal.json';

describe('parseSignal', () => {
  test.each([
    ['missing', undefined, 'signal_missing', 'was not written'],
    ['empty', '  \n', 'signal_empty', 'is empty'],
    ['not JSON', '{"status": "continue",', 'signal_not_json', 'not valid JSON'],
    ['a JSON array', '[1]', 'signal_not_json', 'one JSON object'],
    ['a JSON string', '"continue"', 'signal_not_json', 'one JSON object'],
    ['unknown status', '{"status":"finished"}', 'unknown_status', 'status="finished"'],
    ['no status', '{"phase":"planning"}', 'unknown_status', 'status=undefined'],
    ['unknown phase', '{"status":"continue","phase":"deploy"}', 'unknown_phase', 'phase="deploy"'],
    ['blocked without reason', '{"status":"blocked"}', 'signal_invalid', 'needs a "reason"'],
    ['waiting without for', '{"status":"waiting"}', 'signal_invalid', 'needs "for"'],
    ['summary of the wrong type', '{"status":"continue","summary":5}', 'signal_invalid', 'summary'],
  ])('%s → %s', (_name, raw, kind, text) => {
    const read = parseSignal(raw, FILE);
    expect(read).toMatchObject({ ok: false, problem: { kind } });
    if (!read.ok) {
      expect(read.problem.message).toContain(text);
      expect(read.problem.message).toContain(FILE);
    }
  });

  test('a valid signal, with unknown extra fields tolerated', () => {
    expect(parseSignal('{"status":"waiting","for":"qa_answers","needs":"answer","summary":"asked","extra":1}', FILE)).toEqual({
      ok: true,
      signal: { status: 'waiting', for: 'qa_answers', needs: 'answer', summary: 'asked', extra: 1 },
    });
  });

  test('long bad content is quoted truncated', () => {
    const read = parseSignal(`{${'x'.repeat(1000)}`, FILE);
    expect(!read.ok && read.problem.message.length).toBeLessThan(500);
  });

  test('only a missing or unreadable signal is worth a corrective re-run', () => {
    expect(['signal_missing', 'signal_empty', 'signal_not_json'].every((k) => isCorrectable(k as never))).toBe(true);
    expect(['unknown_status', 'illegal_transition', 'gate_skipped', 'phase_limit', 'signal_invalid'].some((k) => isCorrectable(k as never))).toBe(false);
  });
});
