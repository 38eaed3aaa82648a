// The queue's decisions and the local back end on real files in a temp folder, in this process: what the end of a
// child means, the limits, the enqueue rules (the same session twice is one job), the task file's problems, the
// order jobs are handed out in. Races between workers (processes) are tested through the CLI
// (tests/integration/queue-worker.test.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { judgeChildEnd } from '../../src/queue/child-end.js';
import { limitDeferral, rateLimitReason } from '../../src/queue/limits.js';
import { openLocalQueue } from '../../src/queue/local-backend.js';
import type { JobRecord, JobResult, Lease } from '../../src/queue/backend.js';
import { readTaskFile } from '../../src/commands/queue/enqueue.js';
import { StateStore } from '../../src/io/state-store.js';
import { fakeState } from '../helpers/fake-state.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samocode-queue-'));
  dirs.push(dir);
  return dir;
}

const end = (exitCode: number | null, signal: NodeJS.Signals | null = null, stderrTail = '') => ({
  exitCode,
  signal,
  stderrTail,
});

describe('what the end of a session child means', () => {
  test.each([
    ['exit 0', end(0), {}, false, { kind: 'result', result: { outcome: 'done' } }],
    ['exit 5', end(5), {}, false, { kind: 'result', result: { outcome: 'waiting' } }],
    [
      'exit 4',
      end(4),
      { blockedReason: 'tests fail' },
      false,
      { kind: 'result', result: { outcome: 'blocked', reason: 'tests fail' } },
    ],
    ['exit 7, rate limited', end(7), { lastFailure: 'rate_limited' }, false, { kind: 'rate_limited' }],
    ['exit 143 asked for', end(143), {}, true, { kind: 'result', result: { outcome: 'interrupted' } }],
    ['SIGKILL while stopping', end(null, 'SIGKILL'), {}, true, { kind: 'result', result: { outcome: 'interrupted' } }],
    [
      'exit 3 (config)',
      end(3, null, 'bad key'),
      {},
      false,
      {
        kind: 'result',
        result: { outcome: 'failed', reason: 'orchestrate run exited 3 (config); its last words: bad key' },
      },
    ],
    [
      'exit 6 (locked)',
      end(6),
      {},
      false,
      { kind: 'result', result: { outcome: 'failed', reason: 'orchestrate run exited 6 (locked)' } },
    ],
    ['SIGKILL', end(null, 'SIGKILL'), {}, false, { kind: 'crashed', why: 'orchestrate run was killed by SIGKILL' }],
    [
      'exit 1 (internal)',
      end(1, null, 'TypeError: x'),
      {},
      false,
      { kind: 'crashed', why: 'orchestrate run exited 1 (internal); its last words: TypeError: x' },
    ],
  ])('%s', (_, childEnd, facts, stopping, verdict) => {
    expect(judgeChildEnd(childEnd, facts, stopping)).toEqual(verdict);
  });

  test('an interrupt nobody in the worker asked for fails the job, saying it is resumable', () => {
    const verdict = judgeChildEnd(end(143), {}, false);
    expect(verdict).toMatchObject({ kind: 'result', result: { outcome: 'failed' } });
    expect(JSON.stringify(verdict)).toContain('stopped from outside the worker');
  });
});

describe('the limits', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  const job = (id: string, state: JobRecord['state'], extra: Partial<JobRecord> = {}): JobRecord => ({
    id,
    session: id,
    state,
    since: new Date(now).toISOString(),
    restarts: 0,
    ...extra,
  });

  test('MAX_SESSIONS: of two jobs taken at the same time, the one taken first runs', () => {
    const first = job('a', 'running', { since: '2026-12-01T12:00:00.000Z' });
    const second = job('b', 'running', { since: '2026-12-01T12:00:00.005Z' });
    expect(limitDeferral([first, second], first, 'claude', 1, now)).toBeUndefined();
    expect(limitDeferral([first, second], second, 'claude', 1, now)).toMatchObject({ outcome: 'deferred' });
    const twin = job('c', 'running', { since: second.since });
    expect(limitDeferral([second, twin], second, 'claude', 1, now)).toBeUndefined();
    expect(limitDeferral([second, twin], twin, 'claude', 1, now)).toMatchObject({ outcome: 'deferred' });
  });

  test('MAX_SESSIONS counts the running jobs of every worker but this one', () => {
    const jobs = [job('a', 'running'), job('b', 'running'), job('me', 'running')];
    expect(limitDeferral(jobs, jobs[2]!, 'claude', 2, now)).toMatchObject({
      outcome: 'deferred',
      untilMs: now + 5_000,
    });
    expect(limitDeferral(jobs, jobs[2]!, 'claude', 3, now)).toBeUndefined();
    expect(limitDeferral(jobs, jobs[2]!, 'claude', undefined, now)).toBeUndefined();
  });

  test('a provider backing off defers new starts on it until it clears, and only on it', () => {
    const until = now + 60_000;
    const limited = job('r', 'queued', {
      reason: rateLimitReason('codex', until),
      notBefore: new Date(until).toISOString(),
    });
    const me = job('me', 'running');
    expect(limitDeferral([limited, me], me, 'codex', undefined, now)).toEqual({
      outcome: 'deferred',
      reason: rateLimitReason('codex', until),
      untilMs: until,
    });
    expect(limitDeferral([limited, me], me, 'claude', undefined, now)).toBeUndefined();
    expect(limitDeferral([limited, me], me, 'codex', undefined, until + 1)).toBeUndefined();
  });
});

describe('the local queue', () => {
  function queue(sessions = temp(), pollMs = 20) {
    return { sessions, queue: openLocalQueue({ sessions, host: 'test-host', pollMs }) };
  }

  /** Consume until `results` has been handed every job, then stop; returns the ids in the order they were run. */
  async function drainWith(q: ReturnType<typeof queue>['queue'], results: Record<string, JobResult>, concurrency = 1) {
    const ran: string[] = [];
    const abort = new AbortController();
    const ids = Object.keys(results);
    await q.consume(
      async (lease: Lease) => {
        ran.push(lease.job.id);
        await lease.progress({ phase: 'investigation', iteration: 1, costUsd: 0.5 });
        if (ids.every((id) => ran.includes(id))) abort.abort();
        return results[lease.job.id]!;
      },
      { concurrency, abort: abort.signal },
    );
    return ran;
  }

  test('the same session twice is one job; a waiting, blocked or failed one is queued again, a done one only to continue', async () => {
    const { queue: q } = queue();
    expect(await q.enqueue({ session: 'a', task: 'first' })).toEqual({ id: 'a', added: true });
    expect(await q.enqueue({ session: 'a', task: 'second' })).toEqual({ id: 'a', added: false });
    await q.enqueue({ session: 'b', task: 'b' });
    await q.enqueue({ session: 'c', task: 'c' });
    await q.enqueue({ session: 'd', task: 'd' });
    await drainWith(q, {
      a: { outcome: 'waiting' },
      b: { outcome: 'blocked', reason: 'tests fail' },
      c: { outcome: 'failed', reason: 'crashed' },
      d: { outcome: 'done' },
    });
    const states = Object.fromEntries((await q.list()).map((j) => [j.id, [j.state, j.reason, j.progress?.costUsd]]));
    expect(states).toEqual({
      a: ['waiting', undefined, 0.5],
      b: ['blocked', 'tests fail', 0.5],
      c: ['failed', 'crashed', 0.5],
      d: ['done', undefined, 0.5],
    });
    for (const id of ['a', 'b', 'c']) expect(await q.enqueue({ session: id })).toEqual({ id, added: true });
    expect(await q.enqueue({ session: 'd' })).toEqual({ id: 'd', added: false });
    expect(await q.enqueue({ session: 'd', instruction: 'and the docs' })).toEqual({ id: 'd', added: true });
    const a = (await q.list()).find((j) => j.id === 'a');
    expect(a).toMatchObject({ state: 'queued', task: 'first' });
  });

  test('a dated folder name and its short name are one job', async () => {
    const { sessions, queue: q } = queue();
    mkdirSync(join(sessions, '26-11-21-add-auth'));
    expect(await q.enqueue({ session: '26-11-21-add-auth', task: 't' })).toEqual({ id: 'add-auth', added: true });
    expect(await q.enqueue({ session: 'add-auth' })).toEqual({ id: 'add-auth', added: false });
  });

  test('oldest first; a deferred job keeps its place but is not handed out before its time; interrupted goes back', async () => {
    const { queue: q } = queue();
    for (const id of ['one', 'two', 'three']) {
      await q.enqueue({ session: id, task: id });
      await new Promise((r) => setTimeout(r, 5));
    }
    const first = new AbortController();
    await q.consume(
      async (lease) => {
        if (lease.job.id === 'one') return { outcome: 'deferred', reason: 'later', untilMs: Date.now() + 300 };
        first.abort();
        return { outcome: 'interrupted' };
      },
      { concurrency: 1, abort: first.signal },
    );
    const between = Object.fromEntries((await q.list()).map((j) => [j.id, [j.state, j.reason]]));
    expect(between).toEqual({
      one: ['queued', 'later'],
      two: ['queued', 'interrupted (its worker stopped); resumes at the next start'],
      three: ['queued', undefined],
    });
    const order: string[] = [];
    const second = new AbortController();
    await q.consume(
      async (lease) => {
        order.push(lease.job.id);
        if (order.length === 3) second.abort();
        return { outcome: 'done' };
      },
      { concurrency: 1, abort: second.signal },
    );
    expect(order).toEqual(['two', 'three', 'one']);
  });

  test('a running job whose worker is gone goes back to the queue, with why', async () => {
    const sessions = temp();
    const { queue: q } = queue(sessions);
    await q.enqueue({ session: 'orphan', task: 't' });
    const file = join(sessions, '.queue', 'orphan.json');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...record, state: 'running', host: 'test-host', pid: 2 ** 22 + 7 }));
    const seen: JobRecord[] = [];
    const abort = new AbortController();
    await q.consume(
      async (lease) => {
        seen.push(lease.job);
        abort.abort();
        return { outcome: 'done' };
      },
      { concurrency: 1, abort: abort.signal },
    );
    expect(seen[0]?.reason).toContain(`its worker (pid ${2 ** 22 + 7} on test-host) is gone`);
  });
});

test('a running job whose worker is gone takes the end its session reached meanwhile (its orchestrator outlived it)', async () => {
  const sessions = temp();
  const q = openLocalQueue({ sessions, host: 'test-host', pollMs: 20 });
  await q.enqueue({ session: 'outlived', task: 't' });
  const dir = join(sessions, '26-12-01-outlived');
  mkdirSync(dir);
  await new StateStore(join(dir, '_overview.md')).write(
    fakeState({ session: '26-12-01-outlived', name: 'outlived', status: 'blocked', blockedReason: 'no database' }),
  );
  const file = join(sessions, '.queue', 'outlived.json');
  const record = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...record, state: 'running', host: 'test-host', pid: 2 ** 22 + 7 }));
  const abort = new AbortController();
  const ran: string[] = [];
  const consuming = q.consume(
    async (lease) => {
      ran.push(lease.job.id);
      return { outcome: 'done' };
    },
    { concurrency: 1, abort: abort.signal },
  );
  await new Promise((r) => setTimeout(r, 200));
  abort.abort();
  await consuming;
  expect(ran).toEqual([]);
  expect((await q.list())[0]).toMatchObject({ id: 'outlived', state: 'blocked', reason: 'no database' });
});

describe('enqueue --file', () => {
  test('every bad line is named with its number, and nothing is read as jobs', () => {
    const file = join(temp(), 'tasks.jsonl');
    writeFileSync(
      file,
      [
        '{"session": "ok", "task": "fine"}',
        '{"session": "ok2", "task": "fine", "dive": "the db"}',
        'not json',
        '{"session": "-bad", "task": "x"}',
        '{"session": "t", "task": "x", "prio": 1}',
        '{"task": "no session"}',
        '["a"]',
        '{"session": "ok", "task": "again"}',
        '{"session": "p", "task": "x", "provider": "gpt"}',
        '',
      ].join('\n'),
    );
    let message = '';
    try {
      readTaskFile(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('7 bad lines, nothing was added');
    for (const line of [3, 4, 5, 6, 7, 8, 9]) expect(message).toContain(`${file}:${line}:`);
    expect(message).not.toContain(`${file}:1:`);
    expect(message).toContain('unknown field "prio"');
    expect(message).toContain('session ok again (first on line 1)');
    expect(message).toContain('"provider" is "gpt"');
  });

  test('good lines become jobs', () => {
    const file = join(temp(), 'tasks.jsonl');
    writeFileSync(file, '{"session": "a", "task": "x"}\n\n{"session": "b", "task": "y", "provider": "codex"}\n');
    expect(readTaskFile(file)).toEqual([
      { session: 'a', task: 'x', dive: undefined, provider: undefined },
      { session: 'b', task: 'y', dive: undefined, provider: 'codex' },
    ]);
  });
});
