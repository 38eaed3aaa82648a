// The replies to /sessions, /log, /stats, the queue part of /status and the progress message (telegram/views.ts), and
// the fold of the last 24 h's iterations they rest on (core/recent-usage.ts). Pure functions: data in, HTML out.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_TAIL_BYTES, lastActions, recentStats } from '../../src/commands/run/telegram-views.js';
import { spawnSync } from 'node:child_process';
import type { Config } from '../../src/core/config.js';
import { ProgressTimer } from '../../src/telegram/progress.js';
import { tempDir } from '../helpers/rig.js';
import { fakeState } from '../helpers/fake-state.js';
import { addUsage, emptyUsage, totalUsage } from '../../src/core/recent-usage.js';
import type { HistoryEntry } from '../../src/core/state.js';
import {
  SESSIONS_SHOWN,
  formatActions,
  formatProgress,
  formatQueue,
  formatSessions,
  formatStats,
  type SessionRow,
  type StatsView,
} from '../../src/telegram/views.js';

const row = (over: Partial<SessionRow> = {}): SessionRow => ({
  name: 'add-auth',
  phase: 'implementation',
  status: 'running (pid 12)',
  iterations: 7,
  updatedAgoMs: 120_000,
  ...over,
});

describe('/sessions', () => {
  test('one line a session with phase, status, iterations, job and age; agent text escaped', () => {
    const text = formatSessions(
      [row(), row({ name: 'x<y>', phase: null, status: 'blocked (stalled): a & b', iterations: null, job: 'queued' })],
      '/s',
    );
    expect(text.split('\n')).toEqual([
      '📚 <b>2 sessions</b>, newest first:',
      '• <b>add-auth</b> · implementation · running (pid 12) · 7 it. · 2 min ago',
      '• <b>x&lt;y&gt;</b> · ? · blocked (stalled): a &amp; b · job queued · 2 min ago',
    ]);
  });

  test(`capped at ${SESSIONS_SHOWN} lines; the rest is counted`, () => {
    const rows = Array.from({ length: SESSIONS_SHOWN + 7 }, (_, i) => row({ name: `s${i}` }));
    const lines = formatSessions(rows, '/s').split('\n');
    expect(lines).toHaveLength(SESSIONS_SHOWN + 2);
    expect(lines.at(-1)).toBe('… and 7 more (<code>orchestrate list</code> shows them all)');
  });

  test('none: names the folder', () => {
    expect(formatSessions([], '/p/<sessions>')).toBe('No sessions under <code>/p/&lt;sessions&gt;</code> yet.');
  });
});

describe('/log', () => {
  test('the running iteration, its last lines escaped in a <pre>, the earlier ones counted', () => {
    const text = formatActions('add-auth', {
      iteration: 3,
      phase: 'testing',
      running: true,
      lines: ['12:00:01 #3 testing  Bash echo <b>', '12:00:02 #3 testing  ✗ Bash npm test: exit 1'],
      earlier: 4,
    });
    expect(text).toBe(
      '📜 <b>add-auth</b> · iteration 3 (testing), running, the last 2 actions:\n' +
        '<pre>(4 earlier not shown)\n12:00:01 #3 testing  Bash echo &lt;b&gt;\n12:00:02 #3 testing  ✗ Bash npm test: exit 1</pre>',
    );
  });

  test('an ended iteration says none runs; no iteration yet says so', () => {
    expect(formatActions('a', { iteration: 2, phase: 'qa', running: false, lines: ['x'], earlier: 0 })).toContain(
      'the last one; none runs now',
    );
    expect(formatActions('a', undefined)).toBe('<b>a</b>: no iteration has run yet, so there is nothing to show.');
  });
});

const stats = (over: Partial<StatsView> = {}): StatsView => ({
  hours: 24,
  activeSessions: 2,
  allSessions: 3,
  iterations: 12,
  failedIterations: 1,
  costUsd: 3.456,
  costEstimated: false,
  inputTokens: 120_000,
  outputTokens: 8_000,
  cacheTokens: 0,
  unreadable: 0,
  top: [
    { name: 'a', iterations: 8, costUsd: 3 },
    { name: 'b<', iterations: 4, costUsd: 0.456 },
  ],
  ...over,
});

describe('/stats', () => {
  test('sessions, iterations, cost and tokens, then the costliest sessions', () => {
    expect(formatStats(stats()).split('\n')).toEqual([
      '📊 <b>the last 24 h</b>: 2 of 3 sessions ran',
      '<b>iterations:</b> 12 (1 failed)',
      '<b>cost:</b> $3.46',
      '<b>tokens:</b> 120k in / 8000 out',
      '<b>costliest:</b>',
      '• a: 8 it., $3.00',
      '• b&lt;: 4 it., $0.46',
    ]);
  });

  test('an estimate is marked; no cost or tokens reported says so; nothing ran says so', () => {
    expect(formatStats(stats({ costEstimated: true }))).toContain('~$3.46 est.');
    const bare = formatStats(stats({ costUsd: 0, inputTokens: 0, outputTokens: 0, top: [], activeSessions: 1 }));
    expect(bare).toContain('<b>cost:</b> none reported');
    expect(bare).toContain('<b>tokens:</b> none reported');
    expect(formatStats(stats({ iterations: 0, allSessions: 1 }))).toBe(
      '📊 No iterations in the last 24 h (1 session in all).',
    );
    expect(formatStats(stats({ iterations: 0, allSessions: 1, unreadable: 2 }))).toBe(
      '📊 No iterations in the last 24 h (1 session in all).\n(2 sessions left out: the history could not be read)',
    );
  });
});

describe('/status: the queue', () => {
  test('counts per state with the first names; a queue that could not be read says why', () => {
    const text = formatQueue({
      backend: 'local',
      counts: [
        { state: 'running', count: 1, names: ['a'] },
        { state: 'queued', count: 7, names: ['b', 'c', 'd', 'e', 'f', 'g', 'h<'] },
        { state: 'failed', count: 0, names: [] },
      ],
    });
    expect(text.split('\n')).toEqual([
      '<b>Queue</b> (the queue): 1 running, 7 queued',
      '• running: a',
      '• queued: b, c, d, e, f, … 2 more',
    ]);
    expect(formatQueue({ backend: 'redis', counts: [], problem: 'connect <ECONNREFUSED>' })).toBe(
      '<b>Queue:</b> the Redis queue could not be read: connect &lt;ECONNREFUSED&gt;',
    );
    expect(formatQueue({ backend: 'local', counts: [{ state: 'done', count: 0, names: [] }] })).toBe(
      '<b>Queue:</b> the queue is empty.',
    );
  });
});

test('the progress message: phase, iteration, elapsed, last action, cost so far', () => {
  expect(
    formatProgress({
      sessionName: 's',
      phase: 'implementation',
      iteration: 4,
      attempt: 2,
      elapsedMs: 600_000,
      lastAction: 'Bash npm <test>',
      costUsd: 1.5,
      costEstimated: false,
    }).split('\n'),
  ).toEqual([
    '⏳ <b>s</b> · implementation · iteration 4, attempt 2, running for 10 min',
    '<b>last action:</b> Bash npm &lt;test&gt;',
    '<b>cost so far:</b> $1.50 · /log for more',
  ]);
});

describe('recent usage (core/recent-usage.ts)', () => {
  const SINCE = Date.parse('2026-12-01T00:00:00Z');
  const iteration = (time: string, run: Record<string, unknown>): HistoryEntry =>
    ({ event: 'iteration', time, iteration: 1, phase: 'testing', run }) as unknown as HistoryEntry;

  test.each([
    ['an iteration inside the window counts', iteration('2026-12-01T10:00:00Z', { costUsd: 0.5 }), 1, 0.5],
    ['one at the window start counts', iteration('2026-12-01T00:00:00Z', { costUsd: 0.25 }), 1, 0.25],
    ['one before the window does not', iteration('2026-11-30T23:59:59Z', { costUsd: 9 }), 0, 0],
    ['an unreadable time does not', iteration('yesterday', { costUsd: 9 }), 0, 0],
    ['a resumed entry does not', { event: 'resumed', time: '2026-12-01T10:00:00Z' } as unknown as HistoryEntry, 0, 0],
    ['garbage where a number belongs adds nothing', iteration('2026-12-01T10:00:00Z', { costUsd: 'lots' }), 1, 0],
    ['a negative cost adds nothing', iteration('2026-12-01T10:00:00Z', { costUsd: -4 }), 1, 0],
  ])('%s', (_what, entry, iterations, cost) => {
    const usage = emptyUsage('s');
    addUsage(usage, entry, SINCE);
    expect(usage.iterations).toBe(iterations);
    expect(usage.costUsd).toBe(cost);
  });

  test('tokens, failures and estimates add up; the sum lists the sessions that ran, costliest first', () => {
    const a = emptyUsage('a');
    const b = emptyUsage('b');
    const idle = emptyUsage('idle');
    addUsage(a, iteration('2026-12-01T01:00:00Z', { costUsd: 0.1, failure: 'timeout' }), SINCE);
    addUsage(
      b,
      iteration('2026-12-01T02:00:00Z', {
        costUsd: 2,
        costEstimated: true,
        tokens: { inputTokens: 100, outputTokens: 10, cacheReadTokens: 5, cacheWriteTokens: 1 },
      }),
      SINCE,
    );
    const { total, active } = totalUsage([a, idle, b]);
    expect(active.map((s) => s.name)).toEqual(['b', 'a']);
    expect(total).toMatchObject({
      iterations: 2,
      failedIterations: 1,
      costUsd: 2.1,
      costEstimated: true,
      inputTokens: 100,
      outputTokens: 10,
      cacheTokens: 6,
    });
  });
});

describe('the progress timer (telegram/progress.ts)', () => {
  afterEach(() => void vi.useRealTimers());
  const state = fakeState();
  const start = (iteration: number, attempt = 1) => ({ type: 'iteration-start', state, iteration, attempt }) as const;

  test('ticks every N while an iteration runs; a retry keeps its start; its end or a wait stops it', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks: { at: number; started: number; attempt: number }[] = [];
    const timer = new ProgressTimer({
      everyMs: 1000,
      tick: (startedMs, event) => ticks.push({ at: Date.now(), started: startedMs, attempt: event.attempt }),
    });
    timer.onEvent(start(1));
    vi.advanceTimersByTime(2500);
    expect(ticks.map((t) => t.at)).toEqual([1000, 2000]);
    timer.onEvent({ type: 'retry', state, iteration: 1, attempt: 1, delayMs: 10, why: 'x' });
    timer.onEvent(start(1, 2));
    vi.advanceTimersByTime(1000);
    expect(ticks.at(-1)).toEqual({ at: 3500, started: 0, attempt: 2 });
    timer.onEvent({ type: 'iteration-end', state, entry: {} as never });
    vi.advanceTimersByTime(5000);
    expect(ticks).toHaveLength(3);

    timer.onEvent(start(2));
    vi.advanceTimersByTime(1000);
    expect(ticks.at(-1)).toMatchObject({ started: 8500 });
    timer.onEvent({ type: 'waiting', state });
    vi.advanceTimersByTime(5000);
    expect(ticks).toHaveLength(4);
    timer.stop();
  });
});

describe('recentStats (commands/run/telegram-views.ts) over real files', () => {
  test('entries before the window are passed over, hand-edited ones without a time at the start are parsed', () => {
    const sessions = join(tempDir(), 'sessions');
    const dir = join(sessions, '26-12-01-a');
    mkdirSync(dir, { recursive: true });
    const entry = (time: string, costUsd: number, first: 'seq' | 'run' = 'seq') => {
      const run = { exitCode: 0, attempts: 1, costUsd };
      return JSON.stringify(
        first === 'seq'
          ? { seq: 1, time, event: 'iteration', iteration: 1, phase: 'testing', run }
          : { run, pad: 'x'.repeat(300), seq: 1, event: 'iteration', iteration: 1, phase: 'testing', time },
      );
    };
    writeFileSync(
      join(dir, '_signal_history.jsonl'),
      [
        entry('2026-11-29T10:00:00.000Z', 100),
        entry('2026-12-01T10:00:00.000Z', 1),
        entry('2026-12-01T11:00:00.000Z', 2, 'run'),
        entry('2026-11-29T11:00:00.000Z', 200, 'run'),
        '{torn',
      ].join('\n'),
    );
    const config = { sessions, secrets: [], queue: {} } as unknown as Config;
    const stats = recentStats(config, Date.parse('2026-12-01T00:00:00Z'));
    expect(stats).toMatchObject({ allSessions: 1, activeSessions: 1, iterations: 2, costUsd: 3, unreadable: 0 });
  });
});

describe('lastActions (commands/run/telegram-views.ts) over real files', () => {
  const tool = (n: number) =>
    JSON.stringify({
      type: 'assistant',
      message: { content: [{ type: 'tool_use', id: `t${n}`, name: 'Bash', input: { command: `echo ${n}` } }] },
    });

  test('only the tail of a long log is read, its cut first line dropped; a FIFO in place of the log reads as nothing', () => {
    const dir = tempDir('samocode-lastactions-');
    mkdirSync(join(dir, '_logs'));
    const lines = Array.from({ length: 20_000 }, (_, i) => tool(i + 1));
    writeFileSync(join(dir, '_logs', '2026-12-01T10-00-00-000Z-001-investigation.jsonl'), `${lines.join('\n')}\n`);
    const view = lastActions(dir, (text) => text, 3)!;
    expect(view.lines.map((l) => l.replace(/^.*Bash /, ''))).toEqual(['echo 19998', 'echo 19999', 'echo 20000']);
    const read = view.earlier + view.lines.length;
    expect(read).toBeLessThan(20_000);
    expect(read).toBeGreaterThan(LOG_TAIL_BYTES / (lines.at(-1)!.length + 1) - 2);

    expect(spawnSync('mkfifo', [join(dir, '_logs', '2026-12-01T10-00-01-000Z-002-investigation.jsonl')]).status).toBe(
      0,
    );
    expect(lastActions(dir, (text) => text, 3)).toMatchObject({ iteration: 2, lines: [], earlier: 0 });
  });
});
