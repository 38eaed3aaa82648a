// The PR_* settings' values (config/settings.ts reads them, core/pr-watch.ts decides with them). A file of its own:
// the settings are read at every start, and core/pr-watch.ts brings zod, which nothing before the first spawn needs.

export const PR_CONTINUE_RULES = ['continue', 'notify', 'off'] as const;
export type PrContinueRule = (typeof PR_CONTINUE_RULES)[number];
export const PR_NOTIFY_RULES = ['notify', 'off'] as const;
export type PrNotifyRule = (typeof PR_NOTIFY_RULES)[number];

/** The rules of one project (settings PR_*). */
export interface PrRules {
  pollMs: number;
  ciFailed: PrContinueRule;
  ciRetries: number;
  changesRequested: PrContinueRule;
  reviewRetries: number;
  approved: PrNotifyRule;
}
