// The shapes the page reads from `orchestrate serve`'s HTTP API (README "Dashboard"). The page imports nothing of
// samocode's Node code (it runs in a browser), so it declares what it uses, loosely: every field may be missing from
// an older or newer server, and the views show what is there.

export interface Totals {
  costUsd: number;
  costEstimated?: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  agentMs?: number;
}

/** One row of `orchestrate list --json`. */
export interface SessionRow {
  name: string;
  session: string;
  phase: string | null;
  status: 'running' | 'waiting' | 'blocked' | 'done' | null;
  statusLine: string;
  live: boolean | null;
  iterations: number | null;
  updatedAt: string | null;
  job?: string;
  task?: string | null;
  totals?: Totals | null;
}

/** One row of `orchestrate queue --json`. */
export interface JobRow {
  id: string;
  state: string;
  since: string;
  host?: string;
  pid?: number;
  reason?: string;
  notBefore?: string;
  progress?: { phase: string; iteration: number; costUsd: number };
}

export interface SessionsBody {
  sessions: SessionRow[];
  /** `error`: the Redis queue cannot be read now (its jobs are then empty). */
  queue: { backend: string; jobs: JobRow[]; error?: string } | null;
}

export interface RunFacts {
  durationMs?: number;
  attempts?: number;
  costUsd?: number;
  costEstimated?: boolean;
  tokens?: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  toolCalls?: number;
  toolFailures?: number;
}

/** One line of `_signal_history.jsonl` (`orchestrate history --json`). */
export interface HistoryEntry {
  seq: number;
  time: string;
  iteration: number;
  phase: string;
  event: string;
  phaseAfter?: string;
  statusAfter?: string;
  signal?: { status?: string; summary?: string; reason?: string; for?: string } | string | null;
  validation?: string;
  problem?: string;
  run?: RunFacts;
  from?: string;
  how?: string;
  instruction?: string;
  reason?: string;
  level?: string;
  kind?: string;
  delivery?: { mode?: string; prUrl?: string; patches?: number; diffstat?: string };
}

/** `orchestrate status --json`, the parts the page shows. */
export interface StatusFacts {
  name: string;
  session: string;
  phase: string | null;
  status: SessionRow['status'];
  statusLine: string;
  orchestrator: { live: boolean | null; pid: number } | null;
  waitingFor: string | null;
  needs: string | null;
  blockedKind: string | null;
  blockedReason: string | null;
  next: string | null;
  iterations: { total: number | null; inPhase: number | null; phaseLimit: number | null };
  lastSummary: string | null;
  totals: Totals | null;
  startedAt: string | null;
  updatedAt: string | null;
  branch: string | null;
  baseBranch: string | null;
  task?: string | null;
}

export interface Question {
  id: string;
  number: number;
  text: string;
  options: Record<string, string>;
  /** The agent's own suggestion (`**Suggestion:**`), when it gave one. */
  suggestion?: string;
  /** What was answered so far. */
  answer?: string;
  answered: boolean;
}

export interface Finding {
  rule?: string;
  file?: string;
  line?: number;
  excerpt?: string;
}

export type Waiting =
  | { for: 'qa_answers'; file: string; questions: Question[] }
  | { for: 'plan_approval'; file: string; plan: string }
  | { for: 'review'; file: string; findings: Finding[]; text: string };

export interface SessionBody {
  status: StatusFacts;
  history: HistoryEntry[];
  waiting: Waiting | null;
}

/** One `orchestrate log --json` record. */
export interface Action {
  time: string;
  iteration: number;
  phase: string;
  attempt: number;
  kind: 'tool' | 'tool_failed' | 'text' | 'retry' | 'error' | 'result' | 'iteration' | 'check' | string;
  tool?: string;
  target?: string;
  failure?: string;
  call?: string;
  text?: string;
  costUsd?: number;
  turns?: number;
  isError?: boolean;
  phaseAfter?: string;
  status?: string;
  validation?: string;
  summary?: string;
  durationMs?: number;
  name?: string;
  exitCode?: number | null;
  timedOut?: boolean;
  log?: string;
  cls?: string;
}

export interface DiffBody {
  base: string;
  branch: string;
  stat: string;
  diff: string;
  cut: boolean;
}

export interface DeliveryBody {
  summary: string;
  files: string[];
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}
