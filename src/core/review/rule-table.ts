// The review's rules as a table: what each one catches and misses (`_review.md` and the README's table, which a test
// checks against it), and how a finding's excerpt is cut. Apart from the rules' code (rules.ts) so that what only
// reads `_review.md` (core/wait.ts, on every start's way to the first spawn) loads no glob matcher.
import { withoutControls } from '../agent-text.js';
import { oneLine } from '../text.js';

export type RuleFamily = 'reward hacking' | 'scope' | 'size' | 'secrets' | 'review';

export interface ReviewRule {
  id: string;
  family: RuleFamily;
  /** What it catches, for `_review.md` and the README. */
  catches: string;
  /** What it does not catch: the README says it, so nobody relies on it for that. */
  misses: string;
}

export const REVIEW_RULES = [
  {
    id: 'test_file_deleted',
    family: 'reward hacking',
    catches: 'a test file deleted, or renamed to a name that is no longer a test',
    misses: 'a test file emptied but kept; tests in files not named or placed as tests',
  },
  {
    id: 'test_removed',
    family: 'reward hacking',
    catches:
      'more test cases removed than added in a test file (`it(`, `test(`, `describe(`, `def test_`, `func Test`, `#[test]`, `@Test`)',
    misses: 'a test whose body was gutted but whose declaration stayed; tests declared by other means',
  },
  {
    id: 'skip_marker',
    family: 'reward hacking',
    catches:
      'skip or focus markers added in a test file: `.skip(`, `.only(`, `.todo(`, `xit`, `xdescribe`, `fit`, `fdescribe`, `@pytest.mark.skip`/`skipif`/`xfail`, `pytest.skip(`, `@unittest.skip`, `t.Skip`, `@Disabled`, `@Ignore`; `#[ignore]` in any Rust file',
    misses: 'skips in files not named as tests; a skip decided at run time by a condition in the code',
  },
  {
    id: 'assertion_removed',
    family: 'reward hacking',
    catches: 'more assertion lines removed than added in a test file (`expect(`, `assert…`, `t.Error`, `require.`)',
    misses: 'an assertion moved to a helper in a non-test file; assertions written in other styles',
  },
  {
    id: 'assertion_weakened',
    family: 'reward hacking',
    catches:
      'a precise matcher replaced by a loose one in the same hunk (`toBe(x)` → `toBeDefined()`, `assert …` → `pass`), or an assertion that cannot fail added (`expect(true).toBe(true)`, `assert True`)',
    misses: 'an expected value changed to whatever the code now returns',
  },
  {
    id: 'snapshot_changed',
    family: 'reward hacking',
    catches: 'a snapshot file changed or deleted (`__snapshots__/`, `*.snap`, `*.ambr`, `*.approved.*`)',
    misses: 'new snapshots (new tests write them); snapshots inline in a test file',
  },
  {
    id: 'coverage_lowered',
    family: 'reward hacking',
    catches:
      'a coverage threshold lowered or removed (`lines`, `branches`, `functions`, `statements`, `fail_under`, `--cov-fail-under`, `threshold`) in a test or coverage configuration',
    misses: 'coverage turned off by other settings; files added to the coverage exclude list',
  },
  {
    id: 'test_config_changed',
    family: 'reward hacking',
    catches:
      "the test command's own definition changed: `package.json` test scripts and jest keys, vitest/jest/mocha/playwright/pytest config files, `conftest.py`, pytest settings in `pyproject.toml`/`setup.cfg`, `vite.config` test lines, `.ci/` and CI workflow files",
    misses: 'a test command defined elsewhere (a Makefile target, a shell script) unless that file is named above',
  },
  {
    id: 'suppression_added',
    family: 'reward hacking',
    catches:
      'new suppressions in code: `@ts-ignore`, `@ts-expect-error`, `@ts-nocheck`, `eslint-disable`, `biome-ignore`, `# noqa`, `# type: ignore`, `# pylint: disable`, `//nolint`, `NOLINT`, `#[allow(`, `@SuppressWarnings`, `# nosec`, `rubocop:disable`, coverage ignore comments',
    misses:
      'suppressions in configuration (a rule turned off in `.eslintrc`); prose files (Markdown, text) are not scanned',
  },
  {
    id: 'out_of_scope',
    family: 'scope',
    catches: "a changed file outside the approved plan's `## Files` section (paths or globs)",
    misses: 'everything when the plan has no `## Files` section; a file in scope changed beyond the plan',
  },
  {
    id: 'large_file',
    family: 'size',
    catches: 'a file added over 1 MB',
    misses: 'a file that grew past 1 MB by modification',
  },
  {
    id: 'binary_file',
    family: 'size',
    catches: 'a binary file added or changed',
    misses: 'binary content git reads as text',
  },
  {
    id: 'review_incomplete',
    family: 'review',
    catches: 'a diff too large to read whole, or a part git printed that could not be read: the rest was not reviewed',
    misses: '(says itself what it did not read)',
  },
] as const satisfies readonly ReviewRule[];

export type ReviewRuleId = (typeof REVIEW_RULES)[number]['id'];

/** A finding's excerpt: one line of at most this many characters. */
const EXCERPT_MAX = 120;

export function excerptOf(text: string): string {
  return oneLine(withoutControls(text), EXCERPT_MAX);
}
