// Folds the events of one run into the facts the loop records and the failure classifier reads. Pure; memory stays
// bounded however long the stream: lists keep their last entries, texts are cut.
import type { StreamSummary, TokenUsage } from '../../core/stream-summary.js';
import { truncate } from '../../core/text.js';
import { addTokens, ZERO_TOKENS, type AgentEvent } from './events.js';

/** USD per million tokens, for a CLI that reports no cost (Codex). */
export interface TokenPrice {
  input: number;
  cachedInput: number;
  output: number;
}

export const MAX_TEXT = 2000;
export const MAX_LIST = 20;
const MAX_ITEM = 500;
const MAX_PENDING = 100;

export class StreamAccumulator {
  private readonly price: TokenPrice | undefined;
  private readonly s: StreamSummary = {
    tokens: ZERO_TOKENS,
    sawResult: false,
    isError: false,
    permissionDenials: [],
    retries: [],
    retryCount: 0,
    errors: [],
    toolErrors: [],
    toolFailures: 0,
    warnings: [],
    toolUses: 0,
    filesWritten: [],
  };
  /** Writing calls waiting for their result, by id (bounded: a stream that never answers cannot grow it). */
  private readonly pendingWrites = new Map<string, string>();
  /** Summed `usage` events (Codex); a Claude result's own totals win over them. */
  private usage: TokenUsage | undefined;
  private resultTokens: TokenUsage | undefined;
  private resultCost: number | undefined;

  constructor(options: { pricePerMTok?: TokenPrice | undefined } = {}) {
    this.price = options.pricePerMTok;
  }

  add(event: AgentEvent): void {
    const s = this.s;
    switch (event.kind) {
      case 'init':
        s.model = event.model ?? s.model;
        s.sessionId = event.sessionId ?? s.sessionId;
        s.cliVersion = event.cliVersion ?? s.cliVersion;
        return;
      case 'tool':
        s.toolUses += 1;
        if (event.failure !== undefined) {
          s.toolFailures += 1;
          push(s.toolErrors, cut(`${event.name} ${event.detail}: ${event.failure}`, MAX_ITEM));
        }
        return;
      case 'file_write':
        if (event.id === undefined) push(s.filesWritten, event.path);
        else {
          this.pendingWrites.set(event.id, event.path);
          if (this.pendingWrites.size > MAX_PENDING) this.pendingWrites.delete(this.pendingWrites.keys().next().value!);
        }
        return;
      case 'tool_done': {
        const path = this.pendingWrites.get(event.id);
        this.pendingWrites.delete(event.id);
        if (path !== undefined) push(s.filesWritten, path);
        return;
      }
      case 'text':
        s.lastText = cut(event.text, MAX_TEXT);
        return;
      case 'api_retry':
        s.retryCount += 1;
        push(s.retries, {
          status: event.status,
          error: event.error === undefined ? undefined : cut(event.error, MAX_ITEM),
        });
        return;
      case 'usage':
        this.usage = addTokens(this.usage ?? ZERO_TOKENS, event.tokens);
        return;
      case 'result':
        s.sawResult = true;
        s.isError = event.isError;
        s.apiErrorStatus = event.apiErrorStatus;
        s.subtype = event.subtype;
        s.terminalReason = event.terminalReason;
        s.turns = event.numTurns;
        s.permissionDenials = event.permissionDenials.slice(0, MAX_LIST);
        if (event.text !== undefined) s.resultText = cut(event.text, MAX_TEXT);
        if (event.tokens) this.resultTokens = event.tokens;
        if (event.costUsd !== undefined) this.resultCost = event.costUsd;
        for (const e of event.errors ?? []) push(s.errors, cut(e, MAX_ITEM));
        return;
      case 'error':
        push(s.errors, cut(event.message, MAX_ITEM));
        return;
      case 'warning':
        push(s.warnings, cut(event.message, MAX_ITEM));
        return;
      case 'tool_error':
        s.toolFailures += 1;
        push(s.toolErrors, cut(event.message, MAX_ITEM));
        return;
      case 'turn_failed':
        s.turnFailed = cut(event.message, MAX_ITEM);
        return;
    }
  }

  summary(): StreamSummary {
    const s = this.s;
    const tokens = this.resultTokens ?? this.usage ?? ZERO_TOKENS;
    let costUsd = this.resultCost;
    const costEstimated = costUsd === undefined && this.usage !== undefined && this.price !== undefined;
    if (costEstimated) costUsd = costOf(this.usage!, this.price!);
    return {
      ...s,
      tokens: { ...tokens },
      costUsd,
      ...(costEstimated ? { costEstimated: true } : {}),
      permissionDenials: [...s.permissionDenials],
      retries: [...s.retries],
      errors: [...s.errors],
      toolErrors: [...s.toolErrors],
      warnings: [...s.warnings],
      filesWritten: [...s.filesWritten],
    };
  }
}

/** Cache writes are charged at the input price: the price table has no rate of its own for them. */
export function costOf(tokens: TokenUsage, price: TokenPrice): number {
  return (
    ((tokens.inputTokens + tokens.cacheWriteTokens) * price.input +
      tokens.cacheReadTokens * price.cachedInput +
      tokens.outputTokens * price.output) /
    1e6
  );
}

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_LIST) list.shift();
}

/** Kept texts end in "…" where they were cut, with no count: the summary is not shown whole. */
const cut = (text: string, max: number): string => truncate(text, max, { count: false });
