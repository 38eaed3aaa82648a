// `_overview.md` ← SessionState. The front matter is the orchestrator's; the markdown body is the agent's and is
// kept byte for byte. Pure.
import matter from 'gray-matter';
import type { SessionState } from './state.js';

export function renderOverview(state: SessionState, body: string): string {
  // Drop undefined fields so the YAML stays readable, then append the body untouched.
  const data = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
  const head = matter.stringify('', data);
  // matter.stringify('') ends with "---\n\n"; keep exactly one newline after the closing fence.
  return head.replace(/\n\n$/, '\n') + body;
}

/**
 * Runs the writer once on nothing, so that gray-matter's and js-yaml's code is loaded and compiled: a new session's
 * start does it while git makes its worktree (io/state-store.ts prepareWriter), its first write comes right after.
 */
export function warmWriter(): void {
  matter.stringify('', { warm: true });
}
