// Numbers and times as a person reads them. Pure (no DOM): unit-tested in tests/unit/web-format.test.ts.

/** `$0.0841` below a cent, `$1.25` above; `~$0.45 est.` when computed from a price table. */
export function cost(usd: number | undefined | null, estimated?: boolean): string {
  if (usd === undefined || usd === null || !Number.isFinite(usd)) return '–';
  const amount = `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`;
  return estimated ? `~${amount} est.` : amount;
}

/** `950`, `12.3k`, `4.1M`. */
export function count(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export interface TokenCounts {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/** Every token the model read or wrote, cache included: what the chart and the list show as "tokens". */
export function tokens(t: TokenCounts | undefined | null): number | undefined {
  if (!t) return undefined;
  return (t.inputTokens ?? 0) + (t.outputTokens ?? 0) + (t.cacheReadTokens ?? 0) + (t.cacheWriteTokens ?? 0);
}

/** `850 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`. */
export function duration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `just now`, `40 s ago`, `5 min ago`, `3 h ago`, `2 days ago`; `–` for an unreadable time. */
export function ago(iso: string | undefined | null, now: number): string {
  const time = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(time)) return '–';
  const ms = now - time;
  if (ms < 5_000) return 'just now';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

export type Tone = 'running' | 'waiting' | 'blocked' | 'done' | 'unknown';

/** The status as a short word and a tone for its badge: `waiting for plan_approval`, `blocked: budget`. */
export function statusBadge(row: { status: string | null; statusLine?: string; live?: boolean | null }): {
  text: string;
  tone: Tone;
} {
  switch (row.status) {
    case 'running':
      return row.live === false
        ? { text: 'stopped (run again to resume)', tone: 'blocked' }
        : { text: 'running', tone: 'running' };
    case 'waiting':
    case 'blocked':
    case 'done':
      // `list` adds which process waits (`(pid 12 waits)`): a detail of the terminal's view, not of the badge.
      return { text: (row.statusLine || row.status).replace(/ \(pid \d+ waits\)$/, ''), tone: row.status };
    default:
      return { text: row.statusLine || 'unknown', tone: 'unknown' };
  }
}

/** What the signal said, in a few words: `continue`, `waiting for qa_answers`, `no signal`. */
export function signalWords(signal: unknown): string {
  if (signal === null || signal === undefined) return 'no signal';
  if (typeof signal === 'string') return signal;
  if (typeof signal !== 'object') return String(signal);
  const s = signal as { status?: unknown; for?: unknown };
  const status = typeof s.status === 'string' ? s.status : 'no signal';
  return typeof s.for === 'string' && s.for !== '' ? `${status} for ${s.for}` : status;
}
