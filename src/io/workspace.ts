// Where the agent works: a git worktree `<WORKTREES>/<name>` on branch `<BRANCH_PREFIX><name>`, created from the
// base branch on the first run and reused afterwards; or MAIN_REPO itself when it is not a git repository.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { GitError } from '../errors.js';
import { makeDir } from './make-dir.js';

export interface Workspace {
  workingDir: string;
  standalone: boolean;
  branch?: string | undefined;
  baseBranch?: string | undefined;
  /** What happened, for the log: created / reused / standalone. */
  note: string;
}

async function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const result = await execa('git', args, { cwd, reject: false, stdin: 'ignore' });
  return { ok: result.exitCode === 0, out: String(result.stdout).trim(), err: String(result.stderr).trim() };
}

export async function isGitRepo(dir: string): Promise<boolean> {
  return (await git(dir, ['rev-parse', '--is-inside-work-tree'])).out === 'true';
}

/** origin's HEAD, else the current branch of the main checkout, else main/master if one exists. */
export async function detectBaseBranch(repo: string): Promise<string | undefined> {
  const origin = await git(repo, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  if (origin.ok && origin.out) return origin.out.replace(/^origin\//, '');
  const current = await git(repo, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (current.ok && current.out) return current.out;
  for (const candidate of ['main', 'master']) {
    if ((await git(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${candidate}`])).ok) return candidate;
  }
  return undefined;
}

export async function ensureWorkspace(opts: {
  mainRepo: string;
  worktrees: string;
  name: string;
  branchPrefix: string;
  baseBranch: string | undefined;
}): Promise<Workspace> {
  if (!(await isGitRepo(opts.mainRepo))) {
    return {
      workingDir: opts.mainRepo,
      standalone: true,
      note: `MAIN_REPO ${opts.mainRepo} is not a git repository: standalone session, the agent works in MAIN_REPO directly (no worktree, no branch)`,
    };
  }
  const branch = `${opts.branchPrefix}${opts.name}`;
  const path = join(opts.worktrees, opts.name);

  if (existsSync(path)) {
    const top = await git(path, ['rev-parse', '--show-toplevel']);
    const common = await git(path, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    const mainCommon = await git(opts.mainRepo, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    if (!top.ok || resolve(top.out) !== resolve(path) || common.out !== mainCommon.out) {
      throw new GitError(
        `${path} exists but is not a git worktree of ${opts.mainRepo}. Move it away, or set WORKTREES to another folder.`,
      );
    }
    const current = await git(path, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    return {
      workingDir: path,
      standalone: false,
      branch: current.out || branch,
      baseBranch: opts.baseBranch,
      note: `reusing worktree ${path} on branch ${current.out || '(detached)'}`,
    };
  }

  const base = opts.baseBranch ?? (await detectBaseBranch(opts.mainRepo));
  const hasCommits = (await git(opts.mainRepo, ['rev-parse', '--verify', '--quiet', 'HEAD'])).ok;
  if (!hasCommits) {
    throw new GitError(
      `${opts.mainRepo} has no commits yet, so no worktree can be made from it. Make a first commit (git commit --allow-empty -m init), then run again.`,
    );
  }
  makeDir(opts.worktrees, 'the worktrees folder', 'WORKTREES');
  const branchExists = (await git(opts.mainRepo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).ok;
  const args = branchExists
    ? ['worktree', 'add', path, branch]
    : ['worktree', 'add', '-b', branch, path, base ?? 'HEAD'];
  const added = await git(opts.mainRepo, args);
  if (!added.ok) {
    throw new GitError(
      `git ${args.join(' ')} failed in ${opts.mainRepo}: ${added.err}. Fix the cause (e.g. set BASE_BRANCH to an existing branch) and run again.`,
    );
  }
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
