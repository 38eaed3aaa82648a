// One vocabulary for what the agent CLIs print: both stream parsers turn a line into these events, the accumulator
// folds them into a summary. Pure types and helpers; no IO.
import type { PermissionDenial, TokenUsage } from '../../core/stream-summary.js';
import { oneLine } from '../../core/text.js';

export const ZERO_TOKENS: Readonly<TokenUsage> = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
});

export function addTokens(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

export type AgentEvent =
  | {
      kind: 'init';
      model?: string | undefined;
      sessionId?: string | undefined;
      cliVersion?: string | undefined;
      permissionMode?: string | undefined;
    }
  /**
   * One per tool use, e.g. {name:'Edit', detail:'src/auth.ts'}, {name:'Bash', detail:'npm test'}. `detail` is one line.
   * `failure`: the call failed, and the stream said so with the call itself (Codex reports a command once it ended:
   * `exit 1: <its error line>`); one line.
   */
  | { kind: 'tool'; name: string; detail: string; failure?: string | undefined }
  /**
   * A tool call (just before this event) that writes this file: Write, Edit, MultiEdit, NotebookEdit; a Codex file
   * change. With an `id` (Claude's tool_use id) it is written once its `tool_done` comes; without one it is written.
   * Stall detection's evidence of progress (core/progress.ts treeWrites).
   */
  | { kind: 'file_write'; path: string; id?: string | undefined }
  /** A tool call came back without an error (Claude tool_result). */
  | { kind: 'tool_done'; id: string }
  /** Text the model wrote (Claude assistant text of the main agent, Codex agent_message). */
  | { kind: 'text'; text: string }
  /** The CLI is retrying a failed API request (Claude system/api_retry; Codex "Reconnecting... n/m"). */
  | {
      kind: 'api_retry';
      attempt: number;
      maxRetries?: number | undefined;
      delayMs?: number | undefined;
      status?: number | undefined;
      error?: string | undefined;
    }
  /** Codex turn.completed. */
  | { kind: 'usage'; tokens: TokenUsage }
  /** Claude's last line. `isError`, not `subtype`, says an API error (those come with subtype "success"). */
  | {
      kind: 'result';
      isError: boolean;
      subtype?: string | undefined;
      /** HTTP status of the failed API call; null when the API was not reached (connection refused) or no error. */
      apiErrorStatus?: number | null | undefined;
      numTurns?: number | undefined;
      costUsd?: number | undefined;
      tokens?: TokenUsage | undefined;
      text?: string | undefined;
      permissionDenials: PermissionDenial[];
      terminalReason?: string | undefined;
      durationMs?: number | undefined;
      /** e.g. ["Reached maximum number of turns (2)"] on error_max_turns. */
      errors?: string[] | undefined;
    }
  /** A fatal-looking error: Codex `error` events that are not retries; Claude assistant messages with an `error` code. */
  | { kind: 'error'; message: string; code?: string | undefined }
  /** Something the CLI reported that does not end the run (Codex `error` items, e.g. unknown model metadata). */
  | { kind: 'warning'; message: string }
  /**
   * A tool call the CLI ran and that failed (Claude tool_result with is_error), e.g. a Write refused; it comes after
   * the call. `call`: the call it answers ("Write /x/_signal.json"), when the parser saw it; `firstLine`: the error's
   * first line, for the console.
   */
  | { kind: 'tool_error'; message: string; firstLine?: string | undefined; call?: string | undefined }
  | { kind: 'turn_failed'; message: string };

/** Lines longer than this are dropped unparsed (a runaway tool output must not cost a huge JSON.parse). */
export const MAX_LINE_BYTES = 1024 * 1024;

/** JSON.parse of one stream line; undefined for an oversized line, invalid JSON or anything but a JSON object. */
function parseJsonObject(line: string): Record<string, unknown> | undefined {
  // A UTF-16 length above the limit is always over it in bytes; below a third of it, never.
  if (line.length > MAX_LINE_BYTES) return undefined;
  if (line.length > MAX_LINE_BYTES / 3 && Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) return undefined;
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined;
}

/** The shape check of a line's envelope (its `type`, …): a zod schema's safeParse, without importing zod here. */
interface EnvelopeSchema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

/** One stream line as a JSON object and its checked envelope; undefined for anything else (the line is skipped). */
export function readStreamLine<T>(
  line: string,
  envelope: EnvelopeSchema<T>,
): { data: Record<string, unknown>; head: T } | undefined {
  const data = parseJsonObject(line);
  if (!data) return undefined;
  const head = envelope.safeParse(data);
  return head.success ? { data, head: head.data } : undefined;
}

/** A tool's detail or an error, as one line of the progress and the summary: at most 200 characters by default. */
export function detailLine(text: string, max = 200): string {
  return oneLine(text, max);
}

/** The first non-empty line of a text, as one bounded line ('' when there is none). */
export function firstLineOf(text: string, max = 200): string {
  for (const line of text.split('\n', 50)) if (line.trim() !== '') return detailLine(line, max);
  return '';
}

/** Lines that name what went wrong, in a failed command's output. */
export const ERROR_LINE =
  /\b(?:error|fail(?:ed|ure|s)?|not found|denied|cannot|can't|unable|exception|fatal|no such)\b/i;

/**
 * A failed tool's error text on one line: its first line, except that a bare `Exit code 2` (Claude's Bash) is followed
 * by the first line of the output that names the error (else the next line), which says what went wrong.
 */
export function errorLineOf(text: string, max = 200): string {
  const lines = text
    .slice(0, 20_000)
    .split('\n', 200)
    .filter((l) => l.trim() !== '');
  const first = lines[0]?.trim();
  if (first === undefined) return '';
  if (!/^(?:Error: )?Exit code \d+$/.test(first)) return detailLine(first, max);
  const why = lines.slice(1).find((l) => ERROR_LINE.test(l.slice(0, 500))) ?? lines[1];
  return detailLine(why === undefined ? first : `${first}: ${why}`, max);
}

/** `make()`'s value, made at the first call: a parser's zod shapes wait for its first line, not for its module's load. */
export function madeOnce<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
