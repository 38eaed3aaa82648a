// Who may talk to the dashboard. Every request names an allowed Host (a page on another site that rebinds its DNS name
// to 127.0.0.1 still sends its own name: refused) and carries the token, as `Authorization: Bearer …` or the
// `samocode_token` cookie that `GET /?token=…` sets. A write needs the header: a browser sends the cookie along with a
// request another site makes, never a header that site cannot read.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces, hostname } from 'node:os';
import { ApiError } from './http.js';

export const COOKIE = 'samocode_token';

/** 24 random bytes, URL-safe: the one secret of a serve process, printed once. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** The `Host` header values this server answers: the address it is bound to, and the loopback names, with its port. */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]', bracket(boundHost)]);
  if (isWildcard(boundHost)) {
    // Bound to every address: the machine's own addresses and name are what a person on the network types.
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces()))
      for (const address of list ?? []) names.add(bracket(address.address));
  }
  return new Set([...names].map((name) => `${name.toLowerCase()}:${port}`));
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function checkHost(req: IncomingMessage, allowed: ReadonlySet<string>): void {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(host))
    throw new ApiError(
      'bad_host',
      `Host ${JSON.stringify(req.headers.host ?? '')} is not this dashboard's address: open the URL orchestrate serve printed`,
    );
}

export type Credential = 'header' | 'cookie' | 'none';

/** How the request proves it knows the token. A wrong token is `none`. */
export function credentialOf(req: IncomingMessage, token: string): Credential {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    return given !== undefined && sameSecret(given, token) ? 'header' : 'none';
  }
  const cookie = cookieValue(req.headers.cookie, COOKIE);
  return cookie !== undefined && sameSecret(cookie, token) ? 'cookie' : 'none';
}

export function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The cookie `GET /?token=…` sets: never readable by a script, never sent by another site's request. */
export function tokenCookie(token: string): string {
  return `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
