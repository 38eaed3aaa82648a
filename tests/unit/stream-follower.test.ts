// The follower of the agent's stdout file hands over every complete line exactly as written, however the reads cut
// the bytes (tiny chunks here: a line and a multi-byte character split across many reads), skips a line longer than
// its bound without losing the next ones, and flushes a last line that has no line break.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { followLines } from '../../src/agent/stream-follower.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'samocode-follower-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Follow `file` with reads of `chunkBytes`, timer off (the test drives the reads). */
function follow(file: string, chunkBytes?: number) {
  const lines: string[] = [];
  const follower = followLines(file, (line) => lines.push(line), { intervalMs: 3_600_000, chunkBytes });
  return { lines, follower };
}

describe('followLines', () => {
  const written = [
    '{"type":"system","subtype":"init"}',
    'ascii only',
    'héllo wörld: two-byte characters',
    '日本語のテキスト: three bytes each',
    'emoji 🎉🚀 four bytes each, and a combining é',
  ];

  test.each([1, 2, 3, 5, 7, 64, 256 * 1024])('every line whole with reads of %i bytes', (chunkBytes) => {
    const file = join(dir, 'out.jsonl');
    writeFileSync(file, written.map((line) => `${line}\n`).join(''));
    const { lines, follower } = follow(file, chunkBytes);
    follower.finish();
    expect(lines).toEqual(written);
  });

  test('lines that arrive in pieces between reads, blank lines dropped, the last line flushed at the end', () => {
    const file = join(dir, 'out.jsonl');
    writeFileSync(file, '');
    const { lines, follower } = follow(file, 4);
    appendFileSync(file, 'first li');
    follower.catchUp();
    expect(lines).toEqual([]);
    appendFileSync(file, 'ne\n\n   \nsecond ');
    follower.catchUp();
    expect(lines).toEqual(['first line']);
    appendFileSync(file, 'wörld, no line break');
    follower.finish();
    expect(lines).toEqual(['first line', 'second wörld, no line break']);
  });

  test('a line of megabytes (its unread part outgrew 1 MB) is skipped; the lines around it are kept', () => {
    const file = join(dir, 'out.jsonl');
    writeFileSync(file, `before\n${'x'.repeat(3 * 1024 * 1024)}\nafter\n`);
    const { lines, follower } = follow(file);
    follower.finish();
    expect(lines).toEqual(['before', 'after']);
  });

  test('after a cut that lost output, the broken line is dropped and reading goes on at the new end', () => {
    const file = join(dir, 'out.jsonl');
    writeFileSync(file, 'kept\nhalf a li');
    const { lines, follower } = follow(file);
    follower.catchUp();
    // What io/log-cap.ts does: the file is rewritten shorter, the reader told where to go on.
    writeFileSync(file, 'kept\n');
    follower.resumeAt(5, true);
    appendFileSync(file, 'ne cut off\nnext\n');
    follower.finish();
    expect(lines).toEqual(['kept', 'next']);
  });
});
