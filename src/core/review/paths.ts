// What a path in the diff is: a test file, a snapshot, a test runner's or CI's configuration, code that can carry a
// suppression comment. Pure. These are guesses from the name alone (no file is opened); README "What samocode checks,
// and what it cannot" says what they miss.

/**
 * A test file: under a test folder (`test/`, `tests/`, `__tests__/`, `spec/`, `e2e/`), or named as one by the usual
 * conventions (`*.test.ts`, `*.spec.js`, `test_*.py`, `*_test.py`, `*_test.go`, `FooTest.java`, `foo_spec.rb`).
 * Skip markers, removed tests and removed assertions count only here: `.skip(` in application code is not a test.
 */
const TEST_PATHS: readonly RegExp[] = [
  /(^|\/)(__tests__|__test__|tests?|specs?|e2e|integration-tests?)\//i,
  /\.(test|spec|e2e|integration)\.[cm]?[jt]sx?$/i,
  /(^|\/)test_[^/]*\.py$/,
  /_test\.(py|go|rb|exs?)$/,
  /_spec\.rb$/,
  /(^|\/)[^/]*Tests?\.(java|kt|cs|scala|swift)$/,
];

export function isTestFile(path: string): boolean {
  return TEST_PATHS.some((pattern) => pattern.test(path));
}

const SNAPSHOTS: readonly RegExp[] = [
  /(^|\/)__snapshots__\//,
  /\.snap(\.new)?$/,
  /\.ambr$/,
  /\.approved\.[^/]+$/,
  /(^|\/)__image_snapshots__\//,
];

export function isSnapshot(path: string): boolean {
  return SNAPSHOTS.some((pattern) => pattern.test(path));
}

/** Files whose every change changes what the tests run or how CI runs them. */
const TEST_RUNNER_FILES: readonly RegExp[] = [
  /(^|\/)(vitest|jest|playwright|karma|cypress|ava|wdio|nightwatch)\.(config|workspace)\.[cm]?[jt]s(on)?$/,
  /(^|\/)vitest\.workspace\.[^/]+$/,
  /(^|\/)\.mocharc(\.[^/]+)?$/,
  /(^|\/)jest\.config\.json$/,
  /(^|\/)pytest\.ini$/,
  /(^|\/)conftest\.py$/,
  /(^|\/)(tox|noxfile)\.(ini|py)$/,
  /^\.ci\//,
  /^\.github\/workflows\//,
  /^\.circleci\//,
  /^\.buildkite\//,
  /^\.gitlab-ci\.ya?ml$/,
  /^\.travis\.ya?ml$/,
  /^azure-pipelines\.ya?ml$/,
  /(^|\/)Jenkinsfile$/,
];

export function isTestRunnerFile(path: string): boolean {
  return TEST_RUNNER_FILES.some((pattern) => pattern.test(path));
}

/** Files that hold test settings among others: only the changed lines that name a test setting count. */
export function isMixedConfigFile(path: string): boolean {
  return /(^|\/)(package\.json|pyproject\.toml|setup\.cfg|vite\.config\.[cm]?[jt]s|Cargo\.toml|Makefile)$/.test(path);
}

/** Files where a coverage threshold may be written. */
export function isCoverageConfig(path: string): boolean {
  return (
    isTestRunnerFile(path) ||
    isMixedConfigFile(path) ||
    /(^|\/)(\.nycrc|\.c8rc|\.coveragerc|codecov\.ya?ml|\.codecov\.ya?ml|\.simplecov|jacoco[^/]*\.xml)([^/]*)$/.test(
      path,
    )
  );
}

/** Prose and data, where `@ts-ignore` or `# noqa` is text about the comment, not the comment. */
export function isProse(path: string): boolean {
  return /\.(md|mdx|markdown|txt|rst|adoc|html?|csv|log)$/i.test(path) || /(^|\/)(LICENSE|CHANGELOG)[^/]*$/.test(path);
}
