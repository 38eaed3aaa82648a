// The BullMQ back end (SAMOCODE_QUEUE=redis://…) against a real redis-server of the test's own (tests/helpers/redis.ts),
// with the real `orchestrate enqueue`, `worker` and `queue`: the same session twice is one job; four sessions through
// two workers to done, their gates answered by file edits; kill -9 of a worker whose orchestrator lives on: the stalled
// job is never run a second time beside it and takes the session's end; kill -9 of a worker and its orchestrator: the
// job failed as stalled, samocode's own lock check re-queues it (a `requeued` history entry), and it resumes in the same
// phase with no history line lost or doubled; lease renewals answered late (a relay that holds Redis's replies back,
// tests/helpers/slow-replies.ts) stop the session after its iteration and it goes on; Redis killed mid-run is a clear
// error (exit 9, the URL, the fix) and loses nothing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { openRedisQueue } from '../../src/queue/redis-backend.js';
import type { QueueBackend } from '../../src/queue/backend.js';
import { reapLeftovers, sessionDirOf } from '../helpers/processes.js';
import { freePort, redisMissing, startRedis, type RedisServer } from '../helpers/redis.js';
import { slowReplies } from '../helpers/slow-replies.js';
import {
  createProject,
  answerEverything,
  fullSessionSteps,
  isRunning,
  QA,
  readHistory,
  readOverview,
  sig,
  waitFor,
  type Project,
} from '../helpers/rig.js';

const missing = redisMissing();
const LEASE_MS = 2_000;
let redis: RedisServer | undefined;
let projects = 0;

beforeAll(async () => {
  if (missing) return;
  redis = await startRedis();
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
      // A worker holds its jobs this long: a dead one's job stalls within seconds.
      `SAMOCODE_QUEUE_LEASE=${LEASE_MS / 1000}`,
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

/** waitFor for a probe that asks Redis; `explain` says, on a time-out, how things stood. */
async function until<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${explain ? `; ${await explain()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The real `orchestrate worker` on the Redis queue. */
function realWorker(p: Project, url = redis!.url, concurrency = 2) {
  return p.start(['worker', '--config', p.configFile, '--concurrency', String(concurrency)], {
    env: { SAMOCODE_QUEUE: url },
    timeoutMs: 150_000,
  });
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

  test("orchestrate list shows the Redis queue's job columns; a Redis that is away is said, and the list still comes", async () => {
    const p = project([{ signal: sig.block('needs a key') }]);
    const ran = await p.run(['--config', p.configFile, '--session', 'lr', '--task', 'list me', '--no-wait']);
    expect(ran.exitCode, ran.stderr).toBe(4);
    const queue = await queueOf(p);
    try {
      expect(await queue.enqueue({ session: 'lr' })).toEqual({ id: 'lr', added: true });
    } finally {
      await queue.close();
    }
    const list = await p.run(['list', '--config', p.configFile], { env: { SAMOCODE_QUEUE: redis!.url } });
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^name +phase +status +job +where +since +iter +updated +folder$/m);
    expect(list.stdout).toMatch(/^lr +investigation +blocked.* +queued +(just now|\d+ s ago) +1 /m);
    const json = JSON.parse(
      (await p.run(['list', '--config', p.configFile, '--json'], { env: { SAMOCODE_QUEUE: redis!.url } })).stdout,
    );
    expect(json[0]).toMatchObject({ name: 'lr', job: 'queued', queueJob: { state: 'queued', where: '' } });

    const away = await p.run(['list', '--config', p.configFile], {
      env: { SAMOCODE_QUEUE: `redis://:sekritpassword1234@127.0.0.1:${await freePort()}` },
    });
    expect(away.exitCode, away.stderr).toBe(0);
    expect(away.stderr).toContain('the queue could not be read, so the list has no job columns: cannot reach');
    expect(away.stderr + away.stdout).not.toContain('sekritpassword1234');
    expect(away.stdout).toMatch(/^lr +investigation +blocked.* +1 /m);
  });

  test('orchestrate worker ×2: four sessions to done, their gates answered by file edits, each iteration run once', async () => {
    const p = project(fullSessionSteps());
    const names = ['s1', 's2', 's3', 's4'];
    for (const name of names) {
      const added = await p.run(['enqueue', '--config', p.configFile, '--session', name, '--task', `task ${name}`], {
        env: { SAMOCODE_QUEUE: redis!.url },
      });
      expect(added.exitCode, added.stderr).toBe(0);
      expect(added.stdout).toContain(`queued ${name}`);
    }
    const workers = [realWorker(p), realWorker(p)];
    const queue = await queueOf(p);
    let passed = false;
    try {
      await until(
        async () => {
          // The person answers whatever is asked, in the files; the workers' watchers queue the continuations.
          for (const name of names) {
            const dir = sessionDirOf(p, name);
            if (dir) answerEverything(dir);
          }
          const jobs = await queue.list();
          return jobs.length === 4 && jobs.every((j) => j.state === 'done');
        },
        120_000,
        'four jobs done',
        async () => `the jobs: ${JSON.stringify(await queue.list())}`,
      );
      for (const name of names) {
        const dir = p.sessionDir(name);
        expect(readOverview(dir).data).toMatchObject({ status: 'done', iterations: 8 });
        const history = expectWholeHistory(dir);
        expect(history.filter((e) => e.event === 'iteration').map((e) => e.iteration)).toEqual([
          1, 2, 3, 4, 5, 6, 7, 8,
        ]);
      }
      const jobs = await queue.list();
      expect(jobs[0]).toMatchObject({ state: 'done', host: expect.any(String), restarts: 0 });
      // The progress the workers published on the job, for the other machines.
      expect(jobs[0]!.progress).toMatchObject({ phase: 'done', iteration: 8 });
      // A done job is not queued again by a plain enqueue.
      expect(await queue.enqueue({ session: 's1' })).toEqual({ id: 's1', added: false });
      const list = await p.run(['queue', '--config', p.configFile], { env: { SAMOCODE_QUEUE: redis!.url } });
      expect(list.exitCode, list.stderr).toBe(0);
      for (const name of names) expect(list.stdout).toContain(name);
      passed = true;
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      for (const [i, w] of workers.entries()) {
        const end = await w.result;
        // What each worker said, when the test failed: the job's reason alone may not tell which run went wrong.
        if (!passed) process.stderr.write(`worker ${i + 1} exited ${end.exitCode}:\n${end.stderr.slice(-6_000)}\n`);
      }
      await queue.close();
    }
  }, 150_000);

  test('kill -9 of orchestrate worker: its orchestrator finishes alone, the stalled job is not re-run while it lives, then takes its end', async () => {
    // The agent outlives the worker's lease (2 s) and the second worker's first sweeps with room to spare: on a
    // loaded machine 3 s was once not enough for the second worker to see the orchestrator still running.
    const p = project([{ delayMs: 6_000, signal: sig.stay('investigation') }, { signal: sig.block('the end') }]);
    const queue = await queueOf(p);
    await queue.enqueue({ session: 'orphan', task: 'outlive it' });
    const first = realWorker(p);
    const dir = await waitFor(() => sessionDirOf(p, 'orphan'), 30_000, 'the session');
    const orphan = await waitFor(() => readJson(join(dir, '.lock'))?.pid as number | undefined, 30_000, 'its lock');
    first.kill('SIGKILL');
    await first.result;
    const second = realWorker(p);
    const holders = new Set<number>();
    try {
      const end = await until(
        async () => {
          const pid = readJson(join(dir, '.lock'))?.pid as number | undefined;
          if (pid !== undefined) holders.add(pid);
          return (await queue.list()).find((j) => j.id === 'orphan' && j.state === 'blocked');
        },
        60_000,
        "the job to take the session's end",
      );
      expect(end.reason).toBe('the end');
      // Only the first orchestrator ever ran the session (the second worker held the lock only for its own check).
      expect([...holders].filter((pid) => pid !== second.pid)).toEqual([orphan]);
      second.kill('SIGTERM');
      const { stderr } = await second.result;
      expect(stderr).not.toContain('orphan: started');
      expect(stderr).toMatch(/stalled job orphan is not re-queued yet \(its orchestrator still runs\)/);
      expect(expectWholeHistory(dir).map((e) => [e.event, e.iteration])).toEqual([
        ['iteration', 1],
        ['iteration', 2],
      ]);
    } finally {
      second.kill('SIGKILL');
      await queue.close();
    }
  }, 120_000);

  test('kill -9 of a worker and its orchestrator mid-session: failed as stalled, re-queued once the orchestrator is gone, same phase, history whole', async () => {
    const p = project(steps(30_000));
    const queue = await queueOf(p);
    const first = realWorker(p);
    let second: ReturnType<typeof realWorker> | undefined;
    try {
      await queue.enqueue({ session: 'crash', task: 'survive it' });
      const dir = await secondIteration(p, 'crash');
      // Iteration 2 (the slow one) is running: its agent is recorded beside the lock, with the job's lease in the lock.
      const agent = readJson(join(dir, '.lock.agent'))!.pid as number;
      const lock = readJson(join(dir, '.lock'))!;
      expect(lock.lease).toEqual(expect.any(String));
      // The machine's crash: the worker and the orchestrator it started die at once; the agent (its own group) lives on.
      first.kill('SIGKILL');
      process.kill(lock.pid, 'SIGKILL');
      await first.result;
      await waitFor(() => !isRunning(lock.pid), 10_000, 'the orchestrator gone');
      // The re-run of iteration 2 need not be slow (the agent plays the step of the iteration it is given).
      p.scenario(steps());

      second = realWorker(p);
      const done = await until(
        async () => (await queue.list()).find((j) => j.id === 'crash' && j.state === 'waiting'),
        60_000,
        'the re-queued job at its gate',
      );
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
      second.kill('SIGTERM');
      expect((await second.result).stderr).toMatch(
        /crash: its worker on .* died: the job stalled and BullMQ failed it; re-queued in investigation/,
      );
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGKILL');
      await queue.close();
    }
  }, 120_000);

  test('a lease renewal answered late: the worker stops the session after its iteration, and it goes on, never failed', async () => {
    // Redis applies the renewal at once, but its reply comes 1.9 s late (a busy machine): the worker cannot tell
    // whether it still holds the job, so it stops the orchestrator after its iteration, and BullMQ's lease lapses
    // before the next renewal. The job is failed as stalled and queued again once its orchestrator is gone (or, had
    // the orchestrator ended while the lease still held, queued again at once: the worker no longer fails a job
    // for a lease that only looked lost, which the timing here does not reach).
    const relay = await slowReplies(redis!.port);
    const work = Array.from({ length: 9 }, (_, i) => ({
      delayMs: 250,
      files: { [`step${i + 1}.txt`]: `${i + 1}\n` },
      signal: sig.stay('investigation'),
    }));
    const p = project([
      ...work,
      { signal: sig.go('requirements') },
      { sessionFiles: QA, signal: sig.wait('qa_answers') },
    ]);
    const queue = await queueOf(p);
    const worker = realWorker(p, relay.url);
    try {
      await queue.enqueue({ session: 'late', task: 'keep going' });
      const dir = await waitFor(() => sessionDirOf(p, 'late'), 30_000, 'the session');
      await waitFor(() => readHistory(dir).length >= 1, 30_000, 'iteration 1 recorded');
      relay.slow(LEASE_MS - 100);
      await new Promise((r) => setTimeout(r, LEASE_MS + 200));
      relay.slow(0);
      const end = await until(
        async () =>
          (await queue.list()).find(
            (j) =>
              j.id === 'late' &&
              (j.state === 'waiting' || (j.state === 'failed' && !/re-queued once/.test(j.reason ?? ''))),
          ),
        60_000,
        'the job at its gate',
        async () => `the jobs: ${JSON.stringify(await queue.list())}`,
      );
      expect(end.state, end.reason).toBe('waiting');
      const iterations = expectWholeHistory(dir).filter((e) => e.event === 'iteration');
      expect(iterations.map((e) => e.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    } finally {
      worker.kill('SIGTERM');
      process.stderr.write('WORKER: ' + (await worker.result).stderr);
      await queue.close();
      await relay.close();
    }
  }, 120_000);

  test('Redis killed mid-run: the worker ends with a clear error naming the URL, the session is resumable, nothing lost', async () => {
    const own = await startRedis();
    const p = project(steps(4_000));
    const queue = await queueOf(p, own.url);
    const worker = realWorker(p, own.url);
    let said = '';
    worker.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    try {
      await queue.enqueue({ session: 'gone', task: 'keep it' });
      await queue.close();
      const dir = await secondIteration(p, 'gone');
      await own.stop();
      const { exitCode, stderr } = await Promise.race([
        worker.result,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`the worker did not end:\n${said}`)), 60_000),
        ),
      ]);
      expect(exitCode, stderr).toBe(9);
      expect(stderr).toContain(
        `cannot reach the Redis queue at ${own.url} (SAMOCODE_QUEUE) for over 2 s while the worker ran`,
      );
      expect(stderr).toMatch(/Fix: start Redis there .* No session was changed: their files are the truth/);
      // The orchestrator was stopped at a safe point (its lease was lost): after its iteration, resumable, lock released.
      expect(existsSync(join(dir, '.lock'))).toBe(false);
      const history = expectWholeHistory(dir);
      expect(history.map((e) => [e.event, e.iteration])).toEqual([
        ['iteration', 1],
        ['iteration', 2],
      ]);
      expect(readOverview(dir).data).toMatchObject({ status: 'running', phase: 'investigation' });

      // Redis back (empty: the files are the truth): enqueue again and it runs on from there to its gate.
      const back = await startRedis(own.port);
      const again = await queueOf(p, back.url);
      const rerun = realWorker(p, back.url);
      try {
        p.scenario(steps());
        await again.enqueue({ session: 'gone' });
        await until(
          async () => (await again.list()).find((j) => j.id === 'gone' && j.state === 'waiting'),
          45_000,
          'the job at its gate',
        );
        expect(expectWholeHistory(dir).map((e) => e.iteration)).toEqual([1, 2, 3, 4]);
      } finally {
        rerun.kill('SIGTERM');
        await rerun.result;
        await again.close();
        await back.stop();
      }
    } finally {
      worker.kill('SIGKILL');
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
