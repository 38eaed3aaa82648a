// The review of the session's diff: rules that look at what changed, not at what the agent says it did. Pure. Each
// rule is a row of REVIEW_RULES (rule-table.ts; the README's table is checked against it) and a function here. A
// finding is something for the person to look at, not a verdict: the session waits on `_review.md` until they
// approve or reject. Secrets are not here (core/review/secrets.ts): they block instead.
import picomatch from 'picomatch';
import type { ReviewFinding } from '../gates.js';
import type { DiffFile, DiffLine } from './diff.js';
import { excerptOf, type ReviewRuleId } from './rule-table.js';
import { isCoverageConfig, isMixedConfigFile, isProse, isSnapshot, isTestFile, isTestRunnerFile } from './paths.js';

/** One thing the review found: rule, file, line, a short excerpt (core/gates.ts, shared with the gates). */
export type { ReviewFinding };
export { REVIEW_RULES, excerptOf, type ReviewRule, type ReviewRuleId, type RuleFamily } from './rule-table.js';

export interface ReviewContext {
  /** The approved plan's `## Files` (core/review/scope.ts planFiles); absent: no scope rule. */
  planFiles?: string[] | undefined;
  /** Sizes in bytes of added files, by path (the edge measures them); absent: no size rule. */
  sizes?: Readonly<Record<string, number>> | undefined;
  /** What the diff reader could not read (cut at its limit, unreadable headers). */
  notes?: readonly string[] | undefined;
}

export const LARGE_FILE_BYTES = 1024 * 1024;
export function reviewDiff(files: readonly DiffFile[], ctx: ReviewContext = {}): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  const add = (rule: ReviewRuleId, file: string, line: DiffLine | undefined, excerpt?: string) =>
    out.push({ rule, file, line: line?.line, excerpt: excerptOf(excerpt ?? line?.text ?? '') });
  const inScope = ctx.planFiles && ctx.planFiles.length > 0 ? scopeMatcher(ctx.planFiles) : undefined;

  for (const file of files) {
    const test = isTestFile(file.path);
    const wasTest = isTestFile(file.oldPath ?? file.path);
    if ((file.change === 'deleted' && test) || (file.change === 'renamed' && wasTest && !test)) {
      add('test_file_deleted', file.oldPath ?? file.path, undefined, file.change === 'renamed' ? `→ ${file.path}` : '');
    }
    if (test) reviewTestFile(file, add);
    if (/\.rs$/.test(file.path))
      for (const line of file.added) if (RUST_IGNORE.test(line.text)) add('skip_marker', file.path, line);
    if (isSnapshot(file.path) && file.change !== 'added')
      add('snapshot_changed', file.path, file.added[0] ?? file.removed[0]);
    if (isCoverageConfig(file.path)) reviewCoverage(file, add);
    reviewTestConfig(file, add);
    if (!isProse(file.path) && file.change !== 'deleted')
      for (const line of file.added) if (SUPPRESSION.test(line.text)) add('suppression_added', file.path, line);
    if (inScope && !inScope(file.path)) add('out_of_scope', file.path, undefined, changeWord(file));
    if (file.binary && file.change !== 'deleted') add('binary_file', file.path, undefined, changeWord(file));
    const size = ctx.sizes?.[file.path];
    if (file.change === 'added' && size !== undefined && size > LARGE_FILE_BYTES) {
      add('large_file', file.path, undefined, `${(size / 1024 / 1024).toFixed(1)} MB`);
    }
  }
  for (const note of ctx.notes ?? []) add('review_incomplete', '(diff)', undefined, note);
  return out;
}

type Add = (rule: ReviewRuleId, file: string, line: DiffLine | undefined, excerpt?: string) => void;

const TEST_DECLARATION =
  /^\s*(?:(?:it|test|describe|context|specify|suite)(?:\.\w+)*\s*\(|(?:async\s+)?def\s+test\w*\s*\(|func\s+(?:Test|Benchmark|Fuzz)\w*\s*\(|#\[(?:\w+::)*test\b|@(?:Test|ParameterizedTest)\b|it\s+['"])/;
const SKIP_MARKER =
  /\.(?:skip|only|todo|skipIf)\s*\(|(?:^|[^\w.])(?:xit|xtest|xdescribe|xcontext|fit|fdescribe|fcontext|ftest)\s*\(|@pytest\.mark\.(?:skip|skipif|xfail)\b|\bpytest\.(?:skip|xfail)\s*\(|@unittest\.(?:skip\w*|expectedFailure)\b|\bself\.skipTest\s*\(|\b[tb]\.Skip(?:Now|f)?\s*\(|@(?:Disabled|Ignore)\b/;
const RUST_IGNORE = /#\[ignore\b/;
const ASSERTION =
  /\bexpect\s*\(|\bassert(?:_\w+)?!?\s*[(.!]|^\s*assert\s+\S|\bself\.assert\w*\s*\(|\bt\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\brequire\.\w+\s*\(|\.should\b/;
const STRONG_MATCHER =
  /\.(?:toBe|toEqual|toStrictEqual|toMatch\w*|toHaveBeenCalledWith|toHaveBeenCalledTimes|toHaveLength|toContain\w*|toThrow\w*|toHaveProperty)\s*\(\s*\S|\bassert(?:Equal|Equals|StrictEqual|DeepEqual|_eq!?|\.equal|\.strictEqual|\.deepStrictEqual|\.deepEqual|\.throws|\.match)\w*\s*\(|^\s*assert\s+\S/;
const WEAK_MATCHER =
  /\.(?:toBeDefined|toBeTruthy|toBeFalsy)\s*\(\s*\)|\.not\.(?:toBeNull|toBeUndefined|toThrow)\s*\(\s*\)|\bexpect\.anything\s*\(|\.toBeGreaterThanOrEqual\s*\(\s*0\s*\)|^\s*pass\s*$|\.toHaveBeenCalled\s*\(\s*\)/;
const TRIVIAL_ASSERTION =
  /\bexpect\s*\(\s*(?:true|1|null|undefined)\s*\)\s*\.(?:toBe|toEqual)\s*\(\s*(?:true|1|null|undefined)\s*\)|^\s*assert\s+(?:True|1|1\s*==\s*1)\s*(?:#.*)?$|\bassert(?:\.ok)?\s*\(\s*true\s*\)|\bassert!\s*\(\s*true\s*\)|\bassertTrue\s*\(\s*[Tt]rue\s*\)/;

function reviewTestFile(file: DiffFile, add: Add): void {
  if (file.change === 'deleted') return;
  for (const line of file.added) if (SKIP_MARKER.test(line.text)) add('skip_marker', file.path, line);
  surplus(file, TEST_DECLARATION, (line) => add('test_removed', file.path, line));
  /** The precise assertions a loose one replaced: told once, as weakened, not again as removed. */
  const replacedLines = new Set<DiffLine>();
  for (const line of file.added) {
    if (TRIVIAL_ASSERTION.test(line.text)) {
      add('assertion_weakened', file.path, line);
      continue;
    }
    if (!WEAK_MATCHER.test(line.text)) continue;
    const strong = file.removed.find(
      (old) => old.hunk === line.hunk && !replacedLines.has(old) && STRONG_MATCHER.test(old.text),
    );
    if (!strong) continue;
    replacedLines.add(strong);
    add('assertion_weakened', file.path, line);
  }
  surplus(file, ASSERTION, (line) => {
    if (!replacedLines.has(line)) add('assertion_removed', file.path, line);
  });
}

/** Lines matching `pattern` removed beyond those added: the last `removed - added` of them are reported. */
function surplus(file: DiffFile, pattern: RegExp, report: (line: DiffLine) => void): void {
  const removed = file.removed.filter((line) => pattern.test(line.text));
  const added = file.added.filter((line) => pattern.test(line.text)).length;
  for (const line of removed.slice(added)) report(line);
}

const THRESHOLD =
  /["']?\b(lines|branches|functions|statements|fail[_-]under|cov-fail-under|threshold|minimum_coverage|minimumCoverage|target)["']?\s*(?:[:=]|\s)\s*["']?(\d+(?:\.\d+)?)%?/;

function reviewCoverage(file: DiffFile, add: Add): void {
  const read = (line: DiffLine) => {
    const match = THRESHOLD.exec(line.text);
    return match && /cov|fail|lines|branches|functions|statements|threshold|minimum/i.test(match[1]!)
      ? { key: match[1]!.replace('-', '_'), value: Number(match[2]), line }
      : undefined;
  };
  // Thresholds only matter in files or sections about coverage: a `target` key in package.json is not one.
  const coverageFile =
    /cov|nyc|c8|codecov|jacoco|simplecov/i.test(file.path) || isTestRunnerFile(file.path) || fileMentionsCoverage(file);
  if (!coverageFile) return;
  const added = file.added.map(read).filter((t) => t !== undefined);
  for (const old of file.removed.map(read)) {
    if (!old) continue;
    const now = added.find((t) => t.key === old.key);
    if (!now) add('coverage_lowered', file.path, old.line, `removed: ${old.line.text}`);
    else if (now.value < old.value) add('coverage_lowered', file.path, now.line, `${old.value} → ${now.value}`);
  }
}

function fileMentionsCoverage(file: DiffFile): boolean {
  return [...file.added, ...file.removed].some((line) => /cover|threshold|fail[_-]under/i.test(line.text));
}

const PACKAGE_TEST_KEY =
  /^\s*"(?:(?:pre|post)?test(?::[^"]*)?|jest|vitest|mocha|ava|c8|nyc|testMatch|testRegex|testPathIgnorePatterns|modulePathIgnorePatterns|roots|coveragePathIgnorePatterns|coverageThreshold)"\s*:/;
const PYTHON_TEST_KEY =
  /\b(?:testpaths|addopts|python_files|python_classes|python_functions|norecursedirs|collect_ignore\w*|filterwarnings)\b|\[tool[.:]pytest/;
const VITE_TEST_KEY = /^\s*(?:test|include|exclude|coverage|environment|setupFiles|globalSetup)\s*:/;

function reviewTestConfig(file: DiffFile, add: Add): void {
  if (isTestRunnerFile(file.path) || isTestRunnerFile(file.oldPath ?? '')) {
    add(
      'test_config_changed',
      file.path,
      file.added[0] ?? file.removed[0],
      file.added[0] || file.removed[0] ? undefined : changeWord(file),
    );
    return;
  }
  if (!isMixedConfigFile(file.path)) return;
  const key = /package\.json$/.test(file.path)
    ? PACKAGE_TEST_KEY
    : /\.(toml|cfg)$/.test(file.path)
      ? PYTHON_TEST_KEY
      : /vite\.config/.test(file.path)
        ? VITE_TEST_KEY
        : /Makefile$/.test(file.path)
          ? /^test\w*\s*:/
          : /^\s*\[\[?test\]?\]|^\s*harness\s*=/;
  const lines = [...file.added, ...file.removed].filter((line) => key.test(line.text));
  const first = lines[0];
  if (first) add('test_config_changed', file.path, first, `${file.added.includes(first) ? '+' : '-'} ${first.text}`);
}

const SUPPRESSION =
  /@ts-ignore\b|@ts-expect-error\b|@ts-nocheck\b|\beslint-disable\b|\bbiome-ignore\b|#\s*noqa\b|#\s*type:\s*ignore\b|#\s*pylint:\s*disable\b|\/\/\s*nolint\b|\bNOLINT(?:NEXTLINE)?\b|#!?\[allow\(|@SuppressWarnings\b|#\s*nosec\b|\brubocop:disable\b|\b(?:istanbul|c8|v8)\s+ignore\b|@phpstan-ignore|@psalm-suppress|#\s*pragma:\s*no\s*cover\b/;

function changeWord(file: DiffFile): string {
  if (file.change === 'renamed') return `renamed from ${file.oldPath ?? '?'}`;
  return file.change;
}

/** `## Files` entries as a matcher: globs as picomatch reads them; a plain path also covers what is under it. */
export function scopeMatcher(patterns: readonly string[]): (path: string) => boolean {
  const globs = patterns.flatMap((pattern) => {
    const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
    return /[*?[\]{}]/.test(clean) ? [clean] : [clean, `${clean}/**`];
  });
  const match = picomatch(globs, { dot: true });
  return (path) => match(path);
}
