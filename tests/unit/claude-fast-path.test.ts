// The zod-free fast paths of the claude stream parser (plain tool results and tool calls, most of a long stream) must
// give exactly the events of the zod parser: on every recorded claude line, and on variants of each user and assistant
// line made to hit the edges (a failed result, odd field types, blocks that are no objects, subagents, API errors).
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
  if (data.type === 'assistant' && data.message) return assistantVariants(line, data);
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

/** Each assistant line as recorded, and changed where its fast path decides: block shapes, tool fields, parents. */
function assistantVariants(line: string, data: { message?: { content?: unknown } }): string[] {
  const blocks = Array.isArray(data.message!.content) ? (data.message!.content as Record<string, unknown>[]) : [];
  const withBlocks = (edit: (b: Record<string, unknown>) => unknown) =>
    JSON.stringify({ ...data, message: { ...data.message, content: blocks.map((b) => edit({ ...b })) } });
  const withLine = (extra: Record<string, unknown>) => JSON.stringify({ ...data, ...extra });
  return [
    line,
    withBlocks((b) => ({ ...b, text: 42 })),
    withBlocks((b) => ({ ...b, text: '   ' })),
    withBlocks((b) => ({ ...b, name: undefined })),
    withBlocks((b) => ({ ...b, name: 7 })),
    withBlocks((b) => ({ ...b, id: 7 })),
    withBlocks((b) => ({ ...b, id: undefined })),
    withBlocks((b) => ({ ...b, input: 'ls' })),
    withBlocks((b) => ({ ...b, input: ['ls'] })),
    withBlocks((b) => ({ ...b, input: null })),
    withBlocks((b) => ({ ...b, input: JSON.parse('{"__proto__": {"command": "x"}, "file_path": "a"}') as unknown })),
    withBlocks((b) => ({ ...b, type: 'thinking', thinking: 'hm' })),
    withBlocks(() => null),
    withBlocks((b) => [b]),
    withBlocks((b) => ({ ...b, name: 'Write', input: { file_path: 'src/x.ts', content: 'x' } })),
    withLine({ parent_tool_use_id: 'toolu_parent' }),
    withLine({ parent_tool_use_id: 42 }),
    withLine({ parent_tool_use_id: null }),
    withLine({ error: 'rate_limit' }),
    withLine({ error: 42 }),
    withLine({ message: { ...data.message, content: 'plain text' } }),
    withLine({ message: { ...data.message, content: 42 } }),
    withLine({ message: [data.message] }),
    withLine({ message: undefined }),
  ];
}

describe('claude stream: the fast path gives the events of the zod parser', () => {
  const lines = claudeLines();

  test('the fixtures hold user lines with tool results, passed and failed', () => {
    expect(lines.filter((l) => l.includes('"tool_result"')).length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes('"is_error":true'))).toBe(true);
    expect(lines.filter((l) => l.includes('"tool_use"') && l.includes('"assistant"')).length).toBeGreaterThan(5);
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
