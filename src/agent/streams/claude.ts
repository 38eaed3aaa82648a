// Claude Code `-p --output-format stream-json --verbose`: one JSON object per line → AgentEvents. Pure and tolerant:
// unknown types and fields are ignored, a malformed field is dropped rather than the line, nothing throws.
// zod's mini API: core/zod.ts.
import * as z from '../../core/zod.js';
import type { PermissionDenial, TokenUsage } from '../../core/stream-summary.js';
import { detailLine, errorLineOf, madeOnce, readStreamLine, type AgentEvent } from './events.js';

/**
 * The line shapes, made when the first line is parsed, not when this module loads: ~2 ms of zod that would otherwise
 * be on the way to the first spawn.
 */
function makeShapes() {
  const optString = z.catch(z.optional(z.string()), undefined);
  const optNumber = z.catch(z.optional(z.number()), undefined);
  const optBoolean = z.catch(z.optional(z.boolean()), undefined);
  const record = z.catch(z.record(z.string(), z.unknown()), {});

  const envelope = z.object({ type: z.string(), subtype: optString });

  const initLine = z.object({
    model: optString,
    session_id: optString,
    claude_code_version: optString,
    permissionMode: optString,
  });

  const retryLine = z.object({
    attempt: z.catch(z.number(), 0),
    max_retries: optNumber,
    retry_delay_ms: optNumber,
    // null when the request never got an HTTP answer (connection errors).
    error_status: z.catch(z.nullish(z.number()), undefined),
    error: optString,
  });

  const messageLine = z.object({
    message: z.object({ content: z.catch(z.union([z.array(z.unknown()), z.string()]), []) }),
    /** Set on the messages of a subagent (Task): their text is not the main agent's. */
    parent_tool_use_id: z.catch(z.nullish(z.string()), undefined),
    /** Set on the synthetic message Claude Code writes when the API failed: authentication_failed, rate_limit, server_error … */
    error: optString,
  });

  const textBlock = z.object({ type: z.literal('text'), text: z.string() });
  const toolUseBlock = z.object({ type: z.literal('tool_use'), id: optString, name: z.string(), input: record });
  const toolResultBlock = z.object({
    type: z.literal('tool_result'),
    tool_use_id: optString,
    is_error: optBoolean,
    content: z.catch(z.optional(z.union([z.string(), z.array(z.unknown())])), undefined),
  });

  const usageShape = z.object({
    input_tokens: optNumber,
    output_tokens: optNumber,
    cache_read_input_tokens: optNumber,
    cache_creation_input_tokens: optNumber,
  });

  const resultLine = z.object({
    subtype: optString,
    is_error: optBoolean,
    api_error_status: z.catch(z.optional(z.nullable(z.number())), undefined),
    duration_ms: optNumber,
    num_turns: optNumber,
    result: optString,
    total_cost_usd: optNumber,
    usage: z.catch(z.optional(usageShape), undefined),
    permission_denials: z.catch(z.array(z.unknown()), []),
    terminal_reason: optString,
    errors: z.catch(z.optional(z.array(z.string())), undefined),
  });

  const denialShape = z.object({ tool_name: z.string(), tool_input: record });

  const todoShape = z.array(z.catch(z.object({ content: optString, status: optString, activeForm: optString }), {}));
  return {
    envelope,
    initLine,
    retryLine,
    messageLine,
    textBlock,
    toolUseBlock,
    toolResultBlock,
    usageShape,
    resultLine,
    denialShape,
    todoShape,
  };
}
type Shapes = ReturnType<typeof makeShapes>;
const shapes = madeOnce(makeShapes);

/** Denials kept from one result line; the count of the rest is not needed to name the problem. */
const MAX_DENIALS = 20;

/** Tool calls a run's parser remembers, so that a failed result names its call (results come after their calls). */
const MAX_CALLS = 200;

/** What the parser of one run remembers between lines: tool call id → "Name detail". */
type Calls = Map<string, string>;

/**
 * A parser for one run: like parseClaudeLine, and a failed tool result names the call it answers (`tool_error.call`),
 * from the tool_use id seen earlier in the same stream.
 */
export function claudeParser(opts: { fastPath?: boolean } = {}): (line: string) => AgentEvent[] {
  const calls: Calls = new Map();
  // `fastPath: false`: zod for every line, the reference the fast path is tested against.
  const fast = opts.fastPath ?? true;
  return (line) => parse(line, calls, fast);
}

export function parseClaudeLine(line: string): AgentEvent[] {
  return parse(line, undefined, true);
}

function parse(line: string, calls: Calls | undefined, fast: boolean): AgentEvent[] {
  const read = readStreamLine(line, shapes().envelope);
  if (!read) return [];
  const { data, head } = read;
  switch (head.type) {
    case 'system':
      if (head.subtype === 'init') return init(data);
      if (head.subtype === 'api_retry') return retry(data);
      return [];
    case 'assistant':
      return (fast ? plainAssistant(data, calls) : undefined) ?? assistant(data, calls);
    case 'user':
      return user(data, calls, fast);
    case 'result':
      return result(data);
    default:
      return [];
  }
}

function init(data: unknown): AgentEvent[] {
  const parsed = shapes().initLine.safeParse(data);
  if (!parsed.success) return [];
  const { model, session_id, claude_code_version, permissionMode } = parsed.data;
  return [{ kind: 'init', model, sessionId: session_id, cliVersion: claude_code_version, permissionMode }];
}

function retry(data: unknown): AgentEvent[] {
  const parsed = shapes().retryLine.safeParse(data);
  if (!parsed.success) return [];
  const r = parsed.data;
  return [
    {
      kind: 'api_retry',
      attempt: r.attempt,
      maxRetries: r.max_retries,
      delayMs: r.retry_delay_ms,
      status: r.error_status ?? undefined,
      error: r.error,
    },
  ];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The common assistant line without zod: text and tool calls of well-formed blocks (zod's failed parses of each block
 * against the other block shapes made ~25 MB of garbage survive per 5 MB of tool calls, bench: peak RSS). Gives the
 * events the zod path would, or undefined to leave the line to it: an API error message, anything unusual.
 */
function plainAssistant(data: Record<string, unknown>, calls: Calls | undefined): AgentEvent[] | undefined {
  const message = data.message;
  if (data.error !== undefined || !isObject(message) || !Array.isArray(message.content)) return undefined;
  // zod keeps a string parent (a subagent's message) and turns anything else into null or undefined.
  const main = typeof data.parent_tool_use_id !== 'string';
  for (const block of message.content) {
    if (!isObject(block)) return undefined;
    if (block.type === 'text' && typeof block.text !== 'string') return undefined;
    if (block.type === 'tool_use' && !plainToolUse(block)) return undefined;
  }
  const events: AgentEvent[] = [];
  for (const block of message.content as Record<string, unknown>[]) {
    if (block.type === 'text') {
      const text = block.text as string;
      if (main && text.trim() !== '') events.push({ kind: 'text', text });
    } else if (block.type === 'tool_use')
      toolUse(
        block.name as string,
        block.id as string | undefined,
        block.input as Record<string, unknown>,
        events,
        calls,
      );
  }
  return events;
}

/** A tool_use block the fast path takes as is: zod would copy the same fields unchanged. */
function plainToolUse(block: Record<string, unknown>): boolean {
  return (
    typeof block.name === 'string' &&
    (block.id === undefined || typeof block.id === 'string') &&
    isObject(block.input) &&
    !Object.hasOwn(block.input, '__proto__')
  );
}

function toolUse(
  name: string,
  id: string | undefined,
  input: Record<string, unknown>,
  events: AgentEvent[],
  calls: Calls | undefined,
): void {
  const detail = toolDetail(name, input);
  events.push({ kind: 'tool', name, detail });
  const path = writtenPath(name, input);
  if (path !== undefined) events.push({ kind: 'file_write', path, id });
  if (calls && id !== undefined) {
    calls.set(id, detail ? `${name} ${detail}` : name);
    if (calls.size > MAX_CALLS) calls.delete(calls.keys().next().value!);
  }
}

function assistant(data: unknown, calls: Calls | undefined): AgentEvent[] {
  const parsed = shapes().messageLine.safeParse(data);
  if (!parsed.success) return [];
  const { message, parent_tool_use_id, error } = parsed.data;
  const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
  if (error !== undefined) {
    // Claude Code's own message about a failed API call (model "<synthetic>"): an error, not the model's text.
    const text = blocks
      .map((b) => shapes().textBlock.safeParse(b))
      .flatMap((b) => (b.success ? [b.data.text] : []))
      .join('\n')
      .trim();
    return [{ kind: 'error', message: text || error, code: error }];
  }
  const events: AgentEvent[] = [];
  // Claude Code prints one line per content block; a line with several is handled the same way.
  for (const block of blocks) {
    const text = shapes().textBlock.safeParse(block);
    if (text.success) {
      if (parent_tool_use_id == null && text.data.text.trim() !== '')
        events.push({ kind: 'text', text: text.data.text });
      continue;
    }
    const tool = shapes().toolUseBlock.safeParse(block);
    if (tool.success) toolUse(tool.data.name, tool.data.id, tool.data.input, events, calls);
  }
  return events;
}

/**
 * The common user line without zod: tool results that did not fail, which are most of a long stream (zod copies each
 * line's message and blocks only for them to be dropped). Gives the events the zod path would, or undefined to
 * leave the line to it: anything unusual, and every failed result.
 */
function plainUser(data: Record<string, unknown>): AgentEvent[] | undefined {
  const message = data.message;
  if (!isObject(message) || !Array.isArray(message.content)) return undefined;
  const events: AgentEvent[] = [];
  for (const block of message.content) {
    if (!isObject(block) || block.type !== 'tool_result') continue;
    if (block.is_error === true) return undefined;
    if (typeof block.tool_use_id === 'string') events.push({ kind: 'tool_done', id: block.tool_use_id });
  }
  return events;
}

function user(data: Record<string, unknown>, calls: Calls | undefined, fast: boolean): AgentEvent[] {
  const plain = fast ? plainUser(data) : undefined;
  if (plain) return plain;
  const parsed = shapes().messageLine.safeParse(data);
  if (!parsed.success || typeof parsed.data.message.content === 'string') return [];
  const events: AgentEvent[] = [];
  for (const block of parsed.data.message.content) {
    const tr = shapes().toolResultBlock.safeParse(block);
    if (!tr.success) continue;
    if (tr.data.is_error !== true) {
      if (tr.data.tool_use_id !== undefined) events.push({ kind: 'tool_done', id: tr.data.tool_use_id });
      continue;
    }
    const content = tr.data.content;
    const text =
      typeof content === 'string'
        ? content
        : (content ?? [])
            .flatMap((c) => {
              const t = shapes().textBlock.safeParse(c);
              return t.success ? [t.data.text] : [];
            })
            .join(' ');
    const clean = text.replace(/<\/?tool_use_error>/g, '');
    const call = tr.data.tool_use_id === undefined ? undefined : calls?.get(tr.data.tool_use_id);
    events.push({
      kind: 'tool_error',
      message: detailLine(clean, 500),
      firstLine: errorLineOf(clean),
      ...(call !== undefined ? { call } : {}),
    });
  }
  return events;
}

function result(data: unknown): AgentEvent[] {
  const parsed = shapes().resultLine.safeParse(data);
  if (!parsed.success) return [];
  const r = parsed.data;
  const denials: PermissionDenial[] = [];
  for (const item of r.permission_denials.slice(0, MAX_DENIALS)) {
    const d = shapes().denialShape.safeParse(item);
    if (!d.success) continue;
    const target = toolDetail(d.data.tool_name, d.data.tool_input);
    denials.push(target ? { tool: d.data.tool_name, target } : { tool: d.data.tool_name });
  }
  return [
    {
      kind: 'result',
      isError: r.is_error ?? (r.subtype !== undefined && r.subtype.startsWith('error')),
      subtype: r.subtype,
      apiErrorStatus: r.api_error_status,
      numTurns: r.num_turns,
      costUsd: r.total_cost_usd,
      tokens: r.usage ? tokensOf(r.usage) : undefined,
      text: r.result,
      permissionDenials: denials,
      terminalReason: r.terminal_reason,
      durationMs: r.duration_ms,
      errors: r.errors,
    },
  ];
}

function tokensOf(u: z.infer<Shapes['usageShape']>): TokenUsage {
  return {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
  };
}

/** The file a Claude tool call writes, for the tools that write one. */
function writtenPath(name: string, input: Record<string, unknown>): string | undefined {
  const key = WRITING_TOOLS[name];
  const path = key === undefined ? undefined : input[key];
  return typeof path === 'string' && path.trim() !== '' ? path : undefined;
}

const WRITING_TOOLS: Readonly<Record<string, string>> = {
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  NotebookEdit: 'notebook_path',
};

/** What a tool call is about, on one line: the file, the command, the pattern … ('' when nothing fits). */
export function toolDetail(name: string, input: Record<string, unknown>): string {
  const s = (key: string): string | undefined => {
    const value = input[key];
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  const within = (path: string | undefined): string => (path ? ` in ${path}` : '');
  switch (name) {
    case 'Read':
    case 'Write':
    case 'Edit':
    case 'MultiEdit':
      return detailLine(s('file_path') ?? s('path') ?? '');
    case 'NotebookEdit':
    case 'NotebookRead':
      return detailLine(s('notebook_path') ?? '');
    case 'Bash':
      return detailLine(s('command') ?? '');
    case 'Grep': {
      const filter = s('glob') ?? s('type');
      return detailLine(`${JSON.stringify(s('pattern') ?? '')}${within(s('path'))}${filter ? ` (${filter})` : ''}`);
    }
    case 'Glob':
      return detailLine(`${s('pattern') ?? ''}${within(s('path'))}`);
    case 'Task':
    case 'Agent': {
      const who = s('subagent_type');
      const what = s('description') ?? s('prompt') ?? '';
      return detailLine(who ? `${who}: ${what}` : what);
    }
    case 'TodoWrite':
      return todoDetail(input.todos);
    case 'WebFetch':
      return detailLine(s('url') ?? '');
    case 'WebSearch':
      return detailLine(s('query') ?? '');
    case 'Skill':
      return detailLine(s('skill') ?? s('command') ?? s('name') ?? '');
    default: {
      const known =
        s('file_path') ?? s('path') ?? s('command') ?? s('pattern') ?? s('url') ?? s('query') ?? s('description');
      const first = Object.values(input).find((v): v is string => typeof v === 'string' && v.trim() !== '');
      return detailLine(known ?? first ?? '');
    }
  }
}

function todoDetail(todos: unknown): string {
  const parsed = shapes().todoShape.safeParse(todos);
  if (!parsed.success) return '';
  const list = parsed.data;
  const done = list.filter((t) => t.status === 'completed').length;
  const current = list.find((t) => t.status === 'in_progress');
  const now = current ? `; now: ${current.activeForm ?? current.content ?? ''}` : '';
  return detailLine(`${list.length} todo${list.length === 1 ? '' : 's'}, ${done} done${now}`);
}
