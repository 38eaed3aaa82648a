import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseDiff, unquote } from '../../src/core/review/diff.js';

// Real `git diff -M` output (tests/fixtures/review): an added, a deleted, a binary, a modified, a renamed-and-edited,
// a mode-only and a renamed-to-a-quoted-name file.
const SAMPLE = readFileSync(new URL('../fixtures/review/renames-binary-mode.diff', import.meta.url), 'utf8');

describe('parseDiff', () => {
  test('every kind of change git prints is read with its paths and lines', () => {
    const { files, notes } = parseDiff(SAMPLE);
    expect(notes).toEqual([]);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(files.map((f) => [f.path, f.change, f.oldPath, f.binary, f.modeOnly])).toEqual([
      ['added.ts', 'added', undefined, false, false],
      ['gone.ts', 'deleted', undefined, false, false],
      ['img.bin', 'modified', undefined, true, false],
      ['keep.txt', 'modified', undefined, false, false],
      ['renamed.txt', 'renamed', 'moved.txt', false, false],
      ['run.sh', 'modified', undefined, false, true],
      ['tab\té.txt', 'renamed', 'sp ace.txt', false, false],
    ]);
    expect(byPath['keep.txt']!.added).toEqual([
      { line: 2, text: 'B', hunk: 0 },
      { line: 4, text: 'd', hunk: 0 },
    ]);
    expect(byPath['keep.txt']!.removed).toEqual([{ line: 2, text: 'b', hunk: 0 }]);
    expect(byPath['gone.ts']!.removed).toEqual([{ line: 1, text: 'x', hunk: 0 }]);
    expect(byPath['renamed.txt']!.added).toEqual([{ line: 21, text: '21', hunk: 0 }]);
  });

  test('a path with a space (git ends its +++ line with a tab) and a CRLF line are read as they are', () => {
    const diff = [
      'diff --git a/un tracked.txt b/un tracked.txt',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/un tracked.txt\t',
      '@@ -0,0 +1,2 @@',
      '+one\r',
      '+two',
      '\\ No newline at end of file',
    ].join('\n');
    const [file] = parseDiff(diff).files;
    expect(file).toMatchObject({ path: 'un tracked.txt', change: 'added' });
    expect(file!.added.map((l) => l.text)).toEqual(['one', 'two']);
  });

  test('a diff cut in the middle, garbage, and an empty diff are problems to name, never a crash', () => {
    const cut = SAMPLE.slice(0, SAMPLE.indexOf('+B') + 1);
    expect(parseDiff(cut).files.at(-1)!.path).toBe('keep.txt');
    expect(parseDiff('').files).toEqual([]);
    const odd = parseDiff('diff --git nonsense\n+++ b/x\n@@ -1 +1 @@\n+y\n');
    expect(odd.files).toEqual([]);
    expect(odd.notes[0]).toMatch(/unreadable diff header/);
  });

  test('unquote undoes git C-quoting, octal UTF-8 bytes included', () => {
    expect(unquote('"a\\tb\\303\\251\\"q\\\\"')).toBe('a\tbé"q\\');
    expect(unquote('plain')).toBe('plain');
  });
});
