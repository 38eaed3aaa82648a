// What the read-only views are given: the facts the IO side (read.ts) found in a session folder.
import type { Approval } from '../../core/answers.js';
import type { DeliveryFacts } from '../../core/delivery.js';
import type { Phase } from '../../core/phases.js';
import type { IterationEntry, SessionState } from '../../core/state.js';

export type OverviewView =
  | { kind: 'state'; state: SessionState }
  /** A Python-era `_overview.md`: the next run migrates it. */
  | { kind: 'legacy'; phase: Phase; iterations: number }
  | { kind: 'invalid'; message: string }
  | { kind: 'missing' };

/** Who holds `.lock`. */
export type Liveness =
  | { kind: 'none' }
  /** Held by a live process on this host; `agentPid` when `.lock.agent` names a live agent of the same run. */
  | { kind: 'live'; pid: number; startedAt?: string | undefined; agentPid?: number | undefined }
  /** Left behind by a process that is gone (a crash or kill -9): the next run takes it over. */
  | { kind: 'stale'; pid: number; startedAt?: string | undefined }
  /** Held by a process on another host: it cannot be checked from here. */
  | { kind: 'elsewhere'; pid: number; host: string; startedAt?: string | undefined };

/** What the person is asked to edit while the session waits. */
export type GateView =
  | { kind: 'qa'; file: string; exists: boolean; questions: number; unanswered: string[] }
  | { kind: 'plan'; file: string; exists: boolean; approval: Approval }
  /** The review of the diff (`_review.md`): its findings and the person's decision so far. */
  | { kind: 'review'; file: string; exists: boolean; findings: number; approval: Approval }
  | { kind: 'other'; file: string };

export interface SessionPaths {
  folder: string;
  overview: string;
  history: string;
  logs: string;
  sessionLog: string;
}

export interface StatusView {
  /** Folder name, e.g. `26-11-21-add-auth`. */
  folder: string;
  /** The short name to pass to --session. */
  name: string;
  paths: SessionPaths;
  overview: OverviewView;
  lock: Liveness;
  gate?: GateView | undefined;
  lastIteration?: IterationEntry | undefined;
  /** The facts of the last delivery (the history's last `delivered` entry). */
  lastDelivery?: DeliveryFacts | undefined;
  /** MAIN_REPO, for the command that merges a delivered branch where it is. */
  mainRepo?: string | undefined;
  /** The iteration limit of the current phase (SAMOCODE_PHASE_LIMITS). */
  phaseLimit?: number | undefined;
  /** The command that goes on with the session (a plain re-run). */
  rerun: string;
  /** The command that wakes an orchestrator that is waiting for the person. */
  resume: string;
}
