// What git's files tell without running git (io/git-files.ts), against what real git says in temp repositories: a
// resumed start takes these answers instead of two forks, so each must be git's own answer or no answer at all.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { plainIdentityKeys } from '../../src/core/git-config.js';
import { identityFromFiles, newWorktreeFactsFromFiles, worktreeFactsFromFiles } from '../../src/io/git-files.js';
import { refFacts, repoFacts } from '../../src/io/workspace.js';

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samocode-git-files-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** git with nothing of the developer's config: a private HOME, no system file. */
function gitIn(home: string) {
  const env = { PATH: process.env.PATH ?? '', HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
  const run = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  return { env, run };
}

/** A repository with a commit and a linked worktree on branch `s1`. */
function repoWithWorktree() {
  const root = temp();
  const home = join(root, 'home');
  mkdirSync(home);
  const { env, run } = gitIn(home);
  const repo = join(root, 'repo');
  mkdirSync(repo);
  run(repo, 'init', '-q', '-b', 'main');
  run(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'init');
  const worktree = join(root, 'wt');
  run(repo, 'worktree', 'add', '-q', '-b', 's1', worktree);
  return { root, home, env, run, repo, worktree };
}

const REV_PARSE = [
  'rev-parse',
  '--show-toplevel',
  '--path-format=absolute',
  '--git-common-dir',
  '--symbolic-full-name',
];

describe('worktreeFactsFromFiles', () => {
  test("says what git's rev-parse says: plain, through a link, a packed branch, a relative pointer", () => {
    const r = repoWithWorktree();
    const gitSays = (path: string) => r.run(path, ...REV_PARSE, 'HEAD');
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toEqual({ ok: true, out: gitSays(r.worktree), err: '' });
    const link = join(r.root, 'link');
    symlinkSync(r.root, link);
    const viaLink = join(link, 'wt');
    expect(worktreeFactsFromFiles(viaLink, r.env)?.out).toBe(gitSays(viaLink));
    r.run(r.repo, 'pack-refs', '--all');
    expect(worktreeFactsFromFiles(r.worktree, r.env)?.out).toBe(gitSays(r.worktree));
    writeFileSync(join(r.worktree, '.git'), 'gitdir: ../repo/.git/worktrees/wt\n');
    expect(worktreeFactsFromFiles(r.worktree, r.env)?.out).toBe(gitSays(r.worktree));
  });

  test("no answer where git's would differ or the files are not plainly git's: git is asked", () => {
    const r = repoWithWorktree();
    expect(worktreeFactsFromFiles(r.worktree, { ...r.env, GIT_DIR: join(r.repo, '.git') })).toBeUndefined();
    expect(worktreeFactsFromFiles(r.repo, r.env)).toBeUndefined(); // a .git folder: a repository, not a worktree
    expect(worktreeFactsFromFiles(join(r.root, 'missing'), r.env)).toBeUndefined();
    // An unborn branch: git's rev-parse fails there.
    r.run(r.worktree, 'symbolic-ref', 'HEAD', 'refs/heads/unborn');
    expect(() => r.run(r.worktree, ...REV_PARSE, 'HEAD')).toThrow();
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toBeUndefined();
    r.run(r.worktree, 'checkout', '-q', '--detach', 'main');
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toBeUndefined();
    r.run(r.worktree, 'checkout', '-q', 's1');
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toBeDefined();
    // A HEAD no git would write (the agent can reach the worktree's git dir): git is asked, nothing outside is read.
    const head = join(r.repo, '.git', 'worktrees', 'wt', 'HEAD');
    writeFileSync(head, 'ref: refs/heads/../../../../../../etc/hostname\n');
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toBeUndefined();
    writeFileSync(head, 'ref: refs/heads/s1\n');
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toBeDefined();
    writeFileSync(join(r.worktree, '.git'), `gitdir: ${'x'.repeat(5000)}\n`);
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toBeUndefined();
  });

  test('a FIFO or an outsized file where git keeps its refs is never read: no hang, no answer', () => {
    const r = repoWithWorktree();
    r.run(r.repo, 'pack-refs', '--all'); // the branch now only in packed-refs
    const packed = join(r.repo, '.git', 'packed-refs');
    const text = readFileSync(packed, 'utf8');
    writeFileSync(packed, `${text}${'# padding\n'.repeat(110_000)}`);
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toBeUndefined();
    rmSync(packed);
    execFileSync('mkfifo', [packed]);
    expect(worktreeFactsFromFiles(r.worktree, r.env)).toBeUndefined();
    execFileSync('mkfifo', [join(r.home, '.gitconfig')]);
    expect(identityFromFiles(r.repo, r.env)).toBe(false);
  });
});

describe('newWorktreeFactsFromFiles', () => {
  /** What io/workspace.ts reads from git before it makes a new worktree. */
  const gitSays = async (repo: string, branch: string) => ({
    main: await repoFacts(repo),
    refs: await refFacts(repo, branch),
  });

  test("says what git's rev-parse and for-each-ref say: branches loose and packed, origin's HEAD set or dangling", async () => {
    const r = repoWithWorktree();
    const same = async (repo: string, branch = 'samocode/s1') =>
      expect(newWorktreeFactsFromFiles(repo, branch, r.env)).toEqual(await gitSays(repo, branch));
    r.run(r.repo, 'branch', 'master');
    await same(r.repo);
    await same(r.repo, 's1'); // the session branch exists
    r.run(r.repo, 'pack-refs', '--all');
    await same(r.repo, 's1');
    // A clone: origin's HEAD a symbolic ref to a packed remote branch.
    const clone = join(r.root, 'clone');
    r.run(r.root, 'clone', '-q', r.repo, clone);
    await same(clone);
    expect(newWorktreeFactsFromFiles(clone, 'x', r.env)?.refs.originHead).toBe('main');
    // origin's HEAD pointing at a remote branch that is gone: for-each-ref leaves it out.
    r.run(clone, 'update-ref', '-d', 'refs/remotes/origin/main');
    await same(clone);
    expect(newWorktreeFactsFromFiles(clone, 'x', r.env)?.refs.originHead).toBeUndefined();
  });

  test('no answer where git would look elsewhere or answer otherwise', () => {
    const r = repoWithWorktree();
    expect(newWorktreeFactsFromFiles(r.repo, 's', { ...r.env, GIT_DIR: join(r.repo, '.git') })).toBeUndefined();
    expect(newWorktreeFactsFromFiles(r.worktree, 's', r.env)).toBeUndefined(); // a linked worktree
    mkdirSync(join(r.repo, 'sub'));
    expect(newWorktreeFactsFromFiles(join(r.repo, 'sub'), 's', r.env)).toBeUndefined(); // git looks further up
    r.run(r.repo, 'checkout', '-q', '--detach');
    expect(newWorktreeFactsFromFiles(r.repo, 's', r.env)).toBeUndefined();
    r.run(r.repo, 'checkout', '-q', 'main');
    r.run(r.repo, 'config', 'core.bare', 'true');
    expect(newWorktreeFactsFromFiles(r.repo, 's', r.env)).toBeUndefined();
    const empty = join(r.root, 'empty');
    r.run(r.root, 'init', '-q', '-b', 'main', empty);
    expect(newWorktreeFactsFromFiles(empty, 's', r.env)).toBeUndefined(); // no commit yet
  });
});

describe('plainIdentityKeys', () => {
  test('the keys a plain file sets; undefined for a line it does not understand', () => {
    expect(plainIdentityKeys('[user]\n\tname = A B\n\temail = a@example.invalid\n')).toEqual(
      new Set(['user.name', 'user.email']),
    );
    expect(plainIdentityKeys('\uFEFF# c\n; c\n[User]  # c\r\n  NAME=A\r\n[core]\n\tbare = false\n')).toEqual(
      new Set(['user.name']),
    );
    expect(plainIdentityKeys('[user "x"]\nname = A\n[user.y]\nemail = b\n[user]\nname\nemail =  \n')).toEqual(
      new Set(),
    );
    for (const text of [
      '[user] name = A',
      '[user]\nname = "A"',
      '[user]\nname = A # comment',
      '[alias]\nlg = log \\\n[user]\nname = A',
      'not a config line',
      '[user\nname = A',
    ])
      expect(plainIdentityKeys(text), text).toBeUndefined();
  });
});

describe('identityFromFiles', () => {
  /** What git-identity.ts reads from git: the keys `git config --get-regexp` gives a value. */
  function gitKeys(r: ReturnType<typeof repoWithWorktree>, dir: string, extra: Record<string, string> = {}) {
    try {
      const out = execFileSync('git', ['config', '--get-regexp', '^user\\.(name|email)$'], {
        cwd: dir,
        env: { ...r.env, ...extra },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return new Set(
        out.split('\n').flatMap((line) => (/^user\.(name|email) \S/.test(line) ? [line.split(' ')[0]] : [])),
      );
    } catch {
      return new Set<string>();
    }
  }

  const CASES: { name: string; global?: string; xdg?: string; local?: [string, string]; known: boolean }[] = [
    { name: 'both in ~/.gitconfig', global: '[user]\n\tname = A\n\temail = a@example.invalid\n', known: true },
    {
      name: 'one in the XDG file, one in ~/.gitconfig',
      xdg: '[user]\nname=A\n',
      global: '[user]\nemail=a\n',
      known: true,
    },
    { name: 'name global, email local', global: '[user]\nname = A\n', local: ['user.email', 'a'], known: true },
    { name: 'CRLF and a BOM', global: '\uFEFF[user]\r\n\tname = A\r\n\temail = a\r\n', known: true },
    { name: 'only a name', global: '[user]\nname = A\n', known: false },
    { name: 'empty values', global: '[user]\nname =\nemail =   \n', known: false },
    { name: 'a subsection', global: '[user "x"]\nname = A\nemail = a\n', known: false },
    { name: 'quoted (left to git)', global: '[user]\nname = "A"\nemail = a\n', known: false },
    { name: 'an include (left to git)', global: '[include]\npath = more\n', known: false },
    { name: 'a broken line', global: '[user]\nname = A\nemail = a\n!!\n', known: false },
    { name: 'a key on the header line', global: '[user] name = A\nemail = a\n', known: false },
  ];

  test.each(CASES)('$name: known only where git agrees', ({ global, xdg, local, known }) => {
    const r = repoWithWorktree();
    if (global !== undefined) writeFileSync(join(r.home, '.gitconfig'), global);
    if (xdg !== undefined) {
      mkdirSync(join(r.home, '.config', 'git'), { recursive: true });
      writeFileSync(join(r.home, '.config', 'git', 'config'), xdg);
    }
    if (local !== undefined) r.run(r.repo, 'config', ...local);
    if (global?.includes('[include]')) writeFileSync(join(r.home, 'more'), '[user]\nname = A\nemail = a\n');
    for (const dir of [r.worktree, r.repo]) {
      expect(identityFromFiles(dir, r.env), dir).toBe(known);
      if (known) expect(gitKeys(r, dir)).toEqual(new Set(['user.name', 'user.email']));
    }
  });

  test('no answer when the environment points git at other config, or HOME is not set', () => {
    const r = repoWithWorktree();
    writeFileSync(join(r.home, '.gitconfig'), '[user]\nname = A\nemail = a\n');
    expect(identityFromFiles(r.worktree, r.env)).toBe(true);
    expect(identityFromFiles(r.worktree, { ...r.env, GIT_CONFIG_GLOBAL: '/dev/null' })).toBe(false);
    expect(gitKeys(r, r.worktree, { GIT_CONFIG_GLOBAL: '/dev/null' })).toEqual(new Set());
    expect(identityFromFiles(r.worktree, { ...r.env, HOME: '' })).toBe(false);
    expect(identityFromFiles(r.worktree, { ...r.env, XDG_CONFIG_HOME: 'relative' })).toBe(false);
    expect(identityFromFiles(join(r.root, 'home'), r.env)).toBe(false); // not a repository's top
  });
});
