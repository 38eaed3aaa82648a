// Failed tool calls in the agents' streams: recorded by the real CLIs (tests/fixtures/streams: a Write refused;
// tests/fixtures/tool-failures: a Bash / exec_command that exits 2, recorded by tests/agents/tool-failures.test.ts) and
// edge cases written to the same shapes. The parsers name the failure, the accumulator counts every one.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { claudeParser, parseClaudeLine } from '../../src/agent/streams/claude.js';
import { parseCodexLine } from '../../src/agent/streams/codex.js';
import { errorLineOf, type AgentEvent } from '../../src/agent/streams/events.js';
import { MAX_LIST, StreamAccumulator } from '../../src/agent/streams/summary.js';

const lines = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url)), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
const failures = (events: AgentEvent[]) =>
  events.filter((e) => e.kind === 'tool_error' || (e.kind === 'tool' && e.failure !== undefined));
function summarize(events: AgentEvent[]) {
  const acc = new StreamAccumulator();
  for (const e of events) acc.add(e);
  return acc.summary();
}

describe('Claude: a tool_result with is_error', () => {
  test('a refused Write (recorded): the failure names its call and the error', () => {
    const parse = claudeParser();
    const events = lines('streams/claude-signal-exists-write-rejected.jsonl').flatMap(parse);
    expect(failures(events)).toEqual([
      {
        kind: 'tool_error',
        message: 'File has not been read yet. Read it first before writing to it.',
        firstLine: 'File has not been read yet. Read it first before writing to it.',
        call: 'Write /tmp/run/c-exists/sig/_signal.json',
      },
    ]);
    expect(summarize(events)).toMatchObject({ toolUses: 1, toolFailures: 1 });
  });

  test('a failed Bash (recorded): `Exit code 2` and the line that says why', () => {
    const events = lines('tool-failures/claude-bash-failed.jsonl').flatMap(claudeParser());
    expect(failures(events)).toEqual([
      expect.objectContaining({
        call: 'Bash ls /no/such/dir-for-samocode',
        firstLine: "Exit code 2: ls: cannot access '/no/such/dir-for-samocode': No such file or directory",
      }),
    ]);
    expect(summarize(events)).toMatchObject({ toolUses: 2, toolFailures: 1 });
  });

  test('the stateless parseClaudeLine still reports the failure, without the call', () => {
    const events = lines('streams/claude-signal-exists-write-rejected.jsonl').flatMap(parseClaudeLine);
    expect(failures(events)).toEqual([expect.not.objectContaining({ call: expect.anything() })]);
  });

  test('a successful tool_result, or one with is_error false, is no failure', () => {
    const events = lines('streams/claude-stream-example.jsonl').flatMap(claudeParser());
    expect(failures(events)).toEqual([]);
    const ok = JSON.stringify({
      type: 'user',
      message: { content: [{ type: 'tool_result', tool_use_id: 't1', is_error: false, content: 'Error: none' }] },
    });
    expect(failures(claudeParser()(ok))).toEqual([]);
  });

  test('content as text blocks, a result for an unknown call, several results in one line', () => {
    const parse = claudeParser();
    parse(
      JSON.stringify({
        type: 'assistant',
        message: { content: [{ type: 'tool_use', id: 'a', name: 'Edit', input: { file_path: 'src/x.ts' } }] },
      }),
    );
    const events = parse(
      JSON.stringify({
        type: 'user',
        message: {
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'a',
              is_error: true,
              content: [{ type: 'text', text: '\n\nString not found\nin file' }],
            },
            { type: 'tool_result', tool_use_id: 'zz', is_error: true, content: 'boom' },
          ],
        },
      }),
    );
    expect(events).toEqual([
      { kind: 'tool_error', message: 'String not found in file', firstLine: 'String not found', call: 'Edit src/x.ts' },
      { kind: 'tool_error', message: 'boom', firstLine: 'boom' },
    ]);
  });

  test('the parser remembers a bounded number of calls', () => {
    const parse = claudeParser();
    const use = (id: string) =>
      JSON.stringify({
        type: 'assistant',
        message: { content: [{ type: 'tool_use', id, name: 'Read', input: { file_path: id } }] },
      });
    const fail = (id: string) =>
      JSON.stringify({
        type: 'user',
        message: { content: [{ type: 'tool_result', tool_use_id: id, is_error: true, content: 'x' }] },
      });
    for (let i = 0; i < 1000; i++) parse(use(`id${i}`));
    expect(parse(fail('id0'))).toEqual([{ kind: 'tool_error', message: 'x', firstLine: 'x' }]);
    expect(parse(fail('id999'))).toEqual([{ kind: 'tool_error', message: 'x', firstLine: 'x', call: 'Read id999' }]);
  });
});

describe('Codex: a command with a non-zero exit', () => {
  test('recorded: exit 2, status failed → the tool event carries the failure with the output line', () => {
    const events = lines('tool-failures/codex-command-failed.jsonl').flatMap(parseCodexLine);
    const tools = events.filter((e) => e.kind === 'tool');
    expect(tools).toHaveLength(2);
    expect(tools[0]).toEqual({
      kind: 'tool',
      name: 'Bash',
      detail: 'ls /no/such/dir-for-samocode',
      failure: "exit 2: ls: cannot access '/no/such/dir-for-samocode': No such file or directory",
    });
    expect(tools[1]).not.toHaveProperty('failure');
    expect(summarize(events)).toMatchObject({
      toolUses: 2,
      toolFailures: 1,
      toolErrors: [
        "Bash ls /no/such/dir-for-samocode: exit 2: ls: cannot access '/no/such/dir-for-samocode': No such file or directory",
      ],
    });
  });

  const item = (fields: Record<string, unknown>) =>
    JSON.stringify({
      type: 'item.completed',
      item: { id: 'item_9', type: 'command_execution', command: "bash -lc 'npm test'", ...fields },
    });

  test.each([
    [
      'exit 0',
      { exit_code: 0, status: 'completed', aggregated_output: 'error: this text is not a failure' },
      undefined,
    ],
    ['still running (item.started shape)', { exit_code: null, status: 'in_progress' }, undefined],
    ['no output', { exit_code: 1, status: 'failed', aggregated_output: '' }, 'exit 1'],
    [
      'the error line, not the first line',
      {
        exit_code: 127,
        status: 'failed',
        aggregated_output: '\n> app@1.0.0 test\n> vitest run\n\nsh: 1: vitest: not found\n',
      },
      'exit 127: sh: 1: vitest: not found',
    ],
    ['no error line: the last line', { exit_code: 3, aggregated_output: 'one\ntwo\nthree\n' }, 'exit 3: three'],
    ['declined, no exit code', { exit_code: null, status: 'declined' }, 'declined'],
  ])('%s', (_name, fields, failure) => {
    const [event] = parseCodexLine(item(fields));
    expect(event).toMatchObject({ kind: 'tool', name: 'Bash', detail: 'npm test' });
    expect((event as { failure?: string }).failure).toBe(failure);
  });

  test('a failed patch and a failed MCP call are failures too', () => {
    const patch = JSON.stringify({
      type: 'item.completed',
      item: { id: 'i', type: 'file_change', changes: [{ path: 'src/a.ts', kind: 'update' }], status: 'failed' },
    });
    const mcp = JSON.stringify({
      type: 'item.completed',
      item: {
        id: 'j',
        type: 'mcp_tool_call',
        server: 'fs',
        tool: 'read',
        status: 'failed',
        error: { message: 'no such file\nmore' },
      },
    });
    expect(parseCodexLine(patch)).toEqual([
      { kind: 'tool', name: 'Edit', detail: 'src/a.ts', failure: 'the patch was not applied' },
    ]);
    expect(parseCodexLine(mcp)).toEqual([{ kind: 'tool', name: 'fs.read', detail: '', failure: 'no such file' }]);
  });

  test('a runaway output is not scanned whole: its head and tail give the line', () => {
    const output = `${'x'.repeat(900_000)}\nfatal: the end\n`; // under the 1 MB line limit
    const [event] = parseCodexLine(item({ exit_code: 1, aggregated_output: output }));
    expect((event as { failure?: string }).failure).toBe('exit 1: fatal: the end');
  });
});

describe('counting', () => {
  test('every failure is counted, the list keeps the last MAX_LIST', () => {
    const acc = new StreamAccumulator();
    for (let i = 0; i < 50; i++) {
      acc.add({ kind: 'tool', name: 'Bash', detail: `cmd ${i}`, failure: 'exit 1' });
      acc.add({ kind: 'tool_error', message: `tool error ${i}` });
      acc.add({ kind: 'tool', name: 'Read', detail: 'x' });
    }
    const s = acc.summary();
    expect(s).toMatchObject({ toolUses: 100, toolFailures: 100 });
    expect(s.toolErrors).toHaveLength(MAX_LIST);
  });

  test.each([
    ['Exit code 1\nError: boom', 'Exit code 1: Error: boom'],
    ['Exit code 1\nplain words\nmore', 'Exit code 1: plain words'],
    ['Exit code 1', 'Exit code 1'],
    ['\n\n  first line  \nsecond', 'first line'],
    ['', ''],
  ])('errorLineOf(%j) = %j', (text, line) => {
    expect(errorLineOf(text)).toBe(line);
  });
});
