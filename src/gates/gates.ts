// The GatesPort (loop/ports.ts): what samocode checks itself when a signal would move the session out of
// implementation, testing or quality, or end it. In order: the configured checks (the first failure ends them; all
// are skipped when they passed on this same HEAD and `git status`); when finishing and they passed, the done rules
// (a commit beyond the base, a clean tree); then the review hook (the diff scan, gates/review.ts). What the report
// means is decided in core/gates.ts judgeGates.
import type { Config } from '../core/config.js';
import { checkPassed, type CheckRun, type GateReport, type ReviewFinding } from '../core/gates.js';
import type { Problem } from '../core/signal.js';
import type { SessionState } from '../core/state.js';
import { formatDuration } from '../core/prompt.js';
import type { GatesPort } from '../loop/ports.js';
import { runCheck } from './checks.js';
import { commitsBeyond, ownFolders, treeState, type TreeState } from './git-facts.js';

export interface ReviewContext {
  state: SessionState;
  sessionDir: string;
  workingDir: string;
  /** The base branch and the session branch's HEAD: the diff is base...head plus the working tree. */
  base: string | undefined;
  head: string | undefined;
  scrub: (text: string) => string;
  abort: AbortSignal;
}

/** The diff review (gates-review's `reviewSession`): secrets block, findings wait for the person on `file`. */
export type ReviewHook = (
  ctx: ReviewContext,
) => Promise<{ secrets: ReviewFinding[]; findings: ReviewFinding[]; file?: string | undefined }>;

export interface GatesDeps {
  config: Pick<Config, 'verify' | 'killGraceMs' | 'logMaxBytes' | 'sessions'>;
  sessionDir: string;
  /** The environment the agent gets (with its git identity); the checks get it without samocode's own variables. */
  env: NodeJS.ProcessEnv;
  /** Carried by every check process, so that whatever a check leaves behind is found and stopped. */
  runId: string;
  scrub: (text: string) => string;
  /** One line per check started and ended, for the console and session.log. */
  log?: ((text: string) => void) | undefined;
  review?: ReviewHook | undefined;
}

export function createGates(deps: GatesDeps): GatesPort {
  const { verify } = deps.config;
  const log = (text: string) => deps.log?.(deps.scrub(text));
  const env = checkEnvironment(deps.env, deps.runId, deps.sessionDir);
  return {
    async run(state, request, abort) {
      const workingDir = state.workingDir;
      const exclude = ownFolders(workingDir, [deps.config.sessions, deps.sessionDir]);
      const inGit = !state.standalone;
      const report: GateReport = { checks: [] };
      const what = `${request.from} → ${request.finishing ? 'done' : request.to}`;

      if (verify.checks.length > 0) {
        const before = inGit ? await treeState(workingDir, exclude) : undefined;
        report.head = before?.head;
        if (before && state.verifiedTree === before.fingerprint) {
          report.unchanged = true;
          log(`checks: not run again for ${what}: nothing changed since they passed (same HEAD and git status)`);
        } else {
          const stem = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(state.iterations + 1).padStart(3, '0')}`;
          for (const spec of verify.checks) {
            log(`check ${spec.name} (${what}): ${spec.command}`);
            const run = await runCheck(spec, {
              sessionDir: deps.sessionDir,
              workingDir,
              env: { ...env, SAMOCODE_WORKING_DIR: workingDir },
              killGraceMs: deps.config.killGraceMs,
              logMaxBytes: deps.config.logMaxBytes,
              scrub: deps.scrub,
              abort,
              logStem: stem,
            });
            report.checks.push(run);
            log(`check ${spec.name}: ${outcomeText(run)}`);
            if (!checkPassed(run) || abort.aborted) return report;
          }
          if (inGit) report.tree = (await treeState(workingDir, exclude))?.fingerprint;
        }
      }
      if (!request.finishing || abort.aborted) return report;

      const now = inGit ? await treeState(workingDir, exclude) : undefined;
      report.head = now?.head ?? report.head;
      const problem = now && (await doneProblem(state, now, workingDir, verify.allowEmptyDone));
      if (problem) {
        report.doneProblem = problem;
        log(`done refused: ${problem.kind}`);
        return report;
      }
      if (deps.review) {
        const found = await deps.review({
          state,
          sessionDir: deps.sessionDir,
          workingDir,
          base: state.baseBranch,
          head: report.head,
          scrub: deps.scrub,
          abort,
        });
        if (found.secrets.length > 0) report.secrets = found.secrets;
        if (found.findings.length > 0) report.review = { file: found.file ?? '_review.md', findings: found.findings };
      }
      return report;
    },
  };
}

/** Like the agent's (agent/providers.ts): Telegram's variables are samocode's alone. */
function checkEnvironment(base: NodeJS.ProcessEnv, runId: string, sessionDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base))
    if (value !== undefined && !/^TELEGRAM_/.test(name)) env[name] = value;
  return { ...env, SAMOCODE_RUN_ID: runId, SAMOCODE_SESSION_PATH: sessionDir };
}

/** The done rules. A standalone session has no git: neither applies (README "What samocode checks"). */
async function doneProblem(
  state: SessionState,
  tree: TreeState,
  workingDir: string,
  allowEmptyDone: boolean,
): Promise<Problem | undefined> {
  const changes = tree.changes;
  const listed = changes
    .slice(0, 10)
    .map((line) => `  ${line}`)
    .join('\n');
  const more = changes.length > 10 ? `\n  … and ${changes.length - 10} more` : '';
  if (!allowEmptyDone && state.baseBranch) {
    const beyond = await commitsBeyond(workingDir, state.baseBranch);
    if (beyond === 0) {
      const pending = changes.length > 0 ? ` Uncommitted now:\n${listed}${more}\n` : ' ';
      return {
        kind: 'no_commits',
        message: `no_commits: branch ${state.branch ?? '(current)'} has no commit beyond ${state.baseBranch}, so there is nothing to deliver.${pending}Commit the work (git add -A && git commit -m "…"), then signal done again. A task that changes no code (research) is allowed to end without a commit only when the person sets ALLOW_EMPTY_DONE=true.`,
      };
    }
  }
  if (changes.length > 0) {
    return {
      kind: 'dirty_worktree',
      message: `dirty_worktree: the working tree has changes that are not committed (git status):\n${listed}${more}\nCommit what belongs to the work, delete what does not (or add it to .gitignore if it is a build output), then signal done again.`,
    };
  }
  return undefined;
}

function outcomeText(run: CheckRun): string {
  if (checkPassed(run)) return `passed in ${formatDuration(run.durationMs)}`;
  if (run.timedOut)
    return `timed out after ${formatDuration(run.durationMs)} (its process group was stopped); output in ${run.log}`;
  if (run.exitCode === null) return `stopped after ${formatDuration(run.durationMs)}`;
  return `FAILED with exit code ${run.exitCode} after ${formatDuration(run.durationMs)} (${run.cls}); output in ${run.log}`;
}
