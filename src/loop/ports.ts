// What the loop needs from the outside world. The loop imports only core/ and this file; app wiring passes real
// implementations (files, processes, clock), tests may pass their own.
import type { AttemptResult } from '../core/attempts.js';
import type { Provider } from '../core/provider-facts.js';
import type { BudgetUse } from '../core/budget.js';
import type { DeliveryFacts } from '../core/delivery.js';
import type { Problem } from '../core/signal.js';
import type { HistoryEntry, SessionState } from '../core/state.js';
import type { Resumption } from '../core/wait.js';
import type { GateReport, GateRequest } from '../core/gates.js';
import type { Glance, TreeLook } from '../core/progress.js';

export type { AttemptResult };

export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or early (without throwing) when `abort` aborts. */
  sleep(ms: number, abort: AbortSignal): Promise<void>;
}

export interface AttemptRequest {
  state: SessionState;
  iteration: number;
  attempt: number;
  correction?: Problem | undefined;
  /** Run this provider instead of the configured one (the fallback). */
  provider?: Provider | undefined;
  /** Aborted on Ctrl-C / SIGTERM / Telegram /stop: the attempt stops its agent and reports itself cancelled. */
  abort: AbortSignal;
  /** Called once the agent process is running (not for a spawn that failed): the loop saves the state then. */
  started?: (() => void) | undefined;
}

/** Runs the agent once for an iteration: clear the old signal, build the prompt, spawn, read the new signal. */
export interface AgentPort {
  attempt(request: AttemptRequest): Promise<AttemptResult>;
}

/** Durable session state: the history is appended first, then the state is written (see core/state.ts). */
export interface SessionStorePort {
  append(entry: HistoryEntry): Promise<void>;
  writeState(state: SessionState): Promise<void>;
}

/** Waits for the person while the session is waiting or blocked. */
export interface HumanGate {
  /**
   * Resolve with what the person did, or undefined to end this run and leave the session waiting/blocked.
   * `startup`: the session was already waiting when this run started (a re-run may itself be the answer).
   */
  wait(state: SessionState, abort: AbortSignal, opts: { startup: boolean }): Promise<Resumption | undefined>;
}

/** Fingerprints of the workspace after each iteration, for stall detection (core/progress.ts, io/progress-probe.ts). */
export interface ProgressProbe {
  /** The agent's files in the session folder: cheap, taken after every iteration. */
  session(state: SessionState): string;
  /** The working tree (a `git status`): only taken when the iteration could be a stall, or undefined if unknown. */
  tree(state: SessionState): Promise<TreeLook | undefined>;
  /** The last look's glance again, without git (core/progress.ts Glance), or undefined when it cannot be taken. */
  glance?(state: SessionState, last: Glance): Glance | undefined;
}

/** Hands over a done session's work: `_delivery/` (patches, mbox, summary.md), and a push or PR if configured. */
export interface DeliveryPort {
  /** Never rejects: what failed is in the facts' `problems` (a failed push or PR never loses the patch). */
  deliver(state: SessionState, abort: AbortSignal): Promise<DeliveryFacts>;
}

/**
 * What samocode checks itself before it accepts a move out of implementation/testing/quality or `done`
 * (src/gates/gates.ts): the checks, the done rules, the review. Aborting stops a running check's whole group.
 */
export interface GatesPort {
  run(state: SessionState, request: GateRequest, abort: AbortSignal): Promise<GateReport>;
}

export type SessionEvent =
  | { type: 'iteration-start'; state: SessionState; iteration: number; attempt: number }
  | { type: 'retry'; state: SessionState; iteration: number; attempt: number; delayMs: number; why: string }
  | { type: 'corrective'; state: SessionState; iteration: number; problem: Problem }
  | { type: 'iteration-end'; state: SessionState; entry: HistoryEntry }
  | { type: 'resumed'; state: SessionState; how: string }
  | { type: 'waiting'; state: SessionState }
  | { type: 'blocked'; state: SessionState }
  /** `delivery`: made in this run (absent when the session was delivered before, or has no delivery port). */
  | { type: 'done'; state: SessionState; delivery?: DeliveryFacts | undefined }
  | { type: 'interrupted'; state: SessionState; stopSignal: 'SIGINT' | 'SIGTERM' }
  | { type: 'budget'; state: SessionState; level: 'warning' | 'exceeded'; use: BudgetUse };

/** Everything a person might want to hear about: the console, session.log, and later Telegram. */
export interface Notifier {
  notify(event: SessionEvent): void;
}
