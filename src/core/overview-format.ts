// `_overview.md` ← SessionState. The front matter is the orchestrator's; the markdown body is the agent's and is
// kept byte for byte. Pure.
import matter from 'gray-matter';
import type { SessionState } from './state.js';

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

export function renderOverview(state: SessionState, body: string): string {
  // Drop undefined fields so the YAML stays readable, then append the body untouched.
  const data = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
  const head = matter.stringify('', data);
  // matter.stringify('') ends with "---\n\n"; keep exactly one newline after the closing fence.
  return head.replace(/\n\n$/, '\n') + body;
}
