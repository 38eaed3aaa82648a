// `_overview.md` as samocode writes it, read without YAML and zod (core/front-matter-plain.ts, core/overview-plain.ts):
// what a start reads before its first spawn. Anything else (a hand edit in another style, a legacy file, a broken
// field) is core/overview.ts's to read and explain. Pure.
import type { OverviewRead } from './overview.js';
import { FRONT_MATTER_OPEN, overviewBody } from './overview-body.js';
import { plainFrontMatter } from './front-matter-plain.js';
import { plainState } from './overview-plain.js';

/** The state and body when the text is plainly samocode's own; undefined: ask parseOverview (core/overview.ts). */
export function quickOverview(text: string): Extract<OverviewRead, { kind: 'state' }> | undefined {
  if (!FRONT_MATTER_OPEN.test(text)) return undefined;
  const data = plainFrontMatter(text);
  const state = data === undefined ? undefined : plainState(data);
  return state ? { kind: 'state', state, body: overviewBody(text) } : undefined;
}
