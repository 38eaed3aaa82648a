// Every request of `orchestrate serve`: the Host and the token first, then the route. The path is split on "/" and
// each part decoded on its own, so `%2F` or `..` in a session's name stays one (refused) name and never a path; the
// files a route may serve are named by the route, never by the URL. Writes go through orchestrate json's `perform`:
// the same file edits as Telegram and a hand edit, so a waiting run goes on by itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../core/config.js';
import type { Scrub } from '../../core/secrets.js';
import { perform, sessionOf } from '../json/actions.js';
import { RequestError, type ActionName } from '../json/protocol.js';
import { cleaner } from '../inspect/inspect.js';
import { asset, pageHtml, PAGE_POLICY, unauthorizedPage } from './assets.js';
import { checkHost, credentialOf, sameSecret, tokenCookie, type Credential } from './auth.js';
import { ApiError, readJsonBody, SAFE_HEADERS, send, sendError, sendJson } from './http.js';
import { deliveryFile, deliveryListing } from './session-delivery.js';
import { sessionDiff } from './session-diff.js';
import { iterationActions } from './session-log.js';
import { sessionBody, sessionsBody, type QueueBody } from './session-view.js';
import type { SseHub } from './sse-hub.js';
import { basename } from 'node:path';

export interface ServeContext {
  config: Config;
  token: string;
  readOnly: boolean;
  /** The Host header values allowed (auth.ts allowedHosts). */
  hosts: ReadonlySet<string>;
  webDir: string;
  /** The configuration's secrets and the token. */
  scrub: Scrub;
  hub: SseHub;
  queue(): Promise<QueueBody | null>;
  /** A line for the serve process's own output (scrubbed by the caller). */
  log(line: string): void;
}

/** The POST routes of a session and what each does. */
const WRITES: Readonly<Record<string, ActionName>> = {
  answers: 'answer',
  plan: 'plan',
  review: 'review',
  resume: 'resume',
  stop: 'stop',
};

export async function handle(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = req.url ?? '/';
  const isApi = raw.startsWith('/api/');
  try {
    checkHost(req, ctx.hosts);
    const { parts, query } = parseTarget(raw);
    const method = req.method ?? 'GET';
    if (parts.length === 0) return page(ctx, req, res, query);
    const credential = credentialOf(req, ctx.token);
    if (credential === 'none') {
      if (!isApi) return send(res, 401, 'text/html; charset=utf-8', unauthorizedPage());
      throw new ApiError('unauthorized', 'this request needs the token: Authorization: Bearer <token>');
    }
    await route(ctx, req, res, { parts, query, method, credential });
  } catch (error) {
    const known = asApiError(error);
    if (!known) {
      ctx.log(`request ${req.method ?? '?'} ${redactQuery(raw)} failed: ${(error as Error)?.stack ?? String(error)}`);
      sendError(res, new ApiError('internal', 'internal error (logged by orchestrate serve)'), ctx.scrub);
      return;
    }
    if (known.code === 'bad_host' && !isApi) return send(res, 403, 'text/plain; charset=utf-8', `${known.message}\n`);
    sendError(res, known, ctx.scrub);
  }
}

interface Target {
  parts: string[];
  query: URLSearchParams;
  method: string;
  credential: Credential;
}

async function route(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, t: Target): Promise<void> {
  const [first, second, name, what, file, ...rest] = t.parts;
  if (first === 'assets' && t.parts.length === 2) {
    only(t, 'GET');
    const found = asset(ctx.webDir, second!);
    if (!found) throw new ApiError('not_found', `there is no asset ${JSON.stringify(second)}`);
    return send(res, 200, found.type, found.body);
  }
  if (first !== 'api' || rest.length > 0) throw notFound(t.parts);
  if (second === 'events' && t.parts.length === 2) {
    only(t, 'GET');
    return ctx.hub.addListClient(res);
  }
  if (second !== 'sessions') throw notFound(t.parts);
  if (name === undefined) {
    only(t, 'GET');
    return sendJson(res, 200, await sessionsBody(ctx.config, ctx.queue), ctx.scrub);
  }
  if (what === undefined) {
    only(t, 'GET');
    return sendJson(res, 200, await sessionBody(ctx.config, name), ctx.scrub);
  }
  if (Object.hasOwn(WRITES, what) && file === undefined) {
    only(t, 'POST');
    return write(ctx, req, res, t, name, WRITES[what]!);
  }
  if (what === 'delivery' && file !== undefined) {
    only(t, 'GET');
    const text = deliveryFile(ctx.config, name, file);
    res.setHeader('Content-Disposition', `inline; filename="${file.replace(/[^\w.-]/g, '_')}"`);
    return send(res, 200, 'text/plain; charset=utf-8', ctx.scrub(text));
  }
  if (file !== undefined) throw notFound(t.parts);
  switch (what) {
    case 'log':
      only(t, 'GET');
      return sendJson(res, 200, logBody(ctx.config, name, t.query), ctx.scrub);
    case 'diff':
      only(t, 'GET');
      return sendJson(res, 200, await sessionDiff(ctx.config, name), ctx.scrub);
    case 'delivery':
      only(t, 'GET');
      return sendJson(res, 200, deliveryListing(ctx.config, name), ctx.scrub);
    case 'events': {
      only(t, 'GET');
      const session = sessionOf(ctx.config, { session: name });
      return ctx.hub.addSessionClient(res, name, basename(session.dir), session.dir);
    }
  }
  throw notFound(t.parts);
}

async function write(
  ctx: ServeContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: Target,
  name: string,
  action: ActionName,
): Promise<void> {
  // A browser attaches the cookie to a form another site posts here; only a page that knows the token sets the header.
  if (t.credential !== 'header')
    throw new ApiError(
      'forbidden',
      'a write needs the Authorization: Bearer <token> header (the cookie alone is not enough)',
    );
  if (ctx.readOnly)
    throw new ApiError(
      'read_only',
      'orchestrate serve runs with --read-only: answer in the files or restart it without',
    );
  const body = await readJsonBody(req);
  const request: Record<string, unknown> = { session: name };
  if (action === 'answer') request.answers = body.answers;
  if (action === 'plan' || action === 'review') {
    request.decision = body.decision;
    request.feedback = body.feedback;
  }
  const result = await perform(ctx.config, action, request);
  ctx.log(`${action} for session ${name} from the dashboard`);
  sendJson(res, 200, result, ctx.scrub);
}

function logBody(config: Config, name: string, query: URLSearchParams): unknown {
  const asked = query.get('iteration');
  if (asked !== null && (!/^\d{1,9}$/.test(asked) || Number(asked) < 1))
    throw new ApiError('bad_request', `iteration=${JSON.stringify(asked)}: an iteration's number (1, 2, …)`);
  const session = sessionOf(config, { session: name });
  const read = iterationActions(session.dir, cleaner(config), asked === null ? undefined : Number(asked));
  return { iteration: read.iteration, actions: read.actions, ...(read.omitted > 0 ? { omitted: read.omitted } : {}) };
}

/** `GET /`: the page, or with `?token=` the cookie and a redirect to a URL without the token in it. */
function page(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  if (req.method !== 'GET') throw new ApiError('method', `${req.method} /: only GET`, { Allow: 'GET' });
  const given = query.get('token');
  if (given !== null) {
    if (!sameSecret(given, ctx.token)) return send(res, 401, 'text/html; charset=utf-8', unauthorizedPage());
    res.writeHead(303, { ...SAFE_HEADERS, 'Set-Cookie': tokenCookie(ctx.token), Location: '/', 'Content-Length': 0 });
    res.end();
    return;
  }
  if (credentialOf(req, ctx.token) === 'none') return send(res, 401, 'text/html; charset=utf-8', unauthorizedPage());
  res.setHeader('Content-Security-Policy', PAGE_POLICY);
  send(res, 200, 'text/html; charset=utf-8', pageHtml(ctx.webDir, ctx.token));
}

function only(t: Target, method: 'GET' | 'POST'): void {
  if (t.method !== method)
    throw new ApiError('method', `${t.method} /${t.parts.join('/')}: only ${method}`, { Allow: method });
}

function notFound(parts: string[]): ApiError {
  return new ApiError('not_found', `there is nothing at /${parts.join('/')} (see the API table in the README)`);
}

/** The path's parts, each decoded on its own (an empty part, from `//` or a trailing `/`, is dropped). */
function parseTarget(raw: string): { parts: string[]; query: URLSearchParams } {
  const at = raw.indexOf('?');
  const path = at === -1 ? raw : raw.slice(0, at);
  if (!path.startsWith('/')) throw new ApiError('bad_request', 'the request target must be a path');
  const parts = path
    .split('/')
    .filter((part) => part !== '')
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        throw new ApiError('bad_request', `the path part ${JSON.stringify(part)} is not valid percent-encoding`);
      }
    });
  return { parts, query: new URLSearchParams(at === -1 ? '' : raw.slice(at + 1)) };
}

function asApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof RequestError) return new ApiError(error.code, error.message);
  return undefined;
}

/** The token may be in a logged URL's query: never in the serve process's output. */
function redactQuery(raw: string): string {
  const at = raw.indexOf('?');
  return at === -1 ? raw : `${raw.slice(0, at)}?…`;
}
