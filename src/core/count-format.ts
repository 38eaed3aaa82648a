// Counts (tokens, mostly) as people read them. Pure.

/**
 * A count in a few characters: 1.2M, and below a million 3.4k from 1 000 (one decimal) — or, with `wholeThousands`,
 * 12k from 10 000 and the exact number below (Telegram's totals line).
 */
export function shortCount(n: number, { wholeThousands = false }: { wholeThousands?: boolean } = {}): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (wholeThousands) return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
  return n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

/**
 * A whole count with thousands separators: 1,234,567. By hand, as toLocaleString('en-US') would write it: the first
 * toLocaleString of a process sets up ICU's number formatting (~15 ms, at the end of every run).
 */
export function groupedCount(n: number): string {
  const whole = Math.round(n);
  if (!Number.isSafeInteger(whole)) return whole.toLocaleString('en-US');
  return String(whole).replace(/\B(?=(\d{3})+$)/g, ',');
}
