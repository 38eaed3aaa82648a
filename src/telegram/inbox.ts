// Long polling for the person's messages. One update at a time, in order; the offset moves past every update, even
// one whose handler failed, so a message that breaks something is not fed to us again and again. Errors back off
// (1 s → 30 s) and are logged once per kind. close() aborts the pending poll, then tells Telegram which updates were
// handled (getUpdates confirms by offset), so the next run is not handed a /stop it has already obeyed.
import type { Log } from '../core/log.js';
import type { Api, Message } from 'node-telegram-bot-api';
import { sleepUnlessAborted } from '../io/abortable-sleep.js';
import { Backoff, classify, type FailureLog } from './failures.js';

export interface InboxOptions {
  api: Api;
  log: Log;
  failures: FailureLog;
  clean: (text: string) => string;
  /** Seconds Telegram holds a getUpdates open when there is nothing new. */
  pollTimeoutSec: number;
  onMessage: (message: Message) => Promise<void>;
}

export interface Inbox {
  close(): Promise<void>;
}

const CONFIRM_TIMEOUT_MS = 2000;

export function startInbox(opts: InboxOptions): Inbox {
  const stop = new AbortController();
  const cursor: Cursor = {};
  const done = poll(opts, cursor, stop.signal);
  return {
    async close() {
      if (stop.signal.aborted) return done;
      stop.abort();
      await done;
      if (cursor.offset === undefined || cursor.offset === cursor.confirmed) return;
      try {
        await opts.api.getUpdates(
          { offset: cursor.offset, limit: 1, timeout: 0 },
          AbortSignal.timeout(CONFIRM_TIMEOUT_MS),
        );
      } catch {
        // Telegram down: the next run sees these updates again and ignores them as older than itself.
      }
    },
  };
}

interface Cursor {
  /** The next update id to ask for. */
  offset?: number | undefined;
  /** The offset Telegram was last sent (it forgets every update below it). */
  confirmed?: number | undefined;
}

async function poll(opts: InboxOptions, cursor: Cursor, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff();
  while (!signal.aborted) {
    const offset = cursor.offset;
    let updates;
    try {
      updates = await opts.api.getUpdates(
        { offset, timeout: opts.pollTimeoutSec, allowed_updates: ['message'] },
        signal,
      );
    } catch (error) {
      if (signal.aborted) return;
      const failure = classify(error);
      opts.failures.failed('getUpdates', failure);
      await sleepUnlessAborted(failure.retryAfterMs ?? backoff.delay(), signal);
      continue;
    }
    cursor.confirmed = offset;
    opts.failures.succeeded('getUpdates');
    backoff.reset();
    for (const update of updates) {
      if (signal.aborted) return;
      cursor.offset = update.update_id + 1;
      if (!('message' in update)) continue;
      try {
        await opts.onMessage(update.message);
      } catch (error) {
        opts.log.error(
          { telegram: 'update' },
          opts.clean(`telegram: handling a message failed: ${(error as Error).message ?? String(error)}`),
        );
      }
    }
  }
}
