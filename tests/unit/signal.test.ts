import { describe, expect, test } from 'vitest';
import { isCorrectable } from '../../src/core/iteration.js';
import { parseSignal } from '../../src/core/signal.js';
import { agentText, capText, withoutControls } from '../../src/core/agent-text.js';

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

  // core/zod.ts registers English: zod's mini API has no messages of its own (this file loads no classic zod).
  test('what is wrong with a field is said in words, with what it may be', () => {
    const read = parseSignal('{"status":"continue","summary":5,"reason":"  "}', FILE);
    expect(read).toEqual({
      ok: false,
      problem: {
        kind: 'signal_invalid',
        message:
          `${FILE}: summary: Invalid input: expected string, received number; ` +
          'reason: Too small: expected string to have >=1 characters.',
      },
    });
  });

  test('a valid signal, with unknown extra fields tolerated', () => {
    expect(
      parseSignal('{"status":"waiting","for":"qa_answers","needs":"answer","summary":"asked","extra":1}', FILE),
    ).toEqual({
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
    expect(
      ['unknown_status', 'illegal_transition', 'gate_skipped', 'phase_limit', 'signal_invalid'].some((k) =>
        isCorrectable(k as never),
      ),
    ).toBe(false);
  });
});

describe('parseSignal on hostile content', () => {
  test('duplicate top-level keys are signal_invalid, naming the key (escaped spellings count)', () => {
    for (const raw of [
      '{"status":"continue","status":"done"}',
      '{"status":"done", "\\u0073tatus" : "continue"}',
      '{"summary":"a","x":{"summary":1},"summary":"b","status":"continue"}',
    ]) {
      const read = parseSignal(raw, FILE);
      expect(read).toMatchObject({ ok: false, problem: { kind: 'signal_invalid' } });
      expect(!read.ok && read.problem.message).toMatch(/key "(status|summary)" appears twice/);
    }
    // The same key in nested objects and arrays, or as a value, is not a duplicate.
    expect(
      parseSignal('{"status":"continue","a":{"status":1},"b":[{"status":2},"status"],"summary":"status"}', FILE),
    ).toMatchObject({ ok: true });
  });

  test('a UTF-8 byte-order mark is accepted', () => {
    expect(parseSignal('\ufeff{"status":"continue","summary":"s"}', FILE)).toEqual({
      ok: true,
      signal: { status: 'continue', summary: 's' },
    });
  });

  test('text fields lose control characters and escape sequences; only-control text counts as absent', () => {
    const read = parseSignal(
      JSON.stringify({
        status: 'blocked',
        reason: 'a\u0000b\u001b[1mc\u001b]8;;http://x\u001b\\d\u009be',
        summary: '\u0000\u0007',
      }),
      FILE,
    );
    expect(read).toEqual({ ok: true, signal: { status: 'blocked', reason: 'abcde' } });
  });

  test('text fields are cut to 4 KB with a note of how much was cut', () => {
    const read = parseSignal(
      JSON.stringify({ status: 'blocked', reason: 'r'.repeat(10_000), needs: 'n'.repeat(5000) }),
      FILE,
    );
    expect(read.ok && read.signal.reason).toBe(`${'r'.repeat(4096)}… (cut: 5904 more characters)`);
    expect(read.ok && read.signal.needs).toBe(`${'n'.repeat(4096)}… (cut: 904 more characters)`);
  });

  test('quoted bad content has no control characters', () => {
    const read = parseSignal('\u001b[2J{oops\u0000', FILE);
    expect(!read.ok && read.problem.message).not.toMatch(/[\u0000-\u001f]/);
  });

  test('a refused or oversized signal is worth the corrective re-run', () => {
    expect(isCorrectable('signal_not_regular_file')).toBe(true);
    expect(isCorrectable('signal_too_large')).toBe(true);
  });
});

describe('agent text helpers', () => {
  test('capText never splits a surrogate pair', () => {
    expect(capText(`${'a'.repeat(3)}😀b`, 4)).toBe('aaa… (cut: 3 more characters)');
  });
  test('agentText on a huge text keeps the head and counts the rest', () => {
    expect(agentText(`\u0000${'x'.repeat(100_000)}`, 10)).toBe(`${'x'.repeat(10)}… (cut: 99990 more characters)`);
  });
  test('withoutControls keeps tabs and newlines', () => {
    expect(withoutControls('a\tb\nc\r\u007f')).toBe('a\tb\nc');
  });
});
