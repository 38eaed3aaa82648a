// Where the page is: `#/` the sessions, `#/session/<name>` one session. A hash keeps the server to one page (`/`).

export type Route = { view: 'sessions' } | { view: 'session'; name: string };

export function sessionHref(name: string): string {
  return `#/session/${encodeURIComponent(name)}`;
}

export function parseRoute(hash: string): Route {
  const m = /^#\/session\/([^/]+)$/.exec(hash);
  if (m) {
    try {
      return { view: 'session', name: decodeURIComponent(m[1]!) };
    } catch {
      return { view: 'sessions' };
    }
  }
  return { view: 'sessions' };
}
