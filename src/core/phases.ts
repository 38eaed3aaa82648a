// The phase machine as data. Every rule the loop enforces about phases lives in this one table,
// so changing the workflow means editing a row here, not hunting through the loop.

export const PHASES = [
  'init',
  'investigation',
  'requirements',
  'planning',
  'implementation',
  'testing',
  'quality',
  'done',
] as const;
export type Phase = (typeof PHASES)[number];

export const SIGNAL_STATUSES = ['continue', 'done', 'blocked', 'waiting'] as const;
export type SignalStatus = (typeof SIGNAL_STATUSES)[number];

export interface PhaseRule {
  /** Phases a `continue` signal may move to. Staying in the same phase is allowed when `mayStay`. */
  next: readonly Phase[];
  mayStay: boolean;
  /** Signal statuses the agent may write in this phase. */
  statuses: readonly SignalStatus[];
  /** Default maximum iterations spent in this phase before the session is blocked. */
  limit: number;
  /** The phase may only be left after the session has waited for the person at least once in it. */
  gate: boolean;
  /** Short label for console lines. */
  short: string;
}

const WORK: readonly SignalStatus[] = ['continue', 'waiting', 'blocked'];

export const PHASE_RULES: Readonly<Record<Phase, PhaseRule>> = {
  init: {
    next: ['investigation'],
    mayStay: false,
    statuses: ['continue', 'blocked'],
    limit: 1,
    gate: false,
    short: 'init',
  },
  investigation: { next: ['requirements'], mayStay: true, statuses: WORK, limit: 10, gate: false, short: 'inv' },
  requirements: { next: ['planning'], mayStay: true, statuses: WORK, limit: 10, gate: true, short: 'req' },
  planning: { next: ['implementation'], mayStay: true, statuses: WORK, limit: 10, gate: true, short: 'plan' },
  implementation: {
    next: ['testing', 'quality'],
    mayStay: true,
    statuses: WORK,
    limit: 50,
    gate: false,
    short: 'impl',
  },
  testing: { next: ['quality', 'done'], mayStay: true, statuses: WORK, limit: 10, gate: false, short: 'test' },
  quality: { next: ['testing', 'done'], mayStay: true, statuses: WORK, limit: 10, gate: false, short: 'qual' },
  done: { next: [], mayStay: true, statuses: ['done', 'blocked'], limit: 3, gate: false, short: 'done' },
};

/** The phase the loop runs first after the orchestrator has performed init itself. */
export const FIRST_AGENT_PHASE: Phase = 'investigation';

export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

/** Phases a `continue` signal may name from `phase`, in table order. */
export function allowedNextPhases(phase: Phase): Phase[] {
  const rule = PHASE_RULES[phase];
  if (!rule.statuses.includes('continue')) return [];
  return rule.mayStay ? [phase, ...rule.next] : [...rule.next];
}

export type PhaseLimits = Readonly<Record<Phase, number>>;

export function defaultPhaseLimits(): Record<Phase, number> {
  return Object.fromEntries(PHASES.map((p) => [p, PHASE_RULES[p].limit])) as Record<Phase, number>;
}
