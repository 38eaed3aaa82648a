// The worker: takes jobs from the queue and runs each session as its own `orchestrate run --no-wait` child process
// (session-child.ts), at most `concurrency` at once. It restarts a child that died unexpectedly up to
// SAMOCODE_WORKER_RESTARTS times (the session resumes from its files), then fails the job with the reason. A session
// that waits for a person ends its job as `waiting` and frees the slot: one watcher (waiting-watch.ts) queues its
// continuation when the answer is there. Limits: `concurrency`, SAMOCODE_MAX_SESSIONS across the project, and a
// provider-wide back-off after a session was blocked by rate limits (limits.ts). Stopping: `drain` stops taking jobs
// and lets each running session finish its iteration (SIGUSR2 to the child) up to SAMOCODE_WORKER_DRAIN, then
// interrupts them (SIGTERM: resumable); `now` interrupts at once; `kill` SIGKILLs what is left. When it returns, no
// process it started is left: whatever still carries its marker in the environment is killed.
import { randomUUID } from 'node:crypto';
import type { Config } from '../core/config.js';
import type { Scrub } from '../core/secrets.js';
import { isAlive, processesMarked } from '../io/process-group.js';
import type { JobRecord, JobResult, Lease, QueueBackend } from './backend.js';
import { judgeChildEnd } from './child-end.js';
import { limitDeferral, rateLimitReason } from './limits.js';
import { lastFailure, readState, sessionDirOf } from './session-facts.js';
import { startSessionChild, type SessionChild } from './session-child.js';
import { watchWaiting } from './waiting-watch.js';
import { watchPullRequests, type PrProbePort, type PrWatchOptions } from './pr-watch.js';

export interface WorkerOptions {
  config: Config;
  configPath: string;
  backend: QueueBackend;
  concurrency: number;
  /** The built CLI the children run: process.execPath and dist/cli.js. */
  node: string;
  cli: string;
  env: NodeJS.ProcessEnv;
  scrub: Scrub;
  say(line: string): void;
  stop: { drain: AbortSignal; now: AbortSignal; kill: AbortSignal };
  /** How often each running session's progress is read (the watcher re-reads the waiting jobs every 5 s at most). */
  pollMs?: number | undefined;
  /** Watch the pull requests of done sessions (DELIVER=pr) with this gh probe; absent: not watched. */
  pullRequests?: { probe: PrProbePort; notify: PrWatchOptions['notify'] } | undefined;
}

export interface WorkerReport {
  ran: number;
  /** Processes started under this worker still alive at its end, killed then (0 is the normal case). */
  leftovers: number;
}

export async function runWorker(opts: WorkerOptions): Promise<WorkerReport> {
  const { config, backend, say } = opts;
  const marker = `SAMOCODE_WORKER_ID=${randomUUID()}`;
  const [markerName, markerValue] = marker.split('=') as [string, string];
  const children = new Set<SessionChild>();
  const pollMs = opts.pollMs ?? 2_000;
  // chokidar sees an answer at once; the look at the queue is for sessions that began to wait under another worker.
  const watch = watchWaiting({ sessions: config.sessions, backend, say, pollMs: Math.max(pollMs, 5_000) });
  const prs = opts.pullRequests
    ? watchPullRequests({ config, backend, scrub: opts.scrub, say, ...opts.pullRequests })
    : undefined;
  let ran = 0;

  let drainTimer: NodeJS.Timeout | undefined;
  const stopping = () => opts.stop.drain.aborted;
  opts.stop.drain.addEventListener('abort', () => {
    // A stopping worker starts no new reaction: the next worker looks again (what was seen is in the histories).
    void prs?.close();
    if (children.size === 0) return;
    say(
      `stopping: no new jobs; ${children.size} running session(s) finish their iteration (up to ${Math.round(config.queue.drainMs / 1000)} s), then are interrupted`,
    );
    for (const child of children) child.afterIteration();
    drainTimer = setTimeout(() => {
      say('drain deadline reached: interrupting the running sessions (they are resumable)');
      for (const child of children) child.interrupt();
    }, config.queue.drainMs);
  });
  opts.stop.now.addEventListener('abort', () => {
    if (children.size > 0) say('interrupting the running sessions now (they are resumable)');
    for (const child of children) child.interrupt();
  });
  opts.stop.kill.addEventListener('abort', () => {
    for (const child of children) child.kill();
  });

  const runJob = async (lease: Lease): Promise<JobResult> => {
    const job = lease.job;
    const provider = job.provider ?? config.provider;
    const deferral = limitDeferral(await backend.list(), job, provider, config.queue.maxSessions, Date.now());
    if (deferral) return deferral;
    ran++;
    for (let restarts = 0; ;) {
      if (stopping()) return { outcome: 'interrupted' };
      const dir = sessionDirOf(config.sessions, job.id);
      const done = dir !== undefined && (await readState(dir))?.status === 'done';
      const child = startSessionChild({
        node: opts.node,
        cli: opts.cli,
        args: childArgs(opts.configPath, config.sessions, job, done),
        // The job's lease token goes into the session lock (who runs it, for which job: the Redis back end checks it).
        env: { ...opts.env, [markerName]: markerValue, SAMOCODE_JOB_LEASE: lease.token },
        scrub: opts.scrub,
        onLine: (line) => say(`${job.id} | ${line}`),
      });
      children.add(child);
      say(`${job.id}: started (orchestrate run, pid ${child.pid ?? '?'})${restarts ? `, restart ${restarts}` : ''}`);
      const stopProgress = publishProgress(config.sessions, lease, pollMs);
      const onLost = () => {
        say(`${job.id}: the queue gave the job to another worker; stopping it after this iteration`);
        child.afterIteration();
      };
      lease.lost.addEventListener('abort', onLost, { once: true });
      const end = await child.ended;
      children.delete(child);
      lease.lost.removeEventListener('abort', onLost);
      await stopProgress();
      // A new session's folder exists only now.
      const ranDir = dir ?? sessionDirOf(config.sessions, job.id);
      const state = ranDir ? await readState(ranDir) : undefined;
      const facts = { blockedReason: state?.blockedReason, lastFailure: ranDir ? lastFailure(ranDir) : undefined };
      const verdict = judgeChildEnd(end, facts, stopping() || lease.lost.aborted);
      if (verdict.kind === 'crashed') {
        if (restarts < config.queue.restarts && !stopping()) {
          restarts++;
          say(
            `${job.id}: ${verdict.why}; restarting it (${restarts} of ${config.queue.restarts}), it resumes from its files`,
          );
          continue;
        }
        say(`${job.id}: ${verdict.why}; failed`);
        return {
          outcome: 'failed',
          reason: opts.scrub(`${verdict.why}${restarts ? ` (after ${restarts} restarts)` : ''}`),
        };
      }
      if (verdict.kind === 'rate_limited') {
        const untilMs = Date.now() + config.rateLimitWaitMs;
        say(
          `${job.id}: blocked by rate limits; new starts on ${provider} pause until ${new Date(untilMs).toISOString()}`,
        );
        return { outcome: 'deferred', reason: rateLimitReason(provider, untilMs), untilMs };
      }
      const result = verdict.result;
      say(`${job.id}: ${result.outcome}${'reason' in result && result.reason ? `: ${result.reason}` : ''}`);
      if (result.outcome === 'waiting') await watch.add(job.id);
      return result;
    }
  };

  try {
    await backend.consume(runJob, { concurrency: opts.concurrency, abort: opts.stop.drain });
  } finally {
    if (drainTimer) clearTimeout(drainTimer);
    await watch.close();
    await prs?.close();
  }
  // Nothing it started may outlive it (a grandchild that left its group, a watchdog still at work).
  const left = processesMarked(marker).filter(isAlive);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return { ran, leftovers: left.length };
}

/**
 * `orchestrate run` for the job: a new session gets its task and dive; --no-wait frees the slot when it waits. A job
 * of `orchestrate continue --enqueue` (it carries an instruction) on a session that is still done runs `continue`;
 * once the new cycle has begun (a restart, a re-queue), a plain run goes on with it.
 */
export function childArgs(configPath: string, sessions: string, job: JobRecord, done = false): string[] {
  const exists = sessionDirOf(sessions, job.id) !== undefined;
  const reopen = done && job.instruction !== undefined;
  return [
    reopen ? 'continue' : 'run',
    ...(reopen ? ['--instruction', job.instruction!, ...(job.from ? ['--from', job.from] : [])] : []),
    '--config',
    configPath,
    '--session',
    job.id,
    '--no-wait',
    '--quiet',
    ...(job.provider ? ['--provider', job.provider] : []),
    ...(!exists && job.task ? ['--task', job.task] : []),
    ...(!exists && job.dive ? ['--dive', job.dive] : []),
  ];
}

/** Read the session's phase, iteration and cost every `ms` and publish them on the job when they change. */
function publishProgress(sessions: string, lease: Lease, ms: number): () => Promise<void> {
  let last = '';
  let busy: Promise<void> = Promise.resolve();
  const tick = async () => {
    const dir = sessionDirOf(sessions, lease.job.id);
    const state = dir ? await readState(dir) : undefined;
    if (!state) return;
    const progress = { phase: state.phase, iteration: state.iterations, costUsd: state.totals.costUsd };
    const key = JSON.stringify(progress);
    if (key === last) return;
    last = key;
    await lease.progress(progress);
  };
  const timer = setInterval(() => {
    busy = busy.then(tick).catch(() => undefined);
  }, ms);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await busy;
    await tick().catch(() => undefined);
  };
}
