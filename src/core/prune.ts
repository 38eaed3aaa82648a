// `orchestrate prune`: which sessions give up their worktree (and branch), and the age the person wrote. Pure: the
// git calls and the lock are the command's (commands/prune/).
import type { SessionState } from './state.js';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** `7d`, `36h`, `90m` (a plain number is days) → ms; undefined when it is none of these. */
export function parseAge(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([dhm]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[(match[2] || 'd') as keyof typeof UNIT_MS];
}

export type PruneVerdict = { kind: 'prune'; branch: string | undefined; ageMs: number } | { kind: 'keep'; why: string };

/**
 * A done session older than the retention gives up its worktree; its branch too when asked, but never the base branch
 * (nor a branch that is not the session's own). Every other session keeps everything.
 */
export function judgePrune(
  state: SessionState,
  opts: { nowMs: number; olderThanMs: number; branches: boolean; baseBranch: string | undefined },
): PruneVerdict {
  if (state.status !== 'done') return { kind: 'keep', why: `${state.status} (only done sessions are pruned)` };
  if (state.standalone) return { kind: 'keep', why: 'standalone (no worktree of its own)' };
  const ageMs = opts.nowMs - Date.parse(state.updatedAt);
  if (!(ageMs >= opts.olderThanMs))
    return { kind: 'keep', why: `done ${describeAge(ageMs)} ago, within the retention` };
  const bases = [state.baseBranch, opts.baseBranch].filter(Boolean);
  const branch = opts.branches && state.branch && !bases.includes(state.branch) ? state.branch : undefined;
  return { kind: 'prune', branch, ageMs };
}

export function describeAge(ms: number): string {
  if (ms >= UNIT_MS.d) return `${Math.floor(ms / UNIT_MS.d)} d`;
  if (ms >= UNIT_MS.h) return `${Math.floor(ms / UNIT_MS.h)} h`;
  return `${Math.max(0, Math.floor(ms / UNIT_MS.m))} min`;
}
