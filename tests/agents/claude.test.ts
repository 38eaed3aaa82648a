// samocode driving the real Claude Code CLI (`claude -p … --output-format stream-json`) against a scripted
// Anthropic Messages API on 127.0.0.1: what only Claude Code does (both CLIs' common cases: both-clis.test.ts).
// Run by tests/agents/run.mjs (`npm run test:agents`).
import { describe, expect, test } from 'vitest';
import { turn } from './model-servers/script.js';
import { SUITE_ON, agentSession } from './helpers/agent-session.js';
import { expectNoCrash } from './helpers/scenarios.js';

const MAX_TURNS_CAP_MS = 45_000;

describe.skipIf(!SUITE_ON)(
  'claude: samocode runs the real Claude Code CLI (skipped unless run by `npm run test:agents`)',
  () => {
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
      const session = await agentSession('claude', [turn.bash('echo still working', Infinity)], {
        config: ['CLAUDE_MAX_TURNS=2'],
      });
      // Each spawn takes ~2 s; with the default phase limits samocode must have stopped long before this.
      const run = await session.run({ timeoutMs: MAX_TURNS_CAP_MS });
      expect(
        run.signal,
        `samocode did not stop by itself within ${MAX_TURNS_CAP_MS / 1000} s (killed by the test)\n${session.explain(run)}`,
      ).toBeNull();
      expectNoCrash(run, session.explain(run));
      expect(run.exitCode, session.explain(run)).not.toBe(0);
      const overview = session.overview();
      expect(overview.status, session.explain(run)).not.toBe('running');
      expect(session.iterations().length, session.explain(run)).toBeGreaterThanOrEqual(1);
      // The CLI fact the run rests on: Claude Code stopped at the turn limit with exit 1 and an error_max_turns result.
      const first = session.logs()[0];
      expect(first).toBeDefined();
      expect(
        session
          .events(first!)
          .filter((e) => e.type === 'result')
          .at(-1),
      ).toMatchObject({ subtype: 'error_max_turns', is_error: true });
      expect(session.leftovers()).toEqual([]);
      expect(session.trap.hits).toEqual([]);
    });
  },
);
