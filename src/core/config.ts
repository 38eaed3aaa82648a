// The shape of samocode's resolved configuration: what config/ builds from flags, env, .env and .samocode, and what
// every other room reads. Types only (and the closed list of log formats), so the loop and the adapters can name a
// setting without depending on how settings are loaded. The providers are listed with their facts (provider-facts.ts).
import type { Budget } from './budget.js';
import type { DeliverMode } from './delivery.js';
import type { Phase } from './phases.js';
import type { Provider, StreamFormat } from './provider-facts.js';
import type { CheckSpec } from './gates.js';
import type { PrRules } from './pr-rules.js';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface Config {
  configFile: string;
  mainRepo: string;
  worktrees: string;
  sessions: string;
  baseBranch: string | undefined;
  branchPrefix: string;
  provider: Provider;
  claude: {
    path: string;
    model: string | undefined;
    maxTurns: number | undefined;
    permissionMode: 'bypassPermissions' | 'acceptEdits' | 'default' | 'plan';
    args: string[];
  };
  codex: { path: string; model: string | undefined; sandbox: 'workspace-write' | 'danger-full-access'; args: string[] };
  scriptPath: string | undefined;
  scriptFormat: 'none' | StreamFormat;
  fallbackProvider: Provider | undefined;
  idleTimeoutMs: number | undefined;
  codexPrice: { input: number; cachedInput: number; output: number };
  timeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
  rateLimitWaitMs: number;
  killGraceMs: number;
  /** Largest size of each raw agent log file (`_logs/*.jsonl`, `*.stderr.log`) kept after a run; the middle is cut. */
  logMaxBytes: number;
  phaseLimits: Record<Phase, number>;
  budget: Budget;
  /** The BullMQ back end of the queue: its queue name (undefined: from MAIN_REPO's folder) and lease. */
  redisQueue: { name: string | undefined; leaseMs: number };
  /** `orchestrate prune`: days a done session keeps its worktree. */
  keepDoneDays: number;
  stallLimit: number;
  /** What a done session hands over (gates/delivery.ts). */
  delivery: { mode: DeliverMode; remote: string; timeoutMs: number };
  /** How the worker watches a session's pull request after DELIVER=pr, and reacts (core/pr-watch.ts). */
  prWatch: PrRules;
  /** The queue of `enqueue` / `worker` (issue 13). */
  queue: {
    /** `redis://…` (BullMQ); undefined: the local queue in `<SESSIONS>/.queue/`. */
    url: string | undefined;
    /** Sessions of the project running at once across workers; undefined: no limit. */
    maxSessions: number | undefined;
    /** Restarts of an orchestrator that died unexpectedly before its job is failed. */
    restarts: number;
    /** How long a draining worker lets running iterations finish before it interrupts them. */
    drainMs: number;
  };
  /** `progressMs`: SAMOCODE_TELEGRAM_PROGRESS_MINUTES, undefined when off. */
  telegram: { token: string; chatId: string; apiRoot: string | undefined; progressMs: number | undefined } | undefined;
  logLevel: string;
  logFormat: LogFormat;
  /** What samocode checks itself (src/gates/): VERIFY, VERIFY_<NAME>, VERIFY_BLOCK_AFTER, ALLOW_EMPTY_DONE. */
  verify: { checks: CheckSpec[]; blockAfter: number; allowEmptyDone: boolean };
  /** The identity the agent commits with when its repository has none (SAMOCODE_GIT_NAME, SAMOCODE_GIT_EMAIL). */
  gitIdentity: { name: string; email: string };
  /** Values that must never appear in a log, prompt, history line or notification. */
  secrets: string[];
}
