// gates/review.ts against real git repositories: what git prints for renames, deletions, mode changes, binary files
// (NUL bytes), untracked files, names with spaces and a diff too large to read whole, all read without a crash and
// reviewed; the session folder inside the working dir is not the agent's change; a secret is never written.
import { chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reviewSession, reviewSessionWithLimit } from '../../src/gates/review.js';
import { makeScrubber } from '../../src/core/secrets.js';
import { fakeState } from '../helpers/fake-state.js';
import { git, tempDir } from '../helpers/rig.js';

function repoWith(files: Record<string, string | Buffer>): string {
  const dir = tempDir('samocode-review-');
  git(dir, 'init', '-q', '-b', 'main');
  for (const [path, content] of Object.entries(files)) write(dir, path, content);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'samocode/s');
  return dir;
}

function write(dir: string, path: string, content: string | Buffer): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), content);
}

function context(workingDir: string, sessionDir = tempDir('samocode-session-'), approvedPlan?: string) {
  return {
    state: fakeState({ workingDir, branch: 'samocode/s', baseBranch: 'main', approvedPlan }),
    sessionDir,
    workingDir,
    base: 'main',
    head: git(workingDir, 'rev-parse', 'HEAD'),
    scrub: makeScrubber([]),
    abort: new AbortController().signal,
  };
}

describe('reviewSession on real git', () => {
  test('renames, deletions, mode-only changes, NUL bytes and untracked files with odd names', async () => {
    const dir = repoWith({
      'tests/a.test.ts': "it('a', () => {\n  expect(1).toBe(1);\n});\n",
      'tests/gone.test.ts': "it('gone', () => {});\n",
      'run.sh': '#!/bin/sh\n',
      'data.bin': Buffer.from([1, 0, 2]),
    });
    renameSync(join(dir, 'tests/a.test.ts'), join(dir, 'tests/renamed.test.ts'));
    rmSync(join(dir, 'tests/gone.test.ts'));
    chmodSync(join(dir, 'run.sh'), 0o755);
    write(dir, 'data.bin', Buffer.from([1, 0, 3, 0]));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'work');
    // Not committed: an untracked file with a space and a tab in its name, holding a skip marker.
    write(dir, 'tests/new\tone.test.ts', "it.skip('later', () => {});\n");
    const result = await reviewSession(context(dir));
    expect(result.secrets).toEqual([]);
    expect(result.findings.map((f) => [f.rule, f.file, f.line])).toEqual([
      ['binary_file', 'data.bin', undefined],
      ['test_file_deleted', 'tests/gone.test.ts', undefined],
      ['skip_marker', 'tests/new\tone.test.ts', 1],
    ]);
  });

  test('a diff over the limit is read up to it and says so; _review.md is written with the note', async () => {
    const dir = repoWith({ 'README.md': '# x\n' });
    write(dir, 'a.txt', `${'line\n'.repeat(20_000)}`);
    write(dir, 'b.test.ts', "it.only('x', () => {});\n");
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'big');
    const ctx = context(dir);
    const result = await reviewSessionWithLimit(10_000)(ctx);
    const incomplete = result.findings.filter((f) => f.rule === 'review_incomplete');
    expect(incomplete.map((f) => f.excerpt)).toEqual(['the diff is over 10000 bytes: only its first part was read']);
    // b.test.ts comes after a.txt in the diff: cut off, so not reviewed, and the note says the review is incomplete.
    expect(result.findings.some((f) => f.file === 'b.test.ts')).toBe(false);
    expect(result.file).toBe('_review.md');
    expect(readFileSync(join(ctx.sessionDir, '_review.md'), 'utf8')).toContain('only its first part was read');
  });

  test("the plan's ## Files scope; the sessions folder inside the working dir is not reviewed", async () => {
    const dir = repoWith({ 'src/a.ts': 'a\n' });
    const sessionDir = join(dir, '.sessions', '26-01-01-s');
    mkdirSync(sessionDir, { recursive: true });
    writeFileSync(join(sessionDir, '_plan.md'), '# Plan\n## Files\n- src/**\n\n**Approval:** approved\n');
    write(dir, 'src/a.ts', 'b\n');
    write(dir, 'lib/b.ts', 'c\n');
    git(dir, 'add', 'src', 'lib');
    git(dir, 'commit', '-q', '-m', 'work');
    const result = await reviewSession(context(dir, sessionDir, '_plan.md'));
    expect(result.findings.map((f) => [f.rule, f.file])).toEqual([['out_of_scope', 'lib/b.ts']]);
  });

  test('a secret blocks: the findings name file, line and rule, carry no excerpt, and no _review.md is written', async () => {
    const dir = repoWith({ 'src/a.ts': 'a\n' });
    const key = ['AKIA', 'Q3EXAMPLE7ZK4WBA'].join('');
    write(dir, 'src/a.ts', `// @ts-ignore\nconst id = "${key}";\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'leak');
    const ctx = context(dir);
    const result = await reviewSession(ctx);
    expect(result.secrets.map((f) => [f.file, f.line, f.rule, f.excerpt])).toContainEqual([
      'src/a.ts',
      2,
      'secret: AWS access key id',
      '',
    ]);
    expect(JSON.stringify(result)).not.toContain(key);
    expect(result.file).toBeUndefined();
    expect(readdirSync(ctx.sessionDir)).toEqual([]);
  });

  test('a standalone session or one without a base has nothing to review', async () => {
    const dir = repoWith({ 'a.txt': 'a\n' });
    const ctx = context(dir);
    expect(await reviewSession({ ...ctx, state: { ...ctx.state, standalone: true } })).toEqual({
      secrets: [],
      findings: [],
    });
    expect(await reviewSession({ ...ctx, base: undefined })).toEqual({ secrets: [], findings: [] });
  });
});
