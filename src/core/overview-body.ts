// The parts of `_overview.md` read without YAML: where its front matter opens, and its body (the agent's, kept byte
// for byte). A file of its own, without gray-matter: a resumed start reads `_overview.md` before its first spawn and
// writes it only after.

export const FRONT_MATTER_OPEN = /^---\r?\n/;

/**
 * The body of an `_overview.md` without parsing its YAML: the fast path for every state write, and it still works
 * when the front matter is broken (which the write then repairs). Splits exactly where gray-matter does.
 */
export function overviewBody(text: string): string {
  if (!FRONT_MATTER_OPEN.test(text)) return text;
  const rest = text.slice(3);
  const close = rest.indexOf('\n---');
  if (close === -1) return '';
  let body = rest.slice(close + 4);
  if (body[0] === '\r') body = body.slice(1);
  if (body[0] === '\n') body = body.slice(1);
  return body;
}
