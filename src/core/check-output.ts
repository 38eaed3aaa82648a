// What a failed check's output says, for the agent's next prompt: a stable class (compared across iterations: the same
// class failing VERIFY_BLOCK_AFTER times in a row blocks), a targeted hint, and the part of the output that matters
// (the failing tests and their assertions, the first compiler errors), instead of a raw tail the agent has to search.
// Pure and linear in the output: lines are matched on a bounded head only, by patterns with a literal or an anchor to
// start from (none can backtrack over a whole line twice), so a 1 MB tail classifies in milliseconds.
import { withoutControls } from './agent-text.js';

/** How the check's process ended (the part of gates' `CheckRun` the classes depend on). */
export interface CheckRunEnd {
  exitCode: number | null;
  timedOut: boolean;
}

export interface CheckOutputClass {
  /** Stable: a rule's id, `exit_<code>` (no rule matched), `killed` (no exit code), `passed` (exit 0). */
  cls: string;
  /** What the agent should do about it; '' for `passed`. */
  hint: string;
  /** The relevant part of the output, cleaned of control characters and bounded (EXCERPT_LINES, EXCERPT_BYTES). */
  excerpt: string;
}

export interface CheckOutputRule {
  /** The class it gives. Never rename one: classes are compared across iterations and kept in the history. */
  id: string;
  /** What it matches, in words (the README's table). */
  matches: string;
  hint: string;
  /** A line that is this class. Matched on each line's first SCAN_CHARS characters, controls removed. */
  line?: RegExp;
  /** Needed somewhere in the output too, when `line` alone is ambiguous (a SyntaxError: Python's or JavaScript's?). */
  alsoNeeds?: RegExp;
  /** Exit codes that are this class whatever the output says (127: command not found). */
  exitCodes?: readonly number[];
  /** The check was stopped at its timeout. */
  whenTimedOut?: true;
  /** The lines the excerpt is built around; `line` when absent; none: the excerpt is the tail. */
  anchor?: RegExp;
  /** Lines kept before and after each anchor. */
  context?: { before: number; after: number };
  /** Lines always kept, the last SUMMARY_LINES of them (e.g. `Tests  1 failed | 2 passed (3)`). */
  summary?: RegExp;
}

/** The excerpt's bounds, and how much of a line it shows. */
export const EXCERPT_LINES = 60;
export const EXCERPT_BYTES = 4096;
const LINE_CHARS = 400;
/** How much of each line the rules look at: the markers are at the start of their lines. */
export const SCAN_CHARS = 1000;
/** Only the end of a longer output is classified (the check runner keeps a bounded tail anyway). */
export const MAX_INPUT = 1024 * 1024;
const SUMMARY_LINES = 8;

const TESTS_HONEST =
  "Fix the code (or the test, when the behaviour it asserts was meant to change); don't skip, delete or weaken tests: the review flags that.";

/**
 * The rules, in priority order: when several match, the first wins. Causes come before their symptoms: an
 * environment problem (timeout, conflict markers, a missing command, memory) before a compile or import error, and
 * those before the test failures they cause; the vaguest signs (a JavaScript SyntaxError, no tests, coverage,
 * permission denied) come last.
 */
export const checkOutputRules = (): readonly CheckOutputRule[] => (rules ??= makeRules());
let rules: readonly CheckOutputRule[] | undefined;

/** Made on first use: a table of ~40 patterns that no start needs before its first agent runs. */
const makeRules = (): readonly CheckOutputRule[] => [
  {
    id: 'timeout',
    matches: 'the check ran longer than VERIFY_TIMEOUT and was stopped',
    hint: 'The check did not finish within VERIFY_TIMEOUT and was stopped. Look for what hangs: a server, timer or handle never closed, a prompt waiting for input, an endless loop; the end of the output shows where it stopped. Make it finish on its own; skipping the test is not a fix.',
    whenTimedOut: true,
  },
  {
    id: 'merge_conflict',
    matches:
      'conflict markers `<<<<<<<` / `>>>>>>>` in the output, `Merge conflict marker encountered`, git `CONFLICT (…)`',
    hint: 'Unresolved merge conflict markers are in the source. In each file named below keep the right side of each conflict (or combine both), delete the <<<<<<< ======= >>>>>>> lines, and commit; `git diff --check` lists any left.',
    line: /(?:^|[ \t|:])(?:<{7}|>{7})(?: \S|$)|Merge conflict marker encountered|encountered diff marker|^CONFLICT \(/,
    context: { before: 2, after: 3 },
  },
  {
    id: 'command_not_found',
    matches: 'exit 127, `sh: 1: x: not found`, `bash: x: command not found`, npm `Missing script`',
    hint: "A command the check runs is not installed or not on PATH (the name is below). Use the project's own scripts and local binaries (npx, node_modules/.bin), add a missing dev dependency to the project and install it, or fix the typo in the script.",
    exitCodes: [127],
    line: /^\S*sh: (?:\d+: |line \d+: )?[^:\s][^:\n]*: (?:command )?not found$|^\S*sh: command not found: |^npm (?:ERR!|error) Missing script: |^env: .+: No such file or directory$/,
    context: { before: 1, after: 1 },
  },
  {
    id: 'out_of_memory',
    matches:
      'exit 137 (SIGKILL, the OOM killer), `JavaScript heap out of memory`, `MemoryError`, Go/Rust/Java out-of-memory messages',
    hint: 'The check ran out of memory (a heap limit, or the OOM killer: exit 137). Look for unbounded growth in the code the output points at: an endless loop that keeps allocating, a whole large file loaded at once, a leak across tests. Use less memory rather than raising the limit.',
    exitCodes: [137],
    line: /JavaScript heap out of memory|FATAL ERROR: .*(?:heap limit|Allocation failed)|^(?:E[ \t]+)?MemoryError\b|fatal error: runtime: out of memory|memory allocation of \d+ bytes failed|java\.lang\.OutOfMemoryError|^Killed$|Out of memory: Killed process/,
    context: { before: 2, after: 2 },
  },
  {
    id: 'typescript',
    matches: '`error TSnnnn:` (tsc, plain and pretty)',
    hint: "TypeScript compile errors: fix each at the file(line,col) shown, first one first (later errors often follow from it). Fix the types; don't silence them with `any`, `@ts-ignore` or `@ts-expect-error`: the review flags new suppressions.",
    line: /\berror TS\d{4,5}\b/,
    context: { before: 0, after: 4 },
    summary: /^Found \d+ errors?\b/,
  },
  {
    id: 'node_module_not_found',
    matches: "`ERR_MODULE_NOT_FOUND`, `Cannot find module '…'` / `Cannot find package '…'`, vite `Failed to load url`",
    hint: "A module cannot be found. Check the import path (relative ESM imports need the file's extension, e.g. './x.js'), that the file exists with that exact name and case, and for a package that it is in package.json and installed. Don't delete the import or the test that needs it.",
    line: /\b(?:ERR_)?MODULE_NOT_FOUND\b|\bCannot find (?:module|package) ['"]|\bFailed to load url \S|\bCould not resolve ["']/,
    anchor: /\bCannot find (?:module|package) ['"]|\bFailed to load url \S|\bCould not resolve ["']/,
    context: { before: 1, after: 3 },
  },
  {
    id: 'python_import',
    matches: '`ModuleNotFoundError:` / `ImportError:` (also inside pytest)',
    hint: "Python cannot import a module or a name. Check the module path and the package's __init__.py, that the name exists in that module (renamed?), a circular import, or a dependency missing from requirements/pyproject (then install it in the project's environment).",
    line: /^(?:E[ \t]+)?(?:ModuleNotFoundError|ImportError)(?::| while importing)/,
    context: { before: 3, after: 2 },
  },
  {
    id: 'python_syntax',
    matches: '`SyntaxError:` / `IndentationError:` / `TabError:` after a Python `File "…", line N`',
    hint: 'Python syntax error: the file and line are shown above the caret. Fix the syntax there (an unclosed bracket or string, a missing colon, mixed tabs and spaces).',
    line: /^(?:E[ \t]+)?(?:SyntaxError|IndentationError|TabError): /,
    alsoNeeds: /^(?:E[ \t]+)?[ \t]*File "[^"\n]*", line \d+/,
    context: { before: 4, after: 0 },
  },
  {
    id: 'go_build',
    matches: '`file.go:line:col: …`, `[build failed]`, go module errors',
    hint: 'Go does not compile: fix each file.go:line:col error (undefined names, unused imports or variables, which Go refuses, type mismatches). For a module error, run `go mod tidy`.',
    line: /^[\w./@-]+\.go:\d+:\d+: |\[(?:build|setup) failed\]$|^go: (?:cannot find module|no required module provides package|updates to go\.mod needed)|missing go\.sum entry/,
    anchor: /^[\w./@-]+\.go:\d+:\d+: |^go: /,
    context: { before: 1, after: 1 },
    summary: /\[(?:build|setup) failed\]$/,
  },
  {
    id: 'rust_compile',
    matches: '`error[Ennnn]:`, `error: could not compile`',
    hint: 'Rust does not compile: fix each error[Ennnn] at the --> file:line:col shown (`rustc --explain Ennnn` explains the code); the first error often causes the rest.',
    line: /^error\[E\d{4}\]: |^error: could not compile `/,
    anchor: /^error(?:\[E\d{4}\])?: /,
    context: { before: 0, after: 6 },
    summary: /^error: could not compile `/,
  },
  {
    id: 'java_compile',
    matches:
      'javac `File.java:N: error:`, maven `[ERROR] …File.java:[l,c]` / `COMPILATION ERROR`, gradle `Task :compileJava FAILED`',
    hint: 'Java does not compile: fix each File.java:line error shown (cannot find symbol: a missing import, a typo or a method that does not exist; incompatible types: the declared type differs).',
    line: /\.java:\d+: error: |\.java:\[\d+,\d+\] |COMPILATION ERROR|^> Task :\S*compile\S* FAILED$/,
    anchor: /\.java:(?:\d+: error: |\[\d+,\d+\] )/,
    context: { before: 0, after: 4 },
    summary: /^\d+ errors?$|COMPILATION ERROR|^> Task :\S*compile\S* FAILED$/,
  },
  {
    id: 'eslint',
    matches: 'eslint `  line:col  error  …  rule`, `✖ N problems (N errors, …)`, `ESLint found too many warnings`',
    hint: "ESLint errors: fix each line:col under its file, by the rule named at the end of the line (`npx eslint --fix` fixes the mechanical ones). Don't add eslint-disable comments: the review flags them.",
    line: /^[ \t]+\d+:\d+[ \t]+error[ \t]+\S|^✖ \d+ problems? \([1-9]\d* errors?|ESLint found too many warnings/,
    anchor: /^[ \t]+\d+:\d+[ \t]+error[ \t]+\S/,
    context: { before: 1, after: 0 },
    summary: /^✖ \d+ problems?|ESLint found too many warnings/,
  },
  {
    id: 'port_in_use',
    matches: '`EADDRINUSE`, `Address already in use`, `port N is already in use`',
    hint: "A port the check needs is taken (EADDRINUSE): a server from an earlier run, or another test file running in parallel, still listens. Make tests listen on port 0 (a free port), close servers in teardown, and don't hard-code ports.",
    line: /\bEADDRINUSE\b|address already in use|\bport \d+ is (?:already )?in use/i,
    context: { before: 1, after: 2 },
  },
  {
    id: 'node_test_failed',
    matches: 'node:test: TAP `not ok N - …` / `# fail N` (N > 0), spec `ℹ fail N` / `✖ failing tests:`',
    hint: `node:test tests fail: each \`not ok\` / ✖ below names the test, with its assertion's expected and actual values and its location. ${TESTS_HONEST}`,
    line: /^[ \t]*not ok \d+ - |^# fail [1-9]|^ℹ fail [1-9]|^✖ failing tests:/,
    anchor: /^[ \t]*not ok \d+ - |^[ \t]*✖ (?!failing tests:)/,
    context: { before: 0, after: 12 },
    summary: /^# (?:tests|pass|fail) \d+|^ℹ (?:tests|pass|fail) \d+/,
  },
  {
    id: 'vitest_failed',
    matches: 'vitest `Tests  N failed` / `Test Files  N failed` (N > 0)',
    hint: `Vitest tests fail: each FAIL below names the file and test, followed by the assertion error, the expected/received diff and the line. ${TESTS_HONEST}`,
    line: /^[ \t]*(?:Test Files|Tests)[ \t]+[1-9]\d* failed\b/,
    anchor: /^[ \t]*FAIL[ \t]+\S/,
    context: { before: 0, after: 14 },
    summary: /^[ \t]*(?:Test Files|Tests)[ \t]+\d+ failed\b/,
  },
  {
    id: 'jest_failed',
    matches: 'jest `Tests:       N failed` / `Test Suites: N failed` (N > 0)',
    hint: `Jest tests fail: each ● below names the test, followed by the expectation, the expected and received values and the line. ${TESTS_HONEST}`,
    line: /^(?:Tests|Test Suites):[ \t]+[1-9]\d* failed\b/,
    anchor: /^[ \t]*● (?!Console\b)/,
    context: { before: 0, after: 10 },
    summary: /^(?:Tests|Test Suites):[ \t]+\d+/,
  },
  {
    id: 'mocha_failed',
    matches: 'mocha `N failing` (N > 0)',
    hint: `Mocha tests fail: each numbered failure below names the suite and test, with the assertion error and where it was thrown. ${TESTS_HONEST}`,
    line: /^[ \t]*[1-9]\d* failing\b/,
    context: { before: 1, after: 16 },
  },
  {
    id: 'pytest_failed',
    matches: 'pytest `=== N failed, … in Xs ===` / `N error in`, `FAILED path::test` (N > 0)',
    hint: `pytest tests fail: each section below names the test, with the failing assert and its values (the E lines) and the file:line. ${TESTS_HONEST}`,
    line: /^(?:=+ )?(?:\d+ \w+, )*[1-9]\d* (?:failed|errors?)(?:, \d+ \w+)* in [\d.]+s\b|^FAILED \S+::/,
    anchor: /^_{3,} \S/,
    context: { before: 0, after: 12 },
    summary: /^(?:FAILED|ERROR) \S|^(?:=+ )?(?:\d+ \w+, )*\d+ \w+(?:, \d+ \w+)* in [\d.]+s\b/,
  },
  {
    id: 'unittest_failed',
    matches: 'Python unittest `FAILED (failures=N)` / `FAILED (errors=N)`',
    hint: `unittest tests fail: each FAIL/ERROR below names the test, with its traceback and assertion. ${TESTS_HONEST}`,
    line: /^FAILED \((?:failures|errors)=\d+/,
    anchor: /^(?:FAIL|ERROR): \S/,
    context: { before: 0, after: 8 },
    summary: /^FAILED \(|^Ran \d+ tests? in /,
  },
  {
    id: 'go_test_failed',
    matches: 'go test `--- FAIL: TestX`, `FAIL  pkg  0.01s` (tab-separated)',
    hint: `Go tests fail: each --- FAIL below names the test, followed by its t.Error/t.Fatal messages (file_test.go:line). ${TESTS_HONEST}`,
    line: /^[ \t]*--- FAIL: \S|^FAIL[ \t]+\S+[ \t]+[\d.]+s$/,
    anchor: /^[ \t]*--- FAIL: \S/,
    context: { before: 0, after: 4 },
    summary: /^FAIL[ \t]+\S+[ \t]+[\d.]+s$/,
  },
  {
    id: 'cargo_test_failed',
    matches: 'cargo test `test result: FAILED.`, `test x ... FAILED`',
    hint: `Rust tests fail: each ---- stdout ---- section below names the test, with its panic message, the left/right values and the file:line. ${TESTS_HONEST}`,
    line: /^test result: FAILED\.|^test \S+ \.\.\. FAILED$/,
    anchor: /^---- \S+ stdout ----$/,
    context: { before: 0, after: 6 },
    summary: /^test result: /,
  },
  {
    id: 'junit_failed',
    matches: 'maven surefire `Tests run: N, Failures: N, Errors: N` (some > 0), gradle `X > y() FAILED`',
    hint: `JUnit tests fail (maven/gradle): each failure below names the test class and method, with the assertion (expected/but was) and the line. ${TESTS_HONEST}`,
    line: /\bTests run: \d+, Failures: (?:[1-9]\d*, Errors: \d+|\d+, Errors: [1-9])|^\d+ tests? completed, [1-9]\d* failed|^\S+ > .+ FAILED$/,
    anchor: /<<< (?:FAILURE|ERROR)!|^\S+ > .+ FAILED$|^\[ERROR\][ \t]+\S+[.:]\S*:\d+ /,
    context: { before: 0, after: 4 },
    summary: /\bTests run: \d+, Failures: \d+, Errors: \d+|^\d+ tests? completed, /,
  },
  {
    id: 'js_syntax',
    matches: '`SyntaxError:` with a JavaScript location (`file:///…:N`, `at …`)',
    hint: 'JavaScript syntax error in the file and line shown above it (an unclosed bracket, brace or string, a stray character, TypeScript syntax in a .js file).',
    line: /^SyntaxError: /,
    alsoNeeds: /^[ \t]+at \S|^file:\/\/\S+:\d+$|\.[cm]?[jt]sx?:\d+$/,
    context: { before: 5, after: 1 },
  },
  {
    id: 'no_tests',
    matches:
      'vitest `No test files found`, jest `No tests found`, pytest `no tests ran` / `N deselected`, mocha `No test files found`',
    hint: "The test command found no tests to run: the test files are missing, were moved outside the runner's include pattern, or are filtered away. Put the tests where the runner looks; changing the runner's include settings instead is flagged by the review.",
    line: /^No test files found, exiting with code|^No tests found, exiting with code|^=+ (?:no tests ran|\d+ deselected) in |^Error: No test files found/,
    context: { before: 1, after: 4 },
  },
  {
    id: 'coverage_threshold',
    matches: 'vitest/jest/pytest-cov: coverage below the configured threshold',
    hint: "Coverage is below the project's threshold: add tests for the code the report names. Lowering the threshold is flagged by the review.",
    line: /Coverage for \w+ \([\d.]+%\) does not meet (?:global )?threshold|coverage threshold for \w+ \([\d.]+%\) not met|Required test coverage of [\d.]+% not reached/,
    context: { before: 0, after: 4 },
  },
  {
    id: 'permission_denied',
    matches: 'exit 126 (not executable), `EACCES`, `EPERM`, `Permission denied`, `PermissionError`',
    hint: 'Permission denied: make a script executable (`chmod +x`, and commit the mode) or run it through its interpreter (`sh script.sh`, `node x.js`); write only inside the working dir or a temp dir, never to system paths.',
    exitCodes: [126],
    line: /\bEACCES\b|\bEPERM\b|Permission denied|PermissionError: /,
    context: { before: 1, after: 2 },
  },
];

/** The class when no rule matches: `exit_<code>`, or `killed` when there is no exit code. Its row in the README. */
export const FALLBACK_RULE = {
  id: 'exit_<code>',
  matches: 'any other non-zero exit (`killed`: no exit code: ended by a signal, or not started)',
} as const;

export function classifyCheckOutput(output: string, run: CheckRunEnd): CheckOutputClass {
  if (!run.timedOut && run.exitCode === 0) return { cls: 'passed', hint: '', excerpt: '' };
  const text = scanText(output.length > MAX_INPUT ? output.slice(-MAX_INPUT) : output);
  for (const rule of checkOutputRules()) {
    const found = fires(rule, text, run);
    if (found === false) continue;
    return { cls: rule.id, hint: rule.hint, excerpt: excerptFor(rule, text, found) };
  }
  const cls = run.exitCode === null ? 'killed' : `exit_${run.exitCode}`;
  const how =
    run.exitCode === null
      ? 'ended without an exit code (killed by a signal, or it could not be started)'
      : `failed with exit code ${run.exitCode}`;
  return {
    cls,
    hint: `The check ${how}, with output samocode has no rule for: read the end of its output below and fix the cause.`,
    excerpt: render(text, [tailRange(text.count)]),
  };
}

/** The output prepared once: one text, so that each pattern is one search of it (not one call per line). */
interface ScanText {
  text: string;
  /** Where each line starts in `text`. */
  starts: number[];
  count: number;
}

/** The output with \r as line breaks too (progress bars), each line cut to SCAN_CHARS, without control characters. */
function scanText(output: string): ScanText {
  let text = output.includes('\r') ? output.replace(/\r\n?/g, '\n') : output;
  if (text.endsWith('\n')) text = text.slice(0, -1);
  text = cutLongLines(text);
  // After the cut, so no escape sequence is searched for past SCAN_CHARS; controls never include the newline.
  if (HAS_CONTROL.test(text)) text = withoutControls(text);
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return { text, starts, count: text === '' ? 0 : starts.length };
}

function cutLongLines(text: string): string {
  const parts: string[] = [];
  let from = 0;
  let cut = false;
  while (from <= text.length) {
    const nl = text.indexOf('\n', from);
    const end = nl === -1 ? text.length : nl;
    if (end - from > SCAN_CHARS) cut = true;
    parts.push(text.slice(from, Math.min(end, from + SCAN_CHARS)));
    if (nl === -1) break;
    from = nl + 1;
  }
  return cut ? parts.join('\n') : text;
}

function lineOf(scan: ScanText, i: number): string {
  const end = i + 1 < scan.starts.length ? scan.starts[i + 1]! - 1 : scan.text.length;
  return scan.text.slice(scan.starts[i], end);
}

const HAS_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** The line-wise pattern as a multiline search of the joined text (compiled once per pattern). */
const searchers = new WeakMap<RegExp, RegExp>();
function searcher(pattern: RegExp): RegExp {
  let re = searchers.get(pattern);
  if (!re) {
    re = new RegExp(pattern.source, `gm${pattern.ignoreCase ? 'i' : ''}${pattern.unicode ? 'u' : ''}`);
    searchers.set(pattern, re);
  }
  return re;
}

/** The index of the first line at or after `from` that matches `pattern`, or -1. */
function nextLine(pattern: RegExp, text: ScanText, from = 0): number {
  if (from >= text.count) return -1;
  const re = searcher(pattern);
  re.lastIndex = text.starts[from]!;
  const m = re.exec(text.text);
  return m ? lineAt(text.starts, m.index) : -1;
}

function lineAt(starts: readonly number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** false: the rule does not fire; otherwise the index of the first matching line (-1: fired by exit code or timeout). */
function fires(rule: CheckOutputRule, text: ScanText, run: CheckRunEnd): number | false {
  if (rule.whenTimedOut) return run.timedOut ? -1 : false;
  const first = rule.line ? nextLine(rule.line, text) : -1;
  if (first >= 0 && (!rule.alsoNeeds || nextLine(rule.alsoNeeds, text) >= 0)) return first;
  if (rule.exitCodes && run.exitCode !== null && rule.exitCodes.includes(run.exitCode)) return -1;
  return false;
}

type Range = readonly [start: number, end: number];

/** The last lines, leaving room for the note of the lines before them and one for a cut. */
function tailRange(count: number): Range {
  return [Math.max(0, count - (EXCERPT_LINES - 2)), count];
}

/** Windows around the rule's first anchors (or the first matching line), then its summary lines; else the tail. */
function excerptFor(rule: CheckOutputRule, text: ScanText, first: number): string {
  const anchor = rule.anchor ?? rule.line;
  const { before, after } = rule.context ?? { before: 0, after: 0 };
  const summary: Range[] = [];
  if (rule.summary)
    for (let i = nextLine(rule.summary, text); i >= 0; i = nextLine(rule.summary, text, i + 1)) {
      summary.push([i, i + 1]);
      if (summary.length > SUMMARY_LINES) summary.shift();
    }
  // Room for the summary lines and a note per gap (render enforces the bounds exactly).
  const budget = EXCERPT_LINES - 2 * summary.length - 2;
  const ranges: Range[] = [];
  let used = 0;
  const add = (at: number) => {
    const last = ranges.at(-1);
    const start = Math.max(0, at - before, last?.[1] ?? 0);
    const end = Math.min(text.count, at + after + 1, start + budget - used);
    if (end <= start) return;
    if (last && last[1] === start) ranges[ranges.length - 1] = [last[0], end];
    else ranges.push([start, end]);
    used += end - start + 1;
  };
  if (anchor)
    for (
      let i = nextLine(anchor, text);
      i >= 0 && used < budget;
      i = nextLine(anchor, text, ranges.at(-1)?.[1] ?? i + 1)
    )
      add(i);
  if (ranges.length === 0 && first >= 0) add(first);
  if (ranges.length === 0) return render(text, [tailRange(text.count)]);
  const shown = (r: Range) => ranges.some(([s, e]) => r[0] >= s && r[0] < e);
  return render(text, [...ranges, ...summary.filter((r) => !shown(r))]);
}

/**
 * The chosen lines in order, a note for each gap ("… 12 lines …") and for the lines after the last; at most
 * EXCERPT_LINES lines and EXCERPT_BYTES bytes in all, notes included, ending with a note of what was left out.
 */
function render(text: ScanText, chosen: readonly Range[]): string {
  const ranges = [...chosen].sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let bytes = 0;
  let at = 0;
  const fits = (text: string, reserve: number) =>
    out.length + 1 + reserve <= EXCERPT_LINES && bytes + utf8Length(text) + 1 + reserve * NOTE_BYTES <= EXCERPT_BYTES;
  const push = (text: string) => {
    out.push(text);
    bytes += utf8Length(text) + 1;
  };
  for (const [from, end] of ranges) {
    // A one-line gap costs a line either way: the line itself says more than the note.
    const start = from - at === 1 ? at : from;
    if (start > at) {
      if (!fits(gapNote(start - at), 1)) break;
      push(gapNote(start - at));
      at = start;
    }
    for (; at < end; at++) {
      const line = cutLine(lineOf(text, at));
      if (!fits(line, 1)) {
        push(
          `… excerpt cut at ${EXCERPT_LINES} lines / ${EXCERPT_BYTES} bytes: ${plural(text.count - at, 'more line')}`,
        );
        return out.join('\n');
      }
      push(line);
    }
  }
  if (at < text.count) push(`… ${plural(text.count - at, 'more line')}`);
  return out.join('\n');
}

/** The longest note render adds, in bytes: room kept for it. */
const NOTE_BYTES = 96;

function gapNote(count: number): string {
  return `… ${plural(count, 'line')} …`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function cutLine(line: string): string {
  const trimmed = line.trimEnd();
  return trimmed.length > LINE_CHARS ? `${trimmed.slice(0, LINE_CHARS)}…` : trimmed;
}

/** UTF-8 byte length without Buffer (core has no Node runtime dependencies beyond node:util). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
