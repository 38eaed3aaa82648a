// Codex `codex exec --json`: one JSON object per line → AgentEvents. Pure and tolerant: unknown types and fields are
// ignored, a malformed field is dropped rather than the line, nothing throws.
// zod's mini API: core/zod.ts.
import * as z from '../../core/zod.js';
import { detailLine, ERROR_LINE, firstLineOf, madeOnce, readStreamLine, type AgentEvent } from './events.js';

/** The line shapes, made when the first line is parsed (as claude.ts does): none of them before the first spawn. */
function makeShapes() {
  const optString = z.catch(z.optional(z.string()), undefined);
  const count = z.catch(z.number().check(z.minimum(0)), 0);

  const envelope = z.object({ type: z.string() });
  const threadStarted = z.object({ thread_id: optString });
  const itemLine = z.object({ item: z.looseObject({ type: z.string() }) });
  const messageLine = z.object({ message: z.string() });
  const turnFailed = z.object({ error: z.catch(z.optional(z.object({ message: z.string() })), undefined) });
  const turnCompleted = z.object({
    usage: z.catch(
      z.optional(
        z.object({
          input_tokens: count,
          cached_input_tokens: count,
          cache_write_input_tokens: count,
          output_tokens: count,
        }),
      ),
      undefined,
    ),
  });

  const commandItem = z.object({
    command: z.string(),
    /** null while it runs; Codex reports the item again, completed, with the code. */
    exit_code: z.catch(z.nullish(z.number()), undefined),
    status: optString,
    aggregated_output: optString,
  });
  const fileChangeItem = z.object({
    status: optString,
    changes: z.catch(z.array(z.catch(z.object({ path: z.string(), kind: optString }), { path: '' })), []),
  });
  const textItem = z.object({ text: z.string() });
  const mcpItem = z.object({
    server: optString,
    tool: optString,
    status: optString,
    error: z.catch(z.nullish(z.object({ message: z.string() })), undefined),
  });
  const webSearchItem = z.object({ query: optString });
  return {
    envelope,
    threadStarted,
    itemLine,
    messageLine,
    turnFailed,
    turnCompleted,
    commandItem,
    fileChangeItem,
    textItem,
    mcpItem,
    webSearchItem,
  };
}
type Shapes = ReturnType<typeof makeShapes>;
const shapes = madeOnce(makeShapes);

/** Codex prints each stream retry as an `error` event: `Reconnecting... 2/5 (<why>)`. */
const RECONNECTING = /^Reconnecting\.{3}\s*(\d+)\/(\d+)\s*(?:\(([\s\S]*)\))?\s*$/;

export function parseCodexLine(line: string): AgentEvent[] {
  const read = readStreamLine(line, shapes().envelope);
  if (!read) return [];
  const { data, head } = read;
  switch (head.type) {
    case 'thread.started': {
      const parsed = shapes().threadStarted.safeParse(data);
      return parsed.success ? [{ kind: 'init', sessionId: parsed.data.thread_id }] : [];
    }
    // Tools are reported when completed: Codex completes every item it started, even an unfinished one at the end.
    case 'item.completed':
      return item(data);
    case 'error': {
      const parsed = shapes().messageLine.safeParse(data);
      return parsed.success ? [errorEvent(parsed.data.message)] : [];
    }
    case 'turn.failed': {
      const parsed = shapes().turnFailed.safeParse(data);
      return parsed.success ? [{ kind: 'turn_failed', message: parsed.data.error?.message ?? 'turn failed' }] : [];
    }
    case 'turn.completed': {
      const parsed = shapes().turnCompleted.safeParse(data);
      const u = parsed.success ? parsed.data.usage : undefined;
      if (!u) return [];
      // OpenAI counts cached (and cache-written) tokens inside input_tokens; TokenUsage keeps them apart, like Claude.
      return [
        {
          kind: 'usage',
          tokens: {
            inputTokens: Math.max(0, u.input_tokens - u.cached_input_tokens - u.cache_write_input_tokens),
            outputTokens: u.output_tokens,
            cacheReadTokens: u.cached_input_tokens,
            cacheWriteTokens: u.cache_write_input_tokens,
          },
        },
      ];
    }
    default:
      return [];
  }
}

function errorEvent(message: string): AgentEvent {
  const retry = RECONNECTING.exec(message.trim());
  if (!retry) return { kind: 'error', message };
  const why = retry[3]?.trim();
  return {
    kind: 'api_retry',
    attempt: Number(retry[1]),
    maxRetries: Number(retry[2]),
    status: why ? httpStatusIn(why) : undefined,
    error: why || undefined,
  };
}

function item(data: unknown): AgentEvent[] {
  const parsed = shapes().itemLine.safeParse(data);
  if (!parsed.success) return [];
  const it = parsed.data.item;
  switch (it.type) {
    case 'command_execution': {
      const c = shapes().commandItem.safeParse(it);
      if (!c.success) return [];
      const failure = commandFailure(c.data);
      return [
        {
          kind: 'tool',
          name: 'Bash',
          detail: detailLine(unwrapShell(c.data.command)),
          ...(failure !== undefined ? { failure } : {}),
        },
      ];
    }
    case 'file_change': {
      const f = shapes().fileChangeItem.safeParse(it);
      if (!f.success) return [];
      const paths = f.data.changes.map((c) => c.path).filter(Boolean);
      const failed = f.data.status === 'failed' ? { failure: 'the patch was not applied' } : {};
      const tool: AgentEvent = { kind: 'tool', name: 'Edit', detail: detailLine(paths.join(', ')), ...failed };
      // A completed file change is written; a failed one (status "failed") is no evidence of progress.
      if (f.data.status === 'failed') return [tool];
      return [tool, ...paths.map((path): AgentEvent => ({ kind: 'file_write', path }))];
    }
    case 'agent_message': {
      const t = shapes().textItem.safeParse(it);
      return t.success && t.data.text.trim() !== '' ? [{ kind: 'text', text: t.data.text }] : [];
    }
    case 'error': {
      // e.g. "Model metadata for `gpt-5-codex` not found. Defaulting to fallback metadata": the run goes on.
      const m = shapes().messageLine.safeParse(it);
      return m.success ? [{ kind: 'warning', message: m.data.message }] : [];
    }
    case 'mcp_tool_call': {
      const m = shapes().mcpItem.safeParse(it);
      if (!m.success) return [];
      const failed =
        m.data.status === 'failed' ? { failure: firstLineOf(m.data.error?.message ?? '') || 'failed' } : {};
      return [
        { kind: 'tool', name: [m.data.server, m.data.tool].filter(Boolean).join('.') || 'mcp', detail: '', ...failed },
      ];
    }
    case 'web_search': {
      const w = shapes().webSearchItem.safeParse(it);
      return w.success ? [{ kind: 'tool', name: 'WebSearch', detail: detailLine(w.data.query ?? '') }] : [];
    }
    default:
      return [];
  }
}

/**
 * Why a completed command failed, on one line: `exit <code>` and the first line of its output that names an error
 * (else its last line); undefined when it succeeded. `declined`: the CLI refused to run it.
 */
function commandFailure(c: z.infer<Shapes['commandItem']>): string | undefined {
  const code = c.exit_code;
  const failed = (typeof code === 'number' && code !== 0) || c.status === 'failed' || c.status === 'declined';
  if (!failed) return undefined;
  const head = typeof code === 'number' ? `exit ${code}` : (c.status ?? 'failed');
  // Only the output's head and tail are read: a runaway command's output is not scanned whole.
  const output = c.aggregated_output ?? '';
  const lines = (output.length > 20_000 ? `${output.slice(0, 10_000)}\n${output.slice(-10_000)}` : output)
    .split('\n')
    .filter((l) => l.trim() !== '');
  const line = lines.find((l) => ERROR_LINE.test(l.slice(0, 500))) ?? lines.at(-1);
  return line === undefined ? head : `${head}: ${firstLineOf(line, 160)}`;
}

/** `/bin/bash -c "npm test"` → `npm test`; `bash -lc 'npm test'` → `npm test`; anything else unchanged. */
export function unwrapShell(command: string): string {
  const m = /^(?:\/usr)?(?:\/bin\/)?(?:ba|z)?sh\s+-l?c\s+([\s\S]+)$/.exec(command.trim());
  const arg = m?.[1];
  if (!arg || arg.length < 2) return command;
  const quote = arg[0];
  if (quote !== arg[arg.length - 1]) return command;
  const body = arg.slice(1, -1);
  // Inside double quotes a backslash escapes only $ ` " \ and newline (POSIX).
  if (quote === '"') return body.replace(/\\([$`"\\\n])/g, '$1');
  if (quote === "'") return body.replace(/'\\''/g, "'");
  return command;
}

/** The HTTP status an error text names, e.g. "401 Unauthorized", "last status: 429 Too Many Requests". */
export function httpStatusIn(text: string): number | undefined {
  const m = /\b([1-5]\d\d) [A-Z][a-z]/.exec(text);
  return m?.[1] ? Number(m[1]) : undefined;
}
