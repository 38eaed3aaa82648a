// Talking to `orchestrate serve`: JSON over fetch with the token as a Bearer header (the server refuses a write that
// carries only the cookie), and server-sent events, which a browser can only send with the cookie (EventSource takes
// no headers): the cookie that `GET /?token=…` set.
import type { ApiErrorBody } from './api-types.js';

/** The token the server put into the page (`<meta name="samocode-token">`); empty when it did not. */
export function pageToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="samocode-token"]')?.content ?? '';
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = pageToken();
  return { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'bad_response', `the server answered ${response.status} with no JSON`);
  }
  if (!response.ok) {
    const error = (body as Partial<ApiErrorBody>).error;
    throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: headers(), credentials: 'same-origin' }));
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      headers: headers({ 'Content-Type': 'application/json' }),
      credentials: 'same-origin',
      body: JSON.stringify(body),
    }),
  );
}

/** A session's path under /api: the name is one path segment, whatever it holds. */
export function sessionPath(name: string, rest = ''): string {
  return `/api/sessions/${encodeURIComponent(name)}${rest}`;
}

export type Liveness = 'connecting' | 'live' | 'reconnecting' | 'refused' | 'gone';

/**
 * An SSE stream with its named events. The browser reconnects by itself after a dropped connection; a refused one
 * closes it: then it is retried every few seconds (`refused` when the token is no longer good: the server restarted
 * with a new one), except for a 404 (`gone`: no such session), which asking again will not change.
 */
export function subscribe(
  path: string,
  handlers: Record<string, (data: unknown) => void>,
  onLiveness: (state: Liveness) => void,
): () => void {
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const open = () => {
    onLiveness('connecting');
    source = new EventSource(path, { withCredentials: true });
    source.onopen = () => onLiveness('live');
    source.onerror = () => {
      if (closed || !source) return;
      if (source.readyState === EventSource.CLOSED) {
        source = undefined;
        void whyClosed(path).then((status) => {
          if (closed) return;
          // 404: the session is not there (a mistyped address, a removed folder): asking again will not bring it.
          if (status === 404) return onLiveness('gone');
          onLiveness(status === 401 ? 'refused' : 'reconnecting');
          retry = setTimeout(open, 3000);
        });
      } else onLiveness('reconnecting');
    };
    for (const [event, handle] of Object.entries(handlers)) {
      source.addEventListener(event, (message) => {
        let data: unknown;
        try {
          data = JSON.parse((message as MessageEvent<string>).data);
        } catch {
          return;
        }
        handle(data);
      });
    }
  };
  open();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}

/** Why a stream closed: the HTTP status of a plain GET of the same path (0 when the server cannot be reached). */
async function whyClosed(path: string): Promise<number> {
  try {
    const response = await fetch(path, { headers: headers(), credentials: 'same-origin' });
    void response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}
