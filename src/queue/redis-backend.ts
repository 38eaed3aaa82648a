// The BullMQ back end of the queue (SAMOCODE_QUEUE=redis://…), for workers on several machines. No protocol of our
// own: BullMQ's job lock is the lease. Exactly once: the job id is the session, one attempt, and a job whose worker
// died (it stalled) is moved to failed, never re-run by BullMQ (maxStalledCount 0); samocode's own check that the
// previous orchestrator is gone (requeue-note.ts) decides when it runs again, with a note in the session history.
// bullmq and ioredis are loaded from dist/bullmq.js (queue/bullmq.ts) only when this back end is opened.
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../core/config.js';
import { makeScrubber } from '../core/secrets.js';
import { ConfigError, QueueUnavailableError } from '../errors.js';
import type { JobRecord, JobResult, JobSpec, JobState, Lease, QueueBackend } from './backend.js';
import { jobIdFor } from './job-id.js';
import { checkAndNoteRequeue } from './requeue-note.js';

type Lib = typeof import('./bullmq.js');

export interface RedisQueueOptions {
  url: string;
  host?: string | undefined;
  /**
   * How long a worker's hold on a job lasts unrenewed (BullMQ lockDuration; SAMOCODE_QUEUE_LEASE): a dead worker's job
   * stalls after it.
   */
  leaseMs?: number | undefined;
  /** What a worker says about re-queued and held jobs (default: nothing). */
  log?: ((line: string) => void) | undefined;
}

/** What a job carries in Redis: the spec, and who runs it. */
interface JobData extends JobSpec {
  host?: string | undefined;
  pid?: number | undefined;
  lease?: string | undefined;
  restarts?: number | undefined;
  /** finishedOn of the stalled failure this job was already re-queued for (so it is re-queued once). */
  requeuedFor?: number | undefined;
  /** The end its session reached while its worker was dead: the next hand-out takes it instead of running. */
  settle?: Returned | undefined;
  /** Why a deferred job waits (a provider's back-off, the project's limit): other workers read it in list(). */
  deferReason?: string | undefined;
  /** Set by enqueue to tell its own add from a concurrent one. */
  nonce?: string | undefined;
}

interface Returned {
  outcome: 'done' | 'waiting' | 'blocked';
  reason?: string | undefined;
}

const STALLED = /stalled more than allowable limit/;
const DEFAULT_LEASE_MS = 30_000;
/** A CLI command (enqueue, queue) waits this long for Redis before it says it cannot reach it. */
const CONNECT_TIMEOUT_MS = 5_000;

/** The URL as it may be shown: without its password. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function unreachable(url: string, what: string, cause: unknown): QueueUnavailableError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new QueueUnavailableError(
    `cannot reach the Redis queue at ${shownUrl(url)} (SAMOCODE_QUEUE) ${what}: ${detail}. ` +
      'Fix: start Redis there (or correct the host and port in SAMOCODE_QUEUE), then run the command again; ' +
      'or unset SAMOCODE_QUEUE to use the local queue beside the sessions. No session was changed: their files are the truth.',
    { cause },
  );
}

/** One Redis connection, ready, or a named error within CONNECT_TIMEOUT_MS. Workers need maxRetriesPerRequest null. */
async function connect(lib: Lib, url: string, forWorker: boolean): Promise<Redis> {
  const client = new lib.Redis(url, {
    maxRetriesPerRequest: forWorker ? null : 1,
    enableOfflineQueue: forWorker,
    connectTimeout: CONNECT_TIMEOUT_MS,
    lazyConnect: true,
    // Reconnect quickly and for ever: a worker decides itself when Redis has been away too long.
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  });
  client.on('error', () => {
    // reported where it matters (connect below, the worker's watch); ioredis would print unhandled ones
  });
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer in ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS).unref(),
      ),
    ]);
  } catch (error) {
    client.disconnect();
    throw unreachable(url, 'when connecting', error);
  }
  return client;
}

/** dist/bullmq.js, or a named problem when this build of samocode was made without it. */
async function loadLib(config: Config, url: string): Promise<Lib> {
  try {
    return (await import('./bullmq.js')) as Lib;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError([
      {
        source: config.configFile,
        key: 'SAMOCODE_QUEUE',
        value: shownUrl(url),
        message:
          'asks for the Redis (BullMQ) queue, which this build of samocode does not have (dist/bullmq.js is missing)',
        fix: 'unset SAMOCODE_QUEUE to use the local queue beside the sessions, or install a samocode built with `npm run build`',
      },
    ]);
  }
}

/** One queue per project: workers of one project share it, other projects on the same Redis do not see it. */
export function queueName(config: Pick<Config, 'mainRepo'>): string {
  return `samocode-${basename(config.mainRepo).replace(/[^A-Za-z0-9._-]/g, '_') || 'project'}`;
}

export async function openRedisQueue(config: Config, opts: RedisQueueOptions): Promise<QueueBackend> {
  const lib = await loadLib(config, opts.url);
  const url = opts.url;
  const host = opts.host ?? hostname();
  const leaseMs = opts.leaseMs ?? config.redisQueue?.leaseMs ?? DEFAULT_LEASE_MS;
  const log = opts.log ?? (() => {});
  const scrub = makeScrubber(config.secrets);
  const name = config.redisQueue?.name ?? queueName(config);
  const client = await connect(lib, url, false);
  const queue: Queue = new lib.Queue(name, { connection: client, prefix: 'samocode' });
  queue.on('error', () => {});
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (client.status !== 'ready') throw unreachable(url, what, error);
      throw error;
    }
  };

  async function enqueue(given: JobSpec): Promise<{ id: string; added: boolean }> {
    // Every back end names a job alike: the short name of the session's folder.
    const spec = { ...given, session: jobIdFor(config.sessions, given.session) };
    const id = jobId(spec.session);
    const existing = await queue.getJob(id);
    if (!existing) {
      const nonce = `${host}:${process.pid}:${Date.now()}:${Math.random()}`;
      await queue.add('session', { ...clean(spec), restarts: 0, nonce } satisfies JobData, {
        jobId: id,
        attempts: 1,
        removeOnComplete: false,
        removeOnFail: false,
      });
      // Two enqueues at once add one job: only the one whose data stuck added it.
      const stored = await queue.getJob(id);
      return { id: spec.session, added: (stored?.data as JobData | undefined)?.nonce === nonce };
    }
    const state = await existing.getState();
    const data = existing.data as JobData;
    const again = requeueable(state, existing.returnvalue as Returned | undefined, spec);
    if (!again) return { id: spec.session, added: false };
    // The task and dive of an existing job are kept; a continuation brings its phase and instruction.
    await existing.updateData({
      ...data,
      ...(spec.provider ? { provider: spec.provider } : {}),
      from: spec.from,
      instruction: spec.instruction,
      restarts: 0,
      requeuedFor: undefined,
    });
    try {
      await existing.retry(again);
    } catch {
      // Someone else moved it meanwhile (another enqueue, a worker's re-queue): it is queued once all the same.
      return { id: spec.session, added: false };
    }
    return { id: spec.session, added: true };
  }

  async function list(): Promise<JobRecord[]> {
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
    const records = await Promise.all(
      jobs
        .filter((job): job is Job => job !== undefined && job !== null)
        .map(async (job) => record(job, await job.getState())),
    );
    return records.sort((a, b) => a.since.localeCompare(b.since));
  }

  async function consume(
    run: (lease: Lease) => Promise<JobResult>,
    { concurrency, abort }: { concurrency: number; abort: AbortSignal },
  ): Promise<void> {
    const connection = await connect(lib, url, true);
    const held = new Map<string, { lost: AbortController; renewedAt: number }>();
    const running = new Set<Promise<unknown>>();
    let gaveUp: QueueUnavailableError | undefined;

    const worker: Worker = new lib.Worker(
      name,
      async (job: Job, token?: string) => {
        const lease = token ?? '';
        const lost = new AbortController();
        held.set(job.id!, { lost, renewedAt: Date.now() });
        const data = job.data as JobData;
        if (data.settle) {
          // Its orchestrator outlived the worker and brought the session this far: nothing to run.
          held.delete(job.id!);
          await job.updateData({ ...data, settle: undefined });
          return data.settle;
        }
        await job.updateData({ ...data, host, pid: process.pid, lease, deferReason: undefined });
        const work = run({
          job: record(job, 'active', { host, pid: process.pid }),
          token: lease,
          lost: lost.signal,
          // Never held up by Redis: a worker's commands wait for a reconnect, and a progress line can be skipped.
          progress: (p) =>
            connection.status === 'ready' && !lost.signal.aborted
              ? bounded(job.updateProgress(p), 5_000)
              : Promise.resolve(),
        });
        running.add(work);
        let result: JobResult;
        try {
          result = await work;
        } finally {
          running.delete(work);
          held.delete(job.id!);
        }
        // A lost lease (lost.signal) stopped the orchestrator after its iteration; what it reached is finished as
        // usual. BullMQ finishes or moves a job only with the lock's own token: if the job is no longer ours (failed
        // as stalled, taken by another worker), that is refused and nothing changes. A renewal answered late looks
        // lost here while Redis still holds the job for us: failing it then was for good (it is no stall).
        switch (result.outcome) {
          case 'failed':
            throw new lib.UnrecoverableError(result.reason);
          case 'interrupted':
          case 'deferred':
            // Back to queued, keeping its place: run again by the next worker (not before untilMs when deferred).
            if (result.outcome === 'deferred')
              await job.updateData({ ...(job.data as JobData), deferReason: result.reason });
            await job.moveToDelayed(result.outcome === 'deferred' ? result.untilMs : Date.now(), lease);
            throw new lib.DelayedError();
          default:
            return {
              outcome: result.outcome,
              reason: 'reason' in result ? result.reason : undefined,
            } satisfies Returned;
        }
      },
      {
        connection,
        prefix: 'samocode',
        concurrency,
        lockDuration: leaseMs,
        stalledInterval: Math.max(500, Math.floor(leaseMs / 2)),
        maxStalledCount: 0,
        autorun: false,
      },
    );
    worker.on('error', () => {
      // connection trouble is judged by the watch below; lock trouble by lockRenewalFailed
    });
    worker.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids)
        held.get(id)?.lost.abort('BullMQ could not renew its lock (another worker may hold the job)');
    });
    worker.on('locksRenewed', ({ jobIds }: { jobIds: string[] }) => {
      for (const id of jobIds) {
        const entry = held.get(id);
        if (entry) entry.renewedAt = Date.now();
      }
    });
    worker.on('failed', (job?: Job, error?: Error) => {
      if (job && STALLED.test(error?.message ?? job.failedReason ?? '')) void sweep();
    });

    // Redis away longer than a lease: every hold has expired, so stop the sessions at a safe point and end.
    let downSince: number | undefined;
    const stop = new AbortController();
    const watch = setInterval(
      () => {
        const now = Date.now();
        for (const entry of held.values())
          if (now - entry.renewedAt > leaseMs)
            entry.lost.abort(`its lock was not renewed for ${Math.round(leaseMs / 1000)} s`);
        if (connection.status === 'ready') downSince = undefined;
        else downSince ??= now;
        if (downSince !== undefined && now - downSince > leaseMs && !gaveUp) {
          gaveUp = unreachable(
            url,
            `for over ${Math.round(leaseMs / 1000)} s while the worker ran`,
            new Error(`connection ${connection.status}`),
          );
          for (const entry of held.values()) entry.lost.abort('the Redis queue went away');
          stop.abort();
        }
      },
      Math.max(200, Math.floor(leaseMs / 8)),
    );
    watch.unref();

    // Stalled jobs whose orchestrator is gone are re-queued by whichever worker looks first; at start, on every
    // stalled failure, and every lease (an orchestrator that still held the lock may have ended since).
    let sweeping: Promise<void> | undefined;
    const heldSaid = new Set<string>();
    const sweep = (): Promise<void> =>
      (sweeping ??= requeueStalled().finally(() => {
        sweeping = undefined;
      }));
    async function requeueStalled(): Promise<void> {
      if (gaveUp) return;
      try {
        for (const job of await queue.getFailed()) {
          const data = job.data as JobData;
          if (!STALLED.test(job.failedReason ?? '') || data.requeuedFor === job.finishedOn) {
            if (data.requeuedFor === job.finishedOn && STALLED.test(job.failedReason ?? ''))
              await job.retry('failed').catch(() => {});
            continue;
          }
          const restarts = (data.restarts ?? 0) + 1;
          const seen = job.finishedOn;
          const check = await checkAndNoteRequeue(
            config,
            {
              session: data.session,
              restarts,
              reason: `its worker on ${data.host ?? '?'} (pid ${data.pid ?? '?'}) died: the job stalled and BullMQ failed it`,
            },
            async (end) => {
              const now = await queue.getJob(job.id!);
              if (!now || (await now.getState()) !== 'failed' || now.finishedOn !== seen) return false;
              if ((now.data as JobData).requeuedFor === seen) return false;
              await now.updateData({
                ...(now.data as JobData),
                restarts: end ? (data.restarts ?? 0) : restarts,
                requeuedFor: seen,
                settle: end ? { outcome: end.status, reason: end.reason } : undefined,
              });
              return true;
            },
            scrub,
          );
          if (check.kind === 'held') {
            // Said once per stalled failure; looked at again at every sweep.
            if (!heldSaid.has(`${job.id}:${seen}`))
              log(`stalled job ${data.session} is not re-queued yet (its orchestrator still runs): ${check.why}`);
            heldSaid.add(`${job.id}:${seen}`);
            continue;
          }
          if (check.kind === 'taken') continue;
          await job.retry('failed').catch(() => {});
          log(
            check.end
              ? `session ${data.session}: its orchestrator outlived its worker and left it ${check.end.status}; the job takes that end`
              : (check.note ?? `session ${data.session}: re-queued after its worker died`),
          );
        }
      } catch (error) {
        if (connection.status === 'ready') log(`re-queueing stalled jobs failed: ${scrub(String(error))}`);
      }
    }
    const sweeper = setInterval(() => void sweep(), leaseMs);
    sweeper.unref();

    const ended = new Promise<void>((resolve) => {
      const done = () => resolve();
      abort.addEventListener('abort', done, { once: true });
      stop.signal.addEventListener('abort', done, { once: true });
      if (abort.aborted) resolve();
    });
    try {
      await sweep();
      void worker.run().catch(() => {});
      await ended;
    } finally {
      clearInterval(watch);
      clearInterval(sweeper);
      if (gaveUp) {
        // Let the sessions reach their safe point (their lease.lost fired), then let go without Redis.
        await Promise.allSettled([...running]);
        await bounded(worker.close(true), 2_000);
        connection.disconnect();
      } else {
        // Drain: BullMQ stops taking jobs and waits for the running ones, whose results it still records.
        await worker.close();
        await connection.quit().catch(() => connection.disconnect());
      }
    }
    if (gaveUp) throw gaveUp;
  }

  return {
    enqueue: (spec) => guard('while adding a job', () => enqueue(spec)),
    enqueueMany: (specs) =>
      guard('while adding jobs', async () => {
        const results = [];
        for (const spec of specs) results.push(await enqueue(spec));
        return results;
      }),
    list: () => guard('while listing the jobs', list),
    consume,
    close: async () => {
      // Bounded: with Redis away, BullMQ's close would wait for a connection that does not come back.
      await Promise.race([queue.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

/** `work`, or nothing after `ms` (it may still finish later). */
async function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  await Promise.race([work.catch(() => {}), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}

/** BullMQ refuses integer ids (they clash with its own): such a session name gets a prefix. */
function jobId(session: string): string {
  return /^\d+$/.test(session) ? `session-${session}` : session;
}

/** Only the spec's own fields go into the job (no undefined keys). */
function clean(spec: JobSpec): JobSpec {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as unknown as JobSpec;
}

/**
 * Whether an existing job is queued again by enqueue, and from which finished state: waiting, blocked and failed
 * ones are (the session resumes from its files); a done one only for `orchestrate continue` (from/instruction).
 */
function requeueable(state: string, returned: Returned | undefined, spec: JobSpec): 'completed' | 'failed' | undefined {
  if (state === 'failed') return 'failed';
  if (state !== 'completed') return undefined;
  if (returned?.outcome !== 'done') return 'completed';
  return spec.from !== undefined || spec.instruction !== undefined ? 'completed' : undefined;
}

function stateOf(bull: string, returned: Returned | undefined): JobState {
  switch (bull) {
    case 'active':
      return 'running';
    case 'completed':
      return returned?.outcome ?? 'done';
    case 'failed':
      return 'failed';
    default:
      return 'queued';
  }
}

function record(job: Job, bull: string, who: { host?: string; pid?: number } = {}): JobRecord {
  const data = job.data as JobData;
  const returned = job.returnvalue as Returned | undefined;
  const state = stateOf(bull, returned);
  const when =
    state === 'running' ? (job.processedOn ?? Date.now()) : state === 'queued' ? job.timestamp : job.finishedOn;
  const progress = job.progress as JobRecord['progress'] | number | undefined;
  const notBefore = bull === 'delayed' && job.delay > 0 ? new Date(job.timestamp + job.delay).toISOString() : undefined;
  const stalled = state === 'failed' && STALLED.test(job.failedReason ?? '');
  return {
    session: data.session,
    ...(data.task !== undefined ? { task: data.task } : {}),
    ...(data.dive !== undefined ? { dive: data.dive } : {}),
    ...(data.provider !== undefined ? { provider: data.provider } : {}),
    ...(data.from !== undefined ? { from: data.from } : {}),
    ...(data.instruction !== undefined ? { instruction: data.instruction } : {}),
    id: data.session,
    state,
    host: who.host ?? data.host,
    pid: who.pid ?? data.pid,
    since: new Date(when ?? job.timestamp).toISOString(),
    restarts: data.restarts ?? 0,
    reason:
      state === 'failed'
        ? stalled
          ? `its worker on ${data.host ?? '?'} (pid ${data.pid ?? '?'}) died; re-queued once its orchestrator is gone`
          : job.failedReason
        : state === 'queued'
          ? data.deferReason
          : returned?.reason,
    ...(notBefore ? { notBefore } : {}),
    ...(progress && typeof progress === 'object' ? { progress } : {}),
  };
}
