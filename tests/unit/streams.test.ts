import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseClaudeLine, toolDetail } from '../../src/agent/streams/claude.js';
import { parseCodexLine, unwrapShell } from '../../src/agent/streams/codex.js';
import type { AgentEvent } from '../../src/agent/streams/events.js';
import { MAX_LIST, MAX_TEXT, StreamAccumulator, type TokenPrice } from '../../src/agent/streams/summary.js';

// Recorded stdout of the real CLIs (see tests/fixtures/streams/README.md).
const DIR = fileURLToPath(new URL('../fixtures/streams/', import.meta.url));
const RECORDINGS = readdirSync(DIR).filter((f) => f.endsWith('.jsonl'));

function lines(file: string): string[] {
  return readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

function parserOf(file: string): (line: string) => AgentEvent[] {
  return file.startsWith('codex') ? parseCodexLine : parseClaudeLine;
}

function replay(file: string, price?: TokenPrice) {
  const events = lines(file).flatMap(parserOf(file));
  const acc = new StreamAccumulator({ pricePerMTok: price });
  for (const e of events) acc.add(e);
  return { events, summary: acc.summary() };
}

const tools = (events: AgentEvent[]) => events.filter((e) => e.kind === 'tool');
const texts = (events: AgentEvent[]) => events.flatMap((e) => (e.kind === 'text' ? [e.text] : []));
const ZERO = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

describe('every recording', () => {
  test('the fixtures are all there', () => {
    expect(RECORDINGS.length).toBe(29);
    expect(RECORDINGS.some((f) => f.includes('.requests.'))).toBe(false);
  });

  test.each(RECORDINGS)('%s parses line by line without throwing, into known events', (file) => {
    const { events, summary } = replay(file);
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]?.kind).toBe('init');
    // Claude always ends with a result line; Codex never prints one.
    expect(summary.sawResult).toBe(file.startsWith('claude'));
  });

  test.each(RECORDINGS)("%s: the other CLI's parser ignores it", (file) => {
    const other = file.startsWith('codex') ? parseClaudeLine : parseCodexLine;
    expect(lines(file).flatMap(other)).toEqual([]);
  });
});

describe('Claude recordings', () => {
  test('success: cost, tokens, turns, text, the Write tool, init facts', () => {
    const { events, summary } = replay('claude-stream-example.jsonl');
    expect(events[0]).toEqual({
      kind: 'init',
      model: 'claude-sonnet-4-5',
      sessionId: '556fc672-bc58-469e-a7be-14a7d023d98e',
      cliVersion: '2.1.197',
      permissionMode: 'bypassPermissions',
    });
    expect(tools(events)).toEqual([{ kind: 'tool', name: 'Write', detail: '/tmp/run/ex-claude/sig/_signal.json' }]);
    expect(texts(events)).toEqual(['Writing the signal file.', 'done']);
    expect(summary).toMatchObject({
      costUsd: 0.011958,
      tokens: { inputTokens: 3601, outputTokens: 77, cacheReadTokens: 0, cacheWriteTokens: 0 },
      turns: 2,
      lastText: 'done',
      resultText: 'done',
      sawResult: true,
      isError: false,
      apiErrorStatus: null,
      subtype: 'success',
      terminalReason: 'completed',
      permissionDenials: [],
      retries: [],
      retryCount: 0,
      errors: [],
      toolUses: 1,
      model: 'claude-sonnet-4-5',
    });
    expect(summary.turnFailed).toBeUndefined();
  });

  // [file, HTTP status, retries printed, retry `error`, words of the error text]
  test.each([
    [
      'claude-err-401.default-retries.jsonl',
      401,
      10,
      'authentication_failed',
      'Invalid API key · Fix external API key',
    ],
    ['claude-err-401.max-retries-0.jsonl', 401, 0, undefined, 'Invalid API key · Fix external API key'],
    ['claude-err-429.default-retries.jsonl', 429, 10, 'rate_limit', 'API Error: Request rejected (429)'],
    ['claude-err-429.max-retries-0.jsonl', 429, 0, undefined, 'API Error: Request rejected (429)'],
    ['claude-err-500.default-retries.jsonl', 500, 10, 'server_error', 'API Error: 500 Internal server error.'],
    ['claude-err-500.max-retries-0.jsonl', 500, 0, undefined, 'API Error: 500 Internal server error.'],
    ['claude-err-529.default-retries.jsonl', 529, 10, 'overloaded', 'API Error: 529 Overloaded.'],
    ['claude-err-529.max-retries-0.jsonl', 529, 0, undefined, 'API Error: 529 Overloaded.'],
  ])('%s: an API error %i after %i retries', (file, status, retries, retryError, words) => {
    const { events, summary } = replay(file);
    expect(summary).toMatchObject({
      sawResult: true,
      isError: true,
      // API errors say "success": only is_error tells.
      subtype: 'success',
      apiErrorStatus: status,
      retryCount: retries,
      turns: 1,
      costUsd: 0,
      tokens: ZERO,
    });
    expect(summary.retries).toHaveLength(retries);
    expect(summary.retries.every((r) => r.status === status && r.error === retryError)).toBe(true);
    expect(summary.resultText).toContain(words);
    expect(summary.errors.at(-1)).toContain(words);
    // The synthetic error message is not the model's text.
    expect(summary.lastText).toBeUndefined();
    const retryEvents = events.filter((e) => e.kind === 'api_retry');
    expect(retryEvents.map((e) => e.kind === 'api_retry' && e.attempt)).toEqual(
      Array.from({ length: retries }, (_, i) => i + 1),
    );
    for (const e of retryEvents) expect(e).toMatchObject({ maxRetries: 10, delayMs: expect.any(Number) });
    expect(events.find((e) => e.kind === 'error')).toMatchObject({ code: expect.any(String) });
  });

  test('429 with default retries: the delays honour retry-after: 1 (1000 ms first)', () => {
    const { events } = replay('claude-err-429.default-retries.jsonl');
    expect(events.find((e) => e.kind === 'api_retry')).toMatchObject({
      attempt: 1,
      delayMs: 1000,
      status: 429,
      error: 'rate_limit',
    });
  });

  test('529: the message carries error "server_error" although the status is 529', () => {
    const { events } = replay('claude-err-529.max-retries-0.jsonl');
    expect(events.find((e) => e.kind === 'error')).toMatchObject({ code: 'server_error' });
  });

  test('connection refused: an error result with a null status and the text', () => {
    const { summary } = replay('claude-connection-refused.max-retries-0.jsonl');
    expect(summary).toMatchObject({
      isError: true,
      apiErrorStatus: null,
      subtype: 'success',
      resultText: 'API Error: Unable to connect to API (ConnectionRefused)',
      errors: ['API Error: Unable to connect to API (ConnectionRefused)'],
      retryCount: 0,
    });
  });

  test('max turns: subtype, terminal reason, the errors line, the Bash calls', () => {
    const { events, summary } = replay('claude-max-turns-2.jsonl');
    expect(summary).toMatchObject({
      isError: true,
      subtype: 'error_max_turns',
      terminalReason: 'max_turns',
      turns: 3,
      costUsd: 0.01155,
      tokens: { inputTokens: 3530, outputTokens: 64 },
      errors: ['Reached maximum number of turns (2)'],
    });
    expect(summary.apiErrorStatus).toBeUndefined();
    expect(tools(events)).toEqual([
      { kind: 'tool', name: 'Bash', detail: 'echo loop' },
      { kind: 'tool', name: 'Bash', detail: 'echo loop' },
    ]);
  });

  test('permission denied (--permission-mode default): exit-0 success with the denial, tool and target', () => {
    const { summary } = replay('claude-permission-default-denied.jsonl');
    expect(summary).toMatchObject({ isError: false, subtype: 'success', lastText: 'done' });
    expect(summary.permissionDenials).toEqual([{ tool: 'Write', target: '/tmp/h/p-default/sig/_signal.json' }]);
    expect(summary.toolErrors).toEqual([
      "Claude requested permissions to write to /tmp/h/p-default/sig/_signal.json, but you haven't granted it yet.",
    ]);
  });

  test('Write over an unread old signal: refused by the tool, no denial, a clean result', () => {
    const { summary } = replay('claude-signal-exists-write-rejected.jsonl');
    expect(summary).toMatchObject({ isError: false, permissionDenials: [], lastText: 'done' });
    expect(summary.toolErrors).toEqual(['File has not been read yet. Read it first before writing to it.']);
  });

  test('transient 529: two retries, then a normal run', () => {
    const { events, summary } = replay('claude-transient-529.jsonl');
    expect(summary).toMatchObject({
      isError: false,
      retryCount: 2,
      costUsd: 0.011637000000000002,
      lastText: 'done',
      turns: 2,
    });
    expect(summary.retries).toEqual([
      { status: 529, error: 'overloaded' },
      { status: 529, error: 'overloaded' },
    ]);
    expect(tools(events)).toEqual([
      { kind: 'tool', name: 'Write', detail: '/tmp/h/fd-transient-529/sig/_signal.json' },
    ]);
  });
});

describe('Codex recordings', () => {
  const PRICE: TokenPrice = { input: 1.25, cachedInput: 0.125, output: 10 };

  test('success: tokens, the shell command unwrapped from /bin/bash -c "…", the final text; cost from the price', () => {
    const { events, summary } = replay('codex-stream-example.jsonl', PRICE);
    expect(events[0]).toEqual({ kind: 'init', sessionId: '01a2007c-f04c-7b82-b596-c2286571a28d' });
    // One tool event per command, from item.completed (item.started is not counted twice).
    expect(tools(events)).toEqual([
      {
        kind: 'tool',
        name: 'Bash',
        detail: `printf '%s\\n' '{"status":"continue","phase":"investigation"}' > '/tmp/run/ex-codex/sig/_signal.json'`,
      },
    ]);
    expect(summary).toMatchObject({
      tokens: { inputTokens: 13975, outputTokens: 132, cacheReadTokens: 0, cacheWriteTokens: 0 },
      lastText: 'done',
      sawResult: false,
      isError: false,
      retryCount: 0,
      errors: [],
      toolUses: 1,
    });
    expect(summary.costUsd).toBeCloseTo((13975 * 1.25 + 132 * 10) / 1e6, 12);
    expect(summary.turns).toBeUndefined();
  });

  test('no price, no cost: Codex reports none', () => {
    expect(replay('codex-stream-example.jsonl').summary.costUsd).toBeUndefined();
  });

  test('apply_patch: a file_change → an Edit of the path', () => {
    const { events, summary } = replay('codex-apply-patch-success.jsonl');
    expect(tools(events)).toEqual([{ kind: 'tool', name: 'Edit', detail: '/tmp/run/xap/sig/_signal.json' }]);
    expect(summary.tokens).toEqual({ inputTokens: 13967, outputTokens: 120, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  test('transient 500: HTTP-level retries are silent, the run looks clean', () => {
    const { events, summary } = replay('codex-transient-500.default-retries.jsonl');
    expect(summary).toMatchObject({
      retryCount: 0,
      errors: [],
      lastText: 'done',
      tokens: { inputTokens: 10498, outputTokens: 135 },
    });
    expect(tools(events)).toHaveLength(1);
    // gpt-5-codex is not in the 0.169 catalog: a non-fatal `error` item.
    expect(summary.warnings).toEqual([expect.stringContaining('Model metadata for `gpt-5-codex` not found')]);
  });

  test('sandbox-blocked write: no command item at all, exit-0 shape', () => {
    const { events, summary } = replay('codex-sandbox-workspace-write-blocked.jsonl');
    expect(tools(events)).toEqual([]);
    expect(summary).toMatchObject({ lastText: 'done', errors: [], tokens: { inputTokens: 10909, outputTokens: 132 } });
    expect(summary.turnFailed).toBeUndefined();
  });

  // [file, retries printed, status named by the retries, the turn.failed message]
  test.each([
    ['codex-err-401.default-retries.jsonl', 5, 401, 'unexpected status 401 Unauthorized: Incorrect API key provided'],
    ['codex-err-401.no-retries.jsonl', 0, undefined, 'unexpected status 401 Unauthorized: Incorrect API key provided'],
    ['codex-err-429.default-retries.jsonl', 5, 429, 'exceeded retry limit, last status: 429 Too Many Requests'],
    ['codex-err-429.no-retries.jsonl', 0, undefined, 'exceeded retry limit, last status: 429 Too Many Requests'],
    ['codex-err-500.default-retries.jsonl', 5, undefined, 'We’re currently experiencing high demand'],
    ['codex-err-500.no-retries.jsonl', 0, undefined, 'We’re currently experiencing high demand'],
    ['codex-transient-500.no-retries.jsonl', 0, undefined, 'We’re currently experiencing high demand'],
    [
      'codex-failed-event.default-retries.jsonl',
      5,
      undefined,
      'stream disconnected before completion: mock response.failed',
    ],
    [
      'codex-failed-event.no-retries.jsonl',
      0,
      undefined,
      'stream disconnected before completion: mock response.failed',
    ],
    [
      'codex-truncated-stream.default-retries.jsonl',
      5,
      undefined,
      'stream disconnected before completion: stream closed before response.completed',
    ],
    [
      'codex-truncated-stream.no-retries.jsonl',
      0,
      undefined,
      'stream disconnected before completion: stream closed before response.completed',
    ],
  ])('%s: %i "Reconnecting" retries, then turn.failed', (file, retries, status, message) => {
    const { events, summary } = replay(file);
    expect(summary.turnFailed).toContain(message);
    expect(summary.retryCount).toBe(retries);
    const attempts = events.flatMap((e) => (e.kind === 'api_retry' ? [[e.attempt, e.maxRetries]] : []));
    expect(attempts).toEqual(Array.from({ length: retries }, (_, i) => [i + 1, 5]));
    expect(
      summary.retries.every(
        (r) => r.status === status && r.error !== undefined && message.startsWith(r.error.slice(0, 20)),
      ),
    ).toBe(true);
    // Only the final error counts as one; the Reconnecting lines are retries.
    expect(summary.errors).toEqual([expect.stringContaining(message)]);
    expect(summary.tokens).toEqual(ZERO);
    expect(summary.isError).toBe(false);
  });

  test('truncated stream: the partial agent_message of every attempt is a text event', () => {
    expect(texts(replay('codex-truncated-stream.default-retries.jsonl').events)).toEqual(Array(6).fill('partial'));
    const { events, summary } = replay('codex-truncated-stream.no-retries.jsonl');
    expect(texts(events)).toEqual(['partial']);
    expect(summary.lastText).toBe('partial');
  });

  test('tokens are summed over turn.completed events; cached and cache-written input kept apart', () => {
    const acc = new StreamAccumulator({ pricePerMTok: PRICE });
    const turn =
      '{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":600,"cache_write_input_tokens":100,"output_tokens":50,"reasoning_output_tokens":20}}';
    for (const e of [...parseCodexLine(turn), ...parseCodexLine(turn)]) acc.add(e);
    const s = acc.summary();
    expect(s.tokens).toEqual({ inputTokens: 600, outputTokens: 100, cacheReadTokens: 1200, cacheWriteTokens: 200 });
    expect(s.costUsd).toBeCloseTo(((600 + 200) * 1.25 + 1200 * 0.125 + 100 * 10) / 1e6, 12);
  });
});

describe('tolerance', () => {
  const successLines = lines('claude-stream-example.jsonl');
  const resultLine = successLines.at(-1) ?? '';

  test('unknown event types, unknown subtypes and unknown fields are ignored', () => {
    expect(parseClaudeLine('{"type":"stream_event","event":{"type":"message_start"}}')).toEqual([]);
    expect(parseClaudeLine('{"type":"system","subtype":"compact_boundary","compact_metadata":{}}')).toEqual([]);
    expect(parseCodexLine('{"type":"item.updated","item":{"id":"i","type":"todo_list","items":[]}}')).toEqual([]);
    expect(parseCodexLine('{"type":"item.completed","item":{"id":"i","type":"reasoning","text":"thinking"}}')).toEqual(
      [],
    );
    expect(parseCodexLine('{"type":"thread.started","thread_id":"t","brand_new":{"x":1}}')).toEqual([
      { kind: 'init', sessionId: 't' },
    ]);
    const extra = JSON.stringify({ ...JSON.parse(resultLine), brand_new_field: [1, 2, 3] });
    expect(parseClaudeLine(extra)).toEqual(parseClaudeLine(resultLine));
  });

  test('a known field of the wrong type loses that field, not the line', () => {
    const bad = JSON.stringify({
      ...JSON.parse(resultLine),
      num_turns: 'two',
      usage: 'lots',
      permission_denials: 'none',
    });
    const [event] = parseClaudeLine(bad);
    expect(event).toMatchObject({
      kind: 'result',
      isError: false,
      costUsd: 0.011958,
      text: 'done',
      permissionDenials: [],
    });
    expect(event?.kind === 'result' && event.numTurns).toBeUndefined();
    expect(parseCodexLine('{"type":"turn.completed","usage":{"input_tokens":"many","output_tokens":5}}')).toEqual([
      { kind: 'usage', tokens: { inputTokens: 0, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  test.each([
    '',
    '   ',
    'not json',
    '{"type":"result",',
    '[1,2]',
    '"result"',
    'null',
    '42',
    '{"no_type":1}',
    '{"type":7}',
  ])('a line that is not one JSON event (%j) gives no events', (line) => {
    expect(parseClaudeLine(line)).toEqual([]);
    expect(parseCodexLine(line)).toEqual([]);
  });

  test('a 2 MB line is dropped unparsed; a line under 1 MB still parses', () => {
    const text = (n: number, ch = 'x') =>
      JSON.stringify({ type: 'item.completed', item: { id: 'i', type: 'agent_message', text: ch.repeat(n) } });
    expect(parseCodexLine(text(2 * 1024 * 1024))).toEqual([]);
    expect(parseCodexLine(text(900 * 1024))).toHaveLength(1);
    // Counted in UTF-8 bytes: 400 k euro signs are 1.2 MB.
    expect(parseCodexLine(text(400 * 1024, '€'))).toEqual([]);
    const big = JSON.parse(successLines[1] ?? '');
    big.message.content[0].text = 'y'.repeat(2 * 1024 * 1024);
    expect(parseClaudeLine(JSON.stringify(big))).toEqual([]);
  });

  test("a subagent's text (parent_tool_use_id set) is not the main agent's text; its tools still count", () => {
    const textLine = JSON.parse(successLines[1] ?? '');
    const toolLine = JSON.parse(successLines[2] ?? '');
    expect(parseClaudeLine(JSON.stringify({ ...textLine, parent_tool_use_id: 'toolu_1' }))).toEqual([]);
    expect(tools(parseClaudeLine(JSON.stringify({ ...toolLine, parent_tool_use_id: 'toolu_1' })))).toHaveLength(1);
  });

  test('the accumulator stays bounded however long the stream', () => {
    const acc = new StreamAccumulator();
    const [retry] = parseClaudeLine(lines('claude-err-500.default-retries.jsonl')[1] ?? '');
    expect(retry?.kind).toBe('api_retry');
    for (let i = 0; i < 10_000; i++) {
      acc.add(retry as AgentEvent);
      acc.add({ kind: 'error', message: `error ${i} ${'z'.repeat(5000)}` });
      acc.add({ kind: 'tool_error', message: `tool error ${i}` });
    }
    acc.add({ kind: 'text', text: 'w'.repeat(100_000) });
    const s = acc.summary();
    expect(s.retryCount).toBe(10_000);
    expect(s.retries).toHaveLength(MAX_LIST);
    expect(s.errors).toHaveLength(MAX_LIST);
    expect(s.errors.at(-1)).toMatch(/^error 9999 /);
    expect(s.errors.every((e) => e.length <= 501)).toBe(true);
    expect(s.toolErrors).toHaveLength(MAX_LIST);
    expect(s.lastText?.length).toBeLessThanOrEqual(MAX_TEXT + 1);
  });

  test('summary() is a snapshot: later events do not change it', () => {
    const acc = new StreamAccumulator();
    const first = acc.summary();
    acc.add({ kind: 'error', message: 'late' });
    expect(first.errors).toEqual([]);
  });
});

describe('tool details', () => {
  // A recorded assistant tool_use line with its block swapped: one line, one content block, as Claude Code prints it.
  const toolLine = JSON.parse(lines('claude-stream-example.jsonl')[2] ?? '');
  function toolEvent(name: string, input: Record<string, unknown>): AgentEvent[] {
    const line = structuredClone(toolLine);
    line.message.content = [{ type: 'tool_use', id: 'toolu_x', name, input }];
    return tools(parseClaudeLine(JSON.stringify(line)));
  }
  const todos = [
    { content: 'Read the code', status: 'completed', activeForm: 'Reading the code' },
    { content: 'Fix auth', status: 'in_progress', activeForm: 'Fixing auth' },
    { content: 'Run tests', status: 'pending', activeForm: 'Running tests' },
  ];

  test.each([
    ['Read', { file_path: '/w/src/auth.ts', offset: 10, limit: 50 }, '/w/src/auth.ts'],
    ['Edit', { file_path: 'src/auth.ts', old_string: 'a\nb', new_string: 'c' }, 'src/auth.ts'],
    ['MultiEdit', { file_path: 'src/auth.ts', edits: [] }, 'src/auth.ts'],
    ['Write', { file_path: '/s/_signal.json', content: '{"status":"continue"}\n' }, '/s/_signal.json'],
    ['Bash', { command: 'npm test', description: 'Run the tests' }, 'npm test'],
    ['Bash', { command: 'cd /w &&\n  npm run build\n  && npm test' }, 'cd /w && npm run build && npm test'],
    ['Grep', { pattern: 'TODO', path: 'src', glob: '*.ts', output_mode: 'content' }, '"TODO" in src (*.ts)'],
    ['Grep', { pattern: 'export function' }, '"export function"'],
    ['Glob', { pattern: '**/*.test.ts', path: 'tests' }, '**/*.test.ts in tests'],
    ['Glob', { pattern: 'src/**/*.ts' }, 'src/**/*.ts'],
    [
      'Task',
      { description: 'Find the auth code', prompt: 'Look for…', subagent_type: 'Explore' },
      'Explore: Find the auth code',
    ],
    ['TodoWrite', { todos }, '3 todos, 1 done; now: Fixing auth'],
    ['TodoWrite', { todos: [todos[0]] }, '1 todo, 1 done'],
    ['WebFetch', { url: 'https://example.com/doc', prompt: 'summarise' }, 'https://example.com/doc'],
    ['NotebookEdit', { notebook_path: '/w/a.ipynb', new_source: 'x' }, '/w/a.ipynb'],
    ['mcp__github__get_issue', { owner: 'o', repo: 'r', issue_number: 1 }, 'o'],
    ['ExitPlanMode', {}, ''],
  ])('%s %j → %j', (name, input, detail) => {
    expect(toolEvent(name, input)).toEqual([{ kind: 'tool', name, detail }]);
  });

  test('a long command is cut to one short line', () => {
    const detail = toolDetail('Bash', { command: `echo ${'a'.repeat(1000)}\necho done` });
    expect(detail.length).toBe(200);
    expect(detail.endsWith('…')).toBe(true);
    expect(detail).not.toContain('\n');
  });

  test('a tool_use with a missing input still gives a tool event', () => {
    const line = structuredClone(toolLine);
    line.message.content = [{ type: 'tool_use', id: 'toolu_x', name: 'Read' }];
    expect(parseClaudeLine(JSON.stringify(line))).toEqual([{ kind: 'tool', name: 'Read', detail: '' }]);
  });

  test.each([
    ['/bin/bash -c "npm test"', 'npm test'],
    [
      `/bin/bash -c "printf '%s\\\\n' '{\\"a\\":1}' > '/s/_signal.json'"`,
      `printf '%s\\n' '{"a":1}' > '/s/_signal.json'`,
    ],
    ["bash -lc 'echo '\\''hi'\\'''", "echo 'hi'"],
    ['/usr/bin/zsh -lc "echo \\$HOME"', 'echo $HOME'],
    ['/bin/sh -c "ls"', 'ls'],
    ['ls -la', 'ls -la'],
    ['/bin/bash -c "unbalanced', '/bin/bash -c "unbalanced'],
  ])('unwrapShell(%j) → %j', (command, unwrapped) => {
    expect(unwrapShell(command)).toBe(unwrapped);
  });
});

describe('files written, from the stream (stall evidence)', () => {
  const writes = (file: string) => replay(file).summary.filesWritten;

  test('Claude: a Write whose result came back is a file written', () => {
    expect(writes('claude-stream-example.jsonl')).toEqual(['/tmp/run/ex-claude/sig/_signal.json']);
  });

  test('Claude: a Write refused (tool_result is_error) is not', () => {
    expect(writes('claude-signal-exists-write-rejected.jsonl')).toEqual([]);
  });

  test('Claude: a Write with no result yet (the stream ended first) is not; Read and Bash never are', () => {
    const [, , writeLine] = lines('claude-stream-example.jsonl');
    const acc = new StreamAccumulator();
    for (const e of parseClaudeLine(writeLine ?? '')) acc.add(e);
    acc.add({ kind: 'tool', name: 'Bash', detail: 'touch x' });
    const events = parseClaudeLine(
      JSON.stringify({
        type: 'assistant',
        message: { content: [{ type: 'tool_use', id: 'toolu_r', name: 'Read', input: { file_path: '/w/a.ts' } }] },
      }),
    );
    expect(events.map((e) => e.kind)).toEqual(['tool']);
    expect(acc.summary().filesWritten).toEqual([]);
  });

  test('Claude: Edit, MultiEdit and NotebookEdit write their file once done', () => {
    const acc = new StreamAccumulator();
    const calls: [string, Record<string, unknown>][] = [
      ['Edit', { file_path: '/w/a.ts' }],
      ['MultiEdit', { file_path: '/w/b.ts', edits: [] }],
      ['NotebookEdit', { notebook_path: '/w/c.ipynb' }],
    ];
    calls.forEach(([name, input], i) => {
      const use = { type: 'assistant', message: { content: [{ type: 'tool_use', id: `t${i}`, name, input }] } };
      const result = {
        type: 'user',
        message: { content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: 'ok' }] },
      };
      for (const e of [...parseClaudeLine(JSON.stringify(use)), ...parseClaudeLine(JSON.stringify(result))]) acc.add(e);
    });
    expect(acc.summary().filesWritten).toEqual(['/w/a.ts', '/w/b.ts', '/w/c.ipynb']);
  });

  test('Codex: a completed file_change writes its paths; a failed one does not', () => {
    expect(writes('codex-apply-patch-success.jsonl')).toEqual(['/tmp/run/xap/sig/_signal.json']);
    const failed = {
      type: 'item.completed',
      item: { id: 'i', type: 'file_change', status: 'failed', changes: [{ path: '/w/a.ts', kind: 'update' }] },
    };
    expect(parseCodexLine(JSON.stringify(failed)).map((e) => e.kind)).toEqual(['tool']);
  });

  test('bounded: calls that never get a result do not grow the accumulator, and the list keeps its last entries', () => {
    const acc = new StreamAccumulator();
    for (let i = 0; i < 10_000; i++) acc.add({ kind: 'file_write', path: `/w/${i}`, id: `t${i}` });
    for (let i = 0; i < 10_000; i++) acc.add({ kind: 'tool_done', id: `t${i}` });
    for (let i = 0; i < 50; i++) acc.add({ kind: 'file_write', path: `/w/direct-${i}` });
    const s = acc.summary();
    expect(s.filesWritten).toHaveLength(MAX_LIST);
    expect(s.filesWritten.at(-1)).toBe('/w/direct-49');
  });
});
