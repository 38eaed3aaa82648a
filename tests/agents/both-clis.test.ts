// What samocode must do the same way over both real agent CLIs, each against its scripted API on 127.0.0.1: a whole
// session, an overloaded API waited out, a rejected key blocking quickly. What only one CLI does is in claude.test.ts
// and codex.test.ts. Run by tests/agents/run.mjs (`npm run test:agents`).
import { describe, expect, test } from 'vitest';
import { turn } from './model-servers/script.js';
import {
  CLAUDE_RETRIES,
  CODEX_REQUEST_RETRIES,
  CODEX_STREAM_RETRIES,
  MODELS,
  SUITE_ON,
  agentSession,
  sig,
  type AgentProvider,
  type AgentSession,
} from './helpers/agent-session.js';
import { apiRetries, fullSessionTurns, playFullSession } from './helpers/scenarios.js';

interface Cli {
  provider: AgentProvider;
  /** The streamed API call every request of a session is (Claude Code also probes with HEAD / at start). */
  isApiCall: (url: string) => boolean;
  /** What the scripted API answers with its 401. */
  rejectedKeyMessage: string;
  /** The CLI's own retry settings, for the message when it made too many requests. */
  retrySettings: string;
  /** Checks of this CLI's own on the full session's API requests. */
  moreOnRequests?: (posts: ReturnType<AgentSession['apiRequests']>) => void;
  /** Checks of this CLI's own after the 529 burst was waited out. */
  moreOn529?: (session: AgentSession) => void;
}

const CLIS: Cli[] = [
  {
    provider: 'claude',
    isApiCall: (url) => url.startsWith('/v1/messages'),
    rejectedKeyMessage: 'invalid x-api-key',
    // One spawn of Claude Code makes 1 + CLAUDE_CODE_MAX_RETRIES requests (it retries 401 too); more means samocode
    // spawned it again for an error no retry can fix.
    retrySettings: `CLAUDE_CODE_MAX_RETRIES=${CLAUDE_RETRIES}`,
    moreOn529: (session) => expect(apiRetries(session).map((e) => e.error_status)).toEqual([529, 529]),
  },
  {
    provider: 'codex',
    isApiCall: (url) => url === '/v1/responses',
    rejectedKeyMessage: 'Incorrect API key provided',
    retrySettings: `request_max_retries=${CODEX_REQUEST_RETRIES}, stream_max_retries=${CODEX_STREAM_RETRIES}`,
    moreOnRequests: (posts) => {
      // The model was offered both tools the script uses (a model outside Codex's catalog gets no apply_patch).
      const tools = (posts[0]?.body?.tools ?? []).map((t: any) => t.name);
      expect.soft(tools).toEqual(expect.arrayContaining(['exec_command', 'apply_patch']));
    },
  },
];

describe.skipIf(!SUITE_ON).each(CLIS.map((cli) => [cli.provider, cli] as const))(
  '%s: samocode runs the real CLI (skipped unless run by `npm run test:agents`)',
  (_name, cli) => {
    test('a session goes through every phase to done (two waits answered by editing files between runs)', async () => {
      const session = await agentSession(cli.provider, fullSessionTurns());
      await playFullSession(session, cli.provider);
      const posts = session.apiRequests();
      expect.soft(posts.every((r) => cli.isApiCall(r.url) && r.body?.stream === true)).toBe(true);
      expect.soft(new Set(posts.map((r) => r.body?.model))).toEqual(new Set([MODELS[cli.provider]]));
      cli.moreOnRequests?.(posts);
    });

    test('a burst of two 529 (Overloaded) answers is waited out: the iteration succeeds on its first spawn', async () => {
      const session = await agentSession(cli.provider, [turn.error(529, 2), turn.signal(sig.pause()), turn.text()]);
      const run = await session.run();
      expect(run.exitCode, session.explain(run)).toBe(5);
      const [entry] = session.iterations();
      expect(entry?.run, session.explain(run)).toMatchObject({ exitCode: 0, attempts: 1 });
      expect(session.apiRequests().map((r) => r.status)).toEqual([529, 529, 200, 200]);
      cli.moreOn529?.(session);
      expect(session.trap.hits).toEqual([]);
    });

    test('401 from the API: the session is blocked quickly (few requests, no minutes of retries)', async () => {
      const session = await agentSession(cli.provider, [
        turn.error(401, Infinity, { message: cli.rejectedKeyMessage }),
      ]);
      const run = await session.run();
      expect(run.exitCode, session.explain(run)).not.toBe(0);
      expect(run.exitCode, session.explain(run)).not.toBe(5);
      expect(session.overview().status, session.explain(run)).toBe('blocked');
      expect(run.ms, 'wall time of the run').toBeLessThan(90_000);
      expect(
        session.apiRequests().length,
        `requests the model server saw (${cli.retrySettings}; spawns: ${session.logs().length})\n${session.explain(run)}`,
      ).toBeLessThanOrEqual(3);
      expect(session.leftovers()).toEqual([]);
    });
  },
);
