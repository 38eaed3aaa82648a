// The git facts of a session branch against its base: the fork point, the commits beyond it, the diffstat line.
// Used by the delivery and by the end-of-run summary of every run.
import { COMMITS_LISTED, type DeliveryCommit } from '../core/delivery.js';
import type { SessionState } from '../core/state.js';
import { runTool, toolEnv, toolError, type ToolOptions, type ToolResult } from './tool-run.js';

export interface BranchFacts {
  base: string;
  branch: string;
  /** The fork point: `git merge-base <base> <branch>`. */
  baseSha: string;
  head: string;
  commitCount: number;
  /** Oldest first, at most COMMITS_LISTED. */
  commits: DeliveryCommit[];
  /** `3 files changed, 10 insertions(+), 2 deletions(-)`; undefined when the trees are the same. */
  diffstat: string | undefined;
  merges: number;
}

export type Git = (
  args: string[],
  opts?: Partial<Omit<ToolOptions, 'env'>> & { extraEnv?: Record<string, string> },
) => Promise<ToolResult>;

/** git in `cwd`, with a stable output language (the diffstat line is parsed by people, but read by tests). */
export function gitIn(cwd: string, env: NodeJS.ProcessEnv, base: Omit<ToolOptions, 'cwd' | 'env' | 'stdoutFile'>): Git {
  const gitEnv = toolEnv(env, { LC_ALL: 'C' });
  return (args, { extraEnv, ...opts } = {}) =>
    runTool('git', args, { ...base, cwd, env: { ...gitEnv, ...extraEnv }, ...opts });
}

/** The branch's facts, or why they cannot be known (a base that no longer exists, a detached worktree …). */
export async function branchFacts(
  git: Git,
  state: Pick<SessionState, 'branch' | 'baseBranch'>,
): Promise<{ ok: true; facts: BranchFacts } | { ok: false; problem: string }> {
  const branch = state.branch;
  const base = state.baseBranch;
  if (!branch || !base) return { ok: false, problem: 'the session has no branch or no base branch recorded' };
  const rev = async (args: string[], what: string) => {
    const result = await git(args);
    if (!result.ok) throw new Error(`${what}: git ${args.join(' ')} failed (${toolError(result)})`);
    return result.stdout.trim();
  };
  try {
    const head = await rev(['rev-parse', '--verify', '--quiet', `${branch}^{commit}`], `branch ${branch}`);
    await rev(['rev-parse', '--verify', '--quiet', `${base}^{commit}`], `base branch ${base}`);
    const baseSha = await rev(['merge-base', base, branch], `the fork point of ${branch} from ${base}`);
    const range = `${baseSha}..${branch}`;
    const commitCount = Number(await rev(['rev-list', '--count', range], 'counting the commits'));
    const merges = Number(await rev(['rev-list', '--count', '--merges', range], 'counting merge commits'));
    const log = await rev(['log', '--reverse', '--no-color', `--format=%H%x1f%s`, range], 'listing the commits');
    const commits = log
      .split('\n')
      .filter((line) => line.includes('\x1f'))
      .slice(0, COMMITS_LISTED)
      .map((line) => {
        const [sha, subject] = line.split('\x1f');
        return { sha: sha!, subject: subject ?? '' };
      });
    const stat = await rev(['diff', '--shortstat', '--no-color', baseSha, branch, '--'], 'the diffstat');
    return {
      ok: true,
      facts: { base, branch, baseSha, head, commitCount, commits, diffstat: stat || undefined, merges },
    };
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
}
