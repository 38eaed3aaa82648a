// `orchestrate prune`: for every done session older than the retention, under its lock (refused while held), remove its
// git worktree (`git worktree remove`, which refuses one with uncommitted changes) and, with --branches, delete its
// branch (`git branch -D`), both through the supervised spawn. The session folder stays. Prints what went (or, with
// --dry-run, what would go) and why the rest stays.
import { projectConfig, requireConfigFlag } from '../project-config.js';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { describeAge, judgePrune, parseAge } from '../../core/prune.js';
import { makeScrubber } from '../../core/secrets.js';
import { LOCK_FILE, OVERVIEW_FILE } from '../../core/session-files.js';
import type { SessionState } from '../../core/state.js';
import { EXIT_CODES, SessionLockedError, UsageError } from '../../errors.js';
import { runProcess } from '../../io/run-process.js';
import { listFolders } from '../../io/list-folders.js';
import { heldBy, SessionLock } from '../../io/session-lock.js';
import { installShutdown } from '../../io/shutdown.js';
import { StateStore } from '../../io/state-store.js';
import type { CommandInput } from '../flags.js';

const DAY_MS = 86_400_000;
const GIT_TIMEOUT_MS = 120_000;

export async function pruneCommand(input: CommandInput): Promise<number> {
  const { values } = input;
  requireConfigFlag(input);
  const given = values['older-than'];
  const olderThan = given === undefined ? undefined : parseAge(given);
  if (given !== undefined && olderThan === undefined)
    throw new UsageError(
      `--older-than ${JSON.stringify(given)} is not an age; fix: a number with d (days), h (hours) or m (minutes), e.g. --older-than 7d`,
    );
  const { config } = projectConfig(input);
  const scrub = makeScrubber(config.secrets);
  const say = (line: string) => process.stdout.write(`${scrub(line)}\n`);
  const shutdown = installShutdown();
  const scratch = mkdtempSync(join(tmpdir(), 'samocode-prune-'));
  try {
    const git = (cwd: string, args: string[]) => gitCall(cwd, args, scratch, config, shutdown.abort);
    const opts = {
      nowMs: Date.now(),
      olderThanMs: olderThan ?? config.keepDoneDays * DAY_MS,
      branches: values.branches ?? false,
      baseBranch: config.baseBranch,
    };
    const dry = values['dry-run'] ?? false;
    const worktrees = await worktreesOf(config.mainRepo, git);
    let pruned = 0;
    let failed = 0;
    const kept: string[] = [];
    for (const folder of listFolders(config.sessions)) {
      if (shutdown.abort.aborted) break;
      const sessionDir = join(config.sessions, folder);
      const read = await new StateStore(join(sessionDir, OVERVIEW_FILE)).read();
      if (read?.kind !== 'state') continue;
      const verdict = judgePrune(read.state, opts);
      if (verdict.kind === 'keep') {
        kept.push(`${folder}: ${verdict.why}`);
        continue;
      }
      const lockFile = join(sessionDir, LOCK_FILE);
      const holder = heldBy(lockFile);
      if (holder) {
        kept.push(`${folder}: its lock is held by pid ${holder.pid} on ${holder.host}`);
        continue;
      }
      const age = `done ${describeAge(verdict.ageMs)} ago`;
      if (dry) {
        const what = [
          worktrees.has(real(read.state.workingDir)) ? `worktree ${read.state.workingDir}` : undefined,
          verdict.branch ? `branch ${verdict.branch}` : undefined,
        ].filter(Boolean);
        if (what.length > 0) {
          say(`would remove ${what.join(' and ')} of ${folder} (${age})`);
          pruned++;
        }
        continue;
      }
      let lock;
      try {
        lock = await SessionLock.acquire(lockFile, `prune-${process.pid}`, new Date(), {
          killGraceMs: config.killGraceMs,
        });
      } catch (error) {
        if (!(error instanceof SessionLockedError)) throw error;
        kept.push(`${folder}: ${error.message}`);
        continue;
      }
      try {
        const done = await pruneOne(read.state, verdict.branch, worktrees, git, config.mainRepo);
        if (done.removed.length > 0) {
          say(`removed ${done.removed.join(' and ')} of ${folder} (${age})`);
          pruned++;
        }
        for (const problem of done.problems) {
          say(`could not prune ${folder}: ${problem}`);
          failed++;
        }
      } finally {
        lock.lock.release();
      }
    }
    for (const line of kept) say(`kept ${line}`);
    const retention = given !== undefined ? `--older-than ${given}` : `KEEP_DONE_DAYS=${config.keepDoneDays}`;
    say(
      `${dry ? 'would prune' : 'pruned'} ${pruned} session${pruned === 1 ? '' : 's'} (${retention}${opts.branches ? ', with branches' : ''}); ` +
        `kept ${kept.length}${failed ? `; ${failed} could not be pruned` : ''}. Session folders stay in ${config.sessions}.`,
    );
    return failed > 0 ? EXIT_CODES.config : EXIT_CODES.done;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    shutdown.dispose();
  }
}

type Git = (cwd: string, args: string[]) => Promise<{ ok: boolean; out: string }>;

async function pruneOne(
  state: SessionState,
  branch: string | undefined,
  worktrees: Set<string>,
  git: Git,
  mainRepo: string,
): Promise<{ removed: string[]; problems: string[] }> {
  const removed: string[] = [];
  const problems: string[] = [];
  const path = real(state.workingDir);
  if (worktrees.has(path)) {
    // No --force: git refuses a worktree with uncommitted or untracked changes, and that work is kept.
    const result = await git(mainRepo, ['worktree', 'remove', state.workingDir]);
    if (result.ok) removed.push(`worktree ${state.workingDir}`);
    else problems.push(`git worktree remove ${state.workingDir}: ${result.out} (the worktree is kept)`);
  } else if (!existsSync(state.workingDir)) {
    await git(mainRepo, ['worktree', 'prune']);
  }
  if (branch && problems.length === 0) {
    const exists = await git(mainRepo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    if (exists.ok) {
      const result = await git(mainRepo, ['branch', '-D', branch]);
      if (result.ok) removed.push(`branch ${branch}`);
      else problems.push(`git branch -D ${branch}: ${result.out}`);
    }
  }
  return { removed, problems };
}

/** The linked worktrees of MAIN_REPO (never its main checkout), as real paths. */
async function worktreesOf(mainRepo: string, git: Git): Promise<Set<string>> {
  const listed = await git(mainRepo, ['worktree', 'list', '--porcelain']);
  if (!listed.ok) return new Set();
  const paths = listed.out
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => real(line.slice('worktree '.length)));
  return new Set(paths.slice(1));
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** One git call through the supervised spawn (process group, timeout, Ctrl-C), its output read from a scratch file. */
async function gitCall(
  cwd: string,
  args: string[],
  scratch: string,
  config: Config,
  abort: AbortSignal,
): Promise<{ ok: boolean; out: string }> {
  const file = join(scratch, 'git.log');
  rmSync(file, { force: true });
  const env = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const outcome = await runProcess({
    command: 'git',
    args,
    cwd,
    env: { ...env, GIT_TERMINAL_PROMPT: '0' },
    timeoutMs: GIT_TIMEOUT_MS,
    killGraceMs: config.killGraceMs,
    stdoutFile: file,
    stderrFile: file,
    abort,
  });
  const out = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  return { ok: outcome.exitCode === 0, out: outcome.spawnError ?? out };
}
