// The main loop. Deliberately dumb: run the agent for the current phase, judge its signal with the pure core,
// record the result, repeat until the session is done, waiting, blocked, or interrupted.
import { nextStep, type RetryPolicy } from '../core/attempts.js';
import { checkBudget, type Budget } from '../core/budget.js';
import { judgeSignal } from '../core/decide.js';
import { judgeStall, progressBetween, type Progress, type Snapshot } from '../core/stall.js';
import type { PhaseLimits } from '../core/phases.js';
import type { Problem, SignalRead } from '../core/signal.js';
import { applyEntry, type HistoryEntry, type IterationEntry, type SessionState } from '../core/state.js';
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
  provider: string;
  /** Aborted on Ctrl-C / SIGTERM; `reason` is the signal name. */
  signal: AbortSignal;
  budget: Budget;
  /** Iterations in a row without progress before the session is blocked as stalled; 0 turns detection off. */
  stallLimit: number;
  /** Fingerprints the workspace after each iteration, for stall detection. */
  probe?: ((state: SessionState) => Promise<Snapshot>) | undefined;
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
    if (deps.probe && deps.stallLimit > 0 && before === undefined) before = await deps.probe(state);
    const result = await runIteration(state, iteration, deps);
    if (result.kind === 'interrupted') {
      await record({ ...base(), event: 'interrupted', iteration, signal: signalName(deps.signal), attempts: result.attempts });
      return interrupted(state, deps);
    }
    let progress: Progress | undefined;
    if (deps.probe && deps.stallLimit > 0) {
      const after = await deps.probe(state);
      progress = before ? progressBetween(before, after) : undefined;
      before = after;
    }
    const entry = iterationEntry(state, iteration, result, deps, base(), progress);
    await record(entry);
    deps.notifier.notify({ type: 'iteration-end', state, entry });
    // Waiting and blocked are handled at the top of the loop: the gate waits for the person, or ends the run.
    if (state.status === 'waiting') deps.notifier.notify({ type: 'waiting', state });
    if (state.status === 'blocked') deps.notifier.notify({ type: 'blocked', state });
  }
}

type IterationResult =
  | { kind: 'interrupted'; attempts: number }
  | { kind: 'finished'; last: AttemptResult; read: SignalRead | { ok: false; problem: Problem }; attempts: number; corrective: boolean; iterationMs: number };

/** Attempts of one iteration: retries with backoff for failed runs, one corrective re-run for a missing/unreadable signal. */
async function runIteration(state: SessionState, iteration: number, deps: LoopDeps): Promise<IterationResult> {
  let failures = 0;
  let correction: Problem | undefined;
  const started = deps.clock.now().getTime();
  const elapsed = () => deps.clock.now().getTime() - started;
  for (let attempt = 1; ; attempt++) {
    deps.notifier.notify({ type: 'iteration-start', state, iteration, attempt });
    const result = await deps.agent.attempt({ state, iteration, attempt, correction, signal: deps.signal });
    if (result.cancelled || deps.signal.aborted) return { kind: 'interrupted', attempts: attempt };
    const failed = result.outcome.spawnError !== undefined || result.outcome.timedOut || result.outcome.exitCode !== 0;
    if (failed) failures++;
    const step = nextStep(result.outcome, result.read, { failures, correctiveUsed: correction !== undefined, policy: deps.retry }, deps.timeoutMs);
    switch (step.action) {
      case 'retry':
        deps.notifier.notify({ type: 'retry', state, iteration, attempt, delayMs: step.delayMs, why: step.why });
        await deps.clock.sleep(step.delayMs, deps.signal);
        if (deps.signal.aborted) return { kind: 'interrupted', attempts: attempt };
        continue;
      case 'corrective':
        correction = step.problem;
        deps.notifier.notify({ type: 'corrective', state, iteration, problem: step.problem });
        continue;
      case 'give_up':
        return { kind: 'finished', last: result, read: { ok: false, problem: step.problem }, attempts: attempt, corrective: correction !== undefined, iterationMs: elapsed() };
      case 'accept':
        return { kind: 'finished', last: result, read: step.read, attempts: attempt, corrective: correction !== undefined, iterationMs: elapsed() };
    }
  }
}

function iterationEntry(
  state: SessionState,
  iteration: number,
  result: Extract<IterationResult, { kind: 'finished' }>,
  deps: LoopDeps,
  base: { seq: number; time: string; phase: SessionState['phase'] },
  progress: Progress | undefined,
): IterationEntry {
  const read = result.read;
  let verdict = read.ok ? judgeSignal(state, read.signal, deps.limits) : { ok: false as const, problem: read.problem };
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
    validation: verdict.ok ? 'ok' : verdict.problem.kind,
    problem: verdict.ok ? undefined : verdict.problem.message,
    run: { ...result.last.facts, attempts: result.attempts, corrective: result.corrective, provider: deps.provider, iterationMs: result.iterationMs },
    changed: progress ? progress.tree || progress.session : undefined,
    stalled: stall.stalled || undefined,
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
