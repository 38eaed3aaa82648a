// The tree probe of stall detection against real git: a `git status` look and its glance, and what a glance without
// git can and cannot see. A glance is only ever trusted to prove a change, so what it misses must go to git.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { glanceAgain, treeSnapshot } from '../../src/io/progress-probe.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: ENV, stdio: 'pipe' });

/** A repo with one commit (README.md, clean) and one untracked file being worked on; optionally a worktree of it. */
function repo(worktree = false): string {
  const root = mkdtempSync(join(tmpdir(), 'samocode-probe-'));
  dirs.push(root);
  const main = join(root, 'main');
  execFileSync('mkdir', [main]);
  git(main, 'init', '-q', '-b', 'main');
  writeFileSync(join(main, 'README.md'), '# x\n');
  git(main, 'add', '-A');
  git(main, 'commit', '-qm', 'init');
  const dir = worktree ? join(root, 'wt') : main;
  if (worktree) git(main, 'worktree', 'add', '-q', '-b', 'samocode/x', dir, 'main');
  writeFileSync(join(dir, 'work.txt'), 'one\n');
  return dir;
}

async function look(dir: string) {
  const found = await treeSnapshot(dir, false);
  expect(found?.glance).toBeDefined();
  return found!;
}

describe.each([
  ['a plain checkout', false],
  ['a worktree (.git is a pointer file, refs in the common dir)', true],
])('%s', (_what, worktree) => {
  test('nothing changed: the glance stands, and so does the look', async () => {
    const dir = repo(worktree);
    const first = await look(dir);
    expect(glanceAgain(dir, first.glance!)?.value).toBe(first.glance!.value);
    expect((await look(dir)).fingerprint).toBe(first.fingerprint);
  });

  test('an edit to a file the look listed moves the glance', async () => {
    const dir = repo(worktree);
    const first = await look(dir);
    writeFileSync(join(dir, 'work.txt'), 'one\ntwo\n');
    expect(glanceAgain(dir, first.glance!)?.value).not.toBe(first.glance!.value);
  });

  test('a commit moves the glance (the branch ref is rewritten)', async () => {
    const dir = repo(worktree);
    git(dir, 'add', 'work.txt');
    const first = await look(dir);
    git(dir, 'commit', '-qm', 'work');
    expect(glanceAgain(dir, first.glance!)?.value).not.toBe(first.glance!.value);
  });

  test('a switch of branch moves the glance, and later glances follow the new branch (HEAD is read again)', async () => {
    const dir = repo(worktree);
    git(dir, 'add', 'work.txt');
    const first = await look(dir);
    git(dir, 'checkout', '-q', '-b', 'other');
    const switched = glanceAgain(dir, first.glance!);
    expect(switched?.value).not.toBe(first.glance!.value);
    expect(switched?.value).toContain('refs/heads/other');
    expect(glanceAgain(dir, first.glance!)?.value).toBe(switched?.value);
    git(dir, 'commit', '-qm', 'on other');
    expect(glanceAgain(dir, first.glance!)?.value).not.toBe(switched?.value);
  });

  test('what a glance cannot see (a new file, an edit to a clean file) leaves it standing: only git sees it', async () => {
    const dir = repo(worktree);
    const first = await look(dir);
    writeFileSync(join(dir, 'new.txt'), 'new\n');
    writeFileSync(join(dir, 'README.md'), '# changed\n');
    expect(glanceAgain(dir, first.glance!)?.value).toBe(first.glance!.value);
    expect((await look(dir)).fingerprint).not.toBe(first.fingerprint);
  });
});

test('a `.git` the agent pointed at a FIFO: the glance gives up at once (no blocking read), git decides', async () => {
  const dir = repo(true);
  const first = await look(dir);
  const trap = join(dirs[0]!, 'trap');
  execFileSync('mkdir', [trap]);
  execFileSync('mkfifo', [join(trap, 'HEAD')]);
  writeFileSync(join(dir, '.git'), `gitdir: ${trap}\n`);
  expect(glanceAgain(dir, first.glance!)).toBeUndefined();
});

test('a standalone session has no tree to look at', async () => {
  expect(await treeSnapshot(tmpdir(), true)).toBeUndefined();
});
