// What the loop needs from the outside world. The loop imports only core/ and this file; app wiring passes real
// implementations (files, processes, clock), tests may pass their own.
import type { AttemptOutcome } from '../core/attempts.js';
import type { Provider } from '../core/config.js';
import type { BudgetUse } from '../core/budget.js';
import type { Problem, SignalRead } from '../core/signal.js';
import type { HistoryEntry, RunFacts, SessionState } from '../core/state.js';
import type { Resumption } from '../core/wait.js';

export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface AttemptRequest {
  state: SessionState;
  iteration: number;
  attempt: number;
  correction?: Problem | undefined;
  /** Run this provider instead of the configured one (the fallback). */
  provider?: Provider | undefined;
  signal: AbortSignal;
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  read: SignalRead;
  cancelled: boolean;
  /** The agent's last words in its stream: the iteration's summary when the signal has none. */
  lastText?: string | undefined;
  facts: Omit<RunFacts, 'attempts' | 'corrective'>;
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
  wait(state: SessionState, signal: AbortSignal, opts: { startup: boolean }): Promise<Resumption | undefined>;
}

export type SessionEvent =
  | { type: 'iteration-start'; state: SessionState; iteration: number; attempt: number }
  | { type: 'retry'; state: SessionState; iteration: number; attempt: number; delayMs: number; why: string }
  | { type: 'corrective'; state: SessionState; iteration: number; problem: Problem }
  | { type: 'iteration-end'; state: SessionState; entry: HistoryEntry }
  | { type: 'resumed'; state: SessionState; how: string }
  | { type: 'waiting'; state: SessionState }
  | { type: 'blocked'; state: SessionState }
  | { type: 'done'; state: SessionState }
  | { type: 'interrupted'; state: SessionState; signal: 'SIGINT' | 'SIGTERM' }
  | { type: 'budget'; state: SessionState; level: 'warning' | 'exceeded'; use: BudgetUse };

/** Everything a person might want to hear about: the console, session.log, and later Telegram. */
export interface Notifier {
  notify(event: SessionEvent): void;
}
