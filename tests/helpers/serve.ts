// `orchestrate serve` for tests: the real built CLI as a child process (started through the rig, so a failing test
// leaves nothing behind), the URL and token it prints, plain node:http requests (a test must set Host and Cookie
// itself, which fetch refuses) and a reader of server-sent events.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { expect } from 'vitest';
import { waitFor, type CliResult, type Project } from './rig.js';
import type { ChildProcess } from 'node:child_process';

export interface Served {
  child: ChildProcess & { result: Promise<CliResult> };
  /** `http://127.0.0.1:PORT/` */
  base: string;
  port: number;
  token: string;
  stdout(): string;
  stderr(): string;
  /** A request with the token in the Authorization header (unless `headers` say otherwise). */
  api(method: string, path: string, opts?: RequestOpts): Promise<Reply>;
  /** SIGTERM, then the result. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

export interface RequestOpts {
  headers?: Record<string, string>;
  body?: string | object;
  /** Leave the Authorization header out. */
  noToken?: boolean;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export async function startServe(project: Project, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = project.start(['serve', '--config', project.configFile, ...extra], { env, timeoutMs: 120_000 });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const line = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${err}`);
      return /^(http:\/\/[^\s?]+)\?token=(\S+)\n/.exec(out) ?? undefined;
    },
    30_000,
    'serve to print its URL',
  );
  const base = line[1]!;
  const token = line[2]!;
  const port = Number(new URL(base).port);
  const served: Served = {
    child,
    base,
    port,
    token,
    stdout: () => out,
    stderr: () => err,
    api: (method, path, opts = {}) =>
      send(port, method, path, {
        ...opts,
        headers: { ...(opts.noToken ? {} : { Authorization: `Bearer ${token}` }), ...opts.headers },
      }),
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return child.result;
    },
  };
  return served;
}

/** One request to 127.0.0.1:port; the path is sent as written (`..` and `%2F` are not normalised away). */
export function send(port: number, method: string, path: string, opts: RequestOpts = {}): Promise<Reply> {
  const body =
    opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    ...(body !== undefined && typeof opts.body === 'object' ? { 'Content-Type': 'application/json' } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface SseEvent {
  event: string;
  data: any;
  raw: string;
}

/** An open event stream: every event received so far, and a wait for the next one that matches. */
export interface EventStream {
  events: SseEvent[];
  /** Every byte received (pings included), for tests that look for what must never be there. */
  text(): string;
  ended: Promise<void>;
  next(what: string, match?: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export function openEvents(served: Served, path: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: served.port,
        path,
        headers: { Host: `127.0.0.1:${served.port}`, Authorization: `Bearer ${served.token}` },
        setHost: false,
      },
      (res: IncomingMessage) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        const events: SseEvent[] = [];
        let all = '';
        let pending = '';
        let from = 0;
        res.on('data', (chunk: Buffer) => {
          all += chunk.toString('utf8');
          pending += chunk.toString('utf8');
          for (let end = pending.indexOf('\n\n'); end !== -1; end = pending.indexOf('\n\n')) {
            const block = pending.slice(0, end);
            pending = pending.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event !== undefined && data !== undefined)
              events.push({ event, data: JSON.parse(data) as unknown, raw: block });
          }
        });
        const ended = new Promise<void>((done) => res.on('close', () => done()));
        resolve({
          events,
          text: () => all,
          ended,
          async next(what, match = () => true, timeoutMs = 30_000) {
            const found = await waitFor(
              () => {
                const index = events.findIndex((e, i) => i >= from && e.event === what && match(e));
                return index === -1 ? undefined : { index };
              },
              timeoutMs,
              `the event ${what}`,
            );
            from = found.index + 1;
            return events[found.index]!;
          },
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
