// The job model every queue back end keeps (issue 13): one job per session, its state, who runs it, and the lease a
// worker holds while it runs it. Two back ends implement it: `local-backend.ts` (files beside the sessions, one
// machine, nothing to install) and `redis-backend.ts` (BullMQ, many machines). `open-queue.ts` picks one.
import type { Phase } from '../core/phases.js';

export interface JobSpec {
  session: string;
  task?: string | undefined;
  dive?: string | undefined;
  provider?: string | undefined;
  /** `orchestrate continue`: restart a done session at this phase with this instruction. */
  from?: Phase | undefined;
  instruction?: string | undefined;
}

/**
 * queued: waits for a worker · running: a worker runs its orchestrator · waiting: the session waits for a person (no
 * slot held; the worker's watcher re-queues it on the answer) · done · blocked: needs a fix, then `enqueue` again ·
 * failed: the orchestrator died too often, or the worker could not run it (`reason` says why).
 */
export type JobState = 'queued' | 'running' | 'waiting' | 'done' | 'blocked' | 'failed';

export interface JobRecord extends JobSpec {
  /** The session's name: the same session twice is one job. */
  id: string;
  state: JobState;
  /** The machine and worker process that run it (state running), or ran it last. */
  host?: string | undefined;
  pid?: number | undefined;
  /** When it entered this state (ISO time). */
  since: string;
  /** Restarts of its orchestrator after it died unexpectedly, in this run of the job. */
  restarts: number;
  reason?: string | undefined;
  /** A deferred job is not handed out before this time (ISO): a provider back-off or the project's limit. */
  notBefore?: string | undefined;
  progress?: { phase: string; iteration: number; costUsd: number } | undefined;
}

export interface Lease {
  job: JobRecord;
  token: string;
  /** Aborted when the back end lost the job (BullMQ lock lost): stop the session at the next safe point. */
  lost: AbortSignal;
  progress(p: NonNullable<JobRecord['progress']>): Promise<void>;
}

/**
 * What became of a job a worker took. `interrupted` (drain, Ctrl-C): back to queued, resumable. `deferred`: not run
 * at all (its provider is backing off, the project is at MAX_SESSIONS): back to queued, not handed out again before
 * `untilMs` (ms since epoch), keeping its place.
 */
export type JobResult =
  | { outcome: 'done' | 'waiting' | 'interrupted' }
  | { outcome: 'blocked'; reason?: string | undefined }
  | { outcome: 'failed'; reason: string }
  | { outcome: 'deferred'; reason: string; untilMs: number };

export interface QueueBackend {
  /**
   * The same session twice is one job: a job that is queued or running is left as it is (`added: false`). One that
   * is waiting, blocked or failed is queued again (the session resumes from its files), and a done one only when the
   * spec carries `from`/`instruction` (`orchestrate continue`). The task and dive of an existing job are kept.
   */
  enqueue(spec: JobSpec): Promise<{ id: string; added: boolean }>;
  /** Several at once, all or nothing (`enqueue --file`). */
  enqueueMany?(specs: JobSpec[]): Promise<{ id: string; added: boolean }[]>;
  list(): Promise<JobRecord[]>;
  /** Hand jobs to `run`, at most `concurrency` at once, until `abort`; resolves when the running ones ended. */
  consume(run: (lease: Lease) => Promise<JobResult>, opts: { concurrency: number; abort: AbortSignal }): Promise<void>;
  close(): Promise<void>;
}
