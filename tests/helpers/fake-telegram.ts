// A fake Telegram Bot API on 127.0.0.1 for tests: the wire format node-telegram-bot-api v2 speaks (POST
// `/bot<token>/<method>`, form-urlencoded body with structured fields as JSON strings, `{ok, result}` envelopes),
// with long polling that honours `offset` and `timeout`, and switches to make it fail or hang. No network beyond loopback.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentMessage {
  message_id: number;
  chat_id: string;
  text: string;
  parse_mode?: string | undefined;
  reply_to_message_id?: number | undefined;
  /** Sent silently (no sound on the phone). */
  disable_notification?: boolean | undefined;
}

export interface IncomingText {
  chatId: string | number;
  text: string;
  replyToMessageId?: number | undefined;
  /** Unix seconds; default now. */
  date?: number | undefined;
}

export interface FakeTelegram {
  /** The apiRoot to give the client. */
  url: string;
  /** Messages the bot sent successfully, in order. */
  sent: SentMessage[];
  /** Every request that reached the server: method and the HTTP status it got (0 while held by setDown). */
  calls: { method: string; status: number }[];
  /** Queue a message from a person; returns its message_id. */
  pushMessage(message: IncomingText): number;
  /** The next `n` requests (of `method`, if given) fail with `status` and a Telegram error envelope. */
  failNext(n: number, status?: number, method?: string): void;
  /** While down, requests are held without an answer (a hanging server); going up again drops the held connections. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

interface Waiter {
  offset: number;
  limit: number;
  answer: (updates: unknown[]) => void;
}

const STRUCTURED = new Set(['reply_parameters', 'link_preview_options', 'reply_markup', 'allowed_updates', 'entities']);

export async function startFakeTelegram(opts: { token?: string } = {}): Promise<FakeTelegram> {
  const sent: SentMessage[] = [];
  const calls: { method: string; status: number }[] = [];
  let updates: { update_id: number; message: Record<string, unknown> }[] = [];
  let waiters: Waiter[] = [];
  let failures: { left: number; status: number; method?: string | undefined } | undefined;
  let down = false;
  const held = new Set<ServerResponse>();
  let nextUpdateId = 1;
  let nextMessageId = 1000;

  const pending = (offset: number, limit: number) => updates.filter((u) => u.update_id >= offset).slice(0, limit);

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) =>
      reply(res, 500, { ok: false, error_code: 500, description: String(error) }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = await readParams(req);
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const method = match?.[2] ?? '?';
    const call = { method, status: 0 };
    calls.push(call);
    if (down) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const answer = (status: number, body: unknown) => {
      call.status = status;
      reply(res, status, body);
    };
    if (req.method !== 'POST' || !match) return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (opts.token !== undefined && decodeURIComponent(match[1]!) !== opts.token)
      return answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    if (failures && failures.left > 0 && (failures.method === undefined || failures.method === method)) {
      failures.left -= 1;
      return answer(failures.status, {
        ok: false,
        error_code: failures.status,
        description: failures.status >= 500 ? 'Internal Server Error' : 'Bad Request: simulated',
      });
    }
    switch (method) {
      case 'getMe':
        return answer(200, { ok: true, result: { id: 1, is_bot: true, first_name: 'Fake', username: 'fake_bot' } });
      case 'deleteWebhook':
        return answer(200, { ok: true, result: true });
      case 'sendMessage': {
        const message: SentMessage = {
          message_id: nextMessageId++,
          chat_id: String(params.chat_id),
          text: String(params.text ?? ''),
          parse_mode: params.parse_mode === undefined ? undefined : String(params.parse_mode),
          reply_to_message_id: replyTarget(params),
          disable_notification:
            params.disable_notification === undefined ? undefined : String(params.disable_notification) === 'true',
        };
        sent.push(message);
        return answer(200, {
          ok: true,
          result: {
            message_id: message.message_id,
            date: now(),
            chat: { id: Number(message.chat_id), type: 'private' },
            text: message.text,
          },
        });
      }
      case 'getUpdates': {
        const offset = Number(params.offset ?? 0);
        const limit = Number(params.limit ?? 100);
        // Telegram forgets every update below the offset it was sent.
        updates = updates.filter((u) => u.update_id >= offset);
        const ready = pending(offset, limit);
        const timeout = Number(params.timeout ?? 0);
        if (ready.length > 0 || timeout <= 0) return answer(200, { ok: true, result: ready });
        const waiter: Waiter = { offset, limit, answer: (result) => answer(200, { ok: true, result }) };
        waiters.push(waiter);
        const timer = setTimeout(() => settle(waiter, []), timeout * 1000);
        res.on('close', () => {
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== waiter);
        });
        return;
      }
      default:
        return answer(404, { ok: false, error_code: 404, description: 'Not Found: method not faked' });
    }
  }

  function settle(waiter: Waiter, result: unknown[]): void {
    if (!waiters.includes(waiter)) return;
    waiters = waiters.filter((w) => w !== waiter);
    waiter.answer(result);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    calls,
    pushMessage(message) {
      const chat = { id: Number(message.chatId), type: 'private' };
      const id = nextMessageId++;
      updates.push({
        update_id: nextUpdateId++,
        message: {
          message_id: id,
          date: message.date ?? now(),
          chat,
          from: { id: Number(message.chatId), is_bot: false, first_name: 'Person' },
          text: message.text,
          ...(message.replyToMessageId === undefined
            ? {}
            : { reply_to_message: { message_id: message.replyToMessageId, date: now(), chat } }),
        },
      });
      for (const waiter of [...waiters]) settle(waiter, pending(waiter.offset, waiter.limit));
      return id;
    },
    failNext(n, status = 500, method) {
      failures = { left: n, status, method };
    },
    setDown(value) {
      down = value;
      if (!value) for (const res of held) res.destroy();
    },
    async close() {
      for (const waiter of [...waiters]) settle(waiter, []);
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The library sends `application/x-www-form-urlencoded` (JSON is accepted too, as the real API does). */
async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (body === '') return {};
  if (type.includes('application/json')) return JSON.parse(body) as Record<string, unknown>;
  if (!type.includes('application/x-www-form-urlencoded')) throw new Error(`unexpected content-type ${type}`);
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) params[key] = STRUCTURED.has(key) ? JSON.parse(value) : value;
  return params;
}

function replyTarget(params: Record<string, unknown>): number | undefined {
  const structured = params.reply_parameters as { message_id?: number } | undefined;
  if (structured?.message_id !== undefined) return Number(structured.message_id);
  return params.reply_to_message_id === undefined ? undefined : Number(params.reply_to_message_id);
}
