// The main loop. Deliberately dumb: run the agent for the current phase, judge its signal with the pure core,
// record the result, repeat until the session is done, waiting, blocked, or interrupted.
import { nextStep, type RetryPolicy } from '../core/attempts.js';
import { judgeSignal } from '../core/decide.js';
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

    const iteration = state.iterations + 1;
    const result = await runIteration(state, iteration, deps);
    if (result.kind === 'interrupted') {
      await record({ ...base(), event: 'interrupted', iteration, signal: signalName(deps.signal), attempts: result.attempts });
      return interrupted(state, deps);
    }
    const entry = iterationEntry(state, iteration, result, deps, base());
    await record(entry);
    deps.notifier.notify({ type: 'iteration-end', state, entry });
    // Waiting and blocked are handled at the top of the loop: the gate waits for the person, or ends the run.
    if (state.status === 'waiting') deps.notifier.notify({ type: 'waiting', state });
    if (state.status === 'blocked') deps.notifier.notify({ type: 'blocked', state });
  }
}

type IterationResult =
  | { kind: 'interrupted'; attempts: number }
  | { kind: 'finished'; last: AttemptResult; read: SignalRead | { ok: false; problem: Problem }; attempts: number; corrective: boolean };

/** Attempts of one iteration: retries with backoff for failed runs, one corrective re-run for a missing/unreadable signal. */
async function runIteration(state: SessionState, iteration: number, deps: LoopDeps): Promise<IterationResult> {
  let failures = 0;
  let correction: Problem | undefined;
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
        return { kind: 'finished', last: result, read: { ok: false, problem: step.problem }, attempts: attempt, corrective: correction !== undefined };
      case 'accept':
        return { kind: 'finished', last: result, read: step.read, attempts: attempt, corrective: correction !== undefined };
    }
  }
}

function iterationEntry(
  state: SessionState,
  iteration: number,
  result: Extract<IterationResult, { kind: 'finished' }>,
  deps: LoopDeps,
  base: { seq: number; time: string; phase: SessionState['phase'] },
): IterationEntry {
  const read = result.read;
  const verdict = read.ok ? judgeSignal(state, read.signal, deps.limits) : { ok: false as const, problem: read.problem };
  const signal = read.ok ? read.signal : null;
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
    run: { ...result.last.facts, attempts: result.attempts, corrective: result.corrective, provider: deps.provider },
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
