// The Telegram side of a run: notifications out (a Notifier the loop calls), the person's commands and answers in
// (long polling, only from the configured chat). Telegram being slow or down never reaches the loop: sends are
// queued, polls back off, and failures are logged once per kind with the bot token removed.
import { join } from 'node:path';
import type { Log } from '../core/log.js';
import { Api, type Message } from 'node-telegram-bot-api';
import type { SessionState } from '../core/state.js';
import { PLAN_FILE, QA_FILE, REVIEW_FILE } from '../core/session-files.js';
import { readIfExists } from '../io/read-if-exists.js';
import { scanSecrets } from '../core/secret-scan.js';
import { withoutControls } from '../core/agent-text.js';
import type { Notifier, SessionEvent } from '../loop/ports.js';
import { handleText } from './commands.js';
import { FailureLog, tokenCleaner } from './failures.js';
import { formatCrashed, formatEvent, formatStanding, formatStarted, type FormatContext } from './format.js';
import type { StandingRow } from '../core/delivery.js';
import { escapeHtml, splitMessage } from './html.js';
import { startInbox } from './inbox.js';
import { Outbox } from './outbox.js';
import { ProgressTimer } from './progress.js';
import { formatProgress, type TelegramViews } from './views.js';

export interface TelegramDeps {
  token: string;
  chatId: string;
  /** Bot API origin; default https://api.telegram.org (tests point it at a local fake). */
  apiRoot?: string | undefined;
  sessionDir: string;
  sessionName: string;
  log: Log;
  scrub: (text: string) => string;
  /** The person sent /stop: end this run the way SIGINT would (the session stays resumable). */
  onStop: () => void;
  /** The reply to /status. */
  statusText: () => string;
  /** Per request; a send that takes longer counts as failed and is retried. Default 10 s. */
  requestTimeoutMs?: number;
  /** How to run this session again, shown in messages, e.g. `orchestrate --config ./.samocode --session add-auth`. */
  rerunCommand?: string | undefined;
  /** Seconds a getUpdates long poll stays open. Default 30. */
  pollTimeoutSec?: number;
  /** What /sessions, /log, /stats and the queue part of /status show (the run reads them; this room may not). */
  views?: TelegramViews | undefined;
  /** SESSIONS, for /sessions. */
  sessionsDir?: string | undefined;
  /** SAMOCODE_TELEGRAM_PROGRESS_MINUTES in ms: a progress message this often while an iteration runs; off when absent. */
  progressMs?: number | undefined;
}

export interface TelegramLink {
  notifier: Notifier;
  /** Tell the person the run has started (the loop has no event for it). */
  notifyStarted(state: SessionState): void;
  /** Where things stand at the end of a run that did not finish the session (the console's last rows). */
  notifyStanding(state: SessionState, outcome: string, rows: readonly StandingRow[]): void;
  /** Tell the person the orchestrator failed; `state` is the last one known, if any. */
  notifyCrash(error: unknown, state?: SessionState | undefined): void;
  /** Stop polling and sending at once; call flush first to deliver what is queued. Never rejects. */
  close(): Promise<void>;
  /** Resolves when pending sends are done or after a bounded time (default 5 s). */
  flush(ms?: number): Promise<void>;
}

/** Messages dated earlier than this before the link started were sent while no run was listening. */
const STALE_SLACK_MS = 5000;

export function connectTelegram(deps: TelegramDeps): TelegramLink {
  const chatId = deps.chatId.trim();
  const clean = tokenCleaner(deps.token, deps.scrub);
  const log = deps.log;
  const failures = new FailureLog(log, clean);
  const timeoutMs = deps.requestTimeoutMs ?? 10_000;
  // Retries are ours (outbox, inbox): the library's would multiply the wait and hide failures from the once-per-kind log.
  const api = new Api(deps.token, { apiRoot: deps.apiRoot, timeoutMs, maxRetries: 0 });
  const outbox = new Outbox({ api, chatId, log, failures, timeoutMs });
  const context: FormatContext = {
    sessionName: deps.sessionName,
    sessionDir: deps.sessionDir,
    rerunCommand: deps.rerunCommand,
  };
  const startedAt = Date.now();
  const ignoredChats = new Set<string>();
  let staleAnswered = false;
  let closed = false;
  /** The last state the loop told of: /approve and /reject act on the review when one waits, else on the plan. */
  let current: SessionState | undefined;
  const waitingFor = () => (current?.status === 'waiting' ? current.waitingFor : undefined);

  /** Queue a message, split to fit; nothing here may throw into the caller (the loop). Every message is scrubbed. */
  const send = (html: string | undefined, replyTo?: number, silent?: boolean): void => {
    if (closed || !html) return;
    for (const piece of splitMessage(clean(html))) outbox.push({ html: piece, replyTo, silent });
  };
  // Notifications are built in order on one chain: a waiting message first has the agent's _qa.md / _plan.md scanned
  // for secrets (async), and a later event must not overtake it.
  let building: Promise<void> = Promise.resolve();
  const guarded = (
    what: string,
    build: () => string | undefined | Promise<string | undefined>,
    silent?: boolean,
  ): void => {
    building = building.then(async () => {
      try {
        send(await build(), undefined, silent);
      } catch (error) {
        log.warn(
          { telegram: what },
          clean(`telegram: could not build the ${what} message: ${(error as Error).message}`),
        );
      }
    });
  };

  const onMessage = async (message: Message): Promise<void> => {
    const from = String(message.chat.id);
    if (from !== chatId) {
      if (!ignoredChats.has(from)) {
        ignoredChats.add(from);
        log.warn(
          { telegram: 'ignored', chat: from },
          `telegram: ignored a message from chat ${from}, which is not TELEGRAM_CHAT_ID; later messages from it are ignored silently`,
        );
      }
      return;
    }
    if (message.text === undefined) return;
    if (message.date * 1000 < startedAt - STALE_SLACK_MS) {
      log.info({ telegram: 'stale' }, 'telegram: ignored a message sent before this run started');
      if (!staleAnswered)
        send('Ignored messages sent before this run started. Send them again if they still apply.', message.message_id);
      staleAnswered = true;
      return;
    }
    const result = await handleText(message.text, {
      ...context,
      statusText: deps.statusText,
      waitingFor,
      views: deps.views,
      sessionsDir: deps.sessionsDir,
    }).catch((error: unknown) => ({
      reply: `Could not do that: ${escapeHtml(clean((error as Error).message ?? String(error)))}`,
      stop: false,
    }));
    send(result.reply, message.message_id);
    if (result.stop) deps.onStop();
  };

  const progress =
    deps.progressMs === undefined
      ? undefined
      : new ProgressTimer({
          everyMs: deps.progressMs,
          tick: (startedMs, started) =>
            guarded(
              'progress',
              async () => {
                // The iteration may have ended between the tick and now: then there is nothing to report.
                if (current?.status !== 'running') return undefined;
                const actions = await deps.views?.actions(1);
                const last = actions?.running && actions.iteration === started.iteration ? actions.latest : undefined;
                return formatProgress({
                  sessionName: deps.sessionName,
                  phase: started.state.phase,
                  iteration: started.iteration,
                  attempt: started.attempt,
                  elapsedMs: Date.now() - startedMs,
                  lastAction: last,
                  costUsd: current.totals.costUsd,
                  costEstimated: current.totals.costEstimated ?? false,
                });
              },
              true,
            ),
        });

  const inbox = startInbox({ api, log, failures, clean, pollTimeoutSec: deps.pollTimeoutSec ?? 30, onMessage });

  return {
    notifier: {
      notify(event: SessionEvent) {
        current = event.state;
        progress?.onEvent(event);
        guarded(event.type, async () =>
          formatEvent(event, { ...context, ...(await gateFiles(event, deps.sessionDir, clean)) }),
        );
      },
    },
    notifyStarted(state) {
      current = state;
      guarded('started', () => formatStarted(state, context));
    },
    notifyStanding(state, outcome, rows) {
      guarded('standing', () => formatStanding(state, outcome, rows, context));
    },
    notifyCrash(error, state) {
      guarded('crash', () =>
        formatCrashed(clean(error instanceof Error ? error.message : String(error)), state, context),
      );
    },
    async flush(ms = 5000) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([building, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
      clearTimeout(timer);
      await outbox.flush(Math.max(0, ms - (Date.now() - started)));
    },
    async close() {
      if (closed) return;
      closed = true;
      progress?.stop();
      await Promise.all([inbox.close(), outbox.close()]).catch(() => undefined);
    },
  };
}

/**
 * For a waiting event, the file the person answers in, as it is now (read synchronously: a few kB, once per wait).
 * The agent wrote it, so it is cleaned before it is quoted: control characters, then secrets (values and shapes,
 * then secretlint).
 */
async function gateFiles(
  event: SessionEvent,
  sessionDir: string,
  clean: (text: string) => string,
): Promise<Pick<FormatContext, 'qaText' | 'planText' | 'reviewText'>> {
  if (event.type !== 'waiting') return {};
  const read = async (file: string) => {
    const text = readIfExists(join(sessionDir, file));
    return text === undefined ? undefined : scanSecrets(clean(withoutControls(text)));
  };
  if (event.state.waitingFor === 'qa_answers') return { qaText: await read(QA_FILE) };
  if (event.state.waitingFor === 'plan_approval') return { planText: await read(PLAN_FILE) };
  if (event.state.waitingFor === 'review') return { reviewText: await read(REVIEW_FILE) };
  return {};
}
