// The zod-free fast path of the claude stream parser (plain tool results, most of a long stream) must give exactly
// the events of the zod parser: on every recorded claude line, and on variants of each user line made to hit the
// edges (a failed result, odd field types, blocks that are no objects).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { claudeParser } from '../../src/agent/streams/claude.js';

const FIXTURES = ['tests/fixtures/streams', 'tests/fixtures/tool-failures'];
const REFERENCE = '/work/shared/reference/claude-stream-example.jsonl';

function claudeLines(): string[] {
  const files = FIXTURES.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.startsWith('claude') && name.endsWith('.jsonl'))
      .map((name) => join(dir, name)),
  );
  const lines = files.flatMap((file) => readFileSync(file, 'utf8').split('\n'));
  try {
    lines.push(...readFileSync(REFERENCE, 'utf8').split('\n'));
  } catch {
    // the shared reference is a fact of this machine; the fixtures in the repository are enough without it
  }
  return lines.filter((line) => line.trim() !== '');
}

/** Each user line as recorded, and changed where the fast path decides: is_error, ids, content and block shapes. */
function variants(line: string): string[] {
  let data: { type?: unknown; message?: { content?: unknown } };
  try {
    data = JSON.parse(line) as typeof data;
  } catch {
    return [line];
  }
  if (data.type !== 'user' || !data.message) return [line];
  const blocks = Array.isArray(data.message.content) ? (data.message.content as Record<string, unknown>[]) : [];
  const withBlocks = (edit: (b: Record<string, unknown>) => unknown) =>
    JSON.stringify({ ...data, message: { ...data.message, content: blocks.map((b) => edit({ ...b })) } });
  return [
    line,
    withBlocks((b) => ({ ...b, is_error: true })),
    withBlocks((b) => ({ ...b, is_error: 'yes' })),
    withBlocks((b) => ({ ...b, is_error: false, tool_use_id: 7 })),
    withBlocks((b) => ({ ...b, content: { odd: true } })),
    withBlocks(() => null),
    withBlocks((b) => [b]),
    withBlocks((b) => ({ ...b, type: 'text', text: 'x' })),
    JSON.stringify({ ...data, message: { ...data.message, content: 'plain text' } }),
    JSON.stringify({ ...data, message: { ...data.message, content: 42 } }),
    JSON.stringify({ ...data, message: [data.message] }),
    JSON.stringify({ ...data, message: undefined }),
  ];
}

describe('claude stream: the fast path gives the events of the zod parser', () => {
  const lines = claudeLines();

  test('the fixtures hold user lines with tool results, passed and failed', () => {
    expect(lines.filter((l) => l.includes('"tool_result"')).length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes('"is_error":true'))).toBe(true);
  });

  test('every recorded line and every variant, through one parser per stream (failed results name their call)', () => {
    const fast = claudeParser();
    const zod = claudeParser({ fastPath: false });
    let compared = 0;
    for (const line of lines)
      for (const variant of variants(line)) {
        expect(fast(variant), variant.slice(0, 200)).toEqual(zod(variant));
        compared++;
      }
    expect(compared).toBeGreaterThan(lines.length);
  });
});
