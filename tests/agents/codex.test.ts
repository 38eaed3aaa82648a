// samocode driving the real Codex CLI (`codex exec --json …`, sandbox workspace-write) against a scripted OpenAI
// Responses API on 127.0.0.1. Run by tests/agents/run.mjs (`npm run test:agents`).
import { describe, expect, test } from 'vitest';
import { turn } from './model-servers/script.js';
import { CODEX_REQUEST_RETRIES, CODEX_STREAM_RETRIES, SUITE_ON, agentSession, sig } from './helpers/agent-session.js';
import { expectNoCrash, fullSessionTurns, playFullSession } from './helpers/scenarios.js';

describe.skipIf(!SUITE_ON)('codex: samocode runs the real Codex CLI (skipped unless run by `npm run test:agents`)', () => {
  test('a session goes through every phase to done (two waits answered by editing files between runs)', async () => {
    const session = await agentSession('codex', fullSessionTurns());
    await playFullSession(session, 'codex');
    const posts = session.apiRequests();
    expect.soft(posts.every((r) => r.url === '/v1/responses' && r.body?.stream === true)).toBe(true);
    expect.soft(new Set(posts.map((r) => r.body?.model))).toEqual(new Set(['gpt-5.5']));
    // The model was offered both tools the script uses (a model outside Codex's catalog gets no apply_patch).
    const tools = (posts[0]?.body?.tools ?? []).map((t: any) => t.name);
    expect.soft(tools).toEqual(expect.arrayContaining(['exec_command', 'apply_patch']));
  });

  // The default sandbox (workspace-write) keeps git metadata read-only: a worktree's index lives in
  // <repo>/.git/worktrees/<name>, outside the writable roots. The unsandboxed setting is the contrast.
  test('with CODEX_SANDBOX=danger-full-access the same session goes to done and its commit lands', async () => {
    const session = await agentSession('codex', fullSessionTurns(), { config: ['CODEX_SANDBOX=danger-full-access'] });
    await playFullSession(session, 'codex');
  });

  test('a burst of two 529 answers is waited out: the iteration succeeds on its first spawn', async () => {
    const session = await agentSession('codex', [turn.error(529, 2), turn.signal(sig.pause()), turn.text()]);
    const run = await session.run();
    expect(run.exitCode, session.explain(run)).toBe(5);
    const [entry] = session.iterations();
    expect(entry?.run, session.explain(run)).toMatchObject({ exitCode: 0, attempts: 1 });
    expect(session.apiRequests().map((r) => r.status)).toEqual([529, 529, 200, 200]);
    expect(session.trap.hits).toEqual([]);
  });

  test('401 from the API: the session is blocked quickly (few requests, no minutes of retries)', async () => {
    const session = await agentSession('codex', [turn.error(401, Infinity, { message: 'Incorrect API key provided' })]);
    const run = await session.run();
    expect(run.exitCode, session.explain(run)).not.toBe(0);
    expect(run.exitCode, session.explain(run)).not.toBe(5);
    expect(session.overview().status, session.explain(run)).toBe('blocked');
    expect(run.ms, 'wall time of the run').toBeLessThan(90_000);
    expect(
      session.apiRequests().length,
      `requests the model server saw (request_max_retries=${CODEX_REQUEST_RETRIES}, stream_max_retries=${CODEX_STREAM_RETRIES}; spawns: ${session.logs().length})\n${session.explain(run)}`,
    ).toBeLessThanOrEqual(3);
    expect(session.leftovers()).toEqual([]);
  });

  // Codex 0.169.0 does not fail on a refused connection: it prints "Reconnecting... waiting for network" every few
  // seconds, whatever its retry settings, so only samocode's timeout ends the run.
  test('model API unreachable (nothing listens on the port): the run ends at SAMOCODE_TIMEOUT and the session is blocked', async () => {
    const session = await agentSession('codex', [], { unreachable: true, config: ['SAMOCODE_TIMEOUT=8', 'SAMOCODE_MAX_RETRIES=0'] });
    const run = await session.run();
    expectNoCrash(run, session.explain(run));
    expect(run.exitCode, session.explain(run)).not.toBe(0);
    expect(session.overview().status, session.explain(run)).toBe('blocked');
    expect(run.ms, 'wall time of the run').toBeLessThan(60_000);
    expect(session.leftovers()).toEqual([]);
    expect(session.trap.hits).toEqual([]);
  });

  // Codex has no --max-turns: a model that never stops calling tools is bounded by SAMOCODE_TIMEOUT instead.
  test('a model that keeps calling a tool is stopped at SAMOCODE_TIMEOUT without a crash, and nothing is left running', async () => {
    const session = await agentSession('codex', [turn.bash('sleep 0.5; echo still working', Infinity)], {
      config: ['SAMOCODE_TIMEOUT=5', 'SAMOCODE_MAX_RETRIES=0'],
    });
    const run = await session.run();
    expectNoCrash(run, session.explain(run));
    expect(run.exitCode, session.explain(run)).not.toBe(0);
    expect(session.overview().status, session.explain(run)).toBe('blocked');
    const [entry] = session.iterations();
    expect(entry?.run, session.explain(run)).toMatchObject({ timedOut: true });
    expect(run.ms).toBeLessThan(60_000);
    expect(session.leftovers(), 'codex and its commands are killed with their process group').toEqual([]);
    expect(session.trap.hits).toEqual([]);
  });
});
