import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseClaudeLine } from '../../src/agent/streams/claude.js';
import { parseCodexLine } from '../../src/agent/streams/codex.js';
import type { StreamSummary } from '../../src/core/stream-summary.js';
import { StreamAccumulator } from '../../src/agent/streams/summary.js';
import {
  classifyFailure,
  FAILURE_POLICY,
  retryAfterMs,
  type Classified,
  type FailureClass,
  type FailureInput,
} from '../../src/core/failure-class.js';

const DIR = fileURLToPath(new URL('../fixtures/streams/', import.meta.url));
const NOW = Date.parse('2026-11-21T23:40:00Z');

function lines(file: string): string[] {
  return readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

function summarize(streamLines: string[], provider: 'claude' | 'codex'): StreamSummary {
  const acc = new StreamAccumulator();
  for (const line of streamLines)
    for (const e of (provider === 'claude' ? parseClaudeLine : parseCodexLine)(line)) acc.add(e);
  return acc.summary();
}

const EMPTY = summarize([], 'claude');
/** Codex always prints this on stderr (agent-clis.md), even with stdin from /dev/null. */
const CODEX_STDERR = 'Reading additional input from stdin...\n';

function input(over: Partial<FailureInput>): FailureInput {
  return {
    provider: 'claude',
    exitCode: 0,
    killSignal: null,
    timedOut: false,
    idle: false,
    stderrTail: '',
    summary: EMPTY,
    signalWritten: true,
    now: NOW,
    ...over,
  };
}

function recorded(file: string, exitCode: number, signalWritten: boolean): FailureInput {
  const provider = file.startsWith('codex') ? 'codex' : 'claude';
  return input({
    provider,
    exitCode,
    signalWritten,
    summary: summarize(lines(file), provider),
    stderrTail: provider === 'codex' ? CODEX_STDERR : '',
  });
}

const HARD: FailureClass[] = ['auth', 'cli_missing', 'cli_usage', 'root_refused'];

function expectClass(got: Classified | undefined, cls: FailureClass | undefined): void {
  expect(got?.cls).toBe(cls);
  if (!got) return;
  expect(got.detail.length).toBeGreaterThan(10);
  if (HARD.includes(got.cls) || got.cls === 'permission_denied') expect(got.fix).toEqual(expect.any(String));
}

describe('classifyFailure over the recorded streams', () => {
  // [file, exit code observed (agent-clis.md), signal file written, class, words of the detail]
  test.each([
    ['claude-stream-example.jsonl', 0, true, undefined, ''],
    ['claude-transient-529.jsonl', 0, true, undefined, ''],
    [
      'claude-err-401.default-retries.jsonl',
      1,
      false,
      'auth',
      'Invalid API key · Fix external API key (after 10 retries by the CLI)',
    ],
    ['claude-err-401.max-retries-0.jsonl', 1, false, 'auth', 'Invalid API key'],
    ['claude-err-429.default-retries.jsonl', 1, false, 'rate_limited', 'Request rejected (429)'],
    ['claude-err-429.max-retries-0.jsonl', 1, false, 'rate_limited', 'Request rejected (429)'],
    ['claude-err-500.default-retries.jsonl', 1, false, 'server_error', 'API Error: 500 Internal server error'],
    ['claude-err-500.max-retries-0.jsonl', 1, false, 'server_error', 'API Error: 500'],
    ['claude-err-529.default-retries.jsonl', 1, false, 'overloaded', 'API Error: 529 Overloaded'],
    ['claude-err-529.max-retries-0.jsonl', 1, false, 'overloaded', 'API Error: 529 Overloaded'],
    [
      'claude-connection-refused.max-retries-0.jsonl',
      1,
      false,
      'connection',
      'Unable to connect to API (ConnectionRefused)',
    ],
    ['claude-max-turns-2.jsonl', 1, false, 'max_turns', 'claude stopped: Reached maximum number of turns (2)'],
    [
      'claude-permission-default-denied.jsonl',
      0,
      false,
      'permission_denied',
      'the agent was not allowed to write /tmp/h/p-default/sig/_signal.json (Write)',
    ],
    ['claude-permission-default-denied.jsonl', 0, true, undefined, ''],
    // Only with a stale signal left in place (the loop deletes it before each run): the CLI itself reports success.
    ['claude-signal-exists-write-rejected.jsonl', 0, true, undefined, ''],
    ['codex-stream-example.jsonl', 0, true, undefined, ''],
    ['codex-apply-patch-success.jsonl', 0, true, undefined, ''],
    ['codex-transient-500.default-retries.jsonl', 0, true, undefined, ''],
    // Exit 0 and no signal: nothing in the stream says why; the missing signal is the loop's problem to name.
    ['codex-sandbox-workspace-write-blocked.jsonl', 0, false, undefined, ''],
    ['codex-err-401.default-retries.jsonl', 1, false, 'auth', 'unexpected status 401 Unauthorized'],
    ['codex-err-401.no-retries.jsonl', 1, false, 'auth', 'Incorrect API key provided'],
    ['codex-err-429.default-retries.jsonl', 1, false, 'rate_limited', 'last status: 429 Too Many Requests'],
    ['codex-err-429.no-retries.jsonl', 1, false, 'rate_limited', 'last status: 429 Too Many Requests'],
    ['codex-err-500.default-retries.jsonl', 1, false, 'server_error', 'high demand'],
    ['codex-err-500.no-retries.jsonl', 1, false, 'server_error', 'high demand'],
    ['codex-transient-500.no-retries.jsonl', 1, false, 'server_error', 'high demand'],
    [
      'codex-failed-event.default-retries.jsonl',
      1,
      false,
      'connection',
      'stream disconnected before completion: mock response.failed (after 5 retries by the CLI)',
    ],
    ['codex-failed-event.no-retries.jsonl', 1, false, 'connection', 'stream disconnected before completion'],
    ['codex-truncated-stream.default-retries.jsonl', 1, false, 'connection', 'stream closed before response.completed'],
    ['codex-truncated-stream.no-retries.jsonl', 1, false, 'connection', 'stream closed before response.completed'],
  ] as const)('%s, exit %i, signal written %s → %s', (file, exitCode, signalWritten, cls, words) => {
    const got = classifyFailure(recorded(file, exitCode, signalWritten));
    expectClass(got, cls);
    if (got) expect(got.detail).toContain(words);
  });

  test('fixes name what to do', () => {
    expect(classifyFailure(recorded('claude-err-401.max-retries-0.jsonl', 1, false))?.fix).toContain(
      'ANTHROPIC_API_KEY',
    );
    expect(classifyFailure(recorded('codex-err-401.no-retries.jsonl', 1, false))?.fix).toContain('OPENAI_API_KEY');
    expect(classifyFailure(recorded('claude-permission-default-denied.jsonl', 0, false))?.fix).toContain('--add-dir');
  });

  test('the recorded rate limits give no reset time: the caller picks its default wait', () => {
    expect(classifyFailure(recorded('claude-err-429.default-retries.jsonl', 1, false))?.retryAfterMs).toBeUndefined();
    expect(classifyFailure(recorded('codex-err-429.default-retries.jsonl', 1, false))?.retryAfterMs).toBeUndefined();
  });

  test('a timeout during API retries says what the CLI was retrying', () => {
    const got = classifyFailure({
      ...recorded('claude-err-429.default-retries.jsonl', 1, false),
      exitCode: null,
      killSignal: 'SIGTERM',
      timedOut: true,
    });
    expectClass(got, 'timeout');
    expect(got?.detail).toContain('retrying the API (10×, last: 429 rate_limit)');
  });
});

describe('classifyFailure on synthetic runs', () => {
  // spawnError strings as src/io/run-process.ts built them from execa 9 (captured from real failed spawns); the
  // classification reads only the code and the E2BIG details, which the child_process.spawn version keeps.
  const ENOENT = 'ENOENT: Command failed with ENOENT: claude -p x\nspawn claude ENOENT';
  const EACCES = 'EACCES: Command failed with EACCES: /opt/codex -p x\nspawn /opt/codex EACCES';

  test.each([
    ['claude not installed', input({ exitCode: null, spawnError: ENOENT }), 'cli_missing', 'CLAUDE_PATH'],
    [
      'codex not executable',
      input({ provider: 'codex', exitCode: null, spawnError: EACCES }),
      'cli_missing',
      'CODEX_PATH',
    ],
    [
      'script agent missing',
      input({ provider: 'script', exitCode: null, spawnError: ENOENT }),
      'cli_missing',
      'npm run build',
    ],
    [
      'E2BIG is not "not found"',
      input({
        exitCode: null,
        spawnError:
          'E2BIG: spawn E2BIG: argument 9 ("xxx…") is 195.3 KiB, over the 128 KiB the system allows for one argument',
      }),
      'args_too_long',
      'shorten CLAUDE_ARGS (the prompt',
    ],
    [
      'E2BIG from a huge environment variable',
      input({
        provider: 'codex',
        exitCode: null,
        spawnError:
          'E2BIG: spawn E2BIG: environment variable BIG is 300.0 KiB, over the 128 KiB the system allows for one variable',
      }),
      'args_too_long',
      'shorten the environment variable BIG (the prompt',
    ],
    [
      'a wrapper: command not found',
      input({ exitCode: 127, stderrTail: 'sh: 1: claude: not found\n' }),
      'cli_missing',
      '@anthropic-ai/claude-code',
    ],
    [
      'codex rejects --full-auto (exit 2, clap)',
      input({
        provider: 'codex',
        exitCode: 2,
        signalWritten: false,
        stderrTail:
          "error: unexpected argument '--full-auto' found\n\nUsage: codex exec [OPTIONS] [PROMPT]\n\nFor more information, try '--help'.\n",
      }),
      'cli_usage',
      'the installed codex does not accept --full-auto; upgrade/downgrade codex or remove it from CODEX_ARGS',
    ],
    [
      'codex invalid value',
      input({
        provider: 'codex',
        exitCode: 2,
        signalWritten: false,
        stderrTail: "error: invalid value 'strict' for '--sandbox <SANDBOX_MODE>'\n",
      }),
      'cli_usage',
      'does not accept --sandbox',
    ],
    [
      'claude unknown option (commander, exit 1)',
      input({ exitCode: 1, signalWritten: false, stderrTail: "error: unknown option '--foo'\n" }),
      'cli_usage',
      'CLAUDE_ARGS',
    ],
    [
      'root refusal',
      input({
        exitCode: 1,
        signalWritten: false,
        stderrTail: '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons\n',
      }),
      'root_refused',
      'IS_SANDBOX=1',
    ],
  ] as const)('%s → %s', (_name, run, cls, fix) => {
    const got = classifyFailure(run);
    expectClass(got, cls);
    expect(got?.fix).toContain(fix);
  });

  test.each([
    ['exit 0, nothing wrong', input({}), undefined],
    ['exit 0, no stream (script agent)', input({ provider: 'script', signalWritten: false }), undefined],
    ['timeout', input({ exitCode: null, killSignal: 'SIGTERM', timedOut: true }), 'timeout'],
    ['idle', input({ exitCode: null, killSignal: 'SIGTERM', idle: true }), 'idle'],
    ['killed by a signal', input({ exitCode: null, killSignal: 'SIGKILL' }), 'crashed'],
    ['exit 1, empty stream', input({ exitCode: 1, stderrTail: 'Segmentation fault\n' }), 'crashed'],
    ['script agent exit 3', input({ provider: 'script', exitCode: 3 }), 'crashed'],
    [
      'exit 1, stderr names a refused connection',
      input({ exitCode: 1, stderrTail: 'connect ECONNREFUSED 127.0.0.1:443\n' }),
      'connection',
    ],
  ] as const)('%s → %s', (_name, run, cls) => {
    expectClass(classifyFailure(run), cls);
  });

  test('exit 0 with denials and no signal names the tool and target; with the signal written it is no failure', () => {
    const summary: StreamSummary = {
      ...EMPTY,
      sawResult: true,
      permissionDenials: [
        { tool: 'Bash', target: 'rm -rf build' },
        { tool: 'Edit', target: 'src/a.ts' },
      ],
    };
    const got = classifyFailure(input({ summary, signalWritten: false }));
    expectClass(got, 'permission_denied');
    expect(got?.detail).toBe(
      'the agent was not allowed to run rm -rf build (Bash), write src/a.ts (Edit), and wrote no signal',
    );
    expect(classifyFailure(input({ summary, signalWritten: true }))).toBeUndefined();
  });

  test('a Claude stream cut before its result line is judged by the API error message it got to', () => {
    const summary = summarize(lines('claude-err-529.max-retries-0.jsonl').slice(0, -1), 'claude');
    expect(summary.sawResult).toBe(false);
    expectClass(classifyFailure(input({ exitCode: 1, signalWritten: false, summary })), 'overloaded');
  });

  test('timeout and idle win over what the stream had so far', () => {
    const summary = summarize(lines('codex-err-500.default-retries.jsonl'), 'codex');
    expect(
      classifyFailure(input({ provider: 'codex', exitCode: null, killSignal: 'SIGTERM', idle: true, summary }))?.cls,
    ).toBe('idle');
  });

  test('a usage-limit result with a reset epoch (Claude subscription) → wait until then', () => {
    // The recorded 429 result line, with the text Claude Code prints for a subscription usage limit.
    const streamLines = lines('claude-err-429.max-retries-0.jsonl');
    const result = JSON.parse(streamLines.at(-1) ?? '');
    result.result = `Claude AI usage limit reached|${Math.round(NOW / 1000) + 3600}`;
    result.api_error_status = null;
    const summary = summarize([...streamLines.slice(0, -1), JSON.stringify(result)], 'claude');
    const got = classifyFailure(input({ exitCode: 1, signalWritten: false, summary }));
    expectClass(got, 'rate_limited');
    expect(got?.retryAfterMs).toBe(3_600_000);
  });
});

describe('retryAfterMs', () => {
  test.each([
    ['Claude AI usage limit reached|1795304400', 1795304400 * 1000 - NOW],
    ['limit reached, resets at 2026-11-22T00:40:00Z', 3_600_000],
    ["You've hit your usage limit. Try again in 2 hours 5 minutes.", 7_500_000],
    ['Rate limited; retry after 30 seconds', 30_000],
    ['429 Too Many Requests (retry-after: 12)', 12_000],
    ['usage limit reached|1000000000', 0],
    ['exceeded retry limit, last status: 429 Too Many Requests, request id: req_1189448874e0b55d1ebcec3f', undefined],
    ['try again in a moment', undefined],
  ])('%j → %s', (text, ms) => {
    expect(retryAfterMs(text, NOW)).toBe(ms);
  });
});

describe('FAILURE_POLICY', () => {
  test('rate limits wait without counting; max turns continue; hard problems block', () => {
    expect(FAILURE_POLICY.rate_limited).toMatchObject({
      action: 'wait',
      countsAsFailedAttempt: false,
      fallbackWorthy: true,
    });
    expect(FAILURE_POLICY.max_turns).toMatchObject({
      action: 'continue',
      countsAsFailedAttempt: false,
      fallbackWorthy: false,
    });
    for (const cls of ['auth', 'cli_missing', 'cli_usage', 'root_refused', 'permission_denied'] as const)
      expect(FAILURE_POLICY[cls].action).toBe('block');
    for (const cls of ['overloaded', 'server_error', 'connection', 'timeout', 'idle', 'crashed'] as const) {
      expect(FAILURE_POLICY[cls]).toMatchObject({ action: 'backoff', countsAsFailedAttempt: true });
    }
  });

  test('only an unusable provider is worth a fallback, not a problem with the content', () => {
    const worthy = Object.entries(FAILURE_POLICY)
      .filter(([, p]) => p.fallbackWorthy)
      .map(([cls]) => cls)
      .sort();
    expect(worthy).toEqual([
      'auth',
      'cli_missing',
      'cli_usage',
      'connection',
      'overloaded',
      'rate_limited',
      'root_refused',
      'server_error',
    ]);
    expect(Object.values(FAILURE_POLICY).every((p) => p.label.length > 0)).toBe(true);
  });
});
