// `_overview.md` ← SessionState. The front matter is the orchestrator's; the markdown body is the agent's and is
// kept byte for byte. Pure.
import matter from 'gray-matter';
import type { SessionState } from './state.js';

export { FRONT_MATTER_OPEN, overviewBody } from './overview-body.js';

export function renderOverview(state: SessionState, body: string): string {
  // Drop undefined fields so the YAML stays readable, then append the body untouched.
  const data = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
  const head = matter.stringify('', data);
  // matter.stringify('') ends with "---\n\n"; keep exactly one newline after the closing fence.
  return head.replace(/\n\n$/, '\n') + body;
}
