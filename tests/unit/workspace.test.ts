// The session's worktree from real git repositories in temp folders: which base branch a new session starts from,
// reuse of an existing branch or worktree, and the refusals. The git calls were folded into fewer (one rev-parse, one
// for-each-ref): these pin that the answers stayed those of the one-question-per-call version.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { GitError } from '../../src/errors.js';
import { ensureWorkspace, prefetchGitFacts } from '../../src/io/workspace.js';

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samocode-workspace-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A repo with one commit on `branch`. */
function repo(branch = 'main', commit = true): { root: string; repo: string; worktrees: string } {
  const root = temp();
  const dir = join(root, 'repo');
  mkdirSync(dir);
  git(dir, 'init', '-q', '-b', branch);
  if (commit) git(dir, 'commit', '-q', '--allow-empty', '-m', 'init');
  return { root, repo: dir, worktrees: join(root, 'worktrees') };
}

const open = (r: { repo: string; worktrees: string }, baseBranch?: string, name = 's1') =>
  ensureWorkspace({ mainRepo: r.repo, worktrees: r.worktrees, name, branchPrefix: 'samocode/', baseBranch });

/** Every git call this process makes from now to the test's end, as `<cwd>: <args>` (a logging git first on PATH). */
function gitCalls(): () => string[] {
  const dir = temp();
  const log = join(dir, 'calls.log');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'git'), `#!/bin/sh\necho "$PWD: $*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  onTestFinished(() => {
    process.env.PATH = path;
  });
  return () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
}

describe('ensureWorkspace', () => {
  test('a new session starts from the current branch of the main checkout', async () => {
    const r = repo('develop');
    git(r.repo, 'branch', 'main');
    const ws = await open(r);
    expect(ws).toMatchObject({ standalone: false, branch: 'samocode/s1', baseBranch: 'develop' });
    expect(git(ws.workingDir, 'symbolic-ref', '--short', 'HEAD')).toBe('samocode/s1');
  });

  test("origin's HEAD wins over the current branch", async () => {
    const origin = repo('trunk');
    const r = repo('develop');
    git(r.repo, 'remote', 'add', 'origin', origin.repo);
    git(r.repo, 'fetch', '-q', 'origin');
    git(r.repo, 'remote', 'set-head', 'origin', 'trunk');
    git(r.repo, 'branch', 'trunk', 'origin/trunk');
    expect((await open(r)).baseBranch).toBe('trunk');
  });

  test('a detached main checkout falls back to main, then master', async () => {
    const r = repo('master');
    git(r.repo, 'checkout', '-q', '--detach');
    expect((await open(r)).baseBranch).toBe('master');
    const m = repo('main');
    git(m.repo, 'branch', 'master');
    git(m.repo, 'checkout', '-q', '--detach');
    expect((await open(m)).baseBranch).toBe('main');
  });

  test('BASE_BRANCH given is kept; an existing session branch is reused, not created', async () => {
    const r = repo('main');
    git(r.repo, 'branch', 'samocode/s1');
    const ws = await open(r, 'main');
    expect(ws.baseBranch).toBe('main');
    expect(ws.note).toContain('on existing branch samocode/s1');
  });

  test('the second run reuses the worktree and reads its branch; a detached one says so', async () => {
    const r = repo('main');
    const first = await open(r);
    const again = await open(r, 'main');
    expect(again).toMatchObject({ workingDir: first.workingDir, branch: 'samocode/s1' });
    expect(again.note).toContain('reusing worktree');
    git(first.workingDir, 'checkout', '-q', '--detach');
    const detached = await open(r, 'main');
    expect(detached.note).toContain('(detached)');
    expect(detached.branch).toBe('samocode/s1');
  });

  test("a reused worktree's files prove MAIN_REPO's facts with no git call; git is asked when they do not tell", async () => {
    const r = repo('main');
    const first = await open(r);
    const calls = gitCalls();
    expect(await open(r, 'main')).toMatchObject({ workingDir: first.workingDir, branch: 'samocode/s1' });
    expect(calls()).toEqual([]);
    // Detached: HEAD names no branch, so the worktree's own git answers.
    git(first.workingDir, 'checkout', '-q', '--detach');
    expect((await open(r, 'main')).note).toContain('(detached)');
    expect(calls()).toEqual([
      `${first.workingDir}: rev-parse --show-toplevel --path-format=absolute --git-common-dir --symbolic-full-name HEAD`,
    ]);
    // MAIN_REPO a linked worktree of another repository: its .git is a file, so git in MAIN_REPO says whose it is.
    const other = repo('main');
    const linked = join(other.root, 'linked');
    git(other.repo, 'worktree', 'add', '-q', '-b', 'side', linked);
    const viaLinked = { repo: linked, worktrees: join(other.root, 'wt') };
    const made = await open(viaLinked);
    const before = calls().length;
    expect(await open(viaLinked)).toMatchObject({ workingDir: made.workingDir, branch: 'samocode/s1' });
    expect(
      calls()
        .slice(before)
        .map((c) => c.split(':')[0]),
    ).toEqual([linked]);
  });

  test('a folder in the way that is not a worktree of MAIN_REPO is refused', async () => {
    const r = repo('main');
    mkdirSync(join(r.worktrees, 's1'), { recursive: true });
    await expect(open(r)).rejects.toThrow(GitError);
    const other = repo('main');
    git(other.repo, 'worktree', 'add', '-q', join(r.worktrees, 's2'));
    await expect(open(r, undefined, 's2')).rejects.toThrow(/is not a git worktree of/);
  });

  test('a repo without commits is refused; a folder that is no repo is standalone', async () => {
    await expect(open(repo('main', false))).rejects.toThrow(/has no commits yet/);
    const plain = temp();
    const ws = await ensureWorkspace({
      mainRepo: plain,
      worktrees: join(plain, 'w'),
      name: 's',
      branchPrefix: 'x/',
      baseBranch: undefined,
    });
    expect(ws).toMatchObject({ standalone: true, workingDir: plain });
  });

  test('facts asked ahead are used while they fit, asked again when not', async () => {
    const r = repo('main');
    const config = { mainRepo: r.repo, worktrees: r.worktrees, branchPrefix: 'samocode/' };
    // Asked for s1 while it had no worktree; one made since (here: a folder in the way) is not missed.
    const stale = prefetchGitFacts(config, 's1');
    mkdirSync(join(r.worktrees, 's1'), { recursive: true });
    await expect(ensureWorkspace({ ...config, name: 's1', baseBranch: undefined }, stale)).rejects.toThrow(
      /is not a git worktree of/,
    );
    // Facts of another session's worktree are never taken for this one.
    const other = prefetchGitFacts(config, 'elsewhere');
    const ws = await ensureWorkspace({ ...config, name: 's2', baseBranch: undefined }, other);
    expect(ws).toMatchObject({ branch: 'samocode/s2', workingDir: join(r.worktrees, 's2') });
    // Facts that still fit give what asking again gives.
    const ahead = prefetchGitFacts(config, 's2');
    expect(await ensureWorkspace({ ...config, name: 's2', baseBranch: 'main' }, ahead)).toEqual(
      await ensureWorkspace({ ...config, name: 's2', baseBranch: 'main' }),
    );
  });
});
