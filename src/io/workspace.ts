// Where the agent works: a git worktree `<WORKTREES>/<name>` on branch `<BRANCH_PREFIX><name>`, created from the
// base branch on the first run and reused afterwards; or MAIN_REPO itself when it is not a git repository.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../core/config.js';
import type { SessionState } from '../core/state.js';
import { GitError } from '../errors.js';
import { git, type GitResult } from './git.js';
import { newWorktreeFactsFromFiles, worktreeFactsFromFiles, type RefFacts, type RepoFacts } from './git-files.js';
import { makeDir } from './make-dir.js';
import { WORKTREE_ADD_WAITS_MS, worktreeBusy } from '../core/worktree-add.js';

export interface Workspace {
  workingDir: string;
  standalone: boolean;
  branch?: string | undefined;
  baseBranch?: string | undefined;
  /** What happened, for the log: created / reused / standalone. */
  note: string;
}

/**
 * One rev-parse for four facts of MAIN_REPO: is it a git work tree, its common git dir, does HEAD resolve (any commit
 * yet; git still prints the other lines when it does not), and the branch it is on. Each git call is a fork of this
 * process, ~2–3 ms of it on the way to the first spawn: a new session makes 3 (this and one for-each-ref at once,
 * then worktree add), a resumed one none when its worktree's files tell (which proves MAIN_REPO's facts as well).
 */
export async function repoFacts(repo: string): Promise<RepoFacts> {
  const result = await git(repo, [
    'rev-parse',
    '--is-inside-work-tree',
    '--path-format=absolute',
    '--git-common-dir',
    '--symbolic-full-name',
    'HEAD',
  ]);
  const [inside, commonDir = '', head = ''] = result.out.split('\n').map((line) => line.trim());
  if (inside !== 'true') return { repo: false, hasCommits: false };
  const current = head.startsWith('refs/heads/') ? head.slice('refs/heads/'.length) : undefined;
  return { repo: true, hasCommits: result.ok, commonDir, ...(current ? { current } : {}) };
}

/**
 * Which of the refs that matter exist, in one for-each-ref: origin's HEAD (and where it points), main, master and
 * the session branch.
 */
export async function refFacts(repo: string, branch: string): Promise<RefFacts> {
  const result = await git(repo, [
    'for-each-ref',
    '--format=%(refname)%09%(symref)',
    'refs/remotes/origin/HEAD',
    'refs/heads/main',
    'refs/heads/master',
    `refs/heads/${branch}`,
  ]);
  const heads = new Set<string>();
  let originHead: string | undefined;
  for (const line of result.ok ? result.out.split('\n') : []) {
    const [ref = '', target = ''] = line.split('\t');
    if (ref === 'refs/remotes/origin/HEAD' && target.startsWith('refs/remotes/origin/'))
      originHead = target.slice('refs/remotes/origin/'.length);
    else if (ref.startsWith('refs/heads/')) heads.add(ref.slice('refs/heads/'.length));
  }
  return { ...(originHead ? { originHead } : {}), heads };
}

/**
 * An existing worktree's top, common dir and branch (MAIN_REPO's common dir comes with its facts): from its files
 * when they are plainly what git wrote (no fork on the way to a resumed spawn), else from git.
 */
function existingFacts(path: string): Promise<GitResult> {
  const known = worktreeFactsFromFiles(path, process.env);
  if (known) return Promise.resolve(known);
  return git(path, [
    'rev-parse',
    '--show-toplevel',
    '--path-format=absolute',
    '--git-common-dir',
    '--symbolic-full-name',
    'HEAD',
  ]);
}

function parseExisting(result: GitResult) {
  const [top = '', common = '', head = ''] = result.out.split('\n').map((line) => line.trim());
  return { ok: result.ok, top, common, head };
}

/** Whether `commonDir` is MAIN_REPO's own `.git` folder (not a file: MAIN_REPO is then a worktree itself). */
function isGitDirOf(mainRepo: string, commonDir: string): boolean {
  const dotGit = join(mainRepo, '.git');
  try {
    return statSync(dotGit).isDirectory() && realpathSync(dotGit) === realpathSync(commonDir);
  } catch {
    return false;
  }
}

function reusedWorkspace(path: string, head: string, branch: string, baseBranch: string | undefined): Workspace {
  const current = head.startsWith('refs/heads/') ? head.slice('refs/heads/'.length) : '';
  return {
    workingDir: path,
    standalone: false,
    branch: current || branch,
    baseBranch,
    note: `reusing worktree ${path} on branch ${current || '(detached)'}`,
  };
}

/** origin's HEAD, else the current branch of the main checkout, else main/master if one exists. */
function baseBranchOf(refs: RefFacts, current: string | undefined) {
  return refs.originHead ?? current ?? ['main', 'master'].find((name) => refs.heads.has(name));
}

/** The worktree of an existing session again (a resumed or continued one): its own name and recorded base branch. */
export function sessionWorkspace(
  config: Pick<Config, 'mainRepo' | 'worktrees' | 'branchPrefix' | 'baseBranch'>,
  state: Pick<SessionState, 'name' | 'baseBranch'>,
  ahead?: GitFacts,
): Promise<Workspace> {
  return ensureWorkspace(
    {
      mainRepo: config.mainRepo,
      worktrees: config.worktrees,
      name: state.name,
      branchPrefix: config.branchPrefix,
      baseBranch: state.baseBranch ?? config.baseBranch,
    },
    ahead,
  );
}

/**
 * The read-only git calls a workspace needs, started (each is a spawn and a few ms of waiting, so all at once):
 * MAIN_REPO's facts, and either the existing worktree's or the refs a new one is made from.
 */
export interface GitFacts {
  /** Which MAIN_REPO, worktree and branch they are of, and whether the worktree existed when they were asked. */
  key: string;
  /** Not asked ahead for an existing worktree: its own facts usually prove MAIN_REPO's (see ensureWorkspace). */
  main?: Promise<RepoFacts> | undefined;
  worktree?: ReturnType<typeof existingFacts> | undefined;
  refs?: ReturnType<typeof refFacts> | undefined;
}

const factsKey = (mainRepo: string, path: string, branch: string, reused: boolean) =>
  JSON.stringify([mainRepo, path, branch, reused]);

function askGitFacts(mainRepo: string, path: string, branch: string): GitFacts {
  const reused = existsSync(path);
  const key = factsKey(mainRepo, path, branch, reused);
  if (reused) return { key, worktree: existingFacts(path) };
  // A new worktree: from MAIN_REPO's files when they plainly tell (no fork before `git worktree add`), else git.
  const known = newWorktreeFactsFromFiles(mainRepo, branch, process.env);
  return {
    key,
    main: known ? Promise.resolve(known.main) : repoFacts(mainRepo),
    refs: known ? Promise.resolve(known.refs) : refFacts(mainRepo, branch),
  };
}

/**
 * `git worktree add` on `branch`, made from `from` unless it exists. Tried again while another git is making a
 * worktree of the same repository at that instant (core/worktree-add.ts); git has then often made the branch already
 * (it does that first), so each try asks whether it is there.
 */
async function addWorktree(mainRepo: string, path: string, branch: string, from: string | undefined): Promise<void> {
  let make = from !== undefined;
  for (let attempt = 0; ; attempt++) {
    const args = make ? ['worktree', 'add', '-b', branch, path, from!] : ['worktree', 'add', path, branch];
    const added = await git(mainRepo, args);
    if (added.ok) return;
    const wait = WORKTREE_ADD_WAITS_MS[attempt];
    if (wait === undefined || !worktreeBusy(added.err) || existsSync(path)) {
      const tried = attempt > 0 ? ` (${attempt + 1} tries: another git was making a worktree of this repository)` : '';
      throw new GitError(
        `git ${args.join(' ')} failed in ${mainRepo}${tried}: ${added.err}. Fix the cause (e.g. set BASE_BRANCH to an existing branch) and run again.`,
      );
    }
    await sleep(wait * (1 + Math.random() / 2));
    if (make) make = !(await git(mainRepo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).ok;
  }
}

/**
 * A session's git facts asked ahead (run.ts, before the session's files are read): git runs while they are parsed.
 * ensureWorkspace takes them only when they are of the same MAIN_REPO, worktree and branch, and the worktree still
 * exists or not as it did then; otherwise it asks again.
 */
export function prefetchGitFacts(config: Pick<Config, 'mainRepo' | 'worktrees' | 'branchPrefix'>, name: string) {
  return askGitFacts(config.mainRepo, join(config.worktrees, name), `${config.branchPrefix}${name}`);
}

export async function ensureWorkspace(
  opts: {
    mainRepo: string;
    worktrees: string;
    name: string;
    branchPrefix: string;
    baseBranch: string | undefined;
  },
  ahead?: GitFacts,
): Promise<Workspace> {
  const branch = `${opts.branchPrefix}${opts.name}`;
  const path = join(opts.worktrees, opts.name);
  const key = factsKey(opts.mainRepo, path, branch, existsSync(path));
  // The results are only used after the checks they depend on, in the order they always were.
  const asked = ahead?.key === key ? ahead : askGitFacts(opts.mainRepo, path, branch);
  const { worktree: worktreeFacts, refs } = asked;
  if (worktreeFacts) {
    // The worktree's own git names its common dir: when that is MAIN_REPO's .git folder, the worktree is MAIN_REPO's
    // and MAIN_REPO is a repository, with no git call in MAIN_REPO (a fork less on the way to a resumed spawn).
    const here = parseExisting(await worktreeFacts);
    if (here.ok && resolve(here.top) === resolve(path) && isGitDirOf(opts.mainRepo, here.common))
      return reusedWorkspace(path, here.head, branch, opts.baseBranch);
  }
  const main = await (asked.main ?? repoFacts(opts.mainRepo));
  if (!main.repo) {
    await Promise.all([worktreeFacts, refs]);
    return {
      workingDir: opts.mainRepo,
      standalone: true,
      note: `MAIN_REPO ${opts.mainRepo} is not a git repository: standalone session, the agent works in MAIN_REPO directly (no worktree, no branch)`,
    };
  }

  if (worktreeFacts) {
    const here = parseExisting(await worktreeFacts);
    if (!here.ok || resolve(here.top) !== resolve(path) || here.common !== main.commonDir) {
      throw new GitError(
        `${path} exists but is not a git worktree of ${opts.mainRepo}. Move it away, or set WORKTREES to another folder.`,
      );
    }
    return reusedWorkspace(path, here.head, branch, opts.baseBranch);
  }

  if (!main.hasCommits) {
    await refs;
    throw new GitError(
      `${opts.mainRepo} has no commits yet, so no worktree can be made from it. Make a first commit (git commit --allow-empty -m init), then run again.`,
    );
  }
  const known = await refs!;
  const base = opts.baseBranch ?? baseBranchOf(known, main.current);
  makeDir(opts.worktrees, 'the worktrees folder', 'WORKTREES');
  const branchExists = known.heads.has(branch);
  await addWorktree(opts.mainRepo, path, branch, branchExists ? undefined : (base ?? 'HEAD'));
  return {
    workingDir: path,
    standalone: false,
    branch,
    baseBranch: base,
    note: branchExists
      ? `created worktree ${path} on existing branch ${branch}`
      : `created worktree ${path} on new branch ${branch} from ${base ?? 'HEAD'}`,
  };
}
