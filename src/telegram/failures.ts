// Living with Telegram being down: what kind of failure an error is, logging each kind once (a dead network must not
// fill the log with one line per retry), backing off between tries, and keeping the bot token out of every message.
import type { Log } from '../core/log.js';
import { backoffMs } from '../core/attempts.js';
import { formatDuration } from '../core/prompt.js';
import { makeScrubber } from '../core/secrets.js';
import { NetworkError, ParseError, TelegramApiError, TimeoutError } from 'node-telegram-bot-api';

export interface Failure {
  /** Stable per kind, e.g. `HTTP 500`, `timeout`: the unit of "logged once". */
  kind: string;
  detail: string;
  /** Worth trying the same request again later. */
  transient: boolean;
  retryAfterMs?: number | undefined;
}

/** `timeoutMs`: the client timeout the request had, to say how long Telegram was given. */
export function classify(error: unknown, timeoutMs?: number): Failure {
  if (error instanceof TelegramApiError) {
    const after = error.retryAfter;
    return {
      kind: `HTTP ${error.errorCode}`,
      detail: `${error.errorCode} ${error.description}${hint(error.errorCode)}`,
      transient: error.errorCode === 429 || error.errorCode >= 500,
      retryAfterMs: after === undefined ? undefined : after * 1000,
    };
  }
  if (error instanceof TimeoutError) {
    return {
      kind: 'timeout',
      detail: timeoutMs ? `no answer within ${formatDuration(timeoutMs)}` : 'no answer in time',
      transient: true,
    };
  }
  if (error instanceof NetworkError) return { kind: 'network', detail: chain(error), transient: true };
  if (error instanceof ParseError)
    return { kind: 'bad response', detail: 'the answer was not Telegram JSON (a proxy in the way?)', transient: true };
  return { kind: 'error', detail: chain(error), transient: false };
}

function hint(code: number): string {
  if (code === 401 || code === 404) return ': check TELEGRAM_BOT_TOKEN';
  if (code === 403 || code === 400) return ': check TELEGRAM_CHAT_ID and that the bot may write to that chat';
  if (code === 409) return ': another process polls this bot, or a webhook is set';
  return '';
}

/** The error's message and its causes' (fetch hides the useful part, e.g. ECONNREFUSED, in `cause`). */
function chain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as { message?: unknown; code?: unknown; cause?: unknown };
    const text = [typeof e.code === 'string' ? e.code : '', typeof e.message === 'string' ? e.message : String(current)]
      .filter(Boolean)
      .join(' ');
    if (text && !parts.includes(text)) parts.push(text);
    current = e.cause;
  }
  return parts.join(': ') || 'unknown error';
}

/**
 * A cleaner that removes the token in every spelling a URL or message might carry (core/secrets.ts: as is,
 * URL-encoded, its secret half alone), then applies the app's scrubber: the link never relies on being given one.
 */
export function tokenCleaner(token: string, scrub: (text: string) => string): (text: string) => string {
  const byToken = makeScrubber([token]);
  return (text) => scrub(byToken(text));
}

/** Logs the first failure of each kind per operation, and once that the operation works again. */
export class FailureLog {
  private readonly seen = new Set<string>();

  constructor(
    private readonly log: Log,
    private readonly clean: (text: string) => string,
  ) {}

  failed(operation: string, failure: Failure): void {
    const key = `${operation}\u0000${failure.kind}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.log.warn(
      { telegram: operation, kind: failure.kind },
      this.clean(
        `telegram: ${operation} failed (${failure.detail}); further failures of this kind are not logged until one succeeds`,
      ),
    );
  }

  succeeded(operation: string): void {
    const prefix = `${operation}\u0000`;
    const cleared = [...this.seen].filter((key) => key.startsWith(prefix));
    if (cleared.length === 0) return;
    for (const key of cleared) this.seen.delete(key);
    this.log.info({ telegram: operation }, `telegram: ${operation} works again`);
  }
}

/** 1 s, 2 s, 4 s … up to 30 s; back to 1 s after a success. */
export class Backoff {
  private next = 0;

  constructor(
    private readonly firstMs = 1000,
    private readonly maxMs = 30_000,
  ) {}

  delay(): number {
    const ms = backoffMs(this.next + 1, { baseDelayMs: this.firstMs, maxDelayMs: this.maxMs });
    this.next += 1;
    return ms;
  }

  reset(): void {
    this.next = 0;
  }
}
