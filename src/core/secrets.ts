// Keeping secrets out of everything samocode writes or sends. Pure: the secret values come in (config/load.ts finds
// them in the environment, `.env` and `.samocode`), a synchronous scrub function goes out, used at every sink
// (session.log and the console, the history, `_overview.md`'s front matter, prompts, Telegram, status/history/list,
// the final message). Two nets: the known values in every spelling a sink may give them (as is, URL-, JSON- and
// HTML-escaped), and token shapes that are secrets wherever they appear, even if samocode never saw the value.
// The shape table is ours because every sink is synchronous and runs once per log line; secretlint's rules, which
// are async, run on top of it where the text is the agent's (core/secret-scan.ts).

export const REDACTED = '[redacted]';

/** Shorter values are not scrubbed: `1`, `true` or a short word would be cut out of every line. */
export const MIN_SECRET_LENGTH = 8;

export type Scrub = (text: string) => string;

export interface SecretShape {
  name: string;
  /**
   * Strings one of which every match contains: where none is in the text, the expression is not run (an `includes`
   * is much cheaper than its scan, and an expression never run is never compiled: ~1–2 ms at every start, when the
   * environment's values are checked).
   */
  hints: readonly string[];
  pattern: RegExp;
  /** Replaces the whole match by default; a function keeps what is not secret (`postgres://user:[redacted]@…`). */
  replace?: (match: string, ...groups: string[]) => string;
}

const keepPrefix = (_match: string, prefix: string) => `${prefix}${REDACTED}`;
// Not a secret: a number (`SAMOCODE_MAX_TOKENS=20000000`), a path or a name that says it holds one, and samocode's
// own placeholders in messages (`TELEGRAM_BOT_TOKEN="(hidden)"`, the example `TELEGRAM_BOT_TOKEN=123456:ABC…`).
const keepAround = (match: string, before: string, secret: string, after: string) =>
  /^[\d.]+$|^\(.*\)$|…/.test(secret) || isPlainPath(secret) || /_(?:PATH|FILE|DIR|SOCK)\s?=/.test(before)
    ? match
    : `${before}${REDACTED}${after}`;

/** Token shapes that are secrets wherever they appear. Each pattern is global; order matters only for overlaps. */
export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    name: 'private key block',
    hints: ['PRIVATE KEY'],
    pattern:
      /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,16384}?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g,
  },
  // A block cut short (a clipped message, a tail): the base64 that follows, in plain text or in a JSON string.
  {
    name: 'private key start',
    hints: ['PRIVATE KEY'],
    pattern: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\s]|\\[nr])*/g,
  },
  // With a digit in it: a session or branch named `sk-learn-migration-to-version-two` is not a key.
  {
    name: 'Anthropic / OpenAI key',
    hints: ['sk-'],
    pattern: /\bsk-(?=[A-Za-z0-9_-]*\d)(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g,
  },
  {
    name: 'GitHub token',
    hints: ['gh', 'github_pat_'],
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g,
  },
  {
    name: 'AWS access key id',
    hints: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
  },
  { name: 'Slack token', hints: ['xox'], pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { name: 'Telegram bot token', hints: [':'], pattern: /\b\d+:[A-Za-z0-9_-]{30,}/g },
  { name: 'npm token', hints: ['npm_'], pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: 'Google API key', hints: ['AIza'], pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { name: 'Stripe key', hints: ['_live_', '_test_'], pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  {
    name: 'JSON web token',
    hints: ['eyJ'],
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  },
  // The password of `scheme://user:password@host` (the user and host stay readable).
  {
    name: 'URL credentials',
    hints: ['://'],
    pattern: /(\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/@"'<>]*:)[^\s@/"'<>]+(?=@)/g,
    replace: keepPrefix,
  },
  {
    name: 'HTTP authorization',
    hints: ['Bearer', 'Basic'],
    pattern: /(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{16,}/g,
    replace: keepPrefix,
  },
  // `GH_PAT=…`, `export AWS_SECRET_ACCESS_KEY="…"` as an agent may quote them from a file or a shell.
  {
    name: 'secret assignment',
    hints: ['='],
    // The secret word is a whole word of the name (CLAUDE_PATH is not a PAT); `=` only, as a shell or .env writes it.
    pattern:
      /(\b(?:[A-Z0-9]+_)*(?:[A-Z0-9]*(?:KEY|TOKEN|SECRET)|PASSWORD|PASSWD|PASS|PAT|PWD|CREDENTIALS?|AUTH)(?:_[A-Z0-9]+)*\s?=\s?["']?)([^\s"'`,;]{8,})(["']?)/g,
    replace: keepAround,
  },
];

// A word of a variable's name that says its value is secret (names are split on `_`, `-` and `.`). `KEY` also as
// the end of a word (APIKEY, SECRETKEY), so GH_PAT and AWS_SECRET_ACCESS_KEY are caught as well as *_API_KEY.
const SECRET_WORD =
  /^(?:[A-Z0-9]*(?:KEY|TOKEN|SECRET)|PASS|PASSWORD|PASSWD|PASSPHRASE|PWD|PAT|CREDENTIALS?|CREDS|AUTH|PRIVATE|COOKIE|DSN)$/;
// Names with such a word that hold no secret: the shell's folders, the ssh agent's socket.
const NOT_SECRET_NAME = /^(?:PWD|OLDPWD|SSH_AUTH_SOCK)$|_(?:PATH|FILE|DIR|SOCK)$/;
// Values too plain to be a secret even under a secret-sounding name.
const PLAIN_VALUE = /^(?:true|false|yes|no|on|off|enabled|disabled|none|null|undefined|\d{1,9})$/i;
const URL_PASSWORD = /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/@]*:([^\s@/]+)@/g;
const BOT_TOKEN = /^\d+:([A-Za-z0-9_-]{30,})$/;

export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (NOT_SECRET_NAME.test(upper)) return false;
  return upper.split(/[_.-]/).some((word) => SECRET_WORD.test(word));
}

/** Whether the text holds one of the shape's hints: a plain loop, as this runs for every shape on every log line. */
function hinted(shape: SecretShape, text: string): boolean {
  for (const hint of shape.hints) if (text.includes(hint)) return true;
  return false;
}

/** True when the text holds one of the secret shapes that are secret as a whole (not a URL's password alone). */
export function hasSecretShape(text: string): boolean {
  return SECRET_SHAPES.some((shape) => {
    if (shape.replace || !hinted(shape, text)) return false;
    shape.pattern.lastIndex = 0;
    return shape.pattern.test(text);
  });
}

/**
 * The secret values among `entries` (name, value): every value of a variable whose name says it is secret, every
 * value that has a secret shape, and the password inside every URL-like value (`postgres://u:pw@host/db` → `pw`).
 */
export function secretValues(entries: Iterable<readonly [string, string | undefined]>): string[] {
  const found = new Set<string>();
  const add = (value: string) => {
    if (value.length >= MIN_SECRET_LENGTH && !PLAIN_VALUE.test(value)) found.add(value);
  };
  for (const [name, raw] of entries) {
    const value = raw?.trim();
    if (!value) continue;
    if ((isSecretName(name) && !isPlainPath(value)) || hasSecretShape(value)) add(value);
    for (const match of value.matchAll(URL_PASSWORD)) {
      add(match[1]!);
      add(safeDecode(match[1]!));
    }
  }
  return [...found];
}

/**
 * A scrubber for these values and every secret shape: built once per run, then a few regular-expression passes per
 * call. Each value is also matched as a sink may spell it: URL-encoded, JSON-escaped, HTML-escaped, and for a bot
 * token (`123:ABC…`) its secret half on its own.
 */
export function makeScrubber(values: readonly string[]): Scrub {
  const forms = new Set<string>();
  for (const value of values) {
    for (const form of spellings(value)) if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
  }
  const byLength = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const known = byLength.length > 0 ? new RegExp(byLength.join('|'), 'g') : undefined;
  return (text) => {
    if (text === '') return text;
    let out = known ? text.replace(known, REDACTED) : text;
    for (const shape of SECRET_SHAPES) {
      if (!hinted(shape, out)) continue;
      shape.pattern.lastIndex = 0;
      if (!shape.pattern.test(out)) continue;
      shape.pattern.lastIndex = 0;
      out = shape.replace
        ? out.replace(shape.pattern, shape.replace as (m: string, ...g: string[]) => string)
        : out.replace(shape.pattern, REDACTED);
    }
    return out;
  };
}

/** Every string inside `value` (plain objects and arrays, as they come from JSON or state) scrubbed. */
export function scrubStrings<T>(value: T, scrub: Scrub): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => scrubStrings(item, scrub)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = scrubStrings(item, scrub);
    return out as T;
  }
  return value;
}

function spellings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const out = [
    value,
    encodeURIComponent(value),
    json,
    escapeHtml(value),
    escapeHtml(value, true),
    escapeHtml(json),
    escapeHtml(json, true),
  ];
  const half = BOT_TOKEN.exec(value)?.[1];
  if (half) out.push(half);
  return out;
}

function isPlainPath(value: string): boolean {
  return /^(?:\/|~\/|\.\.?\/)[^\s]*$/.test(value) && !value.includes('://');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Telegram's HTML escapes `&`, `<`, `>`; other HTML escapes quotes too. */
function escapeHtml(text: string, quotes = false): string {
  const out = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return quotes ? out.replace(/"/g, '&quot;') : out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
