// What one iteration means, from the signal the agent wrote (or did not) to continue, wait or stop. Pure; the loop
// (loop/run-session.ts) runs the attempts and records the entry, and decides nothing itself. In order:
//   nextStep        after each attempt: accept its signal, re-run once with a correction, or handle a failed run
//   judgeIteration  the accepted signal against the phase table, the wait rules and the turn limit
//   couldStall      whether the loop should measure the working tree (a git call) for stall detection
//   iterationEntry  the stall override and the history entry, whose statusAfter is the decision
// The file read is io/signal-file.ts, the parse core/signal.ts; the retry policy for failed runs core/attempts.ts.
import { failureStep, type AttemptContext, type AttemptResult, type NextStep } from './attempts.js';
import { PHASE_RULES, allowedNextPhases, type Phase, type PhaseLimits } from './phases.js';
import type { Progress } from './progress.js';
import type { Problem, ProblemKind, Signal, SignalRead } from './signal.js';
import type { IterationEntry, RunFacts, SessionState, SessionStatus } from './state.js';
import { SIGNAL_FILE, waitFileAllowed } from './session-files.js';
import type { WaitSignalFacts } from './wait.js';
import type { GateReport, WaitFor } from './gates.js';

// ── After one attempt ─────────────────────────────────────────────────────────────────────────────────────────────

/** Accept the signal, or re-run once stating a missing/unreadable one; a failed run goes to the retry policy. */
export function nextStep(
  attempt: Pick<AttemptResult, 'failure' | 'stderrTail'>,
  read: SignalRead,
  ctx: AttemptContext,
): NextStep {
  if (attempt.failure) return failureStep(attempt.failure, attempt.stderrTail, read, ctx);
  if (!read.ok && isCorrectable(read.problem.kind) && !ctx.correctiveUsed)
    return { action: 'corrective', problem: read.problem };
  return { action: 'accept', read };
}

/** Only a missing or unreadable signal earns a corrective re-run; every other problem blocks at once. */
export function isCorrectable(kind: ProblemKind): boolean {
  return CORRECTABLE.includes(kind);
}

const CORRECTABLE: readonly ProblemKind[] = [
  'signal_missing',
  'signal_empty',
  'signal_not_json',
  'signal_not_regular_file',
  'signal_too_large',
];

// ── The iteration's verdict ───────────────────────────────────────────────────────────────────────────────────────

/** How an iteration's attempts ended. */
export interface FinishedIteration {
  last: AttemptResult;
  /** The signal the last step accepted, or the problem the iteration gave up with. */
  read: SignalRead;
  attempts: number;
  corrective: boolean;
  /** Wall time of the whole iteration: every attempt and the waits between them. */
  iterationMs: number;
  /** The agent hit its turn limit; without a valid signal the iteration ends with a note for the next. */
  maxTurns: boolean;
  /** The configured provider, when the last attempt ran on the fallback instead. */
  fallbackFrom?: string | undefined;
}

/**
 * `refused`: samocode's gates refused the move (core/gates.ts): the session stays in its phase, running, and the
 * problem goes to the next prompt instead of blocking. `waitFor`: a wait samocode itself starts (the review).
 */
export type Verdict =
  | { ok: true; phaseAfter: Phase; statusAfter: SessionStatus; waitFor?: WaitFor | undefined }
  | { ok: false; problem: Problem; refused?: true | undefined };

/** What the signal (or its absence) means here, before stall detection. */
export function judgeIteration(
  state: SessionState,
  finished: FinishedIteration,
  limits: PhaseLimits,
  waitFacts: WaitSignalFacts | undefined,
): Verdict {
  const read = finished.read;
  // Out of turns without a signal: not the agent's fault to punish, not a protocol break; go on in the same phase.
  if (finished.maxTurns && !read.ok) {
    if (state.carryNote === 'max_turns') {
      const detail = finished.last.failure?.detail ?? 'max turns';
      return fail(
        'agent_failed',
        `turn limit reached: out of turns twice in a row without signalling (${detail}). Fix: raise CLAUDE_MAX_TURNS (or unset it), or split the work in _overview.md, then run again`,
      );
    }
    // As if the agent had said "continue here": the phase limit still applies.
    return judgeSignal(state, { status: 'continue', phase: state.phase }, limits);
  }
  if (!read.ok) return { ok: false, problem: read.problem };
  const verdict = judgeSignal(state, read.signal, limits);
  const waitProblem =
    verdict.ok && verdict.statusAfter === 'waiting' ? judgeWaitSignal(read.signal, waitFacts) : undefined;
  return waitProblem ? { ok: false, problem: waitProblem } : verdict;
}

type Judged = Pick<SessionState, 'phase' | 'phaseIterations' | 'gatesPassed'>;

/** A validated signal against the phase table: allowed status, allowed transition, gates, the phase limit. */
export function judgeSignal(state: Judged, signal: Signal, limits: PhaseLimits, file = SIGNAL_FILE): Verdict {
  const phase = state.phase;
  const rule = PHASE_RULES[phase];
  if (!rule.statuses.includes(signal.status)) {
    return fail(
      'status_not_allowed',
      `${file}: status "${signal.status}" is not allowed in phase ${phase}; allowed here: ${rule.statuses.join(', ')}.`,
    );
  }

  if (signal.status !== 'continue') {
    if (signal.phase !== undefined && signal.phase !== phase) {
      return fail(
        'illegal_transition',
        `${file}: status "${signal.status}" cannot change the phase (${phase} → ${signal.phase}); only "continue" moves to another phase.`,
      );
    }
    // A block or the end speaks for itself; only a pause (which leads to more iterations here) counts toward the limit.
    const overLimit = signal.status === 'waiting' ? withinLimit(state, limits, phase) : undefined;
    return overLimit ?? { ok: true, phaseAfter: phase, statusAfter: signal.status };
  }

  const target = signal.phase ?? phase;
  const allowed = allowedNextPhases(phase);
  if (!allowed.includes(target)) {
    return fail(
      'illegal_transition',
      `${file}: phase ${phase} → ${target} is not an allowed transition; from ${phase} the next phase may be ${allowed.join(' or ')}.`,
    );
  }
  if (target !== phase && rule.gate && !state.gatesPassed.includes(phase)) {
    return fail(
      'gate_skipped',
      `${file}: phase ${phase} must wait for the person (status "waiting") before moving to ${target}; nobody has answered yet.`,
    );
  }
  return (
    (target === phase ? withinLimit(state, limits, phase) : undefined) ?? {
      ok: true,
      phaseAfter: target,
      statusAfter: 'running',
    }
  );
}

/** Staying in a phase counts toward its limit; the iteration that reaches the limit without leaving blocks. */
function withinLimit(state: Judged, limits: PhaseLimits, phase: Phase): Verdict | undefined {
  const limit = limits[phase];
  if (state.phaseIterations + 1 < limit) return undefined;
  return fail(
    'phase_limit',
    `phase ${phase} reached its limit of ${limit} iterations without moving on; raise PHASE_LIMITS (e.g. ${phase}=${limit * 2}) or steer the session in _overview.md, then run again.`,
  );
}

/**
 * A wait may only watch a file in the session folder or the working dir: anything else (`/etc/hostname`, a `..` or a
 * symlink that leads out) would let the agent park the session on a file nobody is meant to edit.
 */
export function judgeWaitSignal(
  signal: Signal,
  facts: WaitSignalFacts | undefined,
  file = SIGNAL_FILE,
): Problem | undefined {
  const where = facts?.file;
  if (signal.file === undefined || !where || waitFileAllowed(where)) return undefined;
  const shown = where.resolved === signal.file ? '' : ` (it resolves to ${where.resolved})`;
  return {
    kind: 'signal_invalid',
    message:
      `${file}: "file": ${JSON.stringify(signal.file)} is outside the session folder and the working dir${shown}; ` +
      `samocode only waits for a file in ${where.roots.join(' or ')}. Fix: name a file inside one of them (a relative path is relative to the session folder).`,
  };
}

function fail(kind: ProblemKind, message: string): Verdict {
  return { ok: false, problem: { kind, message } };
}

// ── Stall detection ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Whether the iteration could count toward a stall, so that the loop measures the working tree (a git call): it
 * stayed with `continue`, and did not visibly work on session files under a new summary. An unknown tree counts as
 * changed, so not measuring can delay a stall by an iteration but never invent one.
 */
export function couldStall(
  state: SessionState,
  read: SignalRead,
  verdict: Verdict,
  sessionUnchanged: boolean,
): boolean {
  return (
    read.ok &&
    verdict.ok &&
    verdict.phaseAfter === state.phase &&
    read.signal.status === 'continue' &&
    (sessionUnchanged || read.signal.summary === state.lastSummary)
  );
}

/**
 * Does this iteration count toward a stall, and does it reach the limit? Only an iteration that stayed in its phase
 * with `continue` can stall: moving on, waiting for the person (a requirements phase waiting for answers) or blocking
 * is not a stall. It counts when it changed nothing at all, or changed only session notes while repeating the last
 * summary word for word (the same signal again). Without a measurement (the first iteration of a run) it never does.
 */
export function judgeStall(
  state: Pick<SessionState, 'phase' | 'stallCount' | 'lastSummary'>,
  signal: Signal,
  stayed: boolean,
  progress: Progress | undefined,
  limit: number,
): { stalled: boolean; problem?: Problem } {
  if (!progress || limit <= 0 || !stayed || signal.status !== 'continue') return { stalled: false };
  const repeated = signal.summary !== undefined && signal.summary === state.lastSummary;
  const stalled = !progress.tree && (!progress.session || repeated);
  if (!stalled) return { stalled: false };
  const count = (state.stallCount ?? 0) + 1;
  if (count < limit) return { stalled: true };
  const what = progress.session
    ? 'changed only session notes while repeating the same summary'
    : 'changed nothing in the working tree or the session files';
  return {
    stalled: true,
    problem: {
      kind: 'stalled',
      message: `stalled: ${count} iterations in a row in ${state.phase} ${what}${signal.summary ? ` (last summary: ${JSON.stringify(signal.summary)})` : ''}. Look at the agent's logs, steer it in _overview.md, or raise SAMOCODE_STALL_LIMIT (${limit}), then run again.`,
    },
  };
}

/** The stall override: an accepted verdict becomes a block when the stall reaches the limit. */
export function withStall(
  state: SessionState,
  read: SignalRead,
  verdict: Verdict,
  progress: Progress | undefined,
  limit: number,
): { verdict: Verdict; stalled: boolean } {
  if (!read.ok || !verdict.ok) return { verdict, stalled: false };
  const stall = judgeStall(state, read.signal, verdict.phaseAfter === state.phase, progress, limit);
  return { verdict: stall.problem ? { ok: false, problem: stall.problem } : verdict, stalled: stall.stalled };
}

// ── The history entry ─────────────────────────────────────────────────────────────────────────────────────────────

export interface IterationFacts {
  state: SessionState;
  finished: FinishedIteration;
  /** judgeIteration's verdict, before the stall override. */
  verdict: Verdict;
  /** What the probe measured; undefined when it did not (no probe, detection off, first iteration of a run). */
  progress: Progress | undefined;
  stallLimit: number;
  waitFacts: WaitSignalFacts | undefined;
  /** What samocode's gates found, when they ran (the verdict above already has their judgement). */
  gates?: GateReport | undefined;
}

/** The entry the loop appends: its `statusAfter` is the decision (applyEntry in core/state.ts folds it in). */
export function iterationEntry(
  head: Pick<IterationEntry, 'seq' | 'time' | 'phase' | 'iteration'>,
  facts: IterationFacts,
): IterationEntry {
  const { state, finished, progress, waitFacts, gates } = facts;
  const read = finished.read;
  const { verdict, stalled } = withStall(state, read, facts.verdict, progress, facts.stallLimit);
  const signal = read.ok ? read.signal : null;
  return {
    ...head,
    event: 'iteration',
    phaseAfter: verdict.ok ? verdict.phaseAfter : state.phase,
    statusAfter: verdict.ok ? verdict.statusAfter : verdict.refused ? 'running' : 'blocked',
    signal: signal && {
      status: signal.status,
      phase: signal.phase,
      summary: signal.summary,
      reason: signal.reason,
      needs: signal.needs,
      for: signal.for,
      file: signal.file,
    },
    validation: verdict.ok ? (finished.maxTurns && !read.ok ? 'max_turns' : 'ok') : verdict.problem.kind,
    problem: verdict.ok ? undefined : verdict.problem.message,
    agentText: finished.last.lastText?.slice(0, 300),
    run: runFacts(finished),
    // What was seen, not assumed: a change in the session files, or a measured change (or not) of the tree.
    changed: progress?.session ? true : progress?.treeKnown ? progress.tree : undefined,
    stalled: stalled || undefined,
    waitQuestions: verdict.ok && verdict.statusAfter === 'waiting' ? waitFacts?.questions : undefined,
    checks: gates?.checks,
    checksUnchanged: gates?.unchanged,
    verifiedTree: gates?.tree,
    review:
      verdict.ok && verdict.waitFor && gates?.review
        ? { file: gates.review.file, findings: gates.review.findings.length }
        : undefined,
  };
}

/** The run as the history keeps it: the one place the outcome is mapped to the file's keys (a user contract). */
function runFacts(finished: FinishedIteration): RunFacts {
  const { outcome, failure, provider, log, usage } = finished.last;
  return {
    exitCode: outcome.exitCode,
    signal: outcome.killSignal,
    timedOut: outcome.timedOut,
    durationMs: outcome.durationMs,
    provider,
    log,
    failure: failure?.cls,
    ...usage,
    ...(outcome.idle ? { idle: true } : {}),
    attempts: finished.attempts,
    corrective: finished.corrective,
    iterationMs: finished.iterationMs,
    fallbackFrom: finished.fallbackFrom,
  };
}
