// The dashboard's answers: JSON bodies and errors (`{"error":{"code","message"}}`), every one scrubbed, with the
// headers that keep a browser from caching, sniffing or framing what it got. And reading a POST's JSON body, bounded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scrub } from '../../core/secrets.js';
import type { ErrorCode } from '../json/protocol.js';

/** A POST body is at most this many bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

export type ApiCode =
  | ErrorCode
  | 'unauthorized'
  | 'bad_host'
  | 'read_only'
  | 'forbidden'
  | 'not_found'
  | 'method'
  | 'too_large'
  | 'unsupported_media_type';

const STATUS: Record<ApiCode, number> = {
  bad_json: 400,
  line_too_long: 413,
  unsupported_version: 400,
  unknown_action: 404,
  bad_request: 400,
  unknown_question: 400,
  unauthorized: 401,
  bad_host: 403,
  read_only: 403,
  forbidden: 403,
  unknown_session: 404,
  not_found: 404,
  method: 405,
  ambiguous_session: 409,
  nothing_waiting: 409,
  not_running: 409,
  no_decision_line: 409,
  too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
};

/** A request the API refuses: its code (which fixes the HTTP status) and what to fix. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.code];
  }
}

/** On every answer: nothing cached (the token, session data), nothing sniffed, never in a frame, no referrer. */
export const SAFE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, scrub: Scrub): void {
  send(res, status, 'application/json; charset=utf-8', scrub(JSON.stringify(body)));
}

export function sendError(res: ServerResponse, error: ApiError, scrub: Scrub): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, scrub);
}

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { ...SAFE_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The JSON object a POST carries: `Content-Type: application/json`, at most MAX_BODY_BYTES, an object. An empty body
 * (resume, stop) is `{}` whatever its type says.
 */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    parts.push(chunk);
  }
  if (size === 0) return {};
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ApiError(
      'unsupported_media_type',
      `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}: send the body as application/json`,
    );
  const text = Buffer.concat(parts).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('bad_request', `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError('bad_request', 'the body is a JSON object, e.g. {"decision":"approve"}');
  return value as Record<string, unknown>;
}

function tooLarge(): ApiError {
  // The rest of the body is not read: the connection closes after the answer.
  return new ApiError('too_large', `a request body is at most ${MAX_BODY_BYTES} bytes`, { Connection: 'close' });
}
