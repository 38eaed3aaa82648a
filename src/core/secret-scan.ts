// A second net over agent-written text, with secretlint's recommended rules (npm, Slack, SendGrid, Shopify, Linear,
// 1Password, Azure, GCP keys, database connection strings …: patterns kept up to date by people who study them).
// Async, so it runs only where the caller can wait: the agent's signal and last words after each attempt, and the
// _qa.md / _plan.md text before Telegram quotes it. The synchronous scrubber (secrets.ts) has already run on the
// text and runs again at every sink; this only adds what its shape table does not know.
// secretlint is loaded on first use (about 60 ms), never on the start-up path, and not at all for text that has no
// token-like word in it: most summaries ("tests pass; next: the CLI") never pay for it.
import { REDACTED } from './secrets.js';

/** What secretlint reported: where, and which rule (never the matched text). `line` is 1-based. */
export interface SecretHit {
  range: readonly [number, number];
  line: number;
  ruleId: string;
}

type Lint = (text: string, filePath?: string) => Promise<readonly SecretHit[]>;

// What any rule of the preset needs to see before it can match: a long token-like word with letters and digits (a
// long identifier such as createSessionAgentDeps has no digit), a URL with credentials or a connection string, a key
// block, an Azure connection string.
const TOKEN_WORD = /[A-Za-z0-9_+=-]{20,}/g;
const CONTEXT = /:\/\/|-----BEGIN|AccountKey=/;

function isCandidate(text: string): boolean {
  if (CONTEXT.test(text)) return true;
  for (const [word] of text.matchAll(TOKEN_WORD)) if (/\d/.test(word) && /[A-Za-z]/.test(word)) return true;
  return false;
}

let loading: Promise<Lint | undefined> | undefined;

/** `text` with every span a secretlint rule reports replaced by the marker. Never throws: without secretlint, `text`. */
export async function scanSecrets(text: string): Promise<string> {
  if (!isCandidate(text)) return text;
  const lint = await (loading ??= load());
  if (!lint) return text;
  let hits: readonly SecretHit[];
  try {
    hits = await lint(text);
  } catch {
    return text;
  }
  return redactRanges(
    text,
    hits.map((hit) => hit.range),
  );
}

/**
 * Where secretlint finds secrets in `text` (a file's added lines, for the diff review): its rule and line. Undefined
 * when secretlint could not be loaded or failed, so the caller can say the scan did not run.
 */
export async function findSecrets(text: string, filePath = 'diff.txt'): Promise<readonly SecretHit[] | undefined> {
  if (!isCandidate(text)) return [];
  const lint = await (loading ??= load());
  if (!lint) return undefined;
  try {
    return await lint(text, filePath);
  } catch {
    return undefined;
  }
}

/** The same for every string inside `value` (plain objects and arrays, as a parsed signal is). */
export async function scanStrings<T>(value: T): Promise<T> {
  if (typeof value === 'string') return (await scanSecrets(value)) as T;
  if (Array.isArray(value)) return (await Promise.all(value.map((item: unknown) => scanStrings(item)))) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await scanStrings(item);
    return out as T;
  }
  return value;
}

/** Replace the spans (which may overlap) with the marker; a span that already is the marker is left alone. */
export function redactRanges(text: string, ranges: readonly (readonly [number, number])[]): string {
  const merged: [number, number][] = [];
  for (const [start, end] of [...ranges].filter(([a, b]) => b > a).sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  let out = '';
  let at = 0;
  for (const [start, end] of merged) {
    const span = text.slice(start, end);
    // A connection string whose password the first net already took out is reported again: keep it readable.
    out += text.slice(at, start) + (span.includes(REDACTED) ? span : REDACTED);
    at = end;
  }
  return out + text.slice(at);
}

async function load(): Promise<Lint | undefined> {
  try {
    const [{ lintSource }, { creator }] = await Promise.all([
      import('@secretlint/core'),
      import('@secretlint/secretlint-rule-preset-recommend'),
    ]);
    const config = {
      rules: [
        {
          id: '@secretlint/secretlint-rule-preset-recommend',
          rule: creator,
          // The AWS rule looks for bare access key ids only when asked.
          rules: [{ id: '@secretlint/secretlint-rule-aws', options: { enableIDScanRule: true } }],
        },
      ],
    };
    return async (text, filePath = 'agent-text.txt') => {
      const ext = /\.[^./]+$/.exec(filePath)?.[0] ?? '';
      const result = await lintSource({
        source: { content: text, filePath, ext, contentType: 'text' },
        options: { config, noPhysicFilePath: true },
      });
      return result.messages.map((message) => ({
        range: message.range,
        line: message.loc.start.line,
        ruleId: message.ruleId,
      }));
    };
  } catch {
    return undefined;
  }
}
