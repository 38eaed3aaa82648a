// The queue on one machine, with nothing to install: one JSON file per job in `<SESSIONS>/.queue/`, each replaced
// atomically (io/atomic-write.ts), every read-modify-write under one queue-wide lock file taken with link(2)
// (io/session-lock.ts: a lock left by a dead process is taken over at once). So two workers on this machine never
// take the same job: claiming is "under the lock, the record still says queued → write running with my token".
// A job whose worker died (same host, pid gone) goes back to queued, unless its session's orchestrator still holds
// the session lock (it outlived its worker and is still running): then it is left until that one ends.
import { randomUUID } from 'node:crypto';
import { readdirSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findSessionFolder } from '../core/session-name.js';
import { LOCK_FILE } from '../core/session-files.js';
import { SessionLockedError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { listFolders } from '../io/list-folders.js';
import { makeDir } from '../io/make-dir.js';
import { isAlive } from '../io/process-group.js';
import { readIfExists } from '../io/read-if-exists.js';
import { liveHolder, SessionLock } from '../io/session-lock.js';
import { identityOf, sameProcess } from '../io/process-identity.js';
import { sleepUnlessAborted } from '../io/abortable-sleep.js';
import type { SessionState } from '../core/state.js';
import type { JobRecord, JobResult, JobSpec, Lease, QueueBackend } from './backend.js';
import { jobIdFor } from './job-id.js';
import { readState, sessionDirOf } from './session-facts.js';

export const QUEUE_DIR = '.queue';
const MUTEX = '.lock';
/** Without a change seen in the folder, look for work this often anyway (a deferred job's time comes, a dead worker). */
const IDLE_POLL_MS = 1_000;
/** Longest wait for the queue lock: its holders keep it for milliseconds. */
const MUTEX_WAIT_MS = 20_000;

/** What the file holds: the record, the lease token of the worker running it, and its place in the line. */
interface Stored extends JobRecord {
  token?: string | undefined;
  /** The worker's process identity (io/process-identity.ts): a later process given the same pid is not it. */
  startTicks?: string | undefined;
  bootId?: string | undefined;
  /** First queued (ms since epoch): jobs are handed out oldest first, a deferred or interrupted one keeps its place. */
  order: number;
}

export interface LocalQueueOptions {
  sessions: string;
  host: string;
  /** For tests: how often an idle worker looks for work (default 1 s). */
  pollMs?: number | undefined;
}

export function openLocalQueue(opts: LocalQueueOptions): QueueBackend {
  const dir = join(opts.sessions, QUEUE_DIR);
  // Made at the first change, so that looking (`orchestrate queue`, `resume`) leaves no trace in SESSIONS.
  const ensureDir = () => makeDir(dir, 'the local queue folder', 'SESSIONS');
  const fileOf = (id: string) => join(dir, `${id}.json`);
  const mutex = queueMutex(join(dir, MUTEX), ensureDir);
  const identity = identityOf(process.pid);
  const now = () => new Date().toISOString();

  const read = (id: string): Stored | undefined => parseStored(readIfExists(fileOf(id)));
  const write = (job: Stored) => writeFileAtomicSync(fileOf(job.id), `${JSON.stringify(job, null, 2)}\n`);
  const all = (): Stored[] => readStored(dir);

  /** The record after `enqueue(spec)`, or undefined when the job stays as it is. */
  const queuedFrom = (spec: JobSpec, existing: Stored | undefined): Stored | undefined => {
    const id = jobIdFor(opts.sessions, spec.session);
    const base = { ...clean(spec), session: id, id, state: 'queued' as const, since: now(), restarts: 0 };
    if (!existing) return { ...base, order: Date.now() };
    const continues = spec.from !== undefined || spec.instruction !== undefined;
    const requeue =
      existing.state === 'waiting' ||
      existing.state === 'blocked' ||
      existing.state === 'failed' ||
      (existing.state === 'done' && continues);
    if (!requeue) return undefined;
    return {
      ...existing,
      ...base,
      task: existing.task ?? spec.task,
      dive: existing.dive ?? spec.dive,
      provider: spec.provider ?? existing.provider,
      from: spec.from,
      instruction: spec.instruction,
      reason: undefined,
      notBefore: undefined,
      host: undefined,
      pid: undefined,
      token: undefined,
      order: Date.now(),
    };
  };

  const enqueueMany = (specs: JobSpec[]) =>
    mutex(() => {
      const planned = new Map<string, { next: Stored | undefined; before: Stored | undefined }>();
      for (const spec of specs) {
        const id = jobIdFor(opts.sessions, spec.session);
        const before = planned.get(id)?.next ?? read(id);
        planned.set(id, { next: queuedFrom(spec, before), before: planned.get(id)?.before ?? read(id) });
      }
      // All or nothing: a write that fails (disk full) puts back what was written before it.
      const written: { before: Stored | undefined; id: string }[] = [];
      try {
        for (const [id, { next, before }] of planned) {
          if (!next) continue;
          write(next);
          written.push({ id, before });
        }
      } catch (error) {
        for (const { id, before } of written.reverse()) restore(id, before);
        throw error;
      }
      const added = new Set(written.map((w) => w.id));
      return specs.map((spec) => {
        const id = jobIdFor(opts.sessions, spec.session);
        return { id, added: added.has(id) };
      });
    });
  const restore = (id: string, before: Stored | undefined) => {
    try {
      if (before) write(before);
      else unlinkSync(fileOf(id));
    } catch {
      // the disk refuses even this: the error being thrown says why
    }
  };

  /** A running job whose worker is gone (this host only: another machine's processes cannot be checked). */
  const orphaned = (job: Stored): boolean =>
    job.state === 'running' &&
    job.host === opts.host &&
    job.pid !== undefined &&
    (!isAlive(job.pid) || !sameProcess(job.pid, job)) &&
    !orchestratorAlive(opts.sessions, job.id);

  /**
   * A job whose worker died: what its session says now decides. Still running (its orchestrator died with the worker,
   * mid-iteration): queued again, it resumes from its files. Ended (its orchestrator outlived the worker and finished):
   * the job takes that end, so nothing is run twice.
   */
  const recoverOrphans = async () => {
    const candidates = all().filter(orphaned);
    if (candidates.length === 0) return;
    const ends = new Map<string, SessionState | undefined>();
    for (const job of candidates) {
      const dir = sessionDirOf(opts.sessions, job.id);
      ends.set(job.id, dir ? await readState(dir) : undefined);
    }
    await mutex(() => {
      for (const job of candidates) {
        const current = read(job.id);
        if (!current || current.token !== job.token || !orphaned(current)) continue;
        write(orphanRecovered(current, ends.get(job.id), new Date().toISOString()));
      }
    });
  };

  const takeable = (mine: ReadonlySet<string>, due: number) => (job: Stored) =>
    job.state === 'queued' && !mine.has(job.id) && (job.notBefore === undefined || Date.parse(job.notBefore) <= due);

  const claim = async (mine: ReadonlySet<string>) => {
    await recoverOrphans();
    // An idle worker looks every second: take the lock only when there is something to take.
    if (!all().some(takeable(mine, Date.now()))) return undefined;
    return mutex((): Stored | undefined => {
      const next = all().find(takeable(mine, Date.now()));
      if (!next) return undefined;
      const taken: Stored = {
        ...next,
        state: 'running',
        since: now(),
        host: opts.host,
        pid: process.pid,
        ...identity,
        token: randomUUID(),
        notBefore: undefined,
      };
      write(taken);
      return taken;
    });
  };

  /** Write what became of the job, if it is still ours (someone may have re-queued it meanwhile). */
  const finish = (taken: Stored, result: JobResult) =>
    mutex(() => {
      const current = read(taken.id);
      if (!current || current.token !== taken.token) return;
      write(afterResult(current, result, now()));
    });

  return {
    enqueue: async (spec) => (await enqueueMany([spec]))[0]!,
    enqueueMany,
    list: async () => readLocalJobs(opts.sessions),
    async consume(run, { concurrency, abort }) {
      const running = new Map<string, Promise<void>>();
      ensureDir();
      const wake = wakeOnChange(dir);
      try {
        while (!abort.aborted) {
          if (running.size < concurrency) {
            const taken = await claim(new Set(running.keys()));
            if (taken) {
              const lease = leaseFor(taken, mutex, read, write);
              const done = run(lease)
                .catch((error: unknown): JobResult => ({ outcome: 'failed', reason: `worker error: ${String(error)}` }))
                .then((result) => finish(taken, result))
                .finally(() => {
                  running.delete(taken.id);
                  wake.poke();
                });
              running.set(taken.id, done);
              continue;
            }
          }
          await wake.next(opts.pollMs ?? IDLE_POLL_MS, abort);
        }
      } finally {
        wake.close();
        await Promise.allSettled(running.values());
      }
    },
    close: async () => {},
  };
}

function leaseFor(
  taken: Stored,
  mutex: Mutex,
  read: (id: string) => Stored | undefined,
  write: (job: Stored) => void,
): Lease {
  const lost = new AbortController();
  return {
    job: { ...taken },
    token: taken.token!,
    lost: lost.signal,
    progress: (progress) =>
      mutex(() => {
        const current = read(taken.id);
        if (!current || current.token !== taken.token) {
          lost.abort('the job was taken away from this worker');
          return;
        }
        write({ ...current, progress });
      }),
  };
}

export function afterResult(job: Stored, result: JobResult, now: string): Stored {
  const ended = { ...job, since: now, token: undefined };
  switch (result.outcome) {
    case 'interrupted':
      return {
        ...ended,
        state: 'queued',
        reason: 'interrupted (its worker stopped); resumes at the next start',
        pid: undefined,
      };
    case 'deferred':
      // Not run at all: back in its old place, not handed out before its time.
      return {
        ...ended,
        since: job.since,
        state: 'queued',
        reason: result.reason,
        notBefore: new Date(result.untilMs).toISOString(),
        host: undefined,
        pid: undefined,
      };
    case 'failed':
      return { ...ended, state: 'failed', reason: result.reason };
    case 'blocked':
      return { ...ended, state: 'blocked', reason: result.reason };
    default:
      return { ...ended, state: result.outcome, reason: undefined };
  }
}

/** Every job record of the local queue in `<SESSIONS>/.queue/`, oldest first (synchronous: `orchestrate list`). */
export function readLocalJobs(sessions: string): JobRecord[] {
  return readStored(join(sessions, QUEUE_DIR)).map(
    ({ token: _token, order: _order, startTicks: _ticks, bootId: _boot, ...job }) => job,
  );
}

function readStored(dir: string): Stored[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      const job = parseStored(readIfExists(join(dir, name)));
      return job ? [job] : [];
    })
    .sort((a, b) => a.order - b.order);
}

function orphanRecovered(job: Stored, state: SessionState | undefined, now: string): Stored {
  const gone = `its worker (pid ${job.pid} on ${job.host}) is gone`;
  const base = { ...job, since: now, host: undefined, pid: undefined, token: undefined, startTicks: undefined };
  switch (state?.status) {
    case 'done':
      return { ...base, state: 'done', reason: undefined };
    case 'waiting':
      return { ...base, state: 'waiting', reason: undefined };
    case 'blocked':
      return { ...base, state: 'blocked', reason: state.blockedReason ?? `blocked (${gone})` };
    default:
      return { ...base, state: 'queued', reason: `${gone}; queued again, it resumes from its files` };
  }
}

/** The session's orchestrator holds its lock on this host (the session may not exist yet: then nobody does). */
function orchestratorAlive(sessions: string, id: string): boolean {
  const match = findSessionFolder(id, listFolders(sessions));
  return match.kind === 'found' && liveHolder(join(sessions, match.folder, LOCK_FILE)) !== undefined;
}

function parseStored(text: string | undefined): Stored | undefined {
  if (!text?.trim()) return undefined;
  try {
    const value = JSON.parse(text) as Stored;
    return typeof value.id === 'string' && typeof value.state === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The spec without undefined fields (they would overwrite the kept ones of an existing job). */
function clean(spec: JobSpec): JobSpec {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as unknown as JobSpec;
}

type Mutex = <T>(fn: () => T) => Promise<T>;

/**
 * Every change of the queue runs under one lock file (io/session-lock.ts: link(2), a dead holder's lock taken over),
 * and, inside this process, one at a time (the lock's temp file is per process).
 */
function queueMutex(file: string, ensureDir: () => void): Mutex {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => T): Promise<T> => {
    const turn = chain.then(async () => {
      ensureDir();
      const deadline = Date.now() + MUTEX_WAIT_MS;
      for (;;) {
        let lock: SessionLock;
        try {
          lock = (await SessionLock.acquire(file, randomUUID(), new Date())).lock;
        } catch (error) {
          if (!(error instanceof SessionLockedError) || Date.now() > deadline) throw error;
          await sleep(5 + Math.random() * 20);
          continue;
        }
        try {
          return fn();
        } finally {
          lock.release();
        }
      }
    });
    chain = turn.catch(() => undefined);
    return turn;
  };
}

/** Wakes an idle worker when the queue folder changes (a job added, one finished), or after `ms` anyway. */
function wakeOnChange(dir: string) {
  let waiter: (() => void) | undefined;
  let pending = false;
  const poke = () => {
    pending = true;
    waiter?.();
  };
  let watcher: FSWatcher | undefined;
  try {
    // Only a record replaced or removed counts: the lock file and temp files change at every claim.
    watcher = watch(dir, (_event, name) => {
      if (typeof name === 'string' && name.endsWith('.json')) poke();
    });
    watcher.on('error', () => undefined);
  } catch {
    // no inotify left: the poll alone finds the work
  }
  return {
    poke,
    async next(ms: number, abort: AbortSignal) {
      if (pending) {
        pending = false;
        return;
      }
      const wake = new AbortController();
      waiter = () => wake.abort();
      const both = AbortSignal.any([abort, wake.signal]);
      await sleepUnlessAborted(ms, both);
      waiter = undefined;
      pending = false;
    },
    close: () => watcher?.close(),
  };
}
