// Text the agent wrote (signal fields, its last words, stderr) before samocode stores or shows it: without control
// characters, and bounded. A NUL in a summary used to reach the next prompt and break every spawn; an escape sequence
// would repaint the person's terminal; an unbounded reason became a 5 MB history line and front matter. Pure.
import { stripVTControlCharacters } from 'node:util';

/** The most kept of one free-text field of the signal (summary, reason, needs, for, file). */
export const FIELD_CAP = 4096;

/** C0 controls except tab and newline, DEL, and the C1 range. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Without ANSI/OSC escape sequences and control characters (tab and newline are kept). */
export function withoutControls(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROL, '');
}

/** At most `max` characters, with a note of how much was cut. Never splits a surrogate pair. */
export function capText(text: string, max = FIELD_CAP): string {
  return cutTo(text, max, text.length);
}

/** Agent text as it may be stored and shown: controls stripped, then capped. */
export function agentText(text: string, max = FIELD_CAP): string {
  // Cleaning is linear, but a huge text need not be cleaned whole: only its head can be kept.
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const clean = withoutControls(head);
  return cutTo(clean, max, clean.length + (text.length - head.length));
}

/** `text` (the head of a text of `total` characters) cut to `max`, with the note when anything is left out. */
function cutTo(text: string, max: number, total: number): string {
  if (total <= max && text.length === total) return text;
  let end = Math.min(max, text.length);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}… (cut: ${total - end} more characters)`;
}
