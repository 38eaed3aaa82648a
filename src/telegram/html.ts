// Telegram HTML: escaping text that came from the agent or the person, and cutting a long message into pieces that
// each fit Telegram's limit. Pure. We use HTML parse mode because it needs only `&`, `<`, `>` escaped, so markdown-ish
// agent text (`_`, `*`, backticks) arrives exactly as written.
import { headOf } from '../core/text.js';

/** Telegram's limit per message. It counts characters after entity parsing; we measure the HTML itself, which is never shorter. */
export const TELEGRAM_LIMIT = 4096;

const TRIM_NOTE = '\n… (trimmed: the rest did not fit in Telegram messages)';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The text a person would see, for sending without parse mode: tags dropped, the three escapes undone. */
export function htmlToPlain(html: string): string {
  return html
    .replace(/<[^<>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Plain text, cut to at most `max` UTF-16 units without splitting a surrogate pair; says how much was left out. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = headOf(text, max);
  return `${head}… (${text.length - head.length} more characters)`;
}

// A tag, an entity, a surrogate pair, or any single unit: the pieces a message may never be cut inside of.
const TOKEN = /<\/?[a-zA-Z][^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;

function closers(open: readonly string[]): string {
  return open
    .map((tag) => `</${/^<([a-zA-Z0-9-]+)/.exec(tag)![1]}>`)
    .reverse()
    .join('');
}

/** Apply one token to the stack of open tags (the full opening tag is kept so it can be reopened in the next piece). */
function track(open: string[], token: string): void {
  if (!token.startsWith('<') || token.length < 3) return;
  if (token.startsWith('</')) open.pop();
  else open.push(token);
}

interface Cut {
  index: number;
  open: string[];
}

/**
 * Cut HTML into pieces of at most `limit` characters. A piece ends at a line break when one falls in its second half,
 * else at a space, else anywhere between tokens; tags open at the cut are closed and reopened in the next piece.
 * More than `maxParts` pieces: the last one kept ends with a note that the rest was trimmed.
 */
export function splitMessage(html: string, limit = TELEGRAM_LIMIT, maxParts = 5): string[] {
  const pieces = cut(html, limit);
  if (pieces.length <= maxParts) return pieces;
  const kept = pieces.slice(0, maxParts);
  kept[maxParts - 1] = cut(kept[maxParts - 1]!, limit - TRIM_NOTE.length)[0]! + TRIM_NOTE;
  return kept;
}

function cut(html: string, limit: number): string[] {
  const tokens = html.match(TOKEN) ?? [];
  const pieces: string[] = [];
  let open: string[] = [];
  let start = 0;
  while (start < tokens.length) {
    const prefix = open.join('');
    const stack = [...open];
    let size = prefix.length;
    let line: Cut | undefined;
    let space: Cut | undefined;
    let end = start;
    for (; end < tokens.length; end++) {
      const token = tokens[end]!;
      const after = [...stack];
      track(after, token);
      if (end > start && size + token.length + closers(after).length > limit) break;
      track(stack, token);
      size += token.length;
      if (size >= limit / 2 && (token === '\n' || token === ' ')) {
        const here = { index: end + 1, open: [...stack] };
        if (token === '\n') line = here;
        else space = here;
      }
    }
    const at: Cut =
      end === tokens.length ? { index: end, open: stack } : (line ?? space ?? { index: end, open: stack });
    pieces.push(prefix + tokens.slice(start, at.index).join('') + closers(at.open));
    open = at.open;
    start = at.index;
  }
  return pieces;
}
