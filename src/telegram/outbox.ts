// Messages to the chat, sent one at a time in order by a background worker, so that `notify` only ever appends to an
// array and the loop never waits for Telegram. While Telegram is down the head message is retried with backoff and
// the queue is capped: the oldest messages go first, since the newest say where the session is now.
import type { Log } from '../core/log.js';
import type { Api } from 'node-telegram-bot-api';
import { sleepUnlessAborted } from '../io/abortable-sleep.js';
import { Backoff, classify, type FailureLog } from './failures.js';
import { htmlToPlain } from './html.js';

export interface OutMessage {
  html: string;
  /** The person's message this answers. */
  replyTo?: number | undefined;
  /** Sent as plain text: Telegram refused the HTML (a fallback that should not happen, but must not lose the message). */
  plain?: boolean | undefined;
  /** Sent without a sound on the person's phone (the progress message). */
  silent?: boolean | undefined;
}

export interface OutboxOptions {
  api: Api;
  chatId: string;
  log: Log;
  failures: FailureLog;
  /** The client timeout per send, for the log line. */
  timeoutMs: number;
  maxPending?: number;
}

export class Outbox {
  private readonly queue: OutMessage[] = [];
  private readonly stop = new AbortController();
  private readonly backoff = new Backoff();
  private readonly maxPending: number;
  private wake: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private idle = true;
  private overflowLogged = false;
  private readonly worker: Promise<void>;

  constructor(private readonly opts: OutboxOptions) {
    this.maxPending = opts.maxPending ?? 50;
    this.worker = this.run();
  }

  push(message: OutMessage): void {
    if (this.stop.signal.aborted) return;
    this.queue.push(message);
    this.idle = false;
    if (this.queue.length > this.maxPending) {
      this.queue.shift();
      if (!this.overflowLogged) {
        this.overflowLogged = true;
        this.opts.log.warn(
          `telegram: more than ${this.maxPending} messages wait to be sent; dropping the oldest (not logged again until the queue drains)`,
        );
      }
    }
    this.wake?.();
  }

  /** Resolves once everything queued is sent (or given up), or after `ms`, whichever comes first. */
  async flush(ms: number): Promise<void> {
    if (this.idle) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }

  /** Stops at once: an in-flight request is aborted, unsent messages are dropped (call flush first to send them). */
  async close(): Promise<void> {
    this.stop.abort();
    this.wake?.();
    await this.worker;
  }

  private async run(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      const message = this.queue[0];
      if (!message) {
        this.becomeIdle();
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const retryInMs = await this.send(message);
      if (retryInMs === undefined) {
        if (this.queue[0] === message) this.queue.shift();
      } else {
        await sleepUnlessAborted(retryInMs, signal);
      }
    }
    this.becomeIdle();
  }

  /** Sends one message; undefined when it is done with (sent or given up), else how long to wait before trying again. */
  private async send(message: OutMessage): Promise<number | undefined> {
    const { api, chatId, failures } = this.opts;
    try {
      await api.sendMessage(
        {
          chat_id: chatId,
          text: message.plain ? htmlToPlain(message.html) : message.html,
          parse_mode: message.plain ? undefined : 'HTML',
          link_preview_options: { is_disabled: true },
          disable_notification: message.silent || undefined,
          reply_parameters:
            message.replyTo === undefined
              ? undefined
              : { message_id: message.replyTo, allow_sending_without_reply: true },
        },
        this.stop.signal,
      );
      failures.succeeded('sendMessage');
      this.backoff.reset();
      return undefined;
    } catch (error) {
      if (this.stop.signal.aborted) return undefined;
      const failure = classify(error, this.opts.timeoutMs);
      failures.failed('sendMessage', failure);
      if (failure.transient) return failure.retryAfterMs ?? this.backoff.delay();
      if (failure.kind === 'HTTP 400' && !message.plain && this.queue[0] === message) {
        this.queue[0] = { ...message, plain: true };
        return 0;
      }
      return undefined;
    }
  }

  private becomeIdle(): void {
    this.idle = true;
    this.overflowLogged = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
