// What one agent run's output stream came to, as the failure classifier (core/failure-class.ts) reads it. The
// parsers and the accumulator that build it are adapters (agent/streams/); the shape is core's, so the core depends
// on no adapter.

/** Tokens of one run, in the shape of `Totals` / `RunFacts.tokens` (core/state.ts). */
export interface TokenUsage {
  /** Input billed at the full rate: cache reads and cache writes are not included (Claude's convention). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** A tool the CLI refused to run (Claude's `result.permission_denials`). `target`: the file, command or URL. */
export interface PermissionDenial {
  tool: string;
  target?: string | undefined;
}

export interface StreamSummary {
  /** Claude's num_turns (model round trips); Codex reports none. */
  turns?: number | undefined;
  /** Claude's total_cost_usd; for Codex computed from the tokens when a price is given. */
  costUsd?: number | undefined;
  /** costUsd was computed from a price table (CODEX_PRICE), not reported by the CLI. */
  costEstimated?: boolean | undefined;
  tokens: TokenUsage;
  /** The model's last text, cut to MAX_TEXT characters. */
  lastText?: string | undefined;
  /** Claude's `result` text: the final answer, or the error text on an API error. */
  resultText?: string | undefined;
  sawResult: boolean;
  isError: boolean;
  apiErrorStatus?: number | null | undefined;
  subtype?: string | undefined;
  terminalReason?: string | undefined;
  permissionDenials: PermissionDenial[];
  /** The last MAX_LIST retries; `retryCount` counts them all. */
  retries: { status?: number | undefined; error?: string | undefined }[];
  retryCount: number;
  /** The last MAX_LIST errors (Codex error events, Claude API error messages, result `errors`). */
  errors: string[];
  /** Failed tool calls (a refused Write …), last MAX_LIST. */
  toolErrors: string[];
  /** Failed tool calls, all counted: Claude tool results with is_error, Codex commands with a non-zero exit. */
  toolFailures: number;
  /** Non-fatal CLI notices (Codex: unknown model metadata), last MAX_LIST. */
  warnings: string[];
  turnFailed?: string | undefined;
  model?: string | undefined;
  sessionId?: string | undefined;
  cliVersion?: string | undefined;
  /** Tool uses seen. */
  toolUses: number;
  /** Files written by tool calls that came back without an error (the last MAX_LIST): stall detection's evidence. */
  filesWritten: string[];
}
