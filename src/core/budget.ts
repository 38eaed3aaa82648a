// Session budgets: iterations, active hours, cost, tokens. Checked before every iteration; a one-time warning at 80%,
// a block at 100%. Pure: the spent amounts come from the state, which survives restarts.
import { groupedCount } from './count-format.js';
import type { SessionState } from './state.js';

export const BUDGET_KINDS = ['iterations', 'hours', 'cost', 'tokens'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];

/** Limits; `undefined` means no limit for that kind. */
export type Budget = Record<BudgetKind, number | undefined>;

export const BUDGET_PROFILES = {
  quick: { iterations: 30, hours: 1, cost: 5, tokens: 5_000_000 },
  default: { iterations: 150, hours: 8, cost: 50, tokens: 50_000_000 },
  deep: { iterations: 400, hours: 24, cost: 200, tokens: 200_000_000 },
} as const satisfies Record<string, Budget>;
export type BudgetProfile = keyof typeof BUDGET_PROFILES;

/** The setting that raises each limit, for messages. */
export const BUDGET_SETTING: Record<BudgetKind, string> = {
  iterations: 'SAMOCODE_MAX_ITERATIONS',
  hours: 'SAMOCODE_MAX_HOURS',
  cost: 'SAMOCODE_MAX_COST',
  tokens: 'SAMOCODE_MAX_TOKENS',
};

export const WARN_AT = 0.8;

export interface BudgetUse {
  kind: BudgetKind;
  used: number;
  limit: number;
  /** A cost that is partly computed from CODEX_PRICE: shown as an estimate. */
  estimated?: true | undefined;
}

export interface BudgetCheck {
  /** Kinds at or past 80% that have not been warned about yet in this session. */
  warn: BudgetUse[];
  /** The first kind at or past its limit. */
  exceeded?: BudgetUse | undefined;
}

export function spent(state: SessionState): Record<BudgetKind, number> {
  const t = state.totals;
  return {
    iterations: state.iterations,
    hours: (t.activeMs ?? 0) / 3_600_000,
    cost: t.costUsd,
    tokens: t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens,
  };
}

export function checkBudget(state: SessionState, budget: Budget): BudgetCheck {
  const used = spent(state);
  const warn: BudgetUse[] = [];
  let exceeded: BudgetUse | undefined;
  for (const kind of BUDGET_KINDS) {
    const limit = budget[kind];
    if (limit === undefined) continue;
    const use: BudgetUse = {
      kind,
      used: used[kind],
      limit,
      ...(kind === 'cost' && state.totals.costEstimated ? { estimated: true as const } : {}),
    };
    if (use.used >= limit) exceeded ??= use;
    else if (use.used >= limit * WARN_AT && !(state.budgetWarned ?? []).includes(kind)) warn.push(use);
  }
  return { warn, exceeded };
}

export function describeUse(use: BudgetUse): string {
  const amount = (n: number) =>
    use.kind === 'cost'
      ? `$${n.toFixed(2)}`
      : use.kind === 'hours'
        ? `${n.toFixed(2)} h`
        : use.kind === 'tokens'
          ? `${groupedCount(n)} tokens`
          : `${n} iterations`;
  const usedText = use.kind === 'cost' && use.estimated ? `~${amount(use.used)} est.` : amount(use.used);
  return `${usedText} of ${amount(use.limit)} (${Math.round((use.used / use.limit) * 100)}%, ${BUDGET_SETTING[use.kind]})`;
}
