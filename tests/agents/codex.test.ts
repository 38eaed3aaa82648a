// samocode driving the real Codex CLI (`codex exec --json …`, sandbox workspace-write) against a scripted OpenAI
// Responses API on 127.0.0.1: what only Codex does (both CLIs' common cases: both-clis.test.ts). Run by
// tests/agents/run.mjs (`npm run test:agents`).
import { describe, expect, test } from 'vitest';
import { turn } from './model-servers/script.js';
import { SUITE_ON, agentSession } from './helpers/agent-session.js';
import { expectNoCrash, fullSessionTurns, playFullSession } from './helpers/scenarios.js';

describe.skipIf(!SUITE_ON)(
  'codex: samocode runs the real Codex CLI (skipped unless run by `npm run test:agents`)',
  () => {
    // The default sandbox (workspace-write) keeps git metadata read-only: a worktree's index lives in
    // <repo>/.git/worktrees/<name>, outside the writable roots. The unsandboxed setting is the contrast.
    test('with CODEX_SANDBOX=danger-full-access the same session goes to done and its commit lands', async () => {
      const session = await agentSession('codex', fullSessionTurns(), { config: ['CODEX_SANDBOX=danger-full-access'] });
      await playFullSession(session, 'codex');
    });

    // Codex 0.169.0 does not fail on a refused connection: it prints "Reconnecting... waiting for network" every few
    // seconds, whatever its retry settings, so only samocode's timeout ends the run.
    test('model API unreachable (nothing listens on the port): the run ends at SAMOCODE_TIMEOUT and the session is blocked', async () => {
      const session = await agentSession('codex', [], {
        unreachable: true,
        config: ['SAMOCODE_TIMEOUT=8', 'SAMOCODE_MAX_RETRIES=0'],
      });
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
  },
);
