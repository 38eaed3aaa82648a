// The dashboard's live streams (server-sent events). `/api/events`: `sessions` whenever any session changes. A
// session's `/events`: `state` on any change of its files, `action` as its running iteration's log grows, `iteration`
// for each new history entry. One watcher for all (sessions-watch.ts), changes gathered for DEBOUNCE_MS, each body
// computed once per change however many pages listen, and one tail per followed session, polled on one timer.
import type { ServerResponse } from 'node:http';
import type { Scrub } from '../../core/secrets.js';
import { scrubStrings } from '../../core/secrets.js';
import { SAFE_HEADERS } from './http.js';
import { SessionTail } from './session-log.js';
import { watchSessions, type SessionsWatch } from './sessions-watch.js';

export const DEBOUNCE_MS = 100;
export const PING_MS = 15_000;
/** How often a followed session's running log is read for new lines (one stat each). */
export const TAIL_POLL_MS = 250;
/** A page that stops reading is dropped once this much waits for it, rather than held in memory. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface HubSources {
  /** The body of GET /api/sessions. */
  sessions(): Promise<unknown>;
  /** The body of GET /api/sessions/<name>; throws when the session is gone. */
  session(name: string): Promise<unknown>;
  /** What an error becomes on a stream: its code and message. */
  describe(error: unknown): { code: string; message: string };
}

interface Followed {
  /** As the first page asked for it (what `sources.session` takes). */
  name: string;
  dir: string;
  clients: Set<ServerResponse>;
  tail: SessionTail;
}

export class SseHub {
  private readonly all = new Set<ServerResponse>();
  /** By session folder name. */
  private readonly followed = new Map<string, Followed>();
  private readonly dirty = new Set<string>();
  private watch: SessionsWatch | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly ping: NodeJS.Timeout;
  private poll: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly sessionsDir: string,
    private readonly sources: HubSources,
    private readonly scrub: Scrub,
    private readonly clean: Scrub,
    private readonly onError: (error: Error) => void,
  ) {
    this.ping = setInterval(() => this.each((res) => res.write(': ping\n\n')), PING_MS);
    this.ping.unref();
  }

  /** Starts the one watcher; resolves once it is ready (before the URL is printed, so no change is missed). */
  async start(): Promise<void> {
    this.watch = await watchSessions(this.sessionsDir, (folder) => this.changed(folder), this.onError);
  }

  /** `/api/events`: the list now, then whenever any session changes. */
  async addListClient(res: ServerResponse): Promise<void> {
    this.open(res, () => this.all.delete(res));
    this.all.add(res);
    await this.sendBody(res, 'sessions', () => this.sources.sessions());
  }

  /** A session's `/events`: its state now, the running iteration's actions so far, then what follows. */
  async addSessionClient(res: ServerResponse, name: string, folder: string, dir: string): Promise<void> {
    this.open(res, () => this.unfollow(folder, res));
    await this.sendBody(res, 'state', () => this.sources.session(name));
    if (res.destroyed || this.closed) return;
    const followed = this.followed.get(folder);
    if (!followed) {
      const group: Followed = { name, dir, clients: new Set([res]), tail: new SessionTail(dir, this.clean) };
      this.followed.set(folder, group);
      // A new tail starts with the running iteration's actions so far.
      this.pollTail(group);
    } else {
      // The shared tail is brought to the present for the pages already there; this page gets the running
      // iteration so far from a tail of its own, read once, then joins.
      this.pollTail(followed);
      const own = new SessionTail(dir, this.clean);
      own.poll(
        (action) => this.sendAll(new Set([res]), 'action', action),
        () => {},
      );
      own.close();
      followed.clients.add(res);
    }
    this.startPolling();
  }

  /** How many session tails are open (the test counts them: one per followed session, not per page). */
  get tails(): number {
    return this.followed.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ping);
    clearTimeout(this.debounce);
    clearInterval(this.poll);
    await this.watch?.close();
    await this.flushing;
    this.each((res) => res.end());
    for (const followed of this.followed.values()) followed.tail.close();
    this.followed.clear();
    this.all.clear();
  }

  private open(res: ServerResponse, gone: () => void): void {
    res.writeHead(200, {
      ...SAFE_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    res.on('close', gone);
  }

  private unfollow(folder: string, res: ServerResponse): void {
    const followed = this.followed.get(folder);
    if (!followed) return;
    followed.clients.delete(res);
    if (followed.clients.size > 0) return;
    followed.tail.close();
    this.followed.delete(folder);
    if (this.followed.size === 0) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }

  private changed(folder: string): void {
    if (this.closed) return;
    this.dirty.add(folder);
    this.debounce ??= setTimeout(() => {
      this.debounce = undefined;
      void this.flush();
    }, DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    if (this.flushing) {
      // One at a time; what changed meanwhile is flushed right after.
      await this.flushing;
      if (this.dirty.size > 0) return this.flush();
      return;
    }
    const folders = [...this.dirty];
    this.dirty.clear();
    this.flushing = (async () => {
      if (this.all.size > 0) await this.broadcast(this.all, 'sessions', () => this.sources.sessions());
      for (const folder of folders) {
        const followed = this.followed.get(folder);
        if (!followed) continue;
        this.pollTail(followed);
        await this.broadcast(followed.clients, 'state', () => this.sources.session(followed.name));
      }
    })().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private startPolling(): void {
    this.poll ??= setInterval(() => {
      for (const followed of this.followed.values()) this.pollTail(followed);
    }, TAIL_POLL_MS);
  }

  private pollTail(followed: Followed): void {
    try {
      followed.tail.poll(
        (action) => this.sendAll(followed.clients, 'action', action),
        (entry) => this.sendAll(followed.clients, 'iteration', scrubStrings(entry, this.clean)),
      );
    } catch (error) {
      this.onError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async broadcast(clients: Set<ServerResponse>, event: string, body: () => Promise<unknown>): Promise<void> {
    if (clients.size === 0) return;
    const data = await this.data(event, body);
    for (const res of clients) this.write(res, data);
  }

  private async sendBody(res: ServerResponse, event: string, body: () => Promise<unknown>): Promise<void> {
    this.write(res, await this.data(event, body));
  }

  private sendAll(clients: Set<ServerResponse>, event: string, body: unknown): void {
    if (clients.size === 0) return;
    const data = frame(event, this.scrub(JSON.stringify(body)));
    for (const res of clients) this.write(res, data);
  }

  private async data(event: string, body: () => Promise<unknown>): Promise<string> {
    try {
      return frame(event, this.scrub(JSON.stringify(await body())));
    } catch (error) {
      return frame('error', this.scrub(JSON.stringify({ error: this.sources.describe(error) })));
    }
  }

  private write(res: ServerResponse, data: string): void {
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy();
      return;
    }
    res.write(data);
  }

  private each(fn: (res: ServerResponse) => void): void {
    for (const res of this.all) fn(res);
    for (const followed of this.followed.values()) for (const res of followed.clients) fn(res);
  }
}

/** One event: JSON has no raw newline, so its data is one line. */
function frame(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}
