// The main loop. Deliberately dumb: run the agent for the current phase, have the pure core judge what came back
// (core/iteration.ts), record the entry, repeat until the session is done, waiting, blocked, or interrupted.
import { type RetryPolicy } from '../core/attempts.js';
import { checkBudget, type Budget } from '../core/budget.js';
import { FAILURE_POLICY, type FailureClass } from '../core/failure-class.js';
import { couldStall, iterationEntry, judgeIteration, nextStep, type FinishedIteration } from '../core/iteration.js';
import type { PhaseLimits } from '../core/phases.js';
import { progressBetween, type Progress, type Snapshot } from '../core/progress.js';
import type { Problem, Signal, SignalRead } from '../core/signal.js';
import { applyEntry, type HistoryEntry, type SessionState } from '../core/state.js';
import type { WaitSignalFacts } from '../core/wait.js';
import type { Provider } from '../core/provider-facts.js';
import type { DeliveryFacts } from '../core/delivery.js';
import { DEFAULT_BLOCK_AFTER, gatesDue, judgeGates } from '../core/gates.js';
import { notices, type Notices } from './notices.js';
import { stateSaver, type StateSaver } from './state-saver.js';
import type {
  AgentPort,
  Clock,
  DeliveryPort,
  GatesPort,
  HumanGate,
  Notifier,
  ProgressProbe,
  SessionStorePort,
} from './ports.js';

export interface LoopDeps {
  agent: AgentPort;
  store: SessionStorePort;
  gate: HumanGate;
  notifier: Notifier;
  clock: Clock;
  limits: PhaseLimits;
  retry: RetryPolicy;
  provider: Provider;
  /** Provider to retry an iteration on, once, after a failure of the primary that is not the content's. */
  fallback?: Provider | undefined;
  /** Aborted on Ctrl-C / SIGTERM; `reason` is the POSIX signal's name. */
  abort: AbortSignal;
  /**
   * Aborted when the run should end at the next point between two iterations (a draining worker, a lost job lease):
   * the iteration under way finishes and is recorded, then the run ends as interrupted by SIGTERM (resumable).
   */
  stopBetween?: AbortSignal | undefined;
  budget: Budget;
  /** Iterations in a row without progress before the session is blocked as stalled; 0 turns detection off. */
  stallLimit: number;
  probe?: ProgressProbe | undefined;
  /** What the session folder says about a `waiting` signal: questions in `_qa.md`, where its `file` resolves. */
  waitFacts?: ((state: SessionState, signal: Signal) => WaitSignalFacts) | undefined;
  /** Writes the deliverable once the session is done (gates/delivery.ts). */
  delivery?: DeliveryPort | undefined;
  /** samocode's own checks, done rules and review (src/gates/); without it every signal is believed. */
  gates?: GatesPort | undefined;
  /** VERIFY_BLOCK_AFTER: the same gate failure this many times in a row blocks. */
  gateBlockAfter?: number | undefined;
}

export type SessionOutcome =
  /** `delivery`: made in this run. */
  | { kind: 'done'; state: SessionState; delivery?: DeliveryFacts | undefined }
  | { kind: 'waiting' | 'blocked'; state: SessionState }
  | { kind: 'interrupted'; state: SessionState; stopSignal: 'SIGINT' | 'SIGTERM' };

export async function runSession(initial: SessionState, deps: LoopDeps): Promise<SessionOutcome> {
  const saved = stateSaver(deps.store, deps.clock);
  const told = notices(deps.notifier);
  try {
    const outcome = await loop(initial, { ...deps, notifier: told }, saved, told);
    await saved.flush();
    return outcome;
  } catch (error) {
    // The error that ended the loop is the one to report; the history has every entry the state may lack.
    await saved.flush().catch(() => undefined);
    throw error;
  } finally {
    told.flush();
  }
}

async function loop(initial: SessionState, deps: LoopDeps, saved: StateSaver, told: Notices): Promise<SessionOutcome> {
  let state = initial;
  const record = async (entry: HistoryEntry) => {
    await deps.store.append(entry);
    state = applyEntry(state, entry);
    // An iteration that goes on, or a resume, is followed by the next agent's spawn: its state is written once that
    // agent runs (a crash before then leaves the entry for the next start to fold).
    if ((entry.event === 'iteration' || entry.event === 'resumed') && state.status === 'running') saved.later(state);
    else await saved.now(state);
  };
  const base = () => ({ seq: state.historySeq + 1, time: deps.clock.now().toISOString(), phase: state.phase });
  const progress = progressMeter(deps);
  let startup = true;

  for (;;) {
    if (state.status === 'done') {
      // Once per session: a delivery that could not be written leaves `state.delivery` unset, so a re-run retries.
      let delivery: DeliveryFacts | undefined;
      if (deps.delivery && !state.delivery) {
        delivery = await deps.delivery.deliver(state, deps.abort);
        await record({ ...base(), event: 'delivered', iteration: state.iterations, delivery });
        if (deps.abort.aborted && !delivery.written) return interrupted(state, deps);
      }
      deps.notifier.notify({ type: 'done', state, delivery });
      return { kind: 'done', state, delivery };
    }
    if (state.status === 'waiting' || state.status === 'blocked') {
      const resumption = await deps.gate.wait(state, deps.abort, { startup });
      if (deps.abort.aborted) return interrupted(state, deps);
      if (resumption === undefined) return { kind: state.status, state };
      await record({ ...base(), event: 'resumed', iteration: state.iterations, from: state.status, ...resumption });
      deps.notifier.notify({ type: 'resumed', state, how: resumption.how });
      // An approved review finishes the session: the top of the loop reports it done, no agent runs again.
      if (resumption.review === 'approved') continue;
    }
    startup = false;
    if (deps.stopBetween?.aborted) {
      deps.notifier.notify({ type: 'interrupted', state, stopSignal: 'SIGTERM' });
      return { kind: 'interrupted', state, stopSignal: 'SIGTERM' };
    }

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
    // While the loop waits (an agent runs, a retry's delay): what is left of the last iteration's bookkeeping.
    const onWait = () => {
      told.flush();
      saved.writeSoon();
    };
    const finished = await runIteration(state, iteration, deps, onWait, told);
    const stopHere = async (attempts: number) => {
      await record({ ...base(), event: 'interrupted', iteration, signal: stopSignal(deps.abort), attempts });
      return interrupted(state, deps);
    };
    if ('interrupted' in finished) return stopHere(finished.attempts);
    const read = finished.read;
    const waitFacts = read.ok && read.signal.status === 'waiting' ? deps.waitFacts?.(state, read.signal) : undefined;
    const signalled = judgeIteration(state, finished, deps.limits, waitFacts);
    // Between the verdict and the entry: samocode checks what it can before it believes a move or a `done`.
    const request = deps.gates ? gatesDue(state, signalled) : undefined;
    const gates = request ? await deps.gates!.run(state, request, deps.abort) : undefined;
    // Ctrl-C during a check: the check's group is gone; the iteration runs again at the next start.
    if (deps.abort.aborted) return stopHere(finished.attempts);
    const verdict = gates
      ? judgeGates(state, signalled, gates, {
          blockAfter: deps.gateBlockAfter ?? DEFAULT_BLOCK_AFTER,
          phaseLimit: deps.limits[state.phase],
        })
      : signalled;
    const measured = await progress.after(
      state,
      (sessionUnchanged) => couldStall(state, read, verdict, sessionUnchanged),
      (finished.last.treeWrites ?? 0) > 0,
    );
    const entry = iterationEntry(
      { ...base(), iteration },
      { state, finished, verdict, progress: measured, stallLimit: deps.stallLimit, waitFacts, gates },
    );
    await record(entry);
    // Told once the next agent runs when the session goes on (nothing else is told or logged before that spawn);
    // at once when it stops, so the delivery's or the gate's lines come after it.
    if (state.status === 'running') told.later({ type: 'iteration-end', state, entry });
    else deps.notifier.notify({ type: 'iteration-end', state, entry });
    // Waiting and blocked are handled at the top of the loop: the gate waits for the person, or ends the run.
    if (state.status === 'waiting') deps.notifier.notify({ type: 'waiting', state });
    if (state.status === 'blocked') deps.notifier.notify({ type: 'blocked', state });
  }
}

/** Attempts of one iteration, each followed by the step core/iteration.ts's nextStep says: retry, fallback, correct, end. */
async function runIteration(
  state: SessionState,
  iteration: number,
  deps: LoopDeps,
  /** Called when the loop waits (an agent runs, a retry's delay): pending state and events go out then. */
  onWait: () => void,
  told: Notices,
): Promise<FinishedIteration | { interrupted: true; attempts: number }> {
  let failures = 0;
  let waits = 0;
  let previous: FailureClass | undefined;
  let correction: Problem | undefined;
  /** Set once the iteration has switched to the fallback provider. */
  let provider: Provider | undefined;
  const started = deps.clock.now().getTime();
  for (let attempt = 1; ; attempt++) {
    told.later({ type: 'iteration-start', state, iteration, attempt });
    const result = await deps.agent.attempt({
      state,
      iteration,
      attempt,
      correction,
      provider,
      abort: deps.abort,
      started: onWait,
    });
    // A spawn that failed never said it started.
    told.flush();
    if (result.outcome.cancelled || deps.abort.aborted) return { interrupted: true, attempts: attempt };
    const failure = result.failure;
    if (failure && FAILURE_POLICY[failure.cls].countsAsFailedAttempt) failures++;
    if (failure && FAILURE_POLICY[failure.cls].action === 'wait') waits++;
    const step = nextStep(result, result.read, {
      failures,
      waits,
      previous,
      correctiveUsed: correction !== undefined,
      fallbackAvailable: provider === undefined && deps.fallback !== undefined && deps.fallback !== deps.provider,
      policy: deps.retry,
    });
    previous = failure?.cls;
    const finished = (read: SignalRead, maxTurns = false): FinishedIteration => ({
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
        onWait();
        await deps.clock.sleep(step.delayMs, deps.abort);
        if (deps.abort.aborted) return { interrupted: true, attempts: attempt };
        continue;
      case 'fallback':
        provider = deps.fallback;
        failures = 0;
        previous = undefined;
        deps.notifier.notify({
          type: 'retry',
          state,
          iteration,
          attempt,
          delayMs: 0,
          why: `${step.why}; trying the fallback provider ${provider}`,
        });
        continue;
      case 'corrective':
        correction = step.problem;
        deps.notifier.notify({ type: 'corrective', state, iteration, problem: step.problem });
        continue;
      case 'give_up':
        return finished({ ok: false, problem: step.problem });
      case 'accept':
      case 'max_turns':
        return finished(step.read, step.action === 'max_turns');
    }
  }
}

/**
 * The workspace before and after each iteration, for stall detection. The working tree costs a git call: it is
 * looked at only when `worthIt` says the iteration could be a stall and the agent's stream showed no file written in
 * it (`streamWrote`: that is progress already), and then a glance at what the last look listed goes first: when it
 * moved, the tree changed and git is not asked. The first iteration of a run has no "before".
 */
function progressMeter(deps: LoopDeps) {
  let before: Snapshot | undefined;
  const lookAtTree = async (state: SessionState): Promise<Pick<Snapshot, 'tree' | 'glance'>> => {
    const last = before?.glance;
    const glance = last ? deps.probe!.glance?.(state, last) : undefined;
    if (glance && glance.value !== last!.value) return { glance };
    const look = await deps.probe!.tree(state);
    return { tree: look?.fingerprint, glance: look?.glance };
  };
  return {
    async after(
      state: SessionState,
      worthIt: (sessionUnchanged: boolean) => boolean,
      streamWrote: boolean,
    ): Promise<Progress | undefined> {
      if (!deps.probe || deps.stallLimit <= 0) return undefined;
      const session = deps.probe.session(state);
      const measure = !streamWrote && worthIt(before?.session === session);
      const after: Snapshot = { session, ...(measure ? await lookAtTree(state) : {}) };
      const progress = before ? progressBetween(before, after) : undefined;
      before = after;
      return progress && streamWrote ? { ...progress, tree: true, treeKnown: true } : progress;
    },
  };
}

function stopSignal(abort: AbortSignal): 'SIGINT' | 'SIGTERM' {
  return abort.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

function interrupted(state: SessionState, deps: LoopDeps): SessionOutcome {
  const signal = stopSignal(deps.abort);
  deps.notifier.notify({ type: 'interrupted', state, stopSignal: signal });
  return { kind: 'interrupted', state, stopSignal: signal };
}
