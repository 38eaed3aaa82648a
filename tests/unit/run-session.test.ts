// The loop through its ports (tests/helpers/loop-fakes.ts): the order of attempts, waits, entries and events for
// retries, the fallback, the corrective re-run, budgets, interrupts, resuming, the turn limit and stall detection.
// No processes and no timers: the whole file runs in milliseconds. The CLI suite keeps the end-to-end cases.
import { describe, expect, test } from 'vitest';
import type { Classified } from '../../src/core/failure-class.js';
import { runSession } from '../../src/loop/run-session.js';
import { fakeState } from '../helpers/fake-state.js';
import type { GateReport } from '../../src/core/gates.js';
import {
  MISSING,
  ScriptedGates,
  ScriptedProbe,
  block,
  go,
  loopRig,
  wait,
  type LoopRig,
  type ScriptedAttempt,
} from '../helpers/loop-fakes.js';

const crash: Classified = { cls: 'crashed', detail: 'the scripted agent exited with code 1' };
const stay = (summary?: string) => go('investigation', summary);

async function run(rig: LoopRig, state = fakeState()) {
  return runSession(state, rig.deps);
}

describe('retries', () => {
  test('a failed attempt is backed off and retried; the iteration succeeds on the second, with its log', async () => {
    const rig = loopRig([
      { failure: crash, stderrTail: 'boom\n' },
      { signal: go('requirements') },
      { signal: block('end') },
    ]);
    const outcome = await run(rig);
    expect(outcome.kind).toBe('blocked');
    expect(rig.notifier.order).toEqual(['start 1.1', 'retry', 'start 1.2', 'end 1', 'start 2.1', 'end 2', 'blocked']);
    expect(rig.clock.sleeps).toEqual([1000]);
    expect(rig.store.iterations[0]).toMatchObject({ iteration: 1, validation: 'ok', phaseAfter: 'requirements' });
    // The attempts, their runs and the delay between them all count in the iteration's time.
    expect(rig.store.iterations[0]!.run).toMatchObject({
      attempts: 2,
      exitCode: 0,
      log: '_logs/1-a2.jsonl',
      iterationMs: 3000,
      durationMs: 1000,
    });
    // History first, then the state, for every entry.
    expect(rig.store.writes).toEqual(['append', 'state', 'append', 'state']);
  });

  test('the same failure twice in a row gives up: blocked as agent_failed, naming the failure and the last stderr', async () => {
    const rig = loopRig([
      { failure: crash, stderrTail: 'warming up\nboom\n' },
      { failure: crash, stderrTail: 'warming up\nboom\n' },
    ]);
    const outcome = await run(rig);
    expect(outcome).toMatchObject({
      kind: 'blocked',
      state: { status: 'blocked', blockedKind: 'agent_failed', phase: 'investigation', iterations: 1 },
    });
    const entry = rig.store.iterations[0]!;
    expect(entry).toMatchObject({ iteration: 1, validation: 'agent_failed', statusAfter: 'blocked' });
    expect(entry.run).toMatchObject({ attempts: 2, exitCode: 1, failure: 'crashed' });
    expect(entry.problem).toContain('the same failure twice in a row');
    expect(entry.problem).toContain('boom');
    expect(rig.gate.calls).toEqual([{ status: 'blocked', startup: false }]);
  });

  test('rate limits are waited out (the CLI says how long) and do not count as failed attempts', async () => {
    const limited: ScriptedAttempt = { failure: { cls: 'rate_limited', detail: '429', retryAfterMs: 5000 } };
    const rig = loopRig([limited, limited, limited, { signal: go('requirements') }, { signal: block('end') }], {
      deps: {
        retry: {
          maxRetries: 0,
          baseDelayMs: 1000,
          maxDelayMs: 300_000,
          maxRateLimitWaitMs: 120_000,
          maxRateLimitWaits: 8,
        },
      },
    });
    await run(rig);
    expect(rig.clock.sleeps).toEqual([5000, 5000, 5000]);
    expect(rig.store.iterations[0]).toMatchObject({ validation: 'ok', run: { attempts: 4 } });
    expect(rig.notifier.events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.why)).toEqual(
      Array(3).fill('rate limited: 429'),
    );
  });
});

describe('state writes (history first; the state once the next agent runs, at most every 250 ms)', () => {
  const agentMark = (rig: LoopRig) => () => void rig.store.writes.push('agent');

  test('an iteration that goes on has its state written once the next agent runs, not before; the last at once', async () => {
    const rig = loopRig([{ signal: go('requirements') }, { signal: block('end') }]);
    rig.agent.script.forEach((step) => (step.during = agentMark(rig)));
    await run(rig);
    expect(rig.store.writes).toEqual(['agent', 'append', 'state', 'agent', 'append', 'state']);
    expect(rig.store.states.map((s) => s.historySeq)).toEqual([1, 2]);
  });

  test("an iteration's end and the next one's start are told once the next agent runs, in order", async () => {
    const rig = loopRig([{ signal: go('requirements') }, { failure: crash }, { signal: block('end') }]);
    const heard: string[][] = [];
    const agent = rig.deps.agent;
    rig.deps.agent = { attempt: (request) => (heard.push([...rig.notifier.order]), agent.attempt(request)) };
    await run(rig);
    // What the listeners had heard when each attempt was about to spawn: nothing of the last end yet.
    expect(heard).toEqual([[], ['start 1.1'], ['start 1.1', 'end 1', 'start 2.1', 'retry']]);
    expect(rig.notifier.order).toEqual(['start 1.1', 'end 1', 'start 2.1', 'retry', 'start 2.2', 'end 2', 'blocked']);
  });

  /** A clock whose sleeps (the coalescing timer) wait until the test lets them go, or their abort. */
  function heldTimers(rig: LoopRig) {
    const held: (() => void)[] = [];
    rig.deps.clock = {
      now: () => rig.clock.now(),
      sleep: (_ms, abort) =>
        new Promise<void>((resolve) => {
          held.push(resolve);
          abort.addEventListener('abort', () => resolve(), { once: true });
        }),
    };
    return { release: () => held.splice(0).forEach((resolve) => resolve()) };
  }
  const quick = (signal: ScriptedAttempt['signal']): ScriptedAttempt => ({ signal, outcome: { durationMs: 10 } });

  test('quick iterations share a write; the latest state wins; the loop never ends with one pending', async () => {
    const rig = loopRig([...Array.from({ length: 8 }, () => quick(stay())), quick(block('end'))]);
    heldTimers(rig);
    const outcome = await run(rig);
    expect(outcome.state.iterations).toBe(9);
    // Iteration 1's state when iteration 2 started (nothing written before); 2 to 8 waited for the window, which the
    // end of the loop cut short with the final state.
    expect(rig.store.states.map((s) => s.historySeq)).toEqual([1, 9]);
    expect(rig.store.states.at(-1)).toEqual(outcome.state);
    expect(rig.store.history).toHaveLength(9);
  });

  test("a long iteration after quick ones: the window's timer writes the pending state while it runs", async () => {
    const rig = loopRig([quick(stay()), quick(stay()), quick(stay()), quick(block('end'))]);
    const timers = heldTimers(rig);
    // The timer fires while iteration 4's agent runs (the window has passed): iteration 3's state is written then.
    rig.agent.script[3]!.during = () => timers.release();
    await run(rig);
    expect(rig.store.states.map((s) => s.historySeq)).toEqual([1, 3, 4]);
  });

  test('a state write that fails in the background ends the run with its error at the next record', async () => {
    const rig = loopRig([{ signal: go('requirements') }, { signal: block('end') }]);
    const full = new Error('ENOSPC: no space left on device');
    // The disk is full from iteration 1 on: iteration 1's state, written while iteration 2's agent runs, fails.
    rig.agent.script[0]!.during = () => {
      rig.store.failStateWrites = full;
    };
    await expect(run(rig)).rejects.toBe(full);
    // Both entries are in the history (appended first), so the next start applies them; no state was written.
    expect(rig.store.history.map((e) => e.seq)).toEqual([1, 2]);
    expect(rig.store.states).toEqual([]);
  });
});

describe('provider fallback', () => {
  const auth: Classified = { cls: 'auth', detail: '401 Invalid API key', fix: 'set ANTHROPIC_API_KEY' };

  test('a hard failure of the primary is retried at once on the fallback, recorded in the history; the next iteration starts on the primary', async () => {
    const rig = loopRig([{ failure: auth }, { signal: go('requirements') }, { signal: block('end') }], {
      deps: { fallback: 'codex' },
    });
    await run(rig);
    expect(rig.agent.requests.map((r) => r.provider)).toEqual([undefined, 'codex', undefined]);
    expect(rig.clock.sleeps).toEqual([]);
    const retry = rig.notifier.events.find((e) => e.type === 'retry');
    expect(retry).toMatchObject({
      delayMs: 0,
      why: 'authentication failed: 401 Invalid API key; trying the fallback provider codex',
    });
    expect(rig.store.iterations[0]).toMatchObject({
      validation: 'ok',
      phaseAfter: 'requirements',
      run: { attempts: 2, provider: 'codex', fallbackFrom: 'claude' },
    });
    expect(rig.store.iterations[1]!.run).toMatchObject({ provider: 'claude', fallbackFrom: undefined });
  });

  test('the fallback is tried once: failing there too gives up with the fix', async () => {
    const rig = loopRig([{ failure: auth }, { failure: auth }], { deps: { fallback: 'codex' } });
    await run(rig);
    expect(rig.store.iterations[0]).toMatchObject({
      validation: 'agent_failed',
      run: { attempts: 2, provider: 'codex', fallbackFrom: 'claude' },
    });
    expect(rig.store.iterations[0]!.problem).toBe(
      'authentication failed: 401 Invalid API key. Fix: set ANTHROPIC_API_KEY',
    );
  });
});

describe('corrective re-run for a missing or unreadable signal', () => {
  test('a missing signal once: one re-run with the problem stated, then the good signal is accepted', async () => {
    const rig = loopRig([
      { signal: MISSING },
      { signal: go('requirements', 'investigated') },
      { signal: block('stop here') },
    ]);
    await run(rig);
    expect(rig.notifier.order.slice(0, 4)).toEqual(['start 1.1', 'corrective', 'start 1.2', 'end 1']);
    expect(rig.agent.requests.map((r) => r.correction)).toEqual([undefined, MISSING, undefined]);
    expect(rig.store.iterations[0]).toMatchObject({
      validation: 'ok',
      phaseAfter: 'requirements',
      run: { attempts: 2, corrective: true },
    });
  });

  test('a signal missing twice blocks with signal_missing after exactly one corrective re-run', async () => {
    const rig = loopRig([{ signal: MISSING }, { signal: MISSING }]);
    const outcome = await run(rig);
    expect(rig.agent.requests).toHaveLength(2);
    expect(rig.store.iterations[0]).toMatchObject({
      validation: 'signal_missing',
      statusAfter: 'blocked',
      signal: null,
      problem: MISSING.message,
      run: { attempts: 2, corrective: true },
    });
    expect(outcome.state).toMatchObject({
      status: 'blocked',
      blockedKind: 'signal_missing',
      blockedReason: MISSING.message,
    });
  });

  // Moved from tests/integration/signal-protocol.test.ts: the same assertions, through the ports.
  test('an unreadable signal fixed on the corrective attempt is accepted', async () => {
    const notJson = { kind: 'signal_not_json' as const, message: '/s/_signal.json is not valid JSON: "{oops"' };
    const rig = loopRig([{ signal: notJson }, { signal: go('requirements') }, { signal: block('stop') }]);
    const outcome = await run(rig);
    expect(rig.store.iterations[0]).toMatchObject({
      validation: 'ok',
      phaseAfter: 'requirements',
      run: { attempts: 2, corrective: true },
    });
    expect(outcome.state).toMatchObject({ phase: 'requirements', blockedKind: 'agent' });
  });

  test('any other problem blocks at once, without a re-run', async () => {
    const rig = loopRig([{ signal: go('planning') }]);
    await run(rig);
    expect(rig.agent.requests).toHaveLength(1);
    expect(rig.store.iterations[0]).toMatchObject({
      validation: 'illegal_transition',
      run: { attempts: 1, corrective: false },
    });
  });
});

describe('budgets', () => {
  const iterations = (limit: number) => ({ iterations: limit, hours: undefined, cost: undefined, tokens: undefined });
  const staying = Array.from({ length: 9 }, (): ScriptedAttempt => ({ signal: stay() }));

  test('warned once at 80% before the iteration that reaches it, blocked before the one past the limit; a raised limit goes on without warning again', async () => {
    const rig = loopRig(staying, { deps: { budget: iterations(5) } });
    const first = await run(rig);
    expect(first.state).toMatchObject({
      status: 'blocked',
      blockedKind: 'budget_exceeded',
      iterations: 5,
      budgetWarned: ['iterations'],
    });
    expect(rig.store.history.map((e) => (e.event === 'budget' ? [e.level, e.kind, e.used, e.limit] : e.event))).toEqual(
      [
        'iteration',
        'iteration',
        'iteration',
        'iteration',
        ['warning', 'iterations', 4, 5],
        'iteration',
        ['exceeded', 'iterations', 5, 5],
      ],
    );
    expect(rig.notifier.order.slice(-5)).toEqual([
      'budget warning',
      'start 5.1',
      'end 5',
      'budget exceeded',
      'blocked',
    ]);
    expect(first.state.blockedReason).toBe(
      'budget_exceeded: 5 iterations of 5 iterations (100%, SAMOCODE_MAX_ITERATIONS)',
    );

    // The next run, with the limit raised: the person's re-run resumes it, and it goes on to the new limit.
    const again = loopRig(staying, {
      deps: { budget: iterations(7) },
      gate: [{ how: 'run again', gatePassed: false }],
    });
    const second = await runSession(first.state, again.deps);
    expect(second.state).toMatchObject({ iterations: 7, blockedKind: 'budget_exceeded' });
    expect(again.store.history.map((e) => e.event)).toEqual(['resumed', 'iteration', 'iteration', 'budget']);
    expect(again.store.history.filter((e) => e.event === 'budget' && e.level === 'warning')).toEqual([]);
  });
});

describe('interrupts', () => {
  test('Ctrl-C or SIGTERM during an attempt records the interruption and leaves the state at the last iteration', async () => {
    let rig: LoopRig | undefined;
    const stopped: ScriptedAttempt = {
      during: () => rig!.controller.abort('SIGTERM'),
      outcome: { cancelled: true, exitCode: null, killSignal: 'SIGTERM' },
    };
    rig = loopRig([{ signal: go('requirements') }, stopped]);
    const outcome = await run(rig);
    expect(outcome).toMatchObject({
      kind: 'interrupted',
      stopSignal: 'SIGTERM',
      state: { phase: 'requirements', status: 'running', iterations: 1, historySeq: 2 },
    });
    expect(rig.store.history.at(-1)).toEqual({
      seq: 2,
      time: expect.any(String),
      phase: 'requirements',
      event: 'interrupted',
      iteration: 2,
      signal: 'SIGTERM',
      attempts: 1,
    });
    expect(rig.notifier.order.slice(-2)).toEqual(['start 2.1', 'interrupted']);
  });

  test('stopBetween (a draining worker) lets the iteration under way finish and be recorded, then ends before the next', async () => {
    const between = new AbortController();
    let rig: LoopRig | undefined;
    const asked: ScriptedAttempt = { during: () => between.abort('SIGUSR2'), signal: go('requirements') };
    rig = loopRig([{ signal: go('requirements') }, asked, { signal: go('requirements') }], {
      deps: { stopBetween: between.signal },
    });
    const outcome = await run(rig);
    expect(outcome).toMatchObject({
      kind: 'interrupted',
      stopSignal: 'SIGTERM',
      state: { phase: 'requirements', status: 'running', iterations: 2 },
    });
    expect(rig.store.history.map((e) => [e.event, e.iteration])).toEqual([
      ['iteration', 1],
      ['iteration', 2],
    ]);
    expect(rig.agent.requests).toHaveLength(2);
    expect(rig.notifier.order.at(-1)).toBe('interrupted');
  });

  test('Ctrl-C during a retry delay stops before the next attempt', async () => {
    const rig = loopRig([{ failure: crash }]);
    rig.clock.onSleep = () => rig.controller.abort('SIGINT');
    const outcome = await run(rig);
    expect(outcome).toMatchObject({ kind: 'interrupted', stopSignal: 'SIGINT' });
    expect(rig.agent.requests).toHaveLength(1);
    expect(rig.store.history).toMatchObject([{ event: 'interrupted', iteration: 1, signal: 'SIGINT', attempts: 1 }]);
  });

  test('Ctrl-C while waiting for the person writes nothing and leaves the session waiting', async () => {
    const rig = loopRig([], { gate: ['ctrl-c'] });
    const waiting = fakeState({
      phase: 'requirements',
      status: 'waiting',
      waitingFor: 'qa_answers',
      iterations: 1,
      historySeq: 1,
    });
    const outcome = await run(rig, waiting);
    expect(outcome).toEqual({ kind: 'interrupted', stopSignal: 'SIGINT', state: waiting });
    expect(rig.store.writes).toEqual([]);
    expect(rig.notifier.order).toEqual(['interrupted']);
  });
});

describe('resuming', () => {
  test('a blocked session resumed at start records `resumed`, runs the next iteration in the same phase, and ends the run at the next wait', async () => {
    const rig = loopRig([{ signal: go('requirements', 'recovered') }, { signal: wait('qa_answers') }], {
      gate: [{ how: 'run again', gatePassed: false }],
    });
    const blocked = fakeState({
      status: 'blocked',
      blockedKind: 'unknown_status',
      blockedReason: 'x',
      iterations: 1,
      historySeq: 1,
    });
    const outcome = await run(rig, blocked);
    expect(outcome).toMatchObject({
      kind: 'waiting',
      state: { status: 'waiting', phase: 'requirements', waitingFor: 'qa_answers', iterations: 3 },
    });
    expect(outcome.state.blockedKind).toBeUndefined();
    expect(rig.store.history.map((e) => e.event)).toEqual(['resumed', 'iteration', 'iteration']);
    expect(rig.store.history[0]).toMatchObject({
      event: 'resumed',
      from: 'blocked',
      how: 'run again',
      phase: 'investigation',
      iteration: 1,
    });
    expect(rig.store.history[1]).toMatchObject({
      event: 'iteration',
      iteration: 2,
      phase: 'investigation',
      phaseAfter: 'requirements',
      validation: 'ok',
    });
    expect(rig.store.history.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(rig.gate.calls).toEqual([
      { status: 'blocked', startup: true },
      { status: 'waiting', startup: false },
    ]);
    expect(rig.notifier.order).toEqual(['resumed', 'start 2.1', 'end 2', 'start 3.1', 'end 3', 'waiting']);
  });

  test('a done session ends the run at once', async () => {
    const rig = loopRig([]);
    const outcome = await run(rig, fakeState({ phase: 'done', status: 'done' }));
    expect(outcome.kind).toBe('done');
    expect(rig.notifier.order).toEqual(['done']);
  });
});

describe('the turn limit', () => {
  const outOfTurns: ScriptedAttempt = {
    failure: { cls: 'max_turns', detail: 'claude stopped: reached the maximum number of turns (2 turns)' },
    signal: MISSING,
  };

  test('out of turns without a signal: the session goes on in the same phase, and the next attempt is told so', async () => {
    const rig = loopRig([outOfTurns, { signal: block('end') }]);
    await run(rig);
    expect(rig.store.iterations[0]).toMatchObject({
      validation: 'max_turns',
      statusAfter: 'running',
      phaseAfter: 'investigation',
      run: { attempts: 1, failure: 'max_turns' },
    });
    expect(rig.agent.requests[1]!.state.carryNote).toBe('max_turns');
  });

  // Moved from tests/integration/agent-streams.test.ts: the same assertions, through the ports.
  test('out of turns twice in a row stops the loop: blocked with the fix, not an endless series of iterations', async () => {
    const rig = loopRig([outOfTurns, outOfTurns, outOfTurns, { signal: block('should not get here') }]);
    const outcome = await run(rig);
    expect(outcome.state).toMatchObject({ status: 'blocked', blockedKind: 'agent_failed' });
    const iterations = rig.store.iterations;
    expect(iterations.map((e) => e.validation)).toEqual(['max_turns', 'agent_failed']);
    expect(iterations[1]!.problem).toContain('out of turns twice in a row');
    expect(iterations[1]!.problem).toContain('CLAUDE_MAX_TURNS');
  });

  test('out of turns with a signal written: the signal counts', async () => {
    const rig = loopRig([{ ...outOfTurns, signal: go('requirements') }, { signal: block('end') }]);
    await run(rig);
    expect(rig.store.iterations[0]).toMatchObject({
      validation: 'ok',
      phaseAfter: 'requirements',
      run: { failure: 'max_turns' },
    });
  });
});

describe('stall detection', () => {
  test('no change while staying: counted from the second iteration of a run, blocked at the limit', async () => {
    const probe = new ScriptedProbe([{ session: 's', tree: 't' }]);
    const rig = loopRig([{ signal: stay() }, { signal: stay() }, { signal: stay() }], {
      deps: { probe, stallLimit: 2 },
    });
    const outcome = await run(rig);
    expect(rig.store.iterations.map((e) => [e.iteration, e.changed ?? null, e.stalled ?? false])).toEqual([
      [1, null, false],
      [2, false, true],
      [3, false, true],
    ]);
    expect(rig.store.iterations.at(-1)).toMatchObject({ validation: 'stalled', statusAfter: 'blocked' });
    expect(rig.store.iterations.at(-1)!.problem).toContain(
      'stalled: 2 iterations in a row in investigation changed nothing',
    );
    expect(outcome.state).toMatchObject({ blockedKind: 'stalled', stallCount: 2 });
  });

  test('the working tree is only looked at when the iteration could be a stall', async () => {
    // New summaries and a changing session folder: visible work, no git call.
    const probe = new ScriptedProbe([{ session: 's1' }, { session: 's2' }, { session: 's3' }]);
    const rig = loopRig([{ signal: stay('a') }, { signal: stay('b') }, { signal: block('end') }], {
      deps: { probe, stallLimit: 2 },
    });
    await run(rig);
    expect(probe.treeLooks).toBe(0);
    expect(rig.store.iterations.map((e) => e.changed ?? null)).toEqual([null, true, true]);
  });

  test('a file the stream says was written in the tree is progress: no git call, the iteration changed something', async () => {
    // The same session folder and summary each time: without the stream's word every iteration would ask git.
    const probe = new ScriptedProbe([{ session: 's', tree: 't' }]);
    const rig = loopRig(
      [
        { signal: stay(), treeWrites: 1 },
        { signal: stay(), treeWrites: 2 },
        { signal: stay() },
        { signal: stay() },
        { signal: block('end') },
      ],
      { deps: { probe, stallLimit: 2 } },
    );
    await run(rig);
    // Iterations 3 and 4 showed no write: the tree is looked at (3 has no "before" tree, so it is not judged).
    expect(probe.treeLooks).toBe(2);
    expect(rig.store.iterations.map((e) => [e.iteration, e.changed ?? null, e.stalled ?? false])).toEqual([
      [1, null, false],
      [2, true, false],
      [3, null, false],
      [4, false, true],
      [5, null, false],
    ]);
  });

  test('a glance that moved is a change seen without git; one that did not leaves it to git, never to a stall', async () => {
    // A glance per iteration (1–6): it moves at 2 and 3, then stands. The tree per look at it (git): t1, t2, t2.
    const probe = new ScriptedProbe([
      { session: 's', tree: 't1', glance: 'g1' },
      { session: 's', tree: 't2', glance: 'g2' },
      { session: 's', tree: 't2', glance: 'g3' },
    ]);
    const rig = loopRig([...Array.from({ length: 5 }, () => ({ signal: stay() })), { signal: block('end') }], {
      deps: { probe, stallLimit: 2 },
    });
    await run(rig);
    // Git at 1 (no glance yet), none at 2 and 3 (the glance moved), then at 4 and 5 (it stood); 6 blocks.
    expect(probe.treeLooks).toBe(3);
    expect(probe.glances).toBe(4);
    expect(rig.store.iterations.map((e) => [e.iteration, e.changed ?? null, e.stalled ?? false])).toEqual([
      [1, null, false],
      [2, true, false],
      [3, true, false],
      // After a glance, git's look has nothing to compare with: not judged, never counted as a stall.
      [4, null, false],
      [5, false, true],
      [6, null, false],
    ]);
  });

  test('SAMOCODE_STALL_LIMIT=0 turns it off: the probe is never asked', async () => {
    const probe = new ScriptedProbe([{ session: 's', tree: 't' }]);
    const rig = loopRig([...Array.from({ length: 5 }, () => ({ signal: stay() })), { signal: block('end') }], {
      deps: { probe, stallLimit: 0 },
    });
    const outcome = await run(rig);
    expect(outcome.state).toMatchObject({ blockedKind: 'agent', iterations: 6 });
    expect(probe.treeLooks).toBe(0);
  });
});

describe("samocode's gates", () => {
  const failed = (cls = 'exit_1'): GateReport => ({
    checks: [
      {
        name: 'verify',
        command: 'npm test',
        exitCode: 1,
        timedOut: false,
        durationMs: 5,
        log: '_logs/x.log',
        cls,
        excerpt: 'FAIL a.test.ts',
      },
    ],
  });
  const passed: GateReport = {
    checks: [{ name: 'verify', command: 'npm test', exitCode: 0, timedOut: false, durationMs: 5, log: '_logs/y.log' }],
    tree: 'HEAD abc',
  };
  const impl = () => fakeState({ phase: 'implementation' });

  test('run between the verdict and the entry, only for a move onward; a refusal stays, running, and is carried', async () => {
    const gates = new ScriptedGates([failed(), passed]);
    const rig = loopRig(
      [
        { signal: go('implementation') },
        { signal: go('testing') },
        { signal: go('implementation') },
        { signal: go('testing') },
        { signal: block('end') },
      ],
      { deps: { gates } },
    );
    await run(rig, impl());
    // Staying in implementation runs nothing; each attempt to move on runs the gates once, before its entry.
    expect(gates.requests).toEqual([
      { request: { from: 'implementation', to: 'testing', finishing: false }, iteration: 2 },
      { request: { from: 'implementation', to: 'testing', finishing: false }, iteration: 4 },
    ]);
    const entries = rig.store.iterations;
    expect(entries.map((e) => [e.phaseAfter, e.statusAfter, e.validation])).toEqual([
      ['implementation', 'running', 'ok'],
      ['implementation', 'running', 'verify_failed'],
      ['implementation', 'running', 'ok'],
      ['testing', 'running', 'ok'],
      ['testing', 'blocked', 'ok'],
    ]);
    expect(entries[0]!.checks).toBeUndefined();
    expect(entries[1]!.checks).toEqual(failed().checks);
    // The failure reaches every prompt until a gate passes, then it is gone.
    expect(rig.agent.requests[2]!.state.gateFailure).toMatchObject({ kind: 'verify_failed', count: 1, iteration: 2 });
    expect(rig.agent.requests[3]!.state.gateFailure).toMatchObject({ kind: 'verify_failed', count: 1 });
    expect(rig.agent.requests[4]!.state.gateFailure).toBeUndefined();
    expect(rig.agent.requests[4]!.state.verifiedTree).toBe('HEAD abc');
  });

  test('the same failure VERIFY_BLOCK_AFTER times in a row blocks; a resume counts afresh', async () => {
    const gates = new ScriptedGates([failed()]);
    const rig = loopRig([...Array.from({ length: 4 }, () => ({ signal: go('testing') })), { signal: block('x') }], {
      deps: { gates, gateBlockAfter: 3 },
      gate: [{ how: 'orchestrate resume', gatePassed: false }, undefined],
    });
    const outcome = await run(rig, impl());
    const entries = rig.store.iterations;
    expect(entries.map((e) => [e.statusAfter, e.validation])).toEqual([
      ['running', 'verify_failed'],
      ['running', 'verify_failed'],
      ['blocked', 'verify_failed'],
      ['running', 'verify_failed'],
      ['blocked', 'ok'],
    ]);
    expect(entries[2]!.problem).toContain('the same failure 3 times in a row (VERIFY_BLOCK_AFTER=3)');
    expect(entries[2]!.problem).toContain('FAIL a.test.ts');
    // After the resume the failure was counted from 0: one more, not a fourth in a row.
    expect(outcome.state.gateFailure).toMatchObject({ count: 1 });
  });

  test('another class of failure starts the count again', async () => {
    const gates = new ScriptedGates([failed('a'), failed('b'), failed('a'), failed('a')]);
    const rig = loopRig([...Array.from({ length: 4 }, () => ({ signal: go('testing') })), { signal: block('x') }], {
      deps: { gates, gateBlockAfter: 2 },
    });
    await run(rig, impl());
    expect(rig.store.iterations.map((e) => e.statusAfter)).toEqual(['running', 'running', 'running', 'blocked']);
  });

  test('done: finishing is asked for; a done rule refuses, a clean report ends the session', async () => {
    const gates = new ScriptedGates([
      { checks: [], doneProblem: { kind: 'no_commits', message: 'no_commits: nothing beyond main' } },
      { checks: [] },
    ]);
    const rig = loopRig([{ signal: { status: 'done' } }, { signal: { status: 'done' } }], { deps: { gates } });
    const outcome = await run(rig, fakeState({ phase: 'done' }));
    expect(outcome.kind).toBe('done');
    expect(gates.requests.map((r) => r.request)).toEqual([
      { from: 'done', to: 'done', finishing: true },
      { from: 'done', to: 'done', finishing: true },
    ]);
    expect(rig.store.iterations.map((e) => [e.statusAfter, e.validation])).toEqual([
      ['running', 'no_commits'],
      ['done', 'ok'],
    ]);
    expect(rig.agent.requests[1]!.state.gateFailure).toMatchObject({
      kind: 'no_commits',
      message: 'no_commits: nothing beyond main',
    });
  });

  test('review findings wait for the person on the review file; a secret blocks', async () => {
    const finding = { rule: 'test_skipped', file: 'a.test.ts', line: 3, excerpt: 'it.skip(' };
    const review = new ScriptedGates([{ checks: [], review: { file: '_review.md', findings: [finding] } }]);
    const waits = loopRig([{ signal: { status: 'done' } }], { deps: { gates: review } });
    const waiting = await run(waits, fakeState({ phase: 'done' }));
    expect(waiting.state).toMatchObject({ status: 'waiting', waitingFor: 'review', waitingFile: '_review.md' });
    expect(waits.store.iterations[0]!.review).toEqual({ file: '_review.md', findings: 1 });

    const secret = new ScriptedGates([
      { checks: [], secrets: [{ rule: 'aws', file: 'k.txt', line: 1, excerpt: '[redacted]' }] },
    ]);
    const blocks = loopRig([{ signal: { status: 'done' } }], { deps: { gates: secret } });
    const blocked = await run(blocks, fakeState({ phase: 'done' }));
    expect(blocked.state).toMatchObject({ status: 'blocked', blockedKind: 'secret_in_diff' });
    expect(blocked.state.blockedReason).toContain('k.txt:1 (aws)');
  });

  test('Ctrl-C during the gates: an interrupted entry, no iteration entry, the session resumable', async () => {
    const gates = new ScriptedGates([passed]);
    const rig = loopRig([{ signal: go('testing') }], { deps: { gates } });
    gates.during = () => rig.controller.abort('SIGINT');
    const outcome = await run(rig, impl());
    expect(outcome).toMatchObject({
      kind: 'interrupted',
      stopSignal: 'SIGINT',
      state: { phase: 'implementation', status: 'running' },
    });
    expect(rig.store.history.map((e) => e.event)).toEqual(['interrupted']);
  });
});

describe('delivery', () => {
  const delivered = (state: { iterations: number }) => ({
    dir: '/s/_delivery',
    mode: 'patch' as const,
    time: 't',
    commitCount: state.iterations,
    commits: [],
    patches: 1,
    mbox: true,
    checks: [],
    problems: [],
    written: true,
  });

  test('once the session is done: delivered once, recorded, folded, and carried by the done event', async () => {
    const calls: number[] = [];
    const delivery = {
      deliver: async (state: { iterations: number }) => (calls.push(state.iterations), delivered(state)),
    };
    const rig = loopRig([{ signal: go('done') }, { signal: { status: 'done', phase: 'done' } }], {
      deps: { delivery },
    });
    const outcome = await run(rig, fakeState({ phase: 'quality' }));
    expect(outcome).toMatchObject({ kind: 'done', delivery: { dir: '/s/_delivery' } });
    expect(calls).toEqual([2]);
    expect(rig.store.history.at(-1)).toMatchObject({ event: 'delivered', iteration: 2, delivery: { patches: 1 } });
    expect(rig.store.states.at(-1)!.delivery).toMatchObject({ dir: '/s/_delivery', commits: 2 });
    expect(rig.notifier.events.at(-1)).toMatchObject({ type: 'done', delivery: { dir: '/s/_delivery' } });

    // A re-run of the delivered session does not deliver again; one whose delivery failed to be written does.
    const again = loopRig([], { deps: { delivery } });
    await run(again, rig.store.states.at(-1)!);
    expect(calls).toEqual([2]);
    const unwritten = loopRig([], { deps: { delivery } });
    await run(unwritten, fakeState({ phase: 'done', status: 'done', iterations: 5 }));
    expect(calls).toEqual([2, 5]);
  });
});
