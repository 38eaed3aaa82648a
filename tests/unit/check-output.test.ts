// The check-output classifier against real tool output: tests/fixtures/check-output/ holds what the tools printed on
// this machine (tsc 5, node:test and Node 20, vitest 4, pytest 9 / Python 3.11, cargo 1.95, javac 17, sh/bash, npm,
// git) and, in `*.written.txt`, output of tools not installed here (jest, mocha, go, eslint, gradle, a maven build
// that compiles, the OOM killer), written to their documented formats. Each rule fires on its samples and not on a
// near miss.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  checkOutputRules,
  classifyCheckOutput,
  EXCERPT_BYTES,
  EXCERPT_LINES,
  MAX_INPUT,
} from '../../src/core/check-output.js';

const DIR = fileURLToPath(new URL('../fixtures/check-output/', import.meta.url));
const sample = (file: string) => readFileSync(join(DIR, file), 'utf8');
const failed = (exitCode: number | null = 1) => ({ exitCode, timedOut: false });
const classify = (output: string, exitCode: number | null = 1) => classifyCheckOutput(output, failed(exitCode));

/** [fixture, exit code the tool gave, the class it must get, text the excerpt must show]. */
const POSITIVES: [string, number, string, string[]][] = [
  ['merge_conflict.git.txt', 1, 'merge_conflict', ['CONFLICT (content): Merge conflict in a.ts']],
  ['merge_conflict.tsc.txt', 2, 'merge_conflict', ['a.ts(1,1): error TS1185']],
  ['merge_conflict.python.txt', 1, 'merge_conflict', ['<<<<<<< HEAD']],
  ['merge_conflict.node.txt', 1, 'merge_conflict', ['<<<<<<< HEAD']],
  ['command_not_found.sh.txt', 127, 'command_not_found', ['sh: 1: vitestx: not found']],
  ['command_not_found.bash.txt', 127, 'command_not_found', ['vitestx: command not found']],
  ['command_not_found.npm-test.txt', 127, 'command_not_found', ['vitestx: not found']],
  ['command_not_found.npm-missing-script.txt', 1, 'command_not_found', ['Missing script: "lint"']],
  ['out_of_memory.node-heap.txt', 134, 'out_of_memory', ['JavaScript heap out of memory']],
  ['out_of_memory.python.txt', 1, 'out_of_memory', ['MemoryError']],
  ['out_of_memory.killed.written.txt', 137, 'out_of_memory', ['Killed']],
  ['typescript.tsc.txt', 2, 'typescript', ['a.ts(1,7): error TS2322', 'a.ts(2,19): error TS2307']],
  ['typescript.tsc-pretty.txt', 2, 'typescript', ['a.ts:1:7 - error TS2322', 'Found 2 errors']],
  ['node_module_not_found.esm.txt', 1, 'node_module_not_found', ["Cannot find module '/tmp/gc-s/nm/missing.js'"]],
  ['node_module_not_found.cjs.txt', 1, 'node_module_not_found', ["Cannot find module 'left-pad-nope'", 'b.cjs']],
  ['node_module_not_found.package.txt', 1, 'node_module_not_found', ["Cannot find package 'some-pkg-nope'"]],
  ['node_module_not_found.vitest.txt', 1, 'node_module_not_found', ["Cannot find module './missing'"]],
  ['python_import.python.txt', 1, 'python_import', ["No module named 'requests_nope'"]],
  ['python_import.importerror.txt', 1, 'python_import', ["cannot import name 'nope_fn'"]],
  ['python_import.pytest.txt', 2, 'python_import', ["E   ModuleNotFoundError: No module named 'requests_nope'"]],
  ['python_syntax.python.txt', 1, 'python_syntax', ['s.py", line 1', 'SyntaxError: invalid syntax']],
  ['python_syntax.indent.txt', 1, 'python_syntax', ['IndentationError: unexpected indent']],
  ['python_syntax.pytest.txt', 2, 'python_syntax', ['test_syn.py", line 1', 'SyntaxError: invalid syntax']],
  ['go_build.written.txt', 1, 'go_build', ['./add.go:9:9: undefined: total', '[build failed]']],
  ['go_build.module.written.txt', 1, 'go_build', ['no required module provides package']],
  ['rust_compile.txt', 101, 'rust_compile', ['error[E0425]: cannot find value `c`', '--> src/lib.rs:1:41']],
  ['java_compile.javac.txt', 1, 'java_compile', ['Foo.java:2: error: cannot find symbol', 'symbol:   method bar()']],
  ['java_compile.maven.written.txt', 1, 'java_compile', ['App.java:[12,16] cannot find symbol']],
  ['java_compile.gradle.written.txt', 1, 'java_compile', ['App.java:12: error: cannot find symbol']],
  ['eslint.written.txt', 1, 'eslint', ["3:7   error    'token'", 'src/db.js', '✖ 3 problems (2 errors, 1 warning)']],
  ['eslint.max-warnings.written.txt', 1, 'eslint', ['ESLint found too many warnings']],
  ['port_in_use.node.txt', 1, 'port_in_use', ['EADDRINUSE: address already in use']],
  ['port_in_use.python.txt', 1, 'port_in_use', ['Address already in use']],
  ['node_test_failed.tap.txt', 1, 'node_test_failed', ['not ok 2 - parses the date', '1970 !== 1971', '# fail 1']],
  ['node_test_failed.spec.txt', 1, 'node_test_failed', ['✖ parses the date', '1970 !== 1971', 'ℹ fail 1']],
  [
    'vitest_failed.txt',
    1,
    'vitest_failed',
    ['FAIL  a.test.ts > math > multiplies', 'expected 6 to be 7', 'Tests  1 failed'],
  ],
  ['jest_failed.written.txt', 1, 'jest_failed', ['● math › multiplies', 'Received: 6', 'Tests:       1 failed']],
  ['mocha_failed.written.txt', 1, 'mocha_failed', ['1 failing', 'multiplies:', '6 !== 7']],
  ['pytest_failed.txt', 1, 'pytest_failed', ['test_sub', 'E       assert 1 == 3', 'FAILED test_a.py::test_sub']],
  ['unittest_failed.txt', 1, 'unittest_failed', ['FAIL: test_eq', 'AssertionError: 1 != 2', 'FAILED (failures=1)']],
  [
    'go_test_failed.written.txt',
    1,
    'go_test_failed',
    ['--- FAIL: TestAdd', 'Add(2, 2) = 5, want 4', '--- FAIL: TestSub'],
  ],
  ['cargo_test_failed.txt', 101, 'cargo_test_failed', ['---- tests::it_fails stdout ----', 'two and two']],
  ['junit_failed.maven.written.txt', 1, 'junit_failed', ['addsNumbers', 'expected: <4> but was: <5>']],
  ['junit_failed.gradle.written.txt', 1, 'junit_failed', ['AppTest > addsNumbers() FAILED', '1 failed']],
  ['js_syntax.node.txt', 1, 'js_syntax', ['syn.mjs:2', 'SyntaxError: Unexpected end of input']],
  ['no_tests.vitest.txt', 1, 'no_tests', ['No test files found']],
  ['no_tests.jest.written.txt', 1, 'no_tests', ['No tests found']],
  ['no_tests.pytest.txt', 5, 'no_tests', ['1 deselected']],
  ['coverage_threshold.vitest.written.txt', 1, 'coverage_threshold', ['Coverage for lines (61.53%)']],
  ['coverage_threshold.pytest-cov.written.txt', 1, 'coverage_threshold', ['Required test coverage of 90%']],
  ['permission_denied.sh.txt', 126, 'permission_denied', ['./run.sh: Permission denied']],
  ['permission_denied.bash-126.txt', 126, 'permission_denied', ['Permission denied']],
  ['permission_denied.node.txt', 1, 'permission_denied', ["EACCES: permission denied, open '/root/x.txt'"]],
];

/** [rule, output, exit code]: looks like the rule, is not it. */
const NEAR_MISSES: [string, string, number][] = [
  ['merge_conflict', 'cat <<EOF\n<<<<<<<<<< ten chevrons\n=======\n>>>>>>>>\n', 1],
  ['merge_conflict', sample('unittest_failed.txt'), 1],
  ['command_not_found', 'Error: user 9 not found\nGET /users/9 404 Not Found\n', 1],
  ['command_not_found', 'sh: 1: ./run.sh: Permission denied\n', 126],
  ['out_of_memory', 'memory usage: 120 MB\nKilled 3 stale processes\n', 1],
  ['typescript', 'Found 0 errors. Watching for file changes.\nsee TS2322 in the docs\n', 1],
  ['node_module_not_found', '  ✓ reports Cannot find module errors\n  ✓ module not found is a 404\n', 1],
  ['python_import', 'test_import_error PASSED\nImportErrors seen: 0\n', 1],
  ['python_syntax', sample('js_syntax.node.txt'), 1],
  ['go_build', sample('go_test_failed.written.txt'), 1],
  ['rust_compile', sample('cargo_test_failed.txt'), 101],
  ['java_compile', sample('other.maven-offline.txt'), 1],
  ['java_compile', sample('junit_failed.maven.written.txt'), 1],
  ['eslint', sample('warnings-only.eslint.written.txt'), 1],
  ['port_in_use', 'server listening on port 3000\nport 3000 is free\n', 1],
  ['node_test_failed', sample('passing.node-test.txt'), 1],
  ['node_test_failed', 'ok 1 - not ok handling\n# fail 0\n', 1],
  ['vitest_failed', sample('passing.vitest.txt'), 1],
  ['vitest_failed', sample('jest_failed.written.txt'), 1],
  ['jest_failed', sample('passing.jest.written.txt'), 1],
  ['jest_failed', sample('vitest_failed.txt'), 1],
  ['mocha_failed', sample('passing.mocha.written.txt'), 1],
  ['pytest_failed', sample('passing.pytest.txt'), 1],
  ['pytest_failed', '=================== 1 passed, 1 xfailed in 0.12s ===================\n', 1],
  ['unittest_failed', 'Ran 2 tests in 0.000s\n\nOK (skipped=1)\nFAILED\n', 1],
  ['go_test_failed', sample('passing.go-test.written.txt'), 1],
  ['cargo_test_failed', sample('passing.cargo-test.txt'), 1],
  ['junit_failed', sample('passing.maven.written.txt'), 1],
  ['js_syntax', 'SyntaxError: Unexpected token } in JSON at position 5\n', 1],
  ['no_tests', ' Test Files  1 passed (1)\n      Tests  2 passed (2)\nno test failures found\n', 1],
  ['coverage_threshold', sample('coverage_threshold.vitest.written.txt').replace(/^ERROR: .*$/gm, ''), 1],
  ['permission_denied', '  ✓ denies access without a token\n  ✓ permission checks\n', 1],
  ['timeout', 'Error: Timeout of 2000ms exceeded.\ntimed out waiting\n', 1],
];

describe('checkOutputRules', () => {
  test('at least 20 rules, each with a unique stable id, what it matches, a hint, and something that fires it', () => {
    expect(checkOutputRules().length).toBeGreaterThanOrEqual(20);
    const ids = checkOutputRules().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of checkOutputRules()) {
      expect(rule.id).toMatch(/^[a-z][a-z_]*$/);
      expect(rule.matches.length).toBeGreaterThan(10);
      expect(rule.hint.length).toBeGreaterThan(40);
      expect(rule.line ?? rule.exitCodes ?? rule.whenTimedOut).toBeDefined();
    }
  });

  test('every rule has a positive sample here and a near miss (the timeout is fired by run.timedOut)', () => {
    const positive = new Set(POSITIVES.map(([, , cls]) => cls));
    const negative = new Set(NEAR_MISSES.map(([rule]) => rule));
    for (const { id } of checkOutputRules()) {
      if (id !== 'timeout') expect(positive, id).toContain(id);
      expect(negative, id).toContain(id);
    }
  });

  test('every fixture is used', () => {
    const used = new Set([...POSITIVES.map(([f]) => f)]);
    const text = NEAR_MISSES.map(([, out]) => out);
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.txt')))
      expect(used.has(file) || text.includes(sample(file)), file).toBe(true);
  });
});

describe('the README', () => {
  test('its "Check output classes" table lists every rule, in priority order, with what it matches', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(readme.indexOf('### Check output classes'));
    const rows = [...section.matchAll(/^\| (\d+) \| `([a-z_]+)` \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2], m[3]]);
    expect(rows).toEqual(checkOutputRules().map((r, i) => [i + 1, r.id, r.matches.replace(/\|/g, '\\|')]));
  });
});

describe('classifyCheckOutput: each rule on real output', () => {
  test.each(POSITIVES)('%s (exit %i) → %s', (file, exitCode, cls, shows) => {
    const result = classify(sample(file), exitCode);
    expect(result.cls).toBe(cls);
    expect(result.hint).toBe(checkOutputRules().find((r) => r.id === cls)!.hint);
    for (const text of shows) expect(result.excerpt).toContain(text);
    // Cleaned: no escape sequences or other control characters survive (the vitest and tsc --pretty samples are coloured).
    expect(result.excerpt).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  test.each(NEAR_MISSES)('near miss %# of %s does not fire it', (rule, output, exitCode) => {
    expect(classify(output, exitCode).cls).not.toBe(rule);
  });
});

describe('classifyCheckOutput: exit codes, timeout, fallback', () => {
  test('a timeout wins over whatever the output shows, with the tail as the excerpt', () => {
    const output = `${sample('vitest_failed.txt')}\nstill running the slow test…\n`;
    const result = classifyCheckOutput(output, { exitCode: null, timedOut: true });
    expect(result.cls).toBe('timeout');
    expect(result.hint).toMatch(/VERIFY_TIMEOUT/);
    expect(result.excerpt).toMatch(/still running the slow test…$/);
  });

  test('exit 127 is command_not_found and exit 126 permission_denied even with nothing printed', () => {
    expect(classify('', 127).cls).toBe('command_not_found');
    expect(classify('', 126).cls).toBe('permission_denied');
    expect(classify('', 137).cls).toBe('out_of_memory');
  });

  test('no rule: exit_<code> with the tail; no exit code: killed; exit 0: passed', () => {
    const result = classify(sample('other.maven-offline.txt'), 1);
    expect(result).toMatchObject({ cls: 'exit_1', hint: expect.stringMatching(/exit code 1/) });
    expect(result.excerpt).toContain('Failed to execute goal');
    expect(classify('weird\n', 3).cls).toBe('exit_3');
    expect(classify('weird\n', null).cls).toBe('killed');
    expect(classifyCheckOutput(sample('vitest_failed.txt'), { exitCode: 0, timedOut: false })).toEqual({
      cls: 'passed',
      hint: '',
      excerpt: '',
    });
  });

  test('the class is stable: the same failure with other names, paths and times gets the same class', () => {
    const a = classify(sample('vitest_failed.txt'));
    const b = classify(sample('vitest_failed.txt').replaceAll('multiplies', 'divides').replace(/\d+ms/g, '99ms'));
    expect(b.cls).toBe(a.cls);
  });
});

describe('classifyCheckOutput: priority when several rules match', () => {
  test.each([
    [
      'merge markers before the test failures they cause',
      ['merge_conflict.python.txt', 'pytest_failed.txt'],
      'merge_conflict',
    ],
    [
      'command not found before a test summary',
      ['passing.vitest.txt', 'command_not_found.sh.txt'],
      'command_not_found',
    ],
    ['a compile error before test failures', ['vitest_failed.txt', 'typescript.tsc.txt'], 'typescript'],
    ['a missing module before the failed suite', ['node_module_not_found.vitest.txt'], 'node_module_not_found'],
    ['a Python import error before pytest\'s "1 error"', ['python_import.pytest.txt'], 'python_import'],
    ['a port in use before the tests that failed on it', ['vitest_failed.txt', 'port_in_use.node.txt'], 'port_in_use'],
    [
      'test failures before a permission message inside them',
      ['permission_denied.node.txt', 'vitest_failed.txt'],
      'vitest_failed',
    ],
  ])('%s', (_why, files, cls) => {
    expect(classify(files.map(sample).join('\n')).cls).toBe(cls);
  });

  test('the table order is the priority: earlier rules win', () => {
    const order = checkOutputRules().map((r) => r.id);
    expect(order.indexOf('merge_conflict')).toBeLessThan(order.indexOf('typescript'));
    expect(order.indexOf('typescript')).toBeLessThan(order.indexOf('vitest_failed'));
    expect(order.indexOf('vitest_failed')).toBeLessThan(order.indexOf('permission_denied'));
  });
});

describe('the excerpt', () => {
  test('bounded to EXCERPT_LINES lines and EXCERPT_BYTES bytes, with a note of what was cut', () => {
    const many = Array.from({ length: 500 }, (_, i) => `src/f${i}.ts(${i},1): error TS2322: ${'x'.repeat(150)}`);
    const result = classify(many.join('\n'), 2);
    expect(result.cls).toBe('typescript');
    expect(result.excerpt.split('\n').length).toBeLessThanOrEqual(EXCERPT_LINES);
    expect(Buffer.byteLength(result.excerpt)).toBeLessThanOrEqual(EXCERPT_BYTES);
    expect(result.excerpt).toMatch(/… excerpt cut at 60 lines \/ 4096 bytes: \d+ more lines$/);
    expect(result.excerpt.startsWith('src/f0.ts(0,1): error TS2322')).toBe(true);
  });

  test('windows around the first failures, gaps noted, the summary kept at the end', () => {
    const noise = Array.from({ length: 300 }, (_, i) => `log line ${i}`);
    const output = [...noise, ...sample('pytest_failed.txt').split('\n'), ...noise].join('\n');
    const { cls, excerpt } = classify(output);
    expect(cls).toBe('pytest_failed');
    expect(excerpt).toMatch(/^… \d+ lines …\n_+ test_sub _+/);
    expect(excerpt).toContain('E       AssertionError: subtraction via add');
    expect(excerpt).toContain('1 failed, 1 passed in 1.04s');
    expect(excerpt).toMatch(/… 300 more lines$/);
    expect(excerpt).not.toContain('log line 5\n');
  });

  test('long lines are cut, and an unknown failure shows the tail', () => {
    const output = `${'start\n'.repeat(200)}${'y'.repeat(5000)}\nthe end\n`;
    const { cls, excerpt } = classify(output, 9);
    expect(cls).toBe('exit_9');
    expect(excerpt).toMatch(/y{400}…\nthe end$/);
    expect(excerpt).toMatch(/^… \d+ lines …/);
  });

  test('escape sequences, NULs and carriage-return progress bars do not reach the excerpt', () => {
    const output = '\u001b[31mFAIL\u001b[0m x\r 10%\r 50%\u0000\n Tests  1 failed | 1 passed (2)\n';
    const { cls, excerpt } = classify(output);
    expect(cls).toBe('vitest_failed');
    expect(excerpt).not.toMatch(/[\u0000\u001b\r]/);
  });
});

describe('performance: hostile output is linear (a catastrophic pattern would time this test out)', () => {
  const MB = 1024 * 1024;
  test.each([
    ['one 1 MB line of a repeated near miss', 'a.go:1:'.repeat(MB / 7)],
    ['one 1 MB line of spaces and chevrons', ' <<<<<<'.repeat(MB / 7)],
    ['one 1 MB line of underscores', `___ ${'_'.repeat(MB)}x`],
    ['1 MB of short near-miss lines', '=== 1 passed, 2 xfailed in 0.1s ===\n  1:2  warning  x\n'.repeat(MB / 50)],
    ['1 MB of matches', 'a.ts(1,1): error TS2322: x\n'.repeat(MB / 27)],
    ['1 MB of escape sequences', '\u001b[31m\u001b[0m'.repeat(MB / 9)],
  ])('%s', (_name, output) => {
    const result = classify(output);
    expect(result.excerpt.length).toBeLessThanOrEqual(EXCERPT_BYTES);
  });

  test(`only the last MAX_INPUT characters are read`, () => {
    const output = `${'error TS2322: early\n'}${'x\n'.repeat(MAX_INPUT)}`;
    expect(classify(output).cls).toBe('exit_1');
  });
});
