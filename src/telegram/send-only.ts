// Messages to the chat from a process that is not a session's run (the worker's pull request reactions): the same
// outbox (queued, retried, never blocking the caller), no polling for commands. A run of a session polls the chat
// itself; a second poller on the same bot would take its updates away.
import type { Log } from '../core/log.js';
import { Api } from 'node-telegram-bot-api';
import { FailureLog, tokenCleaner } from './failures.js';
import { escapeHtml, splitMessage } from './html.js';
import { Outbox } from './outbox.js';

export interface TelegramSender {
  /** Plain text (escaped here), under a bold title; scrubbed before it is queued. */
  send(title: string, text: string): void;
  /** Send what is queued, for at most `ms`, then stop. Never rejects. */
  close(ms?: number): Promise<void>;
}

export function telegramSender(opts: {
  token: string;
  chatId: string;
  apiRoot?: string | undefined;
  log: Log;
  scrub: (text: string) => string;
}): TelegramSender {
  const clean = tokenCleaner(opts.token, opts.scrub);
  const timeoutMs = 10_000;
  const api = new Api(opts.token, { apiRoot: opts.apiRoot, timeoutMs, maxRetries: 0 });
  const outbox = new Outbox({
    api,
    chatId: opts.chatId.trim(),
    log: opts.log,
    failures: new FailureLog(opts.log, clean),
    timeoutMs,
  });
  return {
    send(title, text) {
      for (const html of splitMessage(`<b>${escapeHtml(clean(title))}</b>\n${escapeHtml(clean(text))}`))
        outbox.push({ html });
    },
    async close(ms = 3_000) {
      await outbox.flush(ms).catch(() => undefined);
      await outbox.close().catch(() => undefined);
    },
  };
}
