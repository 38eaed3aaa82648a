import { describe, expect, test } from 'vitest';
import { formatHistory, type HistoryRead } from '../../src/commands/inspect/format-history.js';
import { formatList, listFacts, type ListInput } from '../../src/commands/inspect/format-list.js';
import { formatStatus, formatTotals, statusFacts } from '../../src/commands/inspect/format-status.js';
import { WIDTH, fit, formatAge, shellQuote } from '../../src/commands/inspect/text.js';
import type { StatusView } from '../../src/commands/inspect/views.js';
import { ZERO_TOTALS, type HistoryEntry, type IterationEntry } from '../../src/core/state.js';
import { fakeState } from '../helpers/fake-state.js';

// Times are built from local clock readings, so the expected HH:MM:SS hold in any time zone.
const at = (day: number, h: number, m: number, s = 0) => new Date(2026, 0, day, h, m, s).toISOString();
const NOW = new Date(2026, 0, 5, 10, 0, 0);
const DIR = '/s/26-01-05-add-auth';

const paths = {
  folder: DIR,
  overview: `${DIR}/_overview.md`,
  history: `${DIR}/_signal_history.jsonl`,
  logs: `${DIR}/_logs`,
  sessionLog: `${DIR}/session.log`,
};

function iteration(seq: number, over: Partial<IterationEntry> = {}): IterationEntry {
  return {
    seq,
    time: at(5, 9, seq),
    iteration: seq,
    phase: 'investigation',
    event: 'iteration',
    phaseAfter: 'investigation',
    statusAfter: 'running',
    signal: { status: 'continue', phase: 'investigation', summary: `step ${seq}` },
    validation: 'ok',
    run: {
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 1500,
      attempts: 1,
      corrective: false,
      provider: 'script',
    },
    ...over,
  };
}

function view(over: Partial<StatusView> = {}): StatusView {
  return {
    folder: '26-01-05-add-auth',
    name: 'add-auth',
    paths,
    overview: { kind: 'state', state: fakeState({ session: '26-01-05-add-auth', name: 'add-auth' }) },
    lock: { kind: 'none' },
    phaseLimit: 10,
    rerun: 'orchestrate --config /p/.samocode --session add-auth',
    resume: 'orchestrate resume --config /p/.samocode --session add-auth',
    ...over,
  };
}

const waitingState = fakeState({
  session: '26-01-05-add-auth',
  name: 'add-auth',
  phase: 'requirements',
  status: 'waiting',
  waitingFor: 'qa_answers',
  needs: 'Answer the questions in _qa.md',
  iterations: 2,
  phaseIterations: 1,
  startedAt: at(5, 8, 0),
  updatedAt: at(5, 9, 57),
  totals: { ...ZERO_TOTALS, agentMs: 95_000 },
});

describe('small formatting helpers', () => {
  test('ages read like a person says them', () => {
    expect(formatAge(0)).toBe('just now');
    expect(formatAge(-60_000)).toBe('just now');
    expect(formatAge(42_000)).toBe('42 s ago');
    expect(formatAge(3 * 60_000 + 20_000)).toBe('3 min ago');
    expect(formatAge(2 * 3_600_000)).toBe('2 h ago');
    expect(formatAge(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min ago');
    expect(formatAge(26 * 3_600_000)).toBe('1 day ago');
    expect(formatAge(10 * 86_400_000)).toBe('10 days ago');
  });

  test('fit flattens whitespace and cuts with an ellipsis, never exceeding the width', () => {
    expect(fit('a  b\n c', 20)).toBe('a b c');
    expect(fit('abcdefghij', 10)).toBe('abcdefghij');
    expect(fit('abcdefghijk', 10)).toBe('abcdefghi…');
    expect(fit('abcdefghijk', 10)).toHaveLength(10);
  });

  test('totals show tokens and cost only when there are any', () => {
    expect(formatTotals({ ...ZERO_TOTALS, agentMs: 95_000 })).toBe('agent time 1 min 35 s');
    expect(
      formatTotals({ ...ZERO_TOTALS, agentMs: 1_000, costUsd: 1.234, inputTokens: 12_345, outputTokens: 678 }),
    ).toBe('agent time 1.0 s, cost $1.23, tokens 12,345 in / 678 out');
  });

  test('shell quoting only when needed', () => {
    expect(shellQuote('/a/b/.samocode')).toBe('/a/b/.samocode');
    expect(shellQuote("/my dir/it's")).toBe(`'/my dir/it'\\''s'`);
  });
});

describe('status', () => {
  test('a session waiting for answers says what to edit, how many questions are open, and where everything is', () => {
    const v = view({
      overview: { kind: 'state', state: waitingState },
      gate: { kind: 'qa', file: `${DIR}/_qa.md`, exists: true, questions: 2, unanswered: ['Q2'] },
      lastIteration: iteration(2, {
        phase: 'requirements',
        phaseAfter: 'requirements',
        statusAfter: 'waiting',
        signal: { status: 'waiting', for: 'qa_answers', summary: 'Wrote 2 questions', needs: 'Answer them' },
      }),
    });
    const facts = statusFacts(v, NOW);
    expect(facts).toMatchObject({
      overview: 'ok',
      phase: 'requirements',
      status: 'waiting',
      statusLine: 'waiting for qa_answers',
      waitingFor: 'qa_answers',
      needs: 'Answer the questions in _qa.md',
      edit: { file: `${DIR}/_qa.md`, exists: true, questions: 2, unanswered: ['Q2'], approval: null },
      iterations: { total: 2, inPhase: 1, phaseLimit: 10 },
      lastSignal: {
        seq: 2,
        status: 'waiting',
        for: 'qa_answers',
        phase: 'requirements',
        phaseAfter: 'requirements',
        validation: 'ok',
        problem: null,
      },
      updatedAgoMs: 3 * 60_000,
      orchestrator: null,
      paths,
    });
    const text = formatStatus(facts, NOW);
    expect(text.split('\n')[0]).toBe('session add-auth (26-01-05-add-auth)');
    for (const part of [
      'status:       waiting for qa_answers',
      'needs:        Answer the questions in _qa.md',
      `edit:         ${DIR}/_qa.md: 1 question unanswered (Q2), 1 answered`,
      'next:         when you are done, run: orchestrate --config /p/.samocode --session add-auth',
      'phase:        requirements: 1 iteration in this phase (limit 10), 2 in total',
      'last signal:  iteration 2, 2026-01-05 09:02:00 (58 min ago): waiting for qa_answers, stayed in requirements: Wrote 2 questions',
      'totals:       agent time 1 min 35 s',
      'started:      2026-01-05 08:00:00 (2 h ago)',
      'updated:      2026-01-05 09:57:00 (3 min ago)',
      'working dir:  /work/tree (branch samocode/test from main)',
      `${DIR}/_logs/`,
      `${DIR}/session.log`,
      `${DIR}/_signal_history.jsonl`,
    ]) {
      expect(text).toContain(part);
    }
  });

  test('all answered: the next step is to go on; an orchestrator that waits in place is woken with resume', () => {
    const v = view({
      overview: { kind: 'state', state: waitingState },
      gate: { kind: 'qa', file: `${DIR}/_qa.md`, exists: true, questions: 2, unanswered: [] },
      lock: { kind: 'live', pid: 4242 },
    });
    const facts = statusFacts(v, NOW);
    expect(facts.edit?.what).toBe('all 2 questions answered');
    expect(facts.next).toBe(
      'go on: orchestrate resume --config /p/.samocode --session add-auth (the orchestrator, pid 4242, is waiting for you)',
    );
    expect(formatStatus(facts, NOW)).toContain('orchestrator: pid 4242 is running and waiting for you');
  });

  test('plan approval: waiting, rejected with feedback, a missing line', () => {
    const state = { ...waitingState, phase: 'planning' as const, waitingFor: 'plan_approval' };
    const edit = (approval: Parameters<typeof statusFacts>[0]['gate']) =>
      statusFacts(view({ overview: { kind: 'state', state }, gate: approval }), NOW).edit;
    expect(edit({ kind: 'plan', file: `${DIR}/_plan.md`, exists: true, approval: { state: 'waiting' } })).toMatchObject(
      { approval: 'waiting', what: expect.stringContaining('still says _waiting_') },
    );
    expect(
      edit({
        kind: 'plan',
        file: `${DIR}/_plan.md`,
        exists: true,
        approval: { state: 'rejected', feedback: 'smaller steps' },
      }),
    ).toMatchObject({ approval: 'rejected', feedback: 'smaller steps', what: 'rejected: smaller steps' });
    expect(
      edit({ kind: 'plan', file: `${DIR}/_plan.md`, exists: true, approval: { state: 'unclear' } })?.what,
    ).toContain('has no "**Approval:**" line');
    expect(
      edit({ kind: 'plan', file: `${DIR}/_plan.md`, exists: false, approval: { state: 'unclear' } }),
    ).toMatchObject({ exists: false, what: expect.stringContaining('does not exist') });
  });

  test('running: live with its agent, stale lock, another host', () => {
    const live = statusFacts(view({ lock: { kind: 'live', pid: 12, agentPid: 34 } }), NOW);
    expect(live.statusLine).toBe('running (pid 12, agent pid 34)');
    expect(live.orchestrator).toEqual({ live: true, pid: 12, host: null, agentPid: 34, startedAt: null });
    expect(live.next).toBeNull();
    expect(formatStatus(live, NOW)).toContain('iteration 1 is running');

    const stale = statusFacts(view({ lock: { kind: 'stale', pid: 12 } }), NOW);
    expect(stale.statusLine).toBe(
      'running? (no orchestrator is running; last run stopped or crashed: run again to resume)',
    );
    expect(stale.next).toBe('run again to resume: orchestrate --config /p/.samocode --session add-auth');
    expect(statusFacts(view(), NOW).statusLine).toBe(stale.statusLine);

    expect(statusFacts(view({ lock: { kind: 'elsewhere', pid: 9, host: 'box2' } }), NOW).statusLine).toBe(
      'running? (orchestrator pid 9 on host box2: cannot check it from here)',
    );
  });

  test('blocked: kind, reason, needs, and how to unblock; a rejected signal shows its problem', () => {
    const state = fakeState({
      status: 'blocked',
      blockedKind: 'phase_limit',
      blockedReason: 'investigation ran 10 iterations',
      needs: 'raise the limit',
    });
    const facts = statusFacts(
      view({
        overview: { kind: 'state', state },
        lastIteration: iteration(10, {
          statusAfter: 'blocked',
          validation: 'phase_limit',
          problem: 'investigation ran 10 iterations (limit 10)',
        }),
      }),
      NOW,
    );
    expect(facts).toMatchObject({
      statusLine: 'blocked: phase_limit: investigation ran 10 iterations',
      blockedKind: 'phase_limit',
      needs: 'raise the limit',
      edit: null,
    });
    expect(facts.next).toContain(
      `fix the cause (notes for the agent go in ${DIR}/_overview.md), then run: orchestrate --config`,
    );
    const text = formatStatus(facts, NOW);
    expect(text).toContain('needs:        raise the limit');
    expect(text).toContain('rejected (phase_limit): investigation ran 10 iterations (limit 10)');
  });

  test('legacy, invalid and missing _overview.md are reported, not thrown, with the same JSON keys', () => {
    const ok = statusFacts(view(), NOW);
    const legacy = statusFacts(view({ overview: { kind: 'legacy', phase: 'implementation', iterations: 7 } }), NOW);
    expect(legacy).toMatchObject({
      overview: 'legacy',
      phase: 'implementation',
      status: null,
      iterations: { total: 7, inPhase: null, phaseLimit: 10 },
    });
    expect(legacy.statusLine).toContain('Python samocode format (phase implementation, iteration 7)');

    const invalid = statusFacts(
      view({
        overview: { kind: 'invalid', message: 'front matter field phase="x": bad' },
        lastIteration: iteration(3, { phaseAfter: 'requirements' }),
      }),
      NOW,
    );
    expect(invalid).toMatchObject({
      overview: 'invalid',
      problem: 'front matter field phase="x": bad',
      phase: null,
      status: null,
      statusLine: 'unreadable: front matter field phase="x": bad',
    });
    expect(formatStatus(invalid, NOW)).toContain(
      "phase:        unknown (the history's last iteration, 3, ended in requirements)",
    );

    const missing = statusFacts(view({ overview: { kind: 'missing' } }), NOW);
    expect(missing.statusLine).toBe(`not started: ${DIR}/_overview.md does not exist`);

    for (const facts of [legacy, invalid, missing]) expect(Object.keys(facts)).toEqual(Object.keys(ok));
    expect(Object.keys(ok)).toEqual([
      'session',
      'name',
      'task',
      'overview',
      'problem',
      'phase',
      'status',
      'statusLine',
      'orchestrator',
      'waitingFor',
      'needs',
      'blockedKind',
      'blockedReason',
      'edit',
      'next',
      'iterations',
      'lastSignal',
      'lastSummary',
      'totals',
      'startedAt',
      'updatedAt',
      'updatedAgoMs',
      'workingDir',
      'branch',
      'baseBranch',
      'standalone',
      'delivery',
      'standing',
      'paths',
    ]);
  });
});

describe('history', () => {
  const long = 'a summary that goes on and on '.repeat(10);
  const entries: HistoryEntry[] = [
    iteration(1, { phaseAfter: 'requirements', signal: { status: 'continue', phase: 'requirements', summary: long } }),
    iteration(2, {
      phase: 'requirements',
      phaseAfter: 'requirements',
      statusAfter: 'waiting',
      signal: { status: 'waiting', for: 'qa_answers', summary: 'asked' },
    }),
    {
      seq: 3,
      time: at(6, 7, 30, 5),
      iteration: 2,
      phase: 'requirements',
      event: 'resumed',
      from: 'waiting',
      how: 'run again',
    },
    {
      seq: 4,
      time: at(6, 7, 31),
      iteration: 3,
      phase: 'requirements',
      event: 'interrupted',
      signal: 'SIGINT',
      attempts: 1,
    },
    iteration(5, {
      iteration: 3,
      time: at(6, 7, 40),
      phase: 'requirements',
      phaseAfter: 'requirements',
      statusAfter: 'blocked',
      signal: null,
      validation: 'agent_failed',
      problem: 'exit code 1',
      run: {
        exitCode: 1,
        signal: null,
        timedOut: false,
        durationMs: 125_000,
        attempts: 3,
        corrective: false,
        provider: 'script',
      },
    }),
  ];
  const read = (over: Partial<HistoryRead> = {}): HistoryRead => ({
    entries,
    skipped: [],
    file: paths.history,
    exists: true,
    ...over,
  });

  test('a table in order, with the date when it changes, distinct resumed and interrupted rows, within 120 columns', () => {
    const text = formatHistory(read());
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(`history of ${paths.history}`);
    expect(lines[1]).toMatch(/^seq +time +iter +event +phase +status \/ validation +att +took +summary \/ problem$/);
    expect(lines[2]).toBe('-- 2026-01-05');
    expect(lines[3]).toMatch(
      /^ +1 +09:01:00 +1 +iteration +inv → req +continue \/ ok +1 +1\.5 s +a summary that goes on/,
    );
    expect(lines[3]).toMatch(/…$/);
    expect(lines[4]).toMatch(/^ +2 +09:02:00 +2 +iteration +req → req +waiting \/ ok .* asked \(for qa_answers\)$/);
    expect(lines[5]).toBe('-- 2026-01-06');
    expect(lines[6]).toMatch(/^ +3 +07:30:05 +2 +» resumed +req +from waiting +run again$/);
    expect(lines[7]).toMatch(/^ +4 +07:31:00 +3 +! interrupted +req +SIGINT +1 +stopped; iteration 3 runs again$/);
    expect(lines[8]).toMatch(
      /^ +5 +07:40:00 +3 +iteration +req → req +no signal \/ agent_failed +3 +2 min 5 s +exit code 1$/,
    );
    expect(lines.at(-1)).toBe('5 entries, 3 iterations (inv = investigation, req = requirements)');
    for (const line of lines.filter((l) => !l.startsWith('history of'))) expect(line.length).toBeLessThanOrEqual(WIDTH);
  });

  test('full phase names when there is room', () => {
    const text = formatHistory(read({ entries: [iteration(1, { signal: { status: 'continue', summary: 'short' } })] }));
    expect(text).toContain('investigation → investigation');
    expect(text).not.toContain('inv →');
  });

  test('unreadable lines are counted at the end; no entries says so', () => {
    expect(formatHistory(read({ skipped: [6] }))).toContain('\n1 unreadable line skipped (line 6)');
    expect(formatHistory(read({ skipped: [1, 2, 3, 4, 5, 6, 7] }))).toContain('\n7 unreadable lines skipped:');
    expect(formatHistory(read({ entries: [], exists: false }))).toBe(
      `history of ${paths.history}\nno history yet: the session has not run an iteration\n`,
    );
    expect(formatHistory(read({ entries: [], exists: true, skipped: [1] }))).toContain('1 unreadable line skipped');
  });

  test('an entry with missing or unknown fields is shown, not thrown', () => {
    const odd = [
      { seq: 1, time: 'whenever', event: 'something-new' } as unknown as HistoryEntry,
      {
        seq: 2,
        time: at(5, 9, 0),
        event: 'iteration',
        iteration: 1,
        phase: 'investigation',
      } as unknown as HistoryEntry,
    ];
    const text = formatHistory(read({ entries: odd }));
    expect(text).toContain('something-new');
    expect(text).toContain('whenever');
  });
});

describe('list', () => {
  const input = (
    folder: string,
    overview: ListInput['overview'],
    lock: ListInput['lock'] = { kind: 'none' },
  ): ListInput => ({
    folder,
    name: folder.replace(/^\d{2}-\d{2}-\d{2}-/, ''),
    path: `/s/${folder}`,
    overview,
    lock,
  });
  const state = (over: Parameters<typeof fakeState>[0]) => ({ kind: 'state' as const, state: fakeState(over) });

  test('newest first by updatedAt, then by the date in the folder name; statuses in brief', () => {
    const rows = listFacts(
      [
        input('20-01-01-old', { kind: 'legacy', phase: 'implementation', iterations: 7 }),
        input(
          '26-01-01-waits',
          state({
            status: 'waiting',
            waitingFor: 'plan_approval',
            phase: 'planning',
            iterations: 4,
            updatedAt: at(5, 9, 0),
          }),
        ),
        input('26-01-04-runs', state({ status: 'running', iterations: 1, updatedAt: at(5, 9, 55) }), {
          kind: 'live',
          pid: 77,
          agentPid: 78,
        }),
        input('26-01-03-crashed', state({ status: 'running', iterations: 2, updatedAt: at(4, 9, 0) }), {
          kind: 'stale',
          pid: 66,
        }),
        input(
          '26-01-02-stuck',
          state({ status: 'blocked', blockedKind: 'agent', blockedReason: 'no database', updatedAt: at(5, 9, 30) }),
        ),
        input('25-12-30-broken', { kind: 'invalid', message: 'bad yaml' }),
      ],
      NOW,
    );
    expect(rows.map((r) => r.name)).toEqual(['runs', 'stuck', 'waits', 'crashed', 'broken', 'old']);
    expect(rows.map((r) => r.statusLine)).toEqual([
      'running (pid 77)',
      'blocked: agent: no database',
      'waiting for plan_approval',
      'running? (no orchestrator: run again to resume)',
      'unreadable _overview.md (see status)',
      'legacy format (the next run migrates it)',
    ]);
    expect(rows[0]).toEqual({
      name: 'runs',
      session: '26-01-04-runs',
      folder: '/s/26-01-04-runs',
      overview: 'ok',
      phase: 'investigation',
      status: 'running',
      statusLine: 'running (pid 77)',
      live: true,
      pid: 77,
      iterations: 1,
      updatedAt: at(5, 9, 55),
      updatedAgoMs: 5 * 60_000,
      task: 'do the thing',
      totals: expect.objectContaining({ costUsd: 0, inputTokens: 0 }),
    });
    expect(rows[5]).toMatchObject({ task: null, totals: null });
    expect(rows[3]).toMatchObject({ live: false, pid: 66 });

    const text = formatList(rows, { sessions: '/s', configFile: '/p/.samocode' });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('sessions under /s, newest first:');
    expect(lines[1]).toMatch(/^name +phase +status +iter +updated +folder$/);
    expect(lines[2]).toMatch(/^runs +investigation +running \(pid 77\) +1 +5 min ago +26-01-04-runs$/);
    expect(lines[7]).toMatch(/^old +implementation +legacy format \(the next run migrates it\) +7 +\? +20-01-01-old$/);
    expect(lines.at(-1)).toBe('6 sessions; details: orchestrate status --config /p/.samocode --session <name>');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(WIDTH);
  });

  test('a long blocked reason is cut to keep the line within 120 columns', () => {
    const rows = listFacts(
      [input('26-01-02-stuck', state({ status: 'blocked', blockedKind: 'agent', blockedReason: 'x'.repeat(300) }))],
      NOW,
    );
    const line = formatList(rows, { sessions: '/s', configFile: '/p/.samocode' }).split('\n')[2]!;
    expect(line.length).toBeLessThanOrEqual(WIDTH);
    expect(line).toContain('blocked: agent: xxx');
    expect(line).toContain('…');
  });

  test("with queue jobs: orchestrate queue's columns (job, where, since, job detail) beside the session's", () => {
    const running = { ...input('26-01-05-a', state({ updatedAt: at(5, 9, 59) })) };
    running.job = { state: 'running', host: 'box', pid: 4242, since: at(5, 9, 50) };
    const failed = {
      ...input('26-01-05-b', state({ updatedAt: at(5, 9, 40), status: 'blocked', blockedKind: 'agent' })),
    };
    failed.job = { state: 'failed', host: 'box', since: at(5, 9, 45), reason: 'exit 1 three times' };
    const rows = listFacts([running, failed, input('26-01-04-c', state({ updatedAt: at(4, 9, 0) }))], NOW);
    expect(rows[1]!.queueJob).toEqual({
      state: 'failed',
      where: '',
      since: at(5, 9, 45),
      sinceAgoMs: 15 * 60_000,
      detail: 'exit 1 three times',
    });
    expect(rows[2]!.queueJob).toBeUndefined();
    const lines = formatList(rows, { sessions: '/s', configFile: '/p/.samocode' }).split('\n');
    expect(lines[1]).toMatch(/^name +phase +status +job +where +since +job detail +iter +updated +folder$/);
    expect(lines[2]).toMatch(
      /^a +investigation +running\? .* +running +box pid 4242 +10 min ago +0 +1 min ago +26-01-05-a$/,
    );
    expect(lines[3]).toMatch(/^b +investigation +blocked.* +failed +15 min ago +exit 1 three times +0 +20 min ago /);
    expect(lines[4]).toMatch(/^c +investigation +running\? .* {2,}0 +/);
  });

  test('no sessions: a friendly line saying how to start one', () => {
    expect(formatList([], { sessions: '/s', configFile: '/p/.samocode' })).toBe(
      'no sessions under /s yet; start one with orchestrate --config /p/.samocode --session <name> --task "what to do"\n',
    );
  });
});
