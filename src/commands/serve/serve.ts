// `orchestrate serve`: the dashboard's HTTP server (node:http, no framework), wired: the configuration, a new token,
// the one watcher of SESSIONS, the serve record, the routes. It holds no state of its own (every answer is read from
// the session files when asked), so stopping it loses nothing: SIGINT / SIGTERM end the streams, close, exit 0.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { makeScrubber } from '../../core/secrets.js';
import { EXIT_CODES, ListenError, UsageError } from '../../errors.js';
import { makeDir } from '../../io/make-dir.js';
import { readServeRecord, removeServeRecord, writeServeRecord } from '../../io/serve-record.js';
import type { CommandInput } from '../flags.js';
import { cleaner } from '../inspect/inspect.js';
import { projectConfig, requireConfigFlag } from '../project-config.js';
import { defaultWebDir } from './assets.js';
import { allowedHosts, isLoopback, newToken } from './auth.js';
import { ApiError } from './http.js';
import { handle, type ServeContext } from './routes.js';
import { queueSource } from './queue-source.js';
import { sessionBody, sessionsBody } from './session-view.js';
import { SseHub } from './sse-hub.js';
import { RequestError } from '../json/protocol.js';

/** How long a client may take to send one request. */
const REQUEST_TIMEOUT_MS = 30_000;

export async function serveCommand(input: CommandInput): Promise<number> {
  requireConfigFlag(input);
  const port = portOf(input.values.port);
  const host = input.values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host needs an address, e.g. --host 127.0.0.1');
  const readOnly = input.values['read-only'] ?? false;
  const { config } = projectConfig(input);
  makeDir(config.sessions, 'the sessions folder', 'SESSIONS');
  const token = newToken();
  // The token is a secret like the configuration's: if any answer or line of ours ever held it, it is cut out.
  const scrub = makeScrubber([...config.secrets, token]);
  const say = (line: string) => process.stderr.write(`${scrub(line)}\n`);
  const queue = queueSource(config, say);
  const hub = new SseHub(
    config.sessions,
    {
      sessions: () => sessionsBody(config, queue.read),
      session: (name) => sessionBody(config, name),
      describe: (error) => {
        if (error instanceof ApiError || error instanceof RequestError)
          return { code: error.code, message: error.message };
        say(`serve: an event stream's body failed: ${(error as Error)?.stack ?? String(error)}`);
        return { code: 'internal', message: 'internal error (logged by orchestrate serve)' };
      },
    },
    scrub,
    cleaner(config),
    (error) => say(`serve: ${error.message}`),
  );
  const ctx: Omit<ServeContext, 'hosts'> & { hosts: Set<string> } = {
    config,
    token,
    readOnly,
    hosts: new Set(),
    webDir: defaultWebDir(),
    scrub,
    hub,
    queue: queue.read,
    log: (line) => say(`serve: ${line}`),
  };
  const server = createServer((req, res) => void handle(ctx, req, res));
  // A request (headers and body, at most 64 KB) arrives at once or not at all; the event streams are answers, not
  // requests, so they are not cut by this.
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  const bound = await listen(server, host, port);
  for (const allowed of allowedHosts(host, bound)) ctx.hosts.add(allowed);
  await hub.start();

  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${bound}/`;
  const other = readServeRecord(config.sessions);
  if (other && other.pid !== process.pid)
    say(`note: another orchestrate serve (pid ${other.pid}, ${other.url}) serves these sessions too`);
  writeServeRecord(config.sessions, { pid: process.pid, host: hostname(), url, started: new Date().toISOString() });
  const forget = () => removeServeRecord(config.sessions, process.pid);
  process.on('exit', forget);

  if (!isLoopback(host))
    say(
      `warning: --host ${host} is not a loopback address: anyone who can reach this machine on port ${bound} reaches the dashboard (the token still guards it; the traffic is plain HTTP)`,
    );
  say(`serving the sessions of ${config.sessions}${readOnly ? ' read-only' : ''}; open the link below (Ctrl-C stops)`);
  // The one place the token is shown.
  process.stdout.write(`${url}?token=${token}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  say(`${signal}: closing the dashboard`);
  const closed = new Promise((resolve) => server.close(resolve));
  await hub.close();
  server.closeAllConnections();
  await closed;
  await queue.close();
  forget();
  process.off('exit', forget);
  return EXIT_CODES.done;
}

function portOf(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new UsageError(`--port takes a port number from 1 to 65535 (0 or none: a free one): got "${text}"`);
  return Number(text);
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${host}:${port}`;
    const why =
      code === 'EADDRINUSE'
        ? `port ${port} is taken (another orchestrate serve, or another program). Fix: --port <another>, or leave --port out for a free one`
        : code === 'EACCES'
          ? `this user may not listen on port ${port} (ports below 1024 need privileges). Fix: --port 1024 or above`
          : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? `${host} is not an address of this machine. Fix: --host 127.0.0.1 (the default), or one of this machine's addresses`
            : `${(error as Error).message}`;
    throw new ListenError(`orchestrate serve cannot listen on ${where}: ${why}`, { cause: error });
  }
  return (server.address() as AddressInfo).port;
}
