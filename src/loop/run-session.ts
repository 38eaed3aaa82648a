// The main loop. Deliberately dumb: run the agent for the current phase, judge its signal with the pure core,
// record the result, repeat until the session is done, waiting, blocked, or interrupted.
import { nextStep, type RetryPolicy } from '../core/attempts.js';
import { FAILURE_POLICY, type FailureClass } from '../core/failure-class.js';
import type { Provider } from '../core/config.js';
import { checkBudget, type Budget } from '../core/budget.js';
import { judgeSignal, type Verdict } from '../core/decide.js';
import { judgeStall, progressBetween, type Progress, type Snapshot } from '../core/stall.js';
import type { PhaseLimits } from '../core/phases.js';
import type { Problem, Signal, SignalRead } from '../core/signal.js';
import { applyEntry, type HistoryEntry, type IterationEntry, type SessionState } from '../core/state.js';
import { judgeWaitSignal, type WaitSignalFacts } from '../core/wait.js';
import type { AgentPort, AttemptResult, Clock, HumanGate, Notifier, SessionStorePort } from './ports.js';

export interface LoopDeps {
  agent: AgentPort;
  store: SessionStorePort;
  gate: HumanGate;
  notifier: Notifier;
  clock: Clock;
  limits: PhaseLimits;
  retry: RetryPolicy;
  timeoutMs: number;
  provider: Provider;
  /** Provider to retry an iteration on, once, after a failure of the primary that is not the content's. */
  fallback?: Provider | undefined;
  /** Aborted on Ctrl-C / SIGTERM; `reason` is the signal name. */
  signal: AbortSignal;
  budget: Budget;
  /** Iterations in a row without progress before the session is blocked as stalled; 0 turns detection off. */
  stallLimit: number;
  /** Fingerprints of the workspace after each iteration, for stall detection (see core/stall.ts). */
  probe?: ProgressProbe | undefined;
  /** What the session folder says about a `waiting` signal: questions in `_qa.md`, where its `file` resolves. */
  waitFacts?: ((state: SessionState, signal: Signal) => WaitSignalFacts) | undefined;
}

export interface ProgressProbe {
  /** The agent's files in the session folder: cheap, taken after every iteration. */
  session(state: SessionState): string;
  /** The working tree (a `git status`): only taken when the iteration could be a stall, or undefined if unknown. */
  tree(state: SessionState): Promise<string | undefined>;
}

export type SessionOutcome =
  | { kind: 'done' | 'waiting' | 'blocked'; state: SessionState }
  | { kind: 'interrupted'; state: SessionState; signal: 'SIGINT' | 'SIGTERM' };

export async function runSession(initial: SessionState, deps: LoopDeps): Promise<SessionOutcome> {
  let state = initial;
  const record = async (entry: HistoryEntry) => {
    // History first, then state: a crash in between is repaired at startup by folding the last entry again.
    await deps.store.append(entry);
    state = applyEntry(state, entry);
    await deps.store.writeState(state);
  };
  const base = () => ({ seq: state.historySeq + 1, time: deps.clock.now().toISOString(), phase: state.phase });
  let startup = true;
  let before: Snapshot | undefined;

  for (;;) {
    if (state.status === 'done') {
      deps.notifier.notify({ type: 'done', state });
      return { kind: 'done', state };
    }
    if (state.status === 'waiting' || state.status === 'blocked') {
      const resumption = await deps.gate.wait(state, deps.signal, { startup });
      if (deps.signal.aborted) return interrupted(state, deps);
      if (resumption === undefined) return { kind: state.status, state };
      await record({ ...base(), event: 'resumed', iteration: state.iterations, from: state.status, ...resumption });
      deps.notifier.notify({ type: 'resumed', state, how: resumption.how });
    }
    startup = false;

    const budget = checkBudget(state, deps.budget);
    for (const use of budget.warn) {
      await record({ ...base(), event: 'budget', iteration: state.iterations, level: 'warning', ...use });
      deps.notifier.notify({ type: 'budget', state, level: 'warning', use });
    }
    if (budget.exceeded) {
      await record({ ...base(), event: 'budget', iteration: state.iterations, level: 'exceeded', ...budget.exceeded });
      deps.notifier.notify({ type: 'budget', state, level: 'exceeded', use: budget.exceeded });
      deps.notifier.notify({ type: 'blocked', state });
      continue;
    }

    const iteration = state.iterations + 1;
    const result = await runIteration(state, iteration, deps);
    if (result.kind === 'interrupted') {
      await record({ ...base(), event: 'interrupted', iteration, signal: signalName(deps.signal), attempts: result.attempts });
      return interrupted(state, deps);
    }
    const waitFacts = result.read.ok && result.read.signal.status === 'waiting' ? deps.waitFacts?.(state, result.read.signal) : undefined;
    const verdict = judgeIteration(state, result, deps, waitFacts);
    let progress: Progress | undefined;
    if (deps.probe && deps.stallLimit > 0) {
      // The working tree costs a git call: look only when the iteration could count toward a stall (it stayed with
      // `continue`, and did not visibly work on session files under a new summary). An unknown tree counts as changed,
      // so skipping it can delay a stall by an iteration but never invent one. The first iteration of a run has no
      // "before" and is never judged.
      const session = deps.probe.session(state);
      const read = result.read;
      const couldStall =
        read.ok &&
        verdict.ok &&
        verdict.phaseAfter === state.phase &&
        read.signal.status === 'continue' &&
        (before?.session === session || read.signal.summary === state.lastSummary);
      const after: Snapshot = { session, tree: couldStall ? await deps.probe.tree(state) : undefined };
      progress = before ? progressBetween(before, after) : undefined;
      before = after;
    }
    const entry = iterationEntry(state, iteration, result, deps, base(), verdict, progress, waitFacts);
    await record(entry);
    deps.notifier.notify({ type: 'iteration-end', state, entry });
    // Waiting and blocked are handled at the top of the loop: the gate waits for the person, or ends the run.
    if (state.status === 'waiting') deps.notifier.notify({ type: 'waiting', state });
    if (state.status === 'blocked') deps.notifier.notify({ type: 'blocked', state });
  }
}

type IterationResult =
  | { kind: 'interrupted'; attempts: number }
  | {
      kind: 'finished';
      last: AttemptResult;
      read: SignalRead;
      attempts: number;
      corrective: boolean;
      iterationMs: number;
      /** The agent hit its turn limit; without a valid signal the iteration ends with a note for the next. */
      maxTurns: boolean;
      fallbackFrom?: string | undefined;
    };

/** Attempts of one iteration: retries with backoff for failed runs, one corrective re-run for a missing/unreadable signal. */
async function runIteration(state: SessionState, iteration: number, deps: LoopDeps): Promise<IterationResult> {
  let failures = 0;
  let waits = 0;
  let previous: FailureClass | undefined;
  let correction: Problem | undefined;
  /** Set once the iteration has switched to the fallback provider. */
  let provider: Provider | undefined;
  const started = deps.clock.now().getTime();
  for (let attempt = 1; ; attempt++) {
    deps.notifier.notify({ type: 'iteration-start', state, iteration, attempt });
    const result = await deps.agent.attempt({ state, iteration, attempt, correction, provider, signal: deps.signal });
    if (result.cancelled || deps.signal.aborted) return { kind: 'interrupted', attempts: attempt };
    const failure = result.outcome.failure;
    if (failure && FAILURE_POLICY[failure.cls].countsAsFailedAttempt) failures++;
    if (failure && FAILURE_POLICY[failure.cls].action === 'wait') waits++;
    const step = nextStep(result.outcome, result.read, {
      failures,
      waits,
      previous,
      correctiveUsed: correction !== undefined,
      fallbackAvailable: provider === undefined && deps.fallback !== undefined && deps.fallback !== deps.provider,
      policy: deps.retry,
    });
    previous = failure?.cls;
    const finished = (read: SignalRead, maxTurns = false): IterationResult => ({
      kind: 'finished',
      last: result,
      read,
      attempts: attempt,
      corrective: correction !== undefined,
      iterationMs: deps.clock.now().getTime() - started,
      maxTurns,
      fallbackFrom: provider === undefined ? undefined : deps.provider,
    });
    switch (step.action) {
      case 'retry':
        deps.notifier.notify({ type: 'retry', state, iteration, attempt, delayMs: step.delayMs, why: step.why });
        await deps.clock.sleep(step.delayMs, deps.signal);
        if (deps.signal.aborted) return { kind: 'interrupted', attempts: attempt };
        continue;
      case 'fallback':
        provider = deps.fallback;
        failures = 0;
        previous = undefined;
        deps.notifier.notify({ type: 'retry', state, iteration, attempt, delayMs: 0, why: `${step.why}; trying the fallback provider ${provider}` });
        continue;
      case 'corrective':
        correction = step.problem;
        deps.notifier.notify({ type: 'corrective', state, iteration, problem: step.problem });
        continue;
      case 'give_up':
        return finished({ ok: false, problem: step.problem });
      case 'accept':
        return finished(step.read);
      case 'max_turns':
        return finished(step.read, true);
    }
  }
}

/** What the signal (or its absence) means here, before stall detection. Pure. */
function judgeIteration(state: SessionState, result: Extract<IterationResult, { kind: 'finished' }>, deps: LoopDeps, waitFacts: WaitSignalFacts | undefined): Verdict {
  const read = result.read;
  // Out of turns without a signal: not the agent's fault to punish, not a protocol break; go on in the same phase.
  if (result.maxTurns && !read.ok) {
    if (state.carryNote === 'max_turns') {
      const detail = result.last.outcome.failure?.detail ?? 'max turns';
      return { ok: false, problem: { kind: 'agent_failed', message: `turn limit reached: out of turns twice in a row without signalling (${detail}). Fix: raise CLAUDE_MAX_TURNS (or unset it), or split the work in _overview.md, then run again` } };
    }
    // As if the agent had said "continue here": the phase limit still applies.
    return judgeSignal(state, { status: 'continue', phase: state.phase }, deps.limits);
  }
  if (!read.ok) return { ok: false, problem: read.problem };
  const verdict = judgeSignal(state, read.signal, deps.limits);
  const waitProblem = verdict.ok && verdict.statusAfter === 'waiting' ? judgeWaitSignal(read.signal, waitFacts) : undefined;
  return waitProblem ? { ok: false, problem: waitProblem } : verdict;
}

function iterationEntry(
  state: SessionState,
  iteration: number,
  result: Extract<IterationResult, { kind: 'finished' }>,
  deps: LoopDeps,
  base: { seq: number; time: string; phase: SessionState['phase'] },
  judged: Verdict,
  progress: Progress | undefined,
  waitFacts: WaitSignalFacts | undefined,
): IterationEntry {
  const read = result.read;
  const outOfTurns = result.maxTurns && !read.ok;
  let verdict = judged;
  const signal = read.ok ? read.signal : null;
  const stall = read.ok && verdict.ok ? judgeStall(state, read.signal, verdict.phaseAfter === state.phase, progress, deps.stallLimit) : { stalled: false };
  if (stall.problem) verdict = { ok: false, problem: stall.problem };
  return {
    ...base,
    event: 'iteration',
    iteration,
    phaseAfter: verdict.ok ? verdict.phaseAfter : state.phase,
    statusAfter: verdict.ok ? verdict.statusAfter : 'blocked',
    signal: signal && {
      status: signal.status,
      phase: signal.phase,
      summary: signal.summary,
      reason: signal.reason,
      needs: signal.needs,
      for: signal.for,
      file: signal.file,
    },
    validation: verdict.ok ? (outOfTurns ? 'max_turns' : 'ok') : verdict.problem.kind,
    problem: verdict.ok ? undefined : verdict.problem.message,
    agentText: result.last.lastText?.slice(0, 300),
    run: { ...result.last.facts, attempts: result.attempts, corrective: result.corrective, iterationMs: result.iterationMs, fallbackFrom: result.fallbackFrom },
    // What was seen, not assumed: a change in the session files, or a measured change (or not) of the tree.
    changed: progress?.session ? true : progress?.treeKnown ? progress.tree : undefined,
    stalled: stall.stalled || undefined,
    waitQuestions: verdict.ok && verdict.statusAfter === 'waiting' ? waitFacts?.questions : undefined,
  };
}

function signalName(signal: AbortSignal): 'SIGINT' | 'SIGTERM' {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

function interrupted(state: SessionState, deps: LoopDeps): SessionOutcome {
  const signal = signalName(deps.signal);
  deps.notifier.notify({ type: 'interrupted', state, signal });
  return { kind: 'interrupted', state, signal };
}
