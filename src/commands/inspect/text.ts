// Text helpers of the read-only views: ages, local times, one-line fitting, plain tables, shell quoting. Pure.
import { isPhase, PHASE_RULES } from '../../core/phases.js';

/** Output is laid out to fit a terminal this wide. */
export const WIDTH = 120;

/** `3 min ago`, `2 h 5 min ago`, `4 days ago`; a time in the future (clock skew) is `just now`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 5_000) return 'just now';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min ago` : `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** `(3 min ago)` after a time, or nothing when the time cannot be read. */
export function agoSuffix(iso: string, now: Date): string {
  const age = ageOf(iso, now);
  return age === null ? '' : ` (${formatAge(age)})`;
}

export function ageOf(iso: string | undefined, now: Date): number | null {
  if (!iso) return null;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : now.getTime() - time;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local `YYYY-MM-DD`; undefined for an unreadable time. */
export function localDate(iso: string): string | undefined {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** Local `HH:MM:SS`; the text itself for an unreadable time. */
export function localClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

export function localDateTime(iso: string): string {
  const date = localDate(iso);
  return date ? `${date} ${localClock(iso)}` : iso;
}

/** One line, at most `max` characters: whitespace runs collapse to one space, the cut is marked with `…`. */
export function fit(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  if (max <= 1) return '…'.slice(0, max);
  return `${flat.slice(0, max - 1).trimEnd()}…`;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
export const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export interface Column {
  header: string;
  align?: 'right' | undefined;
  /** The column that takes what is left of WIDTH (its cells are cut to fit). */
  flex?: boolean | undefined;
  /** Narrowest the flex column may get. */
  min?: number | undefined;
}

/** A plain text table: columns two spaces apart, the flex column cut to keep lines within `width`. */
export function table(columns: Column[], rows: (string[] | { line: string })[], width = WIDTH): string[] {
  const cells = rows.filter((r): r is string[] => Array.isArray(r));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const flex = columns.findIndex((c) => c.flex);
  if (flex !== -1) {
    const others = widths.reduce((sum, w, i) => (i === flex ? sum : sum + w), 0) + 2 * (columns.length - 1);
    widths[flex] = Math.min(widths[flex]!, Math.max(columns[flex]!.min ?? 20, width - others));
  }
  const render = (row: string[]) =>
    columns
      .map((c, i) => {
        const text = i === flex ? fit(row[i] ?? '', widths[i]!) : (row[i] ?? '');
        return c.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...rows.map((r) => (Array.isArray(r) ? render(r) : r.line))];
}

export function shortPhase(phase: string): string {
  return isPhase(phase) ? PHASE_RULES[phase].short : phase;
}

/** Quote a path for a shell command line only when it needs it. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
