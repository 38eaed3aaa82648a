import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { DiffFile, FileChange } from '../../src/core/review/diff.js';
import { REVIEW_RULES, reviewDiff, scopeMatcher, type ReviewContext } from '../../src/core/review/rules.js';
import { isTestFile } from '../../src/core/review/paths.js';

/** One file's change: its added and removed lines numbered from 1, all in one hunk. */
function file(
  path: string,
  lines: { added?: string[]; removed?: string[]; change?: FileChange; oldPath?: string; binary?: boolean } = {},
): DiffFile {
  return {
    path,
    oldPath: lines.oldPath,
    change: lines.change ?? 'modified',
    binary: lines.binary ?? false,
    modeOnly: false,
    added: (lines.added ?? []).map((text, i) => ({ line: i + 1, text, hunk: 0 })),
    removed: (lines.removed ?? []).map((text, i) => ({ line: i + 1, text, hunk: 0 })),
  };
}

const rules = (files: DiffFile[], ctx: ReviewContext = {}) => reviewDiff(files, ctx).map((f) => f.rule);

describe('what counts as a test file', () => {
  test.each([
    ['tests/unit/a.test.ts', true],
    ['src/a.spec.js', true],
    ['pkg/__tests__/x.tsx', true],
    ['test_app.py', true],
    ['app/models_test.py', true],
    ['cmd/main_test.go', true],
    ['src/test/java/FooTest.java', true],
    ['spec/models/user_spec.rb', true],
    ['src/app.ts', false],
    ['src/latest.ts', false],
    ['src/contest.py', false],
    ['docs/testing.md', false],
  ])('%s → %s', (path, expected) => expect(isTestFile(path)).toBe(expected));
});

// Each rule: a diff made for it fires, and a near miss does not.
describe('review rules', () => {
  test('test_file_deleted: a deleted test file, or one renamed out of the tests; not a deleted source file', () => {
    expect(rules([file('tests/a.test.ts', { change: 'deleted', removed: ['x'] })])).toEqual(['test_file_deleted']);
    expect(rules([file('src/a.ts', { change: 'renamed', oldPath: 'src/a.test.ts' })])).toContain('test_file_deleted');
    expect(rules([file('src/old.ts', { change: 'deleted', removed: ['x'] })])).toEqual([]);
    expect(rules([file('tests/b.test.ts', { change: 'renamed', oldPath: 'tests/a.test.ts' })])).toEqual([]);
  });

  test('test_removed: more test cases removed than added; a renamed test is not one', () => {
    const removed = file('tests/a.test.ts', { removed: ["it('adds', () => {", "test('subtracts', () => {"] });
    expect(rules([removed])).toEqual(['test_removed', 'test_removed']);
    const py = file('tests/test_x.py', { removed: ['def test_login(client):'] });
    expect(rules([py])).toEqual(['test_removed']);
    const go = file('x_test.go', { removed: ['func TestParse(t *testing.T) {'] });
    expect(rules([go])).toEqual(['test_removed']);
    const renamed = file('tests/a.test.ts', {
      removed: ["it('adds', () => {"],
      added: ["it('adds two numbers', () => {"],
    });
    expect(rules([renamed])).toEqual([]);
    expect(rules([file('src/a.ts', { removed: ["it('adds', () => {"] })])).toEqual([]);
  });

  test.each([
    "it.skip('works', () => {",
    "describe.only('suite', () => {",
    "test.todo('later')",
    "xit('works', () => {",
    "fdescribe('suite', () => {",
    "fit('one', () => {",
    '@pytest.mark.skip(reason="flaky")',
    '@pytest.mark.xfail',
    '    t.Skip("later")',
    '@Disabled',
  ])('skip_marker fires on %s in a test file', (line) => {
    const path = line.includes('pytest')
      ? 'tests/test_a.py'
      : line.includes('t.Skip')
        ? 'a_test.go'
        : 'tests/a.test.ts';
    expect(rules([file(path, { added: [line] })])).toEqual(['skip_marker']);
  });

  test('skip_marker: #[ignore] in any Rust file; not `.skip` in application code, nor skipWhile, nor a word', () => {
    expect(rules([file('src/lib.rs', { added: ['    #[ignore]'] })])).toEqual(['skip_marker']);
    expect(rules([file('src/stream.ts', { added: ['const rest = list.skip(2);'] })])).toEqual([]);
    expect(rules([file('tests/a.test.ts', { added: ['rx.skipWhile((x) => x)', '// profit(margin)'] })])).toEqual([]);
  });

  test('assertion_removed: expect/assert lines removed beyond those added; a changed assertion is not one', () => {
    const gone = file('tests/a.test.ts', { removed: ['  expect(sum(1, 2)).toBe(3);', '  expect(x).toEqual(y);'] });
    expect(rules([gone])).toEqual(['assertion_removed', 'assertion_removed']);
    expect(rules([file('tests/test_a.py', { removed: ['    assert total == 3'] })])).toEqual(['assertion_removed']);
    const changed = file('tests/a.test.ts', { removed: ['expect(a).toBe(3);'], added: ['expect(a).toBe(4);'] });
    expect(rules([changed])).toEqual([]);
  });

  test('assertion_weakened: toBe → toBeDefined, assert → pass, a tautology; a new loose matcher alone is not one', () => {
    const weaker = file('tests/a.test.ts', {
      removed: ['expect(user.id).toBe(7);'],
      added: ['expect(user.id).toBeDefined();'],
    });
    expect(rules([weaker])).toEqual(['assertion_weakened']);
    const pass = file('tests/test_a.py', { removed: ['    assert total == 3'], added: ['    pass'] });
    expect(rules([pass])).toEqual(['assertion_weakened']);
    expect(rules([file('tests/a.test.ts', { added: ['expect(true).toBe(true);'] })])).toEqual(['assertion_weakened']);
    expect(rules([file('tests/test_a.py', { added: ['    assert True'] })])).toEqual(['assertion_weakened']);
    expect(rules([file('tests/a.test.ts', { added: ['expect(result).toBeDefined();'] })])).toEqual([]);
  });

  test('snapshot_changed: a snapshot changed or deleted; a new one is not', () => {
    expect(rules([file('src/__snapshots__/a.test.ts.snap', { added: ['x'], removed: ['y'] })])).toEqual([
      'snapshot_changed',
    ]);
    expect(rules([file('tests/__snapshots__/b.snap', { change: 'deleted', removed: ['y'] })])).toContain(
      'snapshot_changed',
    );
    expect(rules([file('src/__snapshots__/new.snap', { change: 'added', added: ['x'] })])).toEqual([]);
  });

  test('coverage_lowered: a threshold lowered or removed; raised is fine', () => {
    const lowered = file('vitest.config.ts', { removed: ['      lines: 90,'], added: ['      lines: 60,'] });
    expect(rules([lowered])).toContain('coverage_lowered');
    const removed = file('.coveragerc', { removed: ['fail_under = 85'] });
    expect(rules([removed])).toEqual(['coverage_lowered']);
    const cli = file('setup.cfg', {
      removed: ['addopts = --cov --cov-fail-under=80'],
      added: ['addopts = --cov --cov-fail-under=50'],
    });
    expect(rules([cli])).toContain('coverage_lowered');
    const raised = file('.nycrc', { removed: ['  "branches": 70,'], added: ['  "branches": 80,'] });
    expect(rules([raised])).toEqual([]);
  });

  test("test_config_changed: package.json's test script, runner configs, CI files; not other scripts", () => {
    const script = file('package.json', { removed: ['    "test": "vitest run",'], added: ['    "test": "echo ok",'] });
    expect(rules([script])).toEqual(['test_config_changed']);
    expect(rules([file('jest.config.js', { added: ['  testPathIgnorePatterns: ["slow"],'] })])).toEqual([
      'test_config_changed',
    ]);
    expect(rules([file('.github/workflows/ci.yml', { added: ['      - run: true'] })])).toEqual([
      'test_config_changed',
    ]);
    expect(rules([file('.ci/run', { added: ['exit 0'] })])).toEqual(['test_config_changed']);
    expect(rules([file('pyproject.toml', { added: ['testpaths = ["tests/fast"]'] })])).toEqual(['test_config_changed']);
    expect(rules([file('vite.config.ts', { added: ["    exclude: ['tests/slow/**'],"] })])).toEqual([
      'test_config_changed',
    ]);
    expect(rules([file('package.json', { added: ['    "build": "tsc",', '    "version": "1.2.0",'] })])).toEqual([]);
    expect(rules([file('pyproject.toml', { added: ['version = "2.0"'] })])).toEqual([]);
  });

  test.each([
    '// @ts-ignore',
    '  // @ts-expect-error: wrong types',
    '/* eslint-disable no-console */',
    'import os  # noqa: F401',
    'x = f()  # type: ignore',
    'func f() { //nolint',
    '#[allow(dead_code)]',
  ])('suppression_added fires on %s in code', (line) => {
    expect(rules([file('src/a.ts', { added: [line] })])).toEqual(['suppression_added']);
  });

  test('suppression_added: not in prose, not when removed', () => {
    expect(rules([file('docs/lint.md', { added: ['Never use `@ts-ignore`.'] })])).toEqual([]);
    expect(rules([file('src/a.ts', { removed: ['// @ts-ignore'] })])).toEqual([]);
  });

  test("out_of_scope: a file outside the plan's ## Files; paths, folders and globs cover what they name", () => {
    const planFiles = ['src/auth/**', 'src/app.ts', './docs/', 'tests/*.test.ts'];
    const changed = ['src/auth/jwt.ts', 'src/app.ts', 'docs/a/b.md', 'tests/auth.test.ts', 'src/db.ts'].map((p) =>
      file(p, { added: ['x'] }),
    );
    const found = reviewDiff(changed, { planFiles });
    expect(found.map((f) => [f.rule, f.file])).toEqual([['out_of_scope', 'src/db.ts']]);
    expect(rules(changed)).toEqual([]);
    expect(scopeMatcher(['src'])('src/deep/x.ts')).toBe(true);
    expect(scopeMatcher(['.github/**'])('.github/workflows/x.yml')).toBe(true);
  });

  test('large_file: an added file over 1 MB; a modified one or a small one is not', () => {
    const big = file('data/dump.json', { change: 'added', added: ['{}'] });
    expect(rules([big], { sizes: { 'data/dump.json': 1024 * 1024 + 1 } })).toEqual(['large_file']);
    expect(rules([big], { sizes: { 'data/dump.json': 1024 * 1024 } })).toEqual([]);
    const grown = file('data/dump.json', { added: ['{}'] });
    expect(rules([grown], { sizes: { 'data/dump.json': 5 * 1024 * 1024 } })).toEqual([]);
  });

  test('binary_file: added or changed binary; a deleted one is not', () => {
    expect(rules([file('img.png', { change: 'added', binary: true })])).toEqual(['binary_file']);
    expect(rules([file('img.png', { binary: true })])).toEqual(['binary_file']);
    expect(rules([file('img.png', { change: 'deleted', binary: true })])).toEqual([]);
  });

  test('review_incomplete: what the reader could not read is a finding', () => {
    expect(reviewDiff([], { notes: ['the diff is over 16 MB'] })).toEqual([
      { rule: 'review_incomplete', file: '(diff)', line: undefined, excerpt: 'the diff is over 16 MB' },
    ]);
  });

  test('a finding names file and line, with a short excerpt without control characters', () => {
    const long = `it.skip('x', () => {}) \u001b[31m\u0000${'y'.repeat(500)}`;
    const [finding] = reviewDiff([file('tests/a.test.ts', { added: ['ok', long] })]);
    expect(finding).toMatchObject({ rule: 'skip_marker', file: 'tests/a.test.ts', line: 2 });
    expect(finding!.excerpt.length).toBeLessThanOrEqual(120);
    expect(finding!.excerpt).not.toMatch(/[\u0000-\u001f]/);
  });

  test('a clean change finds nothing', () => {
    const clean = [
      file('src/auth.ts', { added: ['export const ok = true;'], removed: ['export const ok = false;'] }),
      file('tests/auth.test.ts', { added: ["it('logs in', () => {", '  expect(login()).toBe(true);', '});'] }),
    ];
    expect(reviewDiff(clean)).toEqual([]);
  });

  test('every rule has an id, a family, what it catches and what it misses', () => {
    for (const rule of REVIEW_RULES) {
      expect(rule.id).toMatch(/^[a-z_]+$/);
      expect(rule.catches.length).toBeGreaterThan(10);
      expect(rule.misses.length).toBeGreaterThan(5);
    }
  });
});

test("README's review table has a row for every rule, in the table's order", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### The review of the diff'), readme.indexOf('### Secrets in the diff'));
  const rows = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
  expect(rows).toEqual(REVIEW_RULES.map((rule) => rule.id));
});
