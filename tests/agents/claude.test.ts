// samocode driving the real Claude Code CLI (`claude -p … --output-format stream-json`) against a scripted
// Anthropic Messages API on 127.0.0.1. Run by tests/agents/run.mjs (`npm run test:agents`).
import { describe, expect, test } from 'vitest';
import { turn } from './model-servers/script.js';
import { CLAUDE_RETRIES, SUITE_ON, agentSession, sig } from './helpers/agent-session.js';
import { apiRetries, expectNoCrash, fullSessionTurns, playFullSession } from './helpers/scenarios.js';

const MAX_TURNS_CAP_MS = 45_000;

describe.skipIf(!SUITE_ON)('claude: samocode runs the real Claude Code CLI (skipped unless run by `npm run test:agents`)', () => {
  test('a session goes through every phase to done (two waits answered by editing files between runs)', async () => {
    const session = await agentSession('claude', fullSessionTurns());
    await playFullSession(session, 'claude');
    // Claude Code probes the API with HEAD / at start; every other request was a streamed Messages call.
    const posts = session.apiRequests();
    expect.soft(posts.every((r) => r.url.startsWith('/v1/messages') && r.body?.stream === true)).toBe(true);
    expect.soft(new Set(posts.map((r) => r.body?.model))).toEqual(new Set(['claude-sonnet-4-5']));
  });

  test('a burst of two 529 Overloaded answers is waited out: the iteration succeeds on its first spawn', async () => {
    const session = await agentSession('claude', [turn.error(529, 2), turn.signal(sig.pause()), turn.text()]);
    const run = await session.run();
    expect(run.exitCode, session.explain(run)).toBe(5);
    const [entry] = session.iterations();
    expect(entry?.run, session.explain(run)).toMatchObject({ exitCode: 0, attempts: 1 });
    expect(session.apiRequests().map((r) => r.status)).toEqual([529, 529, 200, 200]);
    expect(apiRetries(session).map((e) => e.error_status)).toEqual([529, 529]);
    expect(session.trap.hits).toEqual([]);
  });

  test('401 from the API: the session is blocked quickly (few requests, no minutes of retries)', async () => {
    const session = await agentSession('claude', [turn.error(401, Infinity, { message: 'invalid x-api-key' })]);
    const run = await session.run();
    expect(run.exitCode, session.explain(run)).not.toBe(0);
    expect(run.exitCode, session.explain(run)).not.toBe(5);
    expect(session.overview().status, session.explain(run)).toBe('blocked');
    expect(run.ms, 'wall time of the run').toBeLessThan(90_000);
    // One spawn of Claude Code makes 1 + CLAUDE_CODE_MAX_RETRIES requests (it retries 401 too); more means samocode
    // spawned it again for an error no retry can fix.
    expect(
      session.apiRequests().length,
      `requests the model server saw (CLAUDE_CODE_MAX_RETRIES=${CLAUDE_RETRIES}; spawns: ${session.logs().length})\n${session.explain(run)}`,
    ).toBeLessThanOrEqual(3);
    expect(session.leftovers()).toEqual([]);
  });

  test('model API unreachable (nothing listens on the port): the session is blocked within seconds', async () => {
    const session = await agentSession('claude', [], { unreachable: true });
    const run = await session.run();
    expectNoCrash(run, session.explain(run));
    expect(run.exitCode, session.explain(run)).not.toBe(0);
    expect(session.overview().status, session.explain(run)).toBe('blocked');
    expect(run.ms, 'wall time of the run').toBeLessThan(60_000);
    expect(session.leftovers()).toEqual([]);
    expect(session.trap.hits).toEqual([]);
  });

  test('max turns (CLAUDE_MAX_TURNS=2, a model that keeps calling a tool) is handled without a crash', async () => {
    const session = await agentSession('claude', [turn.bash('echo still working', Infinity)], { config: ['CLAUDE_MAX_TURNS=2'] });
    // Each spawn takes ~2 s; with the default phase limits samocode must have stopped long before this.
    const run = await session.run({ timeoutMs: MAX_TURNS_CAP_MS });
    expect(run.signal, `samocode did not stop by itself within ${MAX_TURNS_CAP_MS / 1000} s (killed by the test)\n${session.explain(run)}`).toBeNull();
    expectNoCrash(run, session.explain(run));
    expect(run.exitCode, session.explain(run)).not.toBe(0);
    const overview = session.overview();
    expect(overview.status, session.explain(run)).not.toBe('running');
    expect(session.iterations().length, session.explain(run)).toBeGreaterThanOrEqual(1);
    // The CLI fact the run rests on: Claude Code stopped at the turn limit with exit 1 and an error_max_turns result.
    const first = session.logs()[0];
    expect(first).toBeDefined();
    expect(session.events(first!).filter((e) => e.type === 'result').at(-1)).toMatchObject({ subtype: 'error_max_turns', is_error: true });
    expect(session.leftovers()).toEqual([]);
    expect(session.trap.hits).toEqual([]);
  });
});
