// The BullMQ back end against a real redis-server of the test's own (tests/helpers/redis.ts): the same session twice is
// one job; a job runs through a worker to done; kill -9 of a worker mid-session leaves the job failed as stalled,
// samocode's own lock check re-queues it (a `requeued` history entry), and it resumes in the same phase with no history
// line lost or doubled; Redis killed mid-run is a clear error (exit 9, the URL, the fix) and loses nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { openRedisQueue } from '../../src/queue/redis-backend.js';
import type { QueueBackend } from '../../src/queue/backend.js';
import { reapLeftovers, sessionDirOf } from '../helpers/processes.js';
import { redisMissing, startRedis, type RedisServer } from '../helpers/redis.js';
import {
  CLI,
  createProject,
  answerEverything,
  fullSessionSteps,
  isRunning,
  QA,
  readHistory,
  readOverview,
  ROOT,
  sig,
  waitFor,
  type Project,
} from '../helpers/rig.js';

const missing = redisMissing();
const LEASE_MS = 2_000;
let driver = '';
let redis: RedisServer | undefined;
let projects = 0;

beforeAll(async () => {
  if (missing) return;
  redis = await startRedis();
  driver = join(ROOT, 'node_modules', '.cache', `redis-worker-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'tests/helpers/redis-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: driver,
    logLevel: 'warning',
    external: ['msgpackr-extract', 'pino-pretty', '@secretlint/*'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}, 60_000);
afterAll(async () => {
  await redis?.stop();
});

function project(steps: Record<string, unknown>[]): Project {
  const p = createProject({
    config: [
      'MAIN_REPO=./repo',
      'WORKTREES=./worktrees',
      'SESSIONS=./sessions',
      'PROVIDER=script',
      'SAMOCODE_RETRY_DELAY=0',
      'SAMOCODE_SCRIPT=./scenario.json',
      // Each test's own queue on the shared redis-server.
      `SAMOCODE_QUEUE_NAME=t${++projects}-${process.pid}`,
    ],
  });
  p.scenario(steps);
  reapLeftovers(p);
  return p;
}

async function queueOf(p: Project, url = redis!.url): Promise<QueueBackend> {
  const { config } = loadConfig({
    configPath: p.configFile,
    flags: {},
    flagNames: {},
    env: {},
    cwd: p.root,
    home: p.root,
  });
  const queue = await openRedisQueue(config, { url, leaseMs: LEASE_MS });
  return queue;
}

interface Worker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startWorker(p: Project, url = redis!.url): Worker {
  // detached: its own process group, so a test can kill -9 the worker together with its orchestrators.
  const child = spawn(process.execPath, [driver, p.configFile, url, String(LEASE_MS), CLI], {
    cwd: p.root,
    env: p.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, output: () => output, exited };
}

/** waitFor for a probe that asks Redis. */
async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopWorker(worker: Worker): void {
  if (worker.child.exitCode === null && worker.child.pid) {
    try {
      process.kill(-worker.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Every seq once, in order, and every iteration's entry once: nothing lost, nothing doubled. */
function expectWholeHistory(dir: string): Record<string, any>[] {
  const history = readHistory(dir);
  expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
  const iterations = history.filter((e) => e.event === 'iteration').map((e) => e.iteration);
  expect(iterations).toEqual([...new Set(iterations)].sort((a, b) => a - b));
  return history;
}

/** Two iterations of investigation (the second slow when asked), then on to the first gate: the job ends waiting. */
const steps = (slowMs = 0) => [
  { signal: sig.stay('investigation') },
  { delayMs: slowMs, signal: sig.stay('investigation') },
  { signal: sig.go('requirements') },
  { sessionFiles: QA, signal: sig.wait('qa_answers') },
];

describe.skipIf(missing !== undefined)('BullMQ back end on a real redis-server', () => {
  test('the same session enqueued twice is one job', async () => {
    const p = project(steps());
    const queue = await queueOf(p);
    try {
      expect(await queue.enqueue({ session: 'twice', task: 'first' })).toEqual({ id: 'twice', added: true });
      expect(await queue.enqueue({ session: 'twice', task: 'second' })).toEqual({ id: 'twice', added: false });
      const jobs = (await queue.list()).filter((j) => j.id === 'twice');
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ state: 'queued', task: 'first', restarts: 0 });
    } finally {
      await queue.close();
    }
  });

  test('a job runs through a worker to done: each answered gate queues its continuation', async () => {
    const p = project(fullSessionSteps());
    const queue = await queueOf(p);
    const worker = startWorker(p);
    const job = (state: string) =>
      until(
        async () => (await queue.list()).find((j) => j.id === 'through' && j.state === state),
        45_000,
        `the job ${state}`,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(await queue.list())}\n${worker.output()}`);
      });
    try {
      await queue.enqueue({ session: 'through', task: 'build it' });
      // Waiting does not hold the job: it ends `waiting`, and the answer (here: the file edit + enqueue) queues it on.
      await job('waiting');
      const dir = p.sessionDir('through');
      answerEverything(dir);
      expect(await queue.enqueue({ session: 'through' })).toEqual({ id: 'through', added: true });
      await until(
        async () => readOverview(dir).data.waitingFor === 'plan_approval' && (await job('waiting')),
        45_000,
        'plan',
      );
      answerEverything(dir);
      await queue.enqueue({ session: 'through' });
      const done = await job('done');
      expect(readOverview(dir).data).toMatchObject({ status: 'done', phase: 'done' });
      expectWholeHistory(dir);
      expect(done).toMatchObject({ task: 'build it', host: expect.any(String), pid: worker.child.pid, restarts: 0 });
      expect(done.progress).toMatchObject({ phase: 'ended' });
      // A done job is not queued again by a plain enqueue.
      expect(await queue.enqueue({ session: 'through' })).toEqual({ id: 'through', added: false });
    } finally {
      stopWorker(worker);
      await queue.close();
    }
  });

  test('kill -9 of a worker mid-session: failed as stalled, re-queued once its orchestrator is gone, same phase, history whole', async () => {
    const p = project(steps(30_000));
    const queue = await queueOf(p);
    const first = startWorker(p);
    let second: Worker | undefined;
    try {
      await queue.enqueue({ session: 'crash', task: 'survive it' });
      const dir = await secondIteration(p, 'crash');
      // Iteration 2 (the slow one) is running: its agent is recorded beside the lock, with the job's lease in the lock.
      const agent = readJson(join(dir, '.lock.agent'))!.pid as number;
      const lock = readJson(join(dir, '.lock'))!;
      expect(lock.lease).toEqual(expect.any(String));
      process.kill(-first.child.pid!, 'SIGKILL');
      await first.exited;
      expect(isRunning(lock.pid)).toBe(false);
      // The re-run of iteration 2 need not be slow (the agent plays the step of the iteration it is given).
      p.scenario(steps());

      second = startWorker(p);
      const done = await until(
        async () => (await queue.list()).find((j) => j.id === 'crash' && j.state === 'waiting'),
        60_000,
        'the re-queued job at its gate',
      ).catch(async () => {
        throw new Error(`not done: ${JSON.stringify(await queue.list())}\n${second!.output()}`);
      });
      expect(done.restarts).toBe(1);
      // The dead run's agent was stopped when the lock was taken over, not left to write a stale signal.
      expect(isRunning(agent)).toBe(false);
      const history = expectWholeHistory(dir);
      const requeued = history.filter((e) => e.event === 'requeued');
      expect(requeued).toHaveLength(1);
      expect(requeued[0]).toMatchObject({
        phase: 'investigation',
        iteration: 1,
        restarts: 1,
        previous: { pid: lock.pid, lease: lock.lease },
      });
      expect(requeued[0]!.reason).toMatch(/died: the job stalled/);
      // Resumed in the same phase: the next iteration after the note is iteration 2 in planning, run once.
      const after = history.slice(history.indexOf(requeued[0]!) + 1);
      expect(after[0]).toMatchObject({ event: 'iteration', iteration: 2, phase: 'investigation' });
      expect(readOverview(dir).data).toMatchObject({ status: 'waiting', phase: 'requirements' });
    } finally {
      stopWorker(first);
      if (second) stopWorker(second);
      await queue.close();
    }
  }, 120_000);

  test('Redis killed mid-run: the worker ends with a clear error naming the URL, the session is resumable, nothing lost', async () => {
    const own = await startRedis();
    const p = project(steps(30_000));
    const queue = await queueOf(p, own.url);
    const worker = startWorker(p, own.url);
    try {
      await queue.enqueue({ session: 'gone', task: 'keep it' });
      await queue.close();
      const dir = await secondIteration(p, 'gone');
      await own.stop();
      const code = await worker.exited;
      expect(code, worker.output()).toBe(9);
      expect(worker.output()).toContain(`cannot reach the Redis queue at ${own.url}`);
      expect(worker.output()).toMatch(/Fix: start Redis there/);
      // The orchestrator was stopped at a safe point (its lease was lost): interrupted, resumable, lock released.
      await waitFor(() => !existsSync(join(dir, '.lock')), 20_000, 'the lock released');
      const history = expectWholeHistory(dir);
      expect(history.at(-1)).toMatchObject({ event: 'interrupted', iteration: 2 });
      expect(readOverview(dir).data).toMatchObject({ status: 'running', phase: 'investigation' });

      // Redis back (empty: the files are the truth): enqueue again and it runs on from there to its gate.
      const back = await startRedis(own.port);
      const again = await queueOf(p, back.url);
      const rerun = startWorker(p, back.url);
      try {
        p.scenario(steps());
        await again.enqueue({ session: 'gone' });
        await until(
          async () => (await again.list()).find((j) => j.id === 'gone' && j.state === 'waiting'),
          45_000,
          'the job at its gate',
        );
        const whole = expectWholeHistory(dir);
        expect(whole.filter((e) => e.event === 'iteration' && e.iteration === 2)).toHaveLength(1);
      } finally {
        stopWorker(rerun);
        await again.close();
        await back.stop();
      }
    } finally {
      stopWorker(worker);
      await own.stop();
    }
  }, 120_000);
});

/** The session's folder once iteration 1 is recorded and iteration 2's agent runs. */
async function secondIteration(p: Project, name: string): Promise<string> {
  const dir = await waitFor(() => sessionDirOf(p, name), 30_000, `session ${name}`);
  await waitFor(() => readHistory(dir).length === 1, 30_000, 'iteration 1 recorded');
  await waitFor(
    () => {
      const agent = readJson(join(dir, '.lock.agent'))?.pid as number | undefined;
      const started = readdirSync(join(dir, '_logs')).some((f) => /-002-investigation\.prompt\.md$/.test(f));
      return started && agent !== undefined && isRunning(agent);
    },
    20_000,
    "iteration 2's agent",
  );
  return dir;
}

function readJson(file: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  } catch {
    return undefined;
  }
}
