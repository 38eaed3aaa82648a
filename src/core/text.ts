// Cutting text for messages and logs. Pure. (Agent text kept in files and shown to people is capped with a note of
// what was cut: core/agent-text.ts.)

/** Whitespace (newlines included) collapsed to single spaces; beyond `max` characters, cut to `max` with an ellipsis. */
export function oneLine(text: string, max = Infinity): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The first `max` characters then "…", and unless `count` is false, how many more there were. */
export function truncate(text: string, max: number, { count = true }: { count?: boolean } = {}): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}…${count ? ` (${text.length - max} more chars)` : ''}`;
}

/** The first `max` UTF-16 units, one fewer if the cut would split a surrogate pair. */
export function headOf(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
