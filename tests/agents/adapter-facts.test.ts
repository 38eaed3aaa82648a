// Target behaviour of the provider adapters (stream parsing): what the CLIs report about a run must reach samocode's
// records. Cost and tokens go to the history line (`run.costUsd`, `run.tokens`) and to the `_overview.md` totals;
// failures are named by class (authentication, turn limit) instead of a bare exit code. These depend on the adapter
// work; until it lands they fail, and the failure message shows what samocode recorded instead.
import { describe, expect, test } from 'vitest';
import { turn, type Turn, type Usage } from './model-servers/script.js';
import { SUITE_ON, agentSession, claudeResult, sig, type AgentSession } from './helpers/agent-session.js';

const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0): Partial<Usage> => ({
  input,
  output,
  cacheRead,
  cacheWrite,
});

/** Two iterations (so the totals must add up), each turn reporting its own usage. */
function costlyTurns(cached: boolean): Turn[] {
  const u = (input: number, output: number) => usage(input, output, cached ? 300 : 0, cached ? 120 : 0);
  return [
    { ...turn.write('_investigation.md', '# Investigation\n'), usage: u(1200, 80) },
    { ...turn.signal(sig.go('requirements')), usage: u(1300, 40) },
    { ...turn.text(), usage: u(1400, 20) },
    { ...turn.signal(sig.pause()), usage: u(1500, 60) },
    { ...turn.text(), usage: u(1600, 10) },
  ];
}

function tokensBy(session: AgentSession, from: number, to: number, provider: 'claude' | 'codex') {
  // What the server reported per main request, in order; Codex has no cache-write count in the Responses API.
  const main = session.script.mainRequests.slice(from, to);
  const turns = costlyTurns(true).slice(from, to);
  expect(main).toHaveLength(turns.length);
  const sum = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const t of turns) {
    sum.inputTokens += t.usage!.input!;
    sum.outputTokens += t.usage!.output!;
    sum.cacheReadTokens += t.usage!.cacheRead!;
    sum.cacheWriteTokens += provider === 'claude' ? t.usage!.cacheWrite! : 0;
  }
  return sum;
}

/** The blocked state and the last iteration entry, as text, for "is the failure named?" checks. */
function failureText(session: AgentSession): string {
  const overview = session.overview();
  return JSON.stringify({
    blockedKind: overview.blockedKind,
    blockedReason: overview.blockedReason,
    last: session.iterations().at(-1),
  });
}

describe.skipIf(!SUITE_ON)('adapter facts (cost, tokens, classes)', () => {
  describe('claude', () => {
    test('cost and tokens reach the history line (run.costUsd, run.tokens) and the _overview.md totals', async () => {
      const session = await agentSession('claude', costlyTurns(true));
      const run = await session.run();
      expect(run.exitCode, session.explain(run)).toBe(5);
      const iterations = session.iterations();
      expect(iterations).toHaveLength(2);
      const logs = session.logs();
      const results = logs.map((log) => claudeResult(session.events(log)));
      // The CLI facts the targets rest on: each run's result carries total_cost_usd and the summed usage.
      expect(results.map((r) => r?.total_cost_usd)).toEqual([expect.any(Number), expect.any(Number)]);
      expect(results[0]?.usage).toMatchObject({
        input_tokens: 1200 + 1300 + 1400,
        output_tokens: 80 + 40 + 20,
        cache_read_input_tokens: 900,
        cache_creation_input_tokens: 360,
      });

      const expected = [tokensBy(session, 0, 3, 'claude'), tokensBy(session, 3, 5, 'claude')];
      iterations.forEach((entry, i) => {
        expect
          .soft(entry.run.costUsd, `iteration ${i + 1} run.costUsd (the CLI said ${results[i]?.total_cost_usd})`)
          .toBeCloseTo(results[i]!.total_cost_usd, 6);
        expect.soft(entry.run.tokens, `iteration ${i + 1} run.tokens`).toEqual(expected[i]);
      });
      const totals = session.overview().totals;
      const cost = results.reduce((sum, r) => sum + (r?.total_cost_usd ?? 0), 0);
      expect.soft(totals?.costUsd, '_overview.md totals.costUsd').toBeCloseTo(cost, 6);
      expect.soft(totals, '_overview.md totals').toMatchObject({
        inputTokens: expected[0]!.inputTokens + expected[1]!.inputTokens,
        outputTokens: expected[0]!.outputTokens + expected[1]!.outputTokens,
        cacheReadTokens: expected[0]!.cacheReadTokens + expected[1]!.cacheReadTokens,
        cacheWriteTokens: expected[0]!.cacheWriteTokens + expected[1]!.cacheWriteTokens,
      });
    });

    test('401 is an authentication failure: blocked after one spawn, and the reason says so', async () => {
      const session = await agentSession('claude', [turn.error(401, Infinity, { message: 'invalid x-api-key' })]);
      const run = await session.run();
      expect(run.exitCode, session.explain(run)).not.toBe(0);
      expect.soft(session.logs().length, 'spawns of the CLI').toBe(1);
      expect.soft(failureText(session)).toMatch(/auth/i);
    });

    test('an unreachable API is named as a connection failure', async () => {
      const session = await agentSession('claude', [], { unreachable: true });
      const run = await session.run();
      expect(run.exitCode, session.explain(run)).not.toBe(0);
      expect.soft(failureText(session)).toMatch(/connect|unreachable|network/i);
    });

    test('the turn limit is named as such, not as a bare exit code', async () => {
      const session = await agentSession('claude', [turn.bash('echo still working', Infinity)], {
        config: ['CLAUDE_MAX_TURNS=2'],
      });
      // Whether samocode then stops is the claude suite's max-turns test; here only the naming counts, so the run is cut
      // short if it goes on.
      await session.run({ timeoutMs: 20_000 });
      expect(session.iterations().length).toBeGreaterThanOrEqual(1);
      expect.soft(failureText(session)).toMatch(/max_turns|max turns|turn limit|maximum number of turns/i);
    });
  });

  describe('codex', () => {
    test('tokens reach the history line (run.tokens, cached input apart) and the _overview.md totals', async () => {
      const session = await agentSession('codex', costlyTurns(true));
      const run = await session.run();
      expect(run.exitCode, session.explain(run)).toBe(5);
      const iterations = session.iterations();
      expect(iterations).toHaveLength(2);
      // The CLI fact: turn.completed sums the turn's usage, cached tokens counted inside input_tokens.
      const completed = session.logs().map((log) =>
        session
          .events(log)
          .filter((e) => e.type === 'turn.completed')
          .at(-1),
      );
      expect(completed[0]?.usage).toMatchObject({
        input_tokens: 1200 + 1300 + 1400 + 900,
        cached_input_tokens: 900,
        output_tokens: 140,
      });

      const expected = [tokensBy(session, 0, 3, 'codex'), tokensBy(session, 3, 5, 'codex')];
      iterations.forEach((entry, i) =>
        expect.soft(entry.run.tokens, `iteration ${i + 1} run.tokens`).toEqual(expected[i]),
      );
      expect.soft(session.overview().totals, '_overview.md totals').toMatchObject({
        inputTokens: expected[0]!.inputTokens + expected[1]!.inputTokens,
        outputTokens: expected[0]!.outputTokens + expected[1]!.outputTokens,
        cacheReadTokens: expected[0]!.cacheReadTokens + expected[1]!.cacheReadTokens,
      });
    });

    test('an unreachable API is named as a connection failure (codex waits for the network until the timeout)', async () => {
      const session = await agentSession('codex', [], {
        unreachable: true,
        config: ['SAMOCODE_TIMEOUT=8', 'SAMOCODE_MAX_RETRIES=0'],
      });
      const run = await session.run();
      expect(run.exitCode, session.explain(run)).not.toBe(0);
      expect.soft(failureText(session)).toMatch(/connect|unreachable|network/i);
    });

    test('401 is an authentication failure: blocked after one spawn, and the reason says so', async () => {
      const session = await agentSession('codex', [
        turn.error(401, Infinity, { message: 'Incorrect API key provided' }),
      ]);
      const run = await session.run();
      expect(run.exitCode, session.explain(run)).not.toBe(0);
      expect.soft(session.logs().length, 'spawns of the CLI').toBe(1);
      expect.soft(failureText(session)).toMatch(/auth/i);
    });
  });
});
