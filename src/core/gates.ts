// What samocode checks itself instead of believing the agent's word: the configured checks (VERIFY, VERIFY_<NAME>),
// the done rules (a commit beyond the base, a clean tree), the secret scan and the review of the diff. Pure: when the
// gates are due, and what their report means for the iteration. src/gates/ runs them; the loop calls both between
// judging the signal (core/iteration.ts judgeIteration) and recording the entry.
import { PHASES, type Phase } from './phases.js';
import type { Problem, ProblemKind } from './signal.js';
import type { SessionState } from './state.js';

/** One configured check: `VERIFY` is named `verify`, `VERIFY_LINT` `lint` (see config/settings.ts checkName). */
export interface CheckSpec {
  name: string;
  /** A shell command line, run with `sh -c` in the working dir. */
  command: string;
  timeoutMs: number;
}

/** One run of a check, as the history keeps it (`IterationEntry.checks`: a user contract, keep the keys stable). */
export interface CheckRun {
  name: string;
  command: string;
  /** null when the check was killed (timeout, Ctrl-C) or never started. */
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** Its output (stdout and stderr together), relative to the session folder: `_logs/…-check-<name>.log`. */
  log: string;
  /** The class of the failure (core/check-output.ts), e.g. `ts_error`; absent when the check passed. */
  cls?: string | undefined;
  hint?: string | undefined;
  /** The part of the output that matters, bounded and scrubbed. */
  excerpt?: string | undefined;
}

export interface ReviewFinding {
  rule: string;
  file: string;
  line?: number | undefined;
  excerpt: string;
}

/** finishing: the signal is status `done` (the done rules and the review apply, not only the checks). */
export interface GateRequest {
  from: Phase;
  to: Phase;
  finishing: boolean;
}

export interface GateReport {
  /** The checks run, in order; the first failure ends the list (each may take minutes). */
  checks: CheckRun[];
  /** A done rule that failed: `no_commits` or `dirty_worktree`. */
  doneProblem?: Problem | undefined;
  secrets?: ReviewFinding[] | undefined;
  review?: { file: string; findings: ReviewFinding[] } | undefined;
  /** The session branch's HEAD when the gates ran (undefined for a standalone session). */
  head?: string | undefined;
  /** The checks were not run again: they passed on this same HEAD and `git status` before (SessionState.verifiedTree). */
  unchanged?: true | undefined;
  /** HEAD + `git status` after the checks, when every check passed: the next gate skips them if nothing changed. */
  tree?: string | undefined;
}

/** The kinds of a refused move: the session stays in its phase and the agent is told why. */
export const GATE_REFUSALS = [
  'verify_failed',
  'no_commits',
  'dirty_worktree',
] as const satisfies readonly ProblemKind[];
export type GateRefusal = (typeof GATE_REFUSALS)[number];

export function isGateRefusal(kind: string): kind is GateRefusal {
  return (GATE_REFUSALS as readonly string[]).includes(kind);
}

/** The last refusal, carried into every next prompt until a gate passes (SessionState.gateFailure). */
export interface GateFailure {
  kind: GateRefusal;
  /** Same key = the same failure again: the check and its output class, or the done rule. */
  key: string;
  /** Refusals with this key in a row; reset when the person resumes a session blocked by it. */
  count: number;
  message: string;
  /** The failed check, with its hint and excerpt. */
  check?: CheckRun | undefined;
  /** The iteration that was refused. */
  iteration: number;
}

/** VERIFY_BLOCK_AFTER's default: the same failure three times in a row blocks. */
export const DEFAULT_BLOCK_AFTER = 3;

/** Phases whose work the checks judge: leaving one of them for a later phase runs the checks. */
const CHECKED_PHASES: readonly Phase[] = ['implementation', 'testing', 'quality'];

type Accepted = { ok: true; phaseAfter: Phase; statusAfter: string };

/**
 * Whether the gates run for this verdict: a move out of implementation, testing or quality to a later phase
 * (quality → testing is not one), or status `done`. Not on every iteration: checks can take minutes.
 */
export function gatesDue(
  state: Pick<SessionState, 'phase'>,
  verdict: Accepted | { ok: false },
): GateRequest | undefined {
  if (!verdict.ok) return undefined;
  const from = state.phase;
  if (verdict.statusAfter === 'done') return { from, to: verdict.phaseAfter, finishing: true };
  if (verdict.statusAfter !== 'running' || !CHECKED_PHASES.includes(from)) return undefined;
  return PHASES.indexOf(verdict.phaseAfter) > PHASES.indexOf(from)
    ? { from, to: verdict.phaseAfter, finishing: false }
    : undefined;
}

export function checkPassed(run: Pick<CheckRun, 'exitCode' | 'timedOut'>): boolean {
  return run.exitCode === 0 && !run.timedOut;
}

/** The refusal a report carries, if any: the first failed check, else a failed done rule. */
export function refusalOf(
  checks: readonly CheckRun[] | undefined,
  doneProblem: Problem | undefined,
): { kind: GateRefusal; key: string; message: string; check?: CheckRun } | undefined {
  const failed = checks?.find((run) => !checkPassed(run));
  if (failed) {
    return {
      kind: 'verify_failed',
      key: `verify_failed:${failed.name}:${failed.cls ?? exitClass(failed)}`,
      message: describeCheckFailure(failed),
      check: failed,
    };
  }
  if (doneProblem && isGateRefusal(doneProblem.kind))
    return { kind: doneProblem.kind, key: doneProblem.kind, message: doneProblem.message };
  return undefined;
}

function exitClass(run: Pick<CheckRun, 'exitCode' | 'timedOut'>): string {
  return run.timedOut ? 'timeout' : `exit_${run.exitCode ?? 'none'}`;
}

export function describeCheckFailure(run: CheckRun): string {
  const how = run.timedOut
    ? `was stopped after its time limit (${seconds(run.durationMs)}; VERIFY_TIMEOUT)`
    : run.exitCode === null
      ? `did not finish (${seconds(run.durationMs)})`
      : `exited with code ${run.exitCode} after ${seconds(run.durationMs)}`;
  const hint = run.hint ? ` ${run.hint}` : '';
  return `check "${run.name}" (${run.command}) ${how}; its output: ${run.log}.${hint}`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export interface GatePolicy {
  /** VERIFY_BLOCK_AFTER: the same failure this many times in a row blocks. */
  blockAfter: number;
  /** The phase's iteration limit: a refused move counts as staying in the phase. */
  phaseLimit: number;
}

/** The iteration's verdict after the gates (the shape of core/iteration.ts Verdict). */
export type GateVerdict =
  | { ok: true; phaseAfter: Phase; statusAfter: 'running' | 'waiting' | 'blocked' | 'done'; waitFor?: WaitFor }
  | { ok: false; problem: Problem; refused?: true };

export interface WaitFor {
  for: string;
  file: string;
}

/**
 * What the gates' report makes of an accepted verdict: a secret in the diff blocks; a failed check or done rule
 * refuses the move (stay, running, the failure carried to the next prompt) until the same failure has come
 * `blockAfter` times in a row, or the phase's limit is reached, which block; review findings wait for the person on
 * the review file; a clean report leaves the verdict as it was.
 */
export function judgeGates(
  state: Pick<SessionState, 'phase' | 'phaseIterations' | 'gateFailure'>,
  verdict: GateVerdict,
  report: GateReport,
  policy: GatePolicy,
): GateVerdict {
  if (!verdict.ok) return verdict;
  const secrets = report.secrets ?? [];
  if (secrets.length > 0) {
    const where = secrets
      .slice(0, 5)
      .map((s) => `${s.file}${s.line === undefined ? '' : `:${s.line}`} (${s.rule})`)
      .join(', ');
    const more = secrets.length > 5 ? ` and ${secrets.length - 5} more` : '';
    return {
      ok: false,
      problem: {
        kind: 'secret_in_diff',
        message: `secret_in_diff: the session's changes hold a secret at ${where}${more}; samocode never delivers it. Remove it from every commit of the branch (README "What samocode checks, and what it cannot"), rotate the key, then run again.`,
      },
    };
  }
  const refusal = refusalOf(report.checks, report.doneProblem);
  if (refusal) {
    const count = state.gateFailure?.key === refusal.key ? state.gateFailure.count + 1 : 1;
    const excerpt = refusal.check?.excerpt ? `\n${tailOf(refusal.check.excerpt, 1500)}` : '';
    if (count >= policy.blockAfter) {
      return {
        ok: false,
        problem: {
          kind: refusal.kind,
          message: `${refusal.kind}: the same failure ${count} times in a row (VERIFY_BLOCK_AFTER=${policy.blockAfter}): ${refusal.message} Fix it yourself or steer the agent in _overview.md, then run again.${excerpt}`,
        },
      };
    }
    if (state.phaseIterations + 1 >= policy.phaseLimit) {
      return {
        ok: false,
        problem: {
          kind: 'phase_limit',
          message: `phase ${state.phase} reached its limit of ${policy.phaseLimit} iterations while samocode refused to move on (${refusal.kind}): ${refusal.message} Raise PHASE_LIMITS or steer the session in _overview.md, then run again.${excerpt}`,
        },
      };
    }
    return { ok: false, problem: { kind: refusal.kind, message: refusal.message }, refused: true };
  }
  if (report.review && report.review.findings.length > 0) {
    return {
      ok: true,
      phaseAfter: verdict.phaseAfter,
      statusAfter: 'waiting',
      waitFor: { for: 'review', file: report.review.file },
    };
  }
  return verdict;
}

/** The carried failure after an iteration entry (folded by core/state.ts applyEntry). */
export function gateFailureAfter(
  state: Pick<SessionState, 'gateFailure'>,
  entry: {
    iteration: number;
    validation: string;
    problem?: string | undefined;
    /** Present (perhaps empty) when the gates ran in this iteration. */
    checks?: CheckRun[] | undefined;
  },
): GateFailure | undefined {
  // No gate ran: what the agent was told stays true until it tries to move on again.
  if (entry.checks === undefined) return state.gateFailure;
  if (!isGateRefusal(entry.validation)) return undefined;
  const refusal = refusalOf(
    entry.checks,
    entry.validation === 'verify_failed' ? undefined : { kind: entry.validation, message: entry.problem ?? '' },
  );
  if (!refusal) return undefined;
  const count = state.gateFailure?.key === refusal.key ? state.gateFailure.count + 1 : 1;
  return {
    kind: refusal.kind,
    key: refusal.key,
    count,
    message: refusal.message,
    check: refusal.check,
    iteration: entry.iteration,
  };
}

function tailOf(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`;
}
