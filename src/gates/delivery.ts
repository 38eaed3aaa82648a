// The DeliveryPort: when a session is done, write `<session>/_delivery/` (the `git format-patch` series of the
// branch beyond its base, `combined.mbox`, `summary.md`), then push the branch or open a pull request if DELIVER
// says so. The folder is made under a temporary name and renamed into place only when whole, so a crash mid-delivery
// never leaves a half delivery that looks complete. A failed push or PR is a problem with its fix, never a lost
// patch: the session is still done (with a delivery warning). Never force-pushes, never pushes the base, never merges.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COMBINED_MBOX,
  SUMMARY_MD,
  latestChecks,
  prTitle,
  renderSummary,
  reviewOutcome,
  type DeliverMode,
  type DeliveryFacts,
  type DeliveryProblem,
} from '../core/delivery.js';
import { DELIVERY_DIR } from '../core/session-files.js';
import type { Scrub } from '../core/secrets.js';
import type { SessionState } from '../core/state.js';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import type { DeliveryPort } from '../loop/ports.js';
import { branchFacts, gitIn, type BranchFacts, type Git } from './branch-facts.js';
import { readHistoryEntries } from './standing.js';
import { runTool, toolEnv, toolError } from './tool-run.js';

export interface DeliveryOptions {
  sessionDir: string;
  mainRepo: string;
  mode: DeliverMode;
  remote: string;
  /** Per git/gh call. */
  timeoutMs: number;
  killGraceMs: number;
  env: NodeJS.ProcessEnv;
  scrub: Scrub;
  clock?: () => Date;
}

export function createDelivery(opts: DeliveryOptions): DeliveryPort {
  return { deliver: (state, abort) => deliver(state, abort, opts) };
}

async function deliver(state: SessionState, abort: AbortSignal, opts: DeliveryOptions): Promise<DeliveryFacts> {
  const now = (opts.clock ?? (() => new Date()))();
  const entries = readHistoryEntries(opts.sessionDir);
  const facts: DeliveryFacts = {
    mode: opts.mode,
    time: now.toISOString(),
    base: state.baseBranch,
    branch: state.branch,
    commitCount: 0,
    commits: [],
    patches: 0,
    mbox: false,
    checks: latestChecks(entries),
    review: reviewOutcome(entries),
    problems: [],
    written: false,
  };
  const problem = (p: DeliveryProblem) => facts.problems.push({ ...p, what: opts.scrub(p.what) });
  const final = join(opts.sessionDir, DELIVERY_DIR);
  const temp = join(opts.sessionDir, `${DELIVERY_DIR}.tmp-${process.pid}-${now.getTime()}`);
  const git = gitIn(state.workingDir, opts.env, {
    timeoutMs: opts.timeoutMs,
    killGraceMs: opts.killGraceMs,
    abort,
  });
  const summary = () =>
    opts.scrub(renderSummary({ state, facts, mainRepo: state.standalone ? undefined : opts.mainRepo }));

  let branch: BranchFacts | undefined;
  // summary.md names the folder the delivery will have once it is renamed into place.
  facts.dir = final;
  try {
    removeLeftovers(opts.sessionDir);
    mkdirSync(temp, { recursive: true });
    if (state.standalone) {
      facts.noPatches = `standalone session: MAIN_REPO (${state.workingDir}) is not a git repository, so there are no commits to deliver; the work is in that folder itself`;
    } else {
      const read = await branchFacts(git, state);
      if (!read.ok) {
        problem({
          step: 'facts',
          what: `the branch could not be read: ${read.problem}`,
          fix: 'check the session branch and BASE_BRANCH in the repository, then run the session again to retry the delivery',
        });
      } else {
        branch = read.facts;
        Object.assign(facts, {
          base: branch.base,
          baseSha: branch.baseSha,
          branch: branch.branch,
          head: branch.head,
          commitCount: branch.commitCount,
          commits: branch.commits.map((c) => ({ sha: c.sha, subject: opts.scrub(c.subject) })),
          diffstat: branch.diffstat,
          ...(branch.merges > 0 ? { merges: branch.merges } : {}),
        });
        if (branch.commitCount === 0)
          facts.noPatches = `no commits on ${branch.branch} beyond ${branch.base} (the session ended done without committing, ALLOW_EMPTY_DONE)`;
        else await writePatches(git, branch, temp, facts, problem);
      }
    }
    writeFileAtomicSync(join(temp, SUMMARY_MD), summary());
    moveIntoPlace(temp, final, opts.sessionDir);
    facts.written = !facts.problems.some((p) => p.step === 'patch');
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    facts.dir = undefined;
    problem({
      step: 'patch',
      what: `the delivery folder could not be written: ${(error as Error).message}`,
      fix: `make room or fix the permissions of ${opts.sessionDir}, then run the session again: a done session without a delivery makes one`,
    });
    return facts;
  }

  // The patch is safe in `_delivery/` now; a push or PR that fails adds a warning to it.
  if (branch && (opts.mode === 'push' || opts.mode === 'pr')) {
    if (branch.commitCount === 0) {
      facts.noPatches += `; DELIVER=${opts.mode}: nothing was pushed`;
    } else if (await push(git, branch, opts, facts, problem, state.workingDir)) {
      if (opts.mode === 'pr') await openPullRequest(branch, state, opts, facts, problem, abort, final);
    }
    try {
      writeFileAtomicSync(join(final, SUMMARY_MD), summary());
    } catch (error) {
      problem({
        step: 'patch',
        what: `summary.md could not be updated with the ${opts.mode} result: ${(error as Error).message}`,
        fix: 'the patches are in place; the push and PR results are in the history (orchestrate history)',
      });
    }
  }
  return facts;
}

async function writePatches(
  git: Git,
  branch: BranchFacts,
  temp: string,
  facts: DeliveryFacts,
  problem: (p: DeliveryProblem) => void,
): Promise<void> {
  // Fixed options, whatever the person's git config says: a/ b/ prefixes (git am needs them), binary diffs, renames,
  // no cover letter, no attachments, no `base:` line (format.useAutoBase fails without an upstream), `.patch` names.
  const common = [
    ...['diff.noprefix=false', 'diff.mnemonicPrefix=false', 'diff.srcPrefix=a/', 'diff.dstPrefix=b/'],
    ...['format.signature=', 'format.coverLetter=false', 'format.useAutoBase=false'],
  ].flatMap((setting) => ['-c', setting]);
  const range = `${branch.baseSha}..${branch.branch}`;
  const options = ['--binary', '-M', '--no-color', '--full-index', '--no-attach', '--suffix=.patch', '--no-base'];
  const series = await git([...common, 'format-patch', ...options, '-o', temp, range]);
  const mbox = join(temp, COMBINED_MBOX);
  const combined = series.ok
    ? await git([...common, 'format-patch', ...options, '--stdout', range], { stdoutFile: mbox })
    : series;
  if (!series.ok || !combined.ok) {
    problem({
      step: 'patch',
      what: `git format-patch failed: ${toolError(series.ok ? combined : series)}`,
      fix: 'fix the cause, then run the session again to retry the delivery',
      command: `git format-patch ${options.join(' ')} -o <folder> ${range}`,
    });
    return;
  }
  const patches = readdirSync(temp)
    .filter((f) => /^\d{4,}-.*\.patch$/.test(f))
    .sort()
    .map((f) => join(temp, f));
  facts.patches = patches.length;
  facts.mbox = existsSync(mbox) && statSync(mbox).size > 0;
  facts.verified = await appliesToTree(git, branch, patches);
}

/** Past this many patches the self-check is skipped (one git call each). */
const VERIFY_MAX_PATCHES = 200;

/**
 * Apply the patches in turn to the fork point in a scratch index and compare the tree with the branch's: no worktree
 * is touched. One by one, because `git apply` of a whole mbox cannot rename a file an earlier patch of it created.
 */
async function appliesToTree(git: Git, branch: BranchFacts, patches: string[]): Promise<boolean | undefined> {
  if (patches.length > VERIFY_MAX_PATCHES) return undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'samocode-verify-'));
  const env = { extraEnv: { GIT_INDEX_FILE: join(scratch, 'index') } };
  try {
    if (!(await git(['read-tree', branch.baseSha], env)).ok) return false;
    for (const patch of patches) if (!(await git(['apply', '--cached', '--binary', patch], env)).ok) return false;
    const built = await git(['write-tree'], env);
    const want = await git(['rev-parse', `${branch.branch}^{tree}`]);
    return built.ok && want.ok && built.stdout.trim() === want.stdout.trim();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A `_delivery.tmp-…` folder is a delivery a crash cut short (the session lock means no other run is making one):
 * never the delivery, so it goes before the next one is made.
 */
function removeLeftovers(sessionDir: string): void {
  for (const name of readdirSync(sessionDir))
    if (name.startsWith(`${DELIVERY_DIR}.tmp-`)) rmSync(join(sessionDir, name), { recursive: true, force: true });
}

/** `_delivery/` ← the finished temp folder; an earlier delivery is kept beside it, renamed by its time. */
function moveIntoPlace(temp: string, final: string, sessionDir: string): void {
  if (existsSync(final)) {
    const stamp = statSync(final).mtime.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    let aside = join(sessionDir, `${DELIVERY_DIR}-${stamp}`);
    for (let n = 2; existsSync(aside); n++) aside = join(sessionDir, `${DELIVERY_DIR}-${stamp}-${n}`);
    renameSync(final, aside);
  }
  renameSync(temp, final);
}

async function push(
  git: Git,
  branch: BranchFacts,
  opts: DeliveryOptions,
  facts: DeliveryFacts,
  problem: (p: DeliveryProblem) => void,
  workingDir: string,
): Promise<boolean> {
  const retry = `git -C ${workingDir} push ${opts.remote} ${branch.branch}:refs/heads/${branch.branch}`;
  if (branch.branch === branch.base) {
    facts.push = { remote: opts.remote, ok: false };
    problem({
      step: 'push',
      what: `the session branch is the base branch (${branch.base}): samocode never pushes the base`,
      fix: 'push a branch of your own by hand if you want it on the remote',
    });
    return false;
  }
  // An explicit refspec without `+`: never a force push, never another branch.
  const result = await git([
    'push',
    '--porcelain',
    opts.remote,
    `refs/heads/${branch.branch}:refs/heads/${branch.branch}`,
  ]);
  facts.push = { remote: opts.remote, ok: result.ok };
  if (!result.ok) {
    problem({
      step: 'push',
      what: `git push to ${opts.remote} failed: ${toolError(result)}`,
      fix: `check DELIVER_REMOTE (${opts.remote}: \`git remote -v\`), your access to it, and that ${branch.branch} is not behind the remote; the patches are in ${DELIVERY_DIR}/. Then push by hand`,
      command: retry,
    });
  }
  return result.ok;
}

async function openPullRequest(
  branch: BranchFacts,
  state: SessionState,
  opts: DeliveryOptions,
  facts: DeliveryFacts,
  problem: (p: DeliveryProblem) => void,
  abort: AbortSignal,
  final: string,
): Promise<void> {
  const body = join(final, SUMMARY_MD);
  const args = [
    'pr',
    'create',
    '--head',
    branch.branch,
    '--base',
    branch.base,
    '--title',
    prTitle(state.task),
    '--body-file',
    body,
  ];
  const result = await runTool('gh', args, {
    cwd: state.workingDir,
    env: toolEnv(opts.env, { GH_PROMPT_DISABLED: '1', NO_COLOR: '1' }),
    timeoutMs: opts.timeoutMs,
    killGraceMs: opts.killGraceMs,
    abort,
  });
  const url = result.stdout.match(/https?:\/\/\S+/g)?.at(-1);
  if (result.ok && url) {
    facts.prUrl = opts.scrub(url);
    return;
  }
  // A continued session delivers to the pull request it opened before: the push updated it, and gh names it.
  const existing = /already exists:?\s*(https?:\/\/\S+)/.exec(`${result.stderr}\n${result.stdout}`)?.[1];
  if (!result.ok && !result.failure && existing) {
    facts.prUrl = opts.scrub(existing);
    return;
  }
  const quoted = args.map((a) => (/^[\w./:@%+,=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  problem({
    step: 'pr',
    what: result.ok
      ? 'gh pr create printed no pull request URL'
      : `gh pr create failed: ${result.failure?.includes('ENOENT') ? 'gh is not installed (not found on PATH)' : toolError(result)}`,
    fix: `the branch is pushed to ${opts.remote} and the patches are in ${DELIVERY_DIR}/; install gh and run \`gh auth login\` if needed, then open the pull request by hand`,
    command: `cd ${state.workingDir} && gh ${quoted}`,
  });
}
