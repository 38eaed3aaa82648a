// Fakes of the loop's ports (src/loop/ports.ts), for driving runSession in milliseconds: a scripted agent, a clock
// that jumps instead of sleeping, a recording notifier, an in-memory store and a scripted gate. No processes, no
// files, no timers: every loop rule can be checked here; the CLI suite keeps one end-to-end case per behaviour.
import type { AttemptResult } from '../../src/core/attempts.js';
import type { ChildOutcome } from '../../src/core/child-outcome.js';
import type { Classified } from '../../src/core/failure-class.js';
import { PHASE_RULES, PHASES, type Phase, type PhaseLimits } from '../../src/core/phases.js';
import type { Problem, Signal, SignalRead } from '../../src/core/signal.js';
import type { HistoryEntry, IterationEntry, SessionState } from '../../src/core/state.js';
import type { Resumption } from '../../src/core/wait.js';
import type { LoopDeps } from '../../src/loop/run-session.js';
import type { GateReport, GateRequest } from '../../src/core/gates.js';
import type { Glance, TreeLook } from '../../src/core/progress.js';
import type {
  AgentPort,
  AttemptRequest,
  Clock,
  GatesPort,
  HumanGate,
  Notifier,
  ProgressProbe,
  SessionEvent,
  SessionStorePort,
} from '../../src/loop/ports.js';

export const T0 = new Date('2026-01-02T03:04:05.000Z');

/** Jumps forward on every sleep (and when an attempt takes time), never waits. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  /** Runs at each sleep, e.g. to press Ctrl-C during a retry delay. */
  onSleep?: (() => void) | undefined;
  private at = T0.getTime();
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at += ms;
  }
  async sleep(ms: number, abort: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.onSleep?.();
    if (!abort.aborted) this.advance(ms);
  }
}

/** One scripted attempt: what the agent's run came to. Anything left out is a clean, quick run. */
export interface ScriptedAttempt {
  /** The signal the agent wrote (a Signal), or the read's problem; none: signal_missing. */
  signal?: Signal | Problem | undefined;
  failure?: Classified | undefined;
  stderrTail?: string | undefined;
  outcome?: Partial<ChildOutcome> | undefined;
  lastText?: string | undefined;
  /** Files in the working tree the stream says were written. */
  treeWrites?: number | undefined;
  /** Runs while the attempt is "running", e.g. to abort the loop as Ctrl-C would. */
  during?: ((request: AttemptRequest) => void) | undefined;
}

export const MISSING: Problem = { kind: 'signal_missing', message: '/s/_signal.json was not written' };

/** The agent answers each attempt with the next step of the script; running past its end fails the test. */
export class ScriptedAgent implements AgentPort {
  readonly requests: AttemptRequest[] = [];
  constructor(
    readonly script: ScriptedAttempt[],
    private readonly clock: FakeClock,
  ) {}

  async attempt(request: AttemptRequest): Promise<AttemptResult> {
    this.requests.push(request);
    const step = this.script[this.requests.length - 1];
    if (!step)
      throw new Error(`the script has ${this.script.length} attempts; attempt ${this.requests.length} was asked for`);
    // The real agent port says so once its process runs (a spawn that failed never does).
    if (step.outcome?.spawnError === undefined) request.started?.();
    step.during?.(request);
    const outcome: ChildOutcome = {
      exitCode: step.failure ? 1 : 0,
      killSignal: null,
      timedOut: false,
      idle: false,
      cancelled: false,
      durationMs: 1000,
      ...step.outcome,
    };
    this.clock.advance(outcome.durationMs);
    return {
      outcome,
      failure: step.failure,
      stderrTail: step.stderrTail ?? '',
      read: readOf(step.signal ?? MISSING),
      lastText: step.lastText,
      provider: request.provider ?? 'claude',
      log: `_logs/${request.iteration}-a${request.attempt}.jsonl`,
      treeWrites: step.treeWrites,
      usage: {},
    };
  }
}

function readOf(signal: Signal | Problem): SignalRead {
  return 'kind' in signal ? { ok: false, problem: signal } : { ok: true, signal };
}

/** Every event, in order. */
export class RecordingNotifier implements Notifier {
  readonly events: SessionEvent[] = [];
  notify(event: SessionEvent): void {
    this.events.push(event);
  }
  /** The events as short words, for ordering assertions: `start 1.2`, `retry`, `end 1`, `blocked` … */
  get order(): string[] {
    return this.events.map((e) => {
      if (e.type === 'iteration-start') return `start ${e.iteration}.${e.attempt}`;
      if (e.type === 'iteration-end') return `end ${e.entry.iteration}`;
      if (e.type === 'budget') return `budget ${e.level}`;
      return e.type;
    });
  }
}

/** The history and every state written, and the order of the writes. */
export class MemoryStore implements SessionStorePort {
  readonly history: HistoryEntry[] = [];
  readonly states: SessionState[] = [];
  readonly writes: ('append' | 'state' | 'agent')[] = [];
  /** Makes the next state writes fail with this error (a full disk). */
  failStateWrites?: Error | undefined;
  async append(entry: HistoryEntry): Promise<void> {
    this.history.push(entry);
    this.writes.push('append');
  }
  async writeState(state: SessionState): Promise<void> {
    if (this.failStateWrites) throw this.failStateWrites;
    this.states.push(state);
    this.writes.push('state');
  }
  get iterations(): IterationEntry[] {
    return this.history.filter((e): e is IterationEntry => e.event === 'iteration');
  }
}

/** What the person does at each wait, in order: resume, end the run (undefined), or press Ctrl-C. A script run dry ends the run. */
export type GateStep = Resumption | undefined | 'ctrl-c';

export class ScriptedGate implements HumanGate {
  readonly calls: { status: SessionState['status']; startup: boolean }[] = [];
  constructor(
    private readonly script: GateStep[],
    private readonly controller: AbortController,
  ) {}
  async wait(state: SessionState, _abort: AbortSignal, opts: { startup: boolean }): Promise<Resumption | undefined> {
    this.calls.push({ status: state.status, startup: opts.startup });
    const step = this.script[this.calls.length - 1];
    if (step !== 'ctrl-c') return step;
    // As the real gate does: it stops watching and resolves; the loop sees the abort.
    this.controller.abort('SIGINT');
    return undefined;
  }
}

/**
 * Session-folder and tree fingerprints given per iteration, in order (the last one repeats): a session snapshot per
 * iteration, a tree fingerprint per look at the tree. `glance`: what a look at the tree, and a glance without git,
 * see in that iteration (the loop only glances when the last look gave one).
 */
export class ScriptedProbe implements ProgressProbe {
  treeLooks = 0;
  glances = 0;
  private sessions = 0;
  private trees = 0;
  constructor(private readonly script: { session: string; tree?: string; glance?: string }[]) {}
  session(): string {
    return this.at(this.sessions++).session;
  }
  async tree(): Promise<TreeLook | undefined> {
    this.treeLooks++;
    const tree = this.at(this.trees++).tree;
    return tree === undefined ? undefined : { fingerprint: tree, glance: glanceOf(this.at(this.sessions - 1).glance) };
  }
  glance(): Glance | undefined {
    this.glances++;
    return glanceOf(this.at(this.sessions - 1).glance);
  }
  private at(i: number) {
    return this.script[Math.min(i, this.script.length - 1)]!;
  }
}

const glanceOf = (value: string | undefined): Glance | undefined =>
  value === undefined ? undefined : { paths: [], value };

/** The gates' reports, in order (the last one repeats); every request is kept, with the state it came with. */
export class ScriptedGates implements GatesPort {
  readonly requests: { request: GateRequest; iteration: number }[] = [];
  /** Runs while the gates are "running", e.g. to press Ctrl-C during a check. */
  during?: (() => void) | undefined;
  constructor(private readonly reports: GateReport[]) {}
  async run(state: SessionState, request: GateRequest): Promise<GateReport> {
    this.requests.push({ request, iteration: state.iterations + 1 });
    this.during?.();
    return this.reports[Math.min(this.requests.length - 1, this.reports.length - 1)] ?? { checks: [] };
  }
}

export const LIMITS: PhaseLimits = Object.fromEntries(
  PHASES.map((p: Phase) => [p, PHASE_RULES[p].limit]),
) as PhaseLimits;

export interface LoopRig {
  deps: LoopDeps;
  clock: FakeClock;
  agent: ScriptedAgent;
  notifier: RecordingNotifier;
  store: MemoryStore;
  gate: ScriptedGate;
  controller: AbortController;
}

/** The ports wired to fakes with everyday settings (2 retries, 1 s base delay, no budget, no stall detection). */
export function loopRig(
  script: ScriptedAttempt[],
  opts: { gate?: GateStep[]; deps?: Partial<LoopDeps> } = {},
): LoopRig {
  const clock = new FakeClock();
  const agent = new ScriptedAgent(script, clock);
  const notifier = new RecordingNotifier();
  const store = new MemoryStore();
  const controller = new AbortController();
  const gate = new ScriptedGate(opts.gate ?? [], controller);
  const deps: LoopDeps = {
    agent,
    store,
    gate,
    notifier,
    clock,
    limits: LIMITS,
    retry: { maxRetries: 2, baseDelayMs: 1000, maxDelayMs: 300_000, maxRateLimitWaitMs: 120_000, maxRateLimitWaits: 8 },
    provider: 'claude',
    abort: controller.signal,
    budget: { iterations: undefined, hours: undefined, cost: undefined, tokens: undefined },
    stallLimit: 0,
    ...opts.deps,
  };
  return { deps, clock, agent, notifier, store, gate, controller };
}

/** Signals, as the scripted agent writes them. */
export const go = (phase: Phase, summary?: string): Signal => ({ status: 'continue', phase, summary });
export const wait = (waitingFor: string): Signal => ({ status: 'waiting', for: waitingFor });
export const block = (reason: string): Signal => ({ status: 'blocked', reason });
