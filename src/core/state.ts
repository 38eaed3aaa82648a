// The session's machine state (the front matter of `_overview.md`) and the history entries that change it.
// `applyEntry` is the only way state moves forward: the loop appends an entry to the history, then folds it into the
// state and writes the state. After a crash between those two writes, startup folds the last entry again
// (commands/run/open-session.ts).
import { BUDGET_SETTING, describeUse, type BudgetKind } from './budget.js';
import type { Phase } from './phases.js';
import { FIELD_CAP, capText } from './agent-text.js';
import { deliveryRecord, type DeliveryFacts, type DeliveryRecord } from './delivery.js';
import { gateFailureAfter, isGateRefusal, type CheckRun, type GateFailure } from './gates.js';
import type { PrDid, PrSeen } from './pr-watch.js';

/**
 * The most kept of an agent's text in the front matter (lastSummary, blockedReason, needs). The signal's fields are
 * already cut to FIELD_CAP at parse time; this bounds what older history entries, or problem messages, bring in.
 * A little above FIELD_CAP so an already-cut field keeps its one note.
 */
export const FRONT_MATTER_TEXT_CAP = FIELD_CAP + 512;

function bounded(text: string | undefined): string | undefined {
  return text === undefined ? undefined : capText(text, FRONT_MATTER_TEXT_CAP);
}

export type SessionStatus = 'running' | 'waiting' | 'blocked' | 'done';

/** Spending so far. Cost and tokens are filled in by the real agent adapters; agent time by every run. */
export interface Totals {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Time the agent processes ran (the last attempt of each iteration). */
  agentMs: number;
  /** Time spent in iterations, all attempts and retry waits included (not time waiting for the person). */
  activeMs: number;
  /** Some of costUsd was computed from a price table (CODEX_PRICE) rather than reported: show it as an estimate. */
  costEstimated?: boolean | undefined;
}

export const ZERO_TOTALS: Totals = {
  costUsd: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  agentMs: 0,
  activeMs: 0,
};

export interface SessionState {
  /** Folder name under SESSIONS, e.g. `26-11-21-add-auth`. */
  session: string;
  /** The short name given with --session. */
  name: string;
  task: string;
  dive?: string | undefined;
  phase: Phase;
  status: SessionStatus;
  /** Iterations run in the current phase; reset when the phase changes. */
  phaseIterations: number;
  /** Iterations run in the whole session. */
  iterations: number;
  /** Sequence number of the last history entry folded into this state. */
  historySeq: number;
  /** Gated phases in which the session has already waited for the person. */
  gatesPassed: Phase[];
  waitingFor?: string | undefined;
  /** The file whose save ends a `file_update` wait (from the signal's `file`). */
  waitingFile?: string | undefined;
  /**
   * Answerable questions in `_qa.md` when the agent signalled `waiting` for `qa_answers`: the gate resumes only when
   * at least that many are answered, so a half-written `_qa.md` (the rest still to come) is not taken as complete.
   */
  waitQuestions?: number | undefined;
  needs?: string | undefined;
  blockedReason?: string | undefined;
  /** Machine-readable cause of a block: `agent` when the agent said so, else a ProblemKind. */
  blockedKind?: string | undefined;
  lastSummary?: string | undefined;
  /** The plan the person approved (a session file name): named as the contract in every later prompt. */
  approvedPlan?: string | undefined;
  /** The person's feedback on a rejected plan, for the next prompt. */
  planFeedback?: string | undefined;
  /** The person's feedback on a rejected review of the diff (`_review.md`), for the next prompt. */
  reviewFeedback?: string | undefined;
  /** How many findings `_review.md` lists, while the session waits for `review`. */
  reviewFindings?: number | undefined;
  /** Budget kinds already warned about at 80% (each warns once per session). */
  budgetWarned?: BudgetKind[] | undefined;
  /** Consecutive iterations that made no progress (see core/iteration.ts judgeStall). */
  stallCount?: number | undefined;
  /**
   * The person's instruction of `orchestrate continue`: the work of this cycle of a session that was done, named in
   * every prompt until the session is done again.
   */
  instruction?: string | undefined;
  /** The session's cycle: 1, then one more at every `orchestrate continue`. Absent means 1. */
  cycle?: number | undefined;
  /** Something the next prompt must mention: `max_turns` when the last iteration ran out of turns unsignalled. */
  carryNote?: string | undefined;
  /** The last move samocode's gates refused (a failed check, a done rule): told in every prompt until one passes. */
  gateFailure?: GateFailure | undefined;
  /** HEAD + `git status` when the checks last passed: a gate on the same tree does not run them again. */
  verifiedTree?: string | undefined;
  startedAt: string;
  updatedAt: string;
  workingDir: string;
  branch?: string | undefined;
  baseBranch?: string | undefined;
  /** True when MAIN_REPO is not a git repository and the agent works in it directly. */
  standalone: boolean;
  totals: Totals;
  /** The last delivery written (core/delivery.ts); unset until the session is done and delivered. */
  delivery?: DeliveryRecord | undefined;
}

/** What one spawn of the agent did, as recorded in the history (built in core/iteration.ts; the keys are the file's). */
export interface RunFacts {
  exitCode: number | null;
  /** The POSIX signal that ended the agent (ChildOutcome.killSignal); the key predates the name. */
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  attempts: number;
  corrective: boolean;
  provider: string;
  log?: string | undefined;
  costUsd?: number | undefined;
  /** costUsd was computed from CODEX_PRICE, not reported by the CLI. */
  costEstimated?: true | undefined;
  tokens?: Omit<Totals, 'costUsd' | 'agentMs' | 'activeMs' | 'costEstimated'> | undefined;
  /** Wall time of the whole iteration: every attempt and the waits between them. */
  iterationMs?: number | undefined;
  /** The failure class of the last attempt, if it failed (core/failure-class.ts). */
  failure?: string | undefined;
  /** Model round trips, when the CLI reports them. */
  turns?: number | undefined;
  /** Tool calls the agent's stream showed, and how many of them failed (a Claude tool result with is_error, a Codex
   * command with a non-zero exit); absent when the stream is not read. Of the last attempt, like the other facts. */
  toolCalls?: number | undefined;
  toolFailures?: number | undefined;
  /** The configured provider, when the last attempt ran on the fallback instead. */
  fallbackFrom?: string | undefined;
  idle?: boolean | undefined;
}

interface EntryBase {
  seq: number;
  time: string;
  iteration: number;
  phase: Phase;
}

/** One iteration's result: the agent ran (perhaps several attempts), the signal was judged. */
export interface IterationEntry extends EntryBase {
  event: 'iteration';
  phaseAfter: Phase;
  statusAfter: SessionStatus;
  signal: {
    status: string;
    phase?: string | undefined;
    summary?: string | undefined;
    reason?: string | undefined;
    needs?: string | undefined;
    for?: string | undefined;
    file?: string | undefined;
  } | null;
  /** `ok`, or the ProblemKind that stopped the session. */
  validation: string;
  problem?: string | undefined;
  /** The agent's last words in its stream (truncated): the summary when the signal gives none. */
  agentText?: string | undefined;
  run: RunFacts;
  /** Whether the iteration changed the working tree or the session files; absent when not measured. */
  changed?: boolean | undefined;
  /** The iteration counted toward a stall (made no progress while staying in its phase). */
  stalled?: boolean | undefined;
  /** Waiting for `qa_answers`: answerable questions `_qa.md` held when the agent signalled (see SessionState). */
  waitQuestions?: number | undefined;
  /** samocode's gates ran (core/gates.ts): the checks run, in order (empty when none is configured). */
  checks?: CheckRun[] | undefined;
  /** The checks were not run again: they had passed on this same HEAD and `git status`. */
  checksUnchanged?: true | undefined;
  /** HEAD + `git status` after checks that all passed. */
  verifiedTree?: string | undefined;
  /** The review found something: the session waits for the person on this file. */
  review?: { file: string; findings: number } | undefined;
}

/** A budget reached 80% (a one-time warning) or 100% (the session is blocked). */
export interface BudgetEntry extends EntryBase {
  event: 'budget';
  level: 'warning' | 'exceeded';
  kind: BudgetKind;
  used: number;
  limit: number;
}

/** The person answered (or unblocked) and the session goes on. */
export interface ResumedEntry extends EntryBase {
  event: 'resumed';
  from: SessionStatus;
  how: string;
  /** The phase's gate is passed (answers complete, plan approved). Absent in entries written before gates were checked. */
  gatePassed?: boolean | undefined;
  /** The orchestrator moved the phase itself (an approved plan goes to implementation). */
  phaseAfter?: Phase | undefined;
  approvedPlan?: string | undefined;
  /** The person's feedback on a rejected plan, or on a rejected review when `review` is `rejected`. */
  feedback?: string | undefined;
  /** The person's decision on the review of the diff: `approved` ends the session as done. */
  review?: 'approved' | 'rejected' | undefined;
}

/** Ctrl-C or SIGTERM stopped the run mid-iteration; the iteration will be run again. */
export interface InterruptedEntry extends EntryBase {
  event: 'interrupted';
  signal: 'SIGINT' | 'SIGTERM';
  attempts: number;
}

/** The session reached done and its delivery was made (`_delivery/`, perhaps a push or a pull request). */
export interface DeliveredEntry extends EntryBase {
  event: 'delivered';
  delivery: DeliveryFacts;
}

/**
 * `orchestrate continue`: a done session gets new work on the same branch. A new cycle starts in `phaseAfter`
 * (investigation or planning) with the person's instruction; history, counters and totals go on.
 */
export interface ContinuedEntry extends EntryBase {
  event: 'continued';
  phaseAfter: Phase;
  instruction: string;
  /** The cycle this entry starts (2 for the first continuation). */
  cycle: number;
  /** Where the earlier cycle's `_delivery/` was moved (relative to the session folder), when there was one. */
  deliveryKept?: string | undefined;
}

/**
 * The queue re-queued the session after its worker died (the BullMQ job stalled): samocode took the session lock
 * itself to be sure the previous orchestrator is gone, then queued the job again. Changes nothing but the record; the
 * next run resumes in the same phase.
 */
export interface RequeuedEntry extends EntryBase {
  event: 'requeued';
  reason: string;
  /** The lock that was taken over: who ran the session before. */
  previous?: { pid: number; host: string; lease?: string | undefined } | undefined;
  /** Restarts of this job so far, this one included. */
  restarts: number;
}

/**
 * The worker looked at the session's pull request (DELIVER=pr) and reacted (core/pr-watch.ts): what it saw, keyed so
 * that the same thing is never reacted to twice, and what it did. Changes nothing but the record: a continuation is
 * its own `continued` entry when the queued job runs.
 */
export interface PrReactionEntry extends EntryBase {
  event: 'pr_reaction';
  pr: string;
  seen: PrSeen;
  /** What was seen, as a key: `ci_failed:<head sha>`, `changes_requested:<review id>`, `approved:<head sha>`, `merged`. */
  key: string;
  /** One line: the failing checks, the reviewer. */
  detail: string;
  did: PrDid;
  /** A continuation: which of how many (PR_CI_RETRIES, PR_REVIEW_RETRIES). */
  attempt?: number | undefined;
  of?: number | undefined;
  /** Notified because the continuations were used up. */
  gaveUp?: true | undefined;
  /** The continuation's instruction, so a job lost before it was queued can be queued again. */
  instruction?: string | undefined;
}

export type HistoryEntry =
  | IterationEntry
  | ResumedEntry
  | InterruptedEntry
  | BudgetEntry
  | DeliveredEntry
  | ContinuedEntry
  | RequeuedEntry
  | PrReactionEntry;

/** What a waiting or blocked state holds, cleared when the session goes on. */
const NOT_PAUSED = {
  waitingFor: undefined,
  waitingFile: undefined,
  waitQuestions: undefined,
  needs: undefined,
  blockedReason: undefined,
  blockedKind: undefined,
} as const;

/** Fold one history entry into the state. Pure. */
export function applyEntry(state: SessionState, entry: HistoryEntry): SessionState {
  const base = { ...state, historySeq: entry.seq, updatedAt: entry.time };
  switch (entry.event) {
    case 'interrupted':
    case 'requeued':
    case 'pr_reaction':
      return base;
    case 'delivered':
      // A delivery that could not be written leaves `delivery` unset: the next run of the done session tries again.
      return { ...base, delivery: deliveryRecord(entry.delivery) ?? state.delivery };
    case 'continued':
      return {
        ...base,
        status: 'running',
        phase: entry.phaseAfter,
        phaseIterations: 0,
        instruction: entry.instruction,
        cycle: entry.cycle,
        // The new work asks again at its gates, and its own plan becomes the contract once approved. A cycle that
        // starts in implementation (a fix for its pull request) has no gate ahead: the approved plan stays the contract.
        gatesPassed: [],
        approvedPlan: entry.phaseAfter === 'implementation' ? state.approvedPlan : undefined,
        planFeedback: undefined,
        ...NOT_PAUSED,
        carryNote: undefined,
        stallCount: 0,
        // The new cycle delivers again when it is done (the earlier delivery was moved aside); its review is its own.
        delivery: undefined,
        reviewFeedback: undefined,
        reviewFindings: undefined,
        gateFailure: undefined,
      };
    case 'budget':
      if (entry.level === 'warning') return { ...base, budgetWarned: [...(state.budgetWarned ?? []), entry.kind] };
      return {
        ...base,
        status: 'blocked',
        blockedKind: 'budget_exceeded',
        blockedReason: `budget_exceeded: ${describeUse(entry)}`,
        needs: `raise ${BUDGET_SETTING[entry.kind]} (or SAMOCODE_BUDGET_PROFILE=deep) if the session should go on, then run again`,
      };
    case 'resumed': {
      // Entries from before gates were checked say nothing: then a resumed wait passed the gate, as it did then.
      const passed = entry.gatePassed ?? entry.from === 'waiting';
      const phase = entry.phaseAfter ?? state.phase;
      return {
        ...base,
        // An approved review was the last thing between the agent's `done` and the end: no further agent run.
        status: entry.review === 'approved' ? 'done' : 'running',
        phase,
        phaseIterations: phase === state.phase ? state.phaseIterations : 0,
        gatesPassed:
          passed && !state.gatesPassed.includes(state.phase) ? [...state.gatesPassed, state.phase] : state.gatesPassed,
        // The person looked at a block by the same failure again and again: it counts afresh from here.
        gateFailure:
          state.gateFailure && state.status === 'blocked' && isGateRefusal(state.blockedKind ?? '')
            ? { ...state.gateFailure, count: 0 }
            : state.gateFailure,
        approvedPlan: entry.approvedPlan ?? state.approvedPlan,
        planFeedback: entry.review ? state.planFeedback : (entry.feedback ?? state.planFeedback),
        reviewFeedback: entry.review === 'rejected' ? entry.feedback : state.reviewFeedback,
        reviewFindings: undefined,
        ...NOT_PAUSED,
      };
    }
    case 'iteration': {
      const moved = entry.phaseAfter !== entry.phase;
      const run = entry.run;
      return {
        ...base,
        phase: entry.phaseAfter,
        status: entry.statusAfter,
        iterations: entry.iteration,
        phaseIterations: moved ? 0 : state.phaseIterations + 1,
        waitingFor: entry.statusAfter === 'waiting' ? (entry.review ? 'review' : entry.signal?.for) : undefined,
        waitingFile: entry.statusAfter === 'waiting' ? (entry.review?.file ?? entry.signal?.file) : undefined,
        waitQuestions: entry.statusAfter === 'waiting' ? entry.waitQuestions : undefined,
        needs:
          entry.statusAfter === 'waiting' || entry.statusAfter === 'blocked' ? bounded(entry.signal?.needs) : undefined,
        blockedReason: entry.statusAfter === 'blocked' ? bounded(entry.problem ?? entry.signal?.reason) : undefined,
        blockedKind:
          entry.statusAfter === 'blocked' ? (entry.validation === 'ok' ? 'agent' : entry.validation) : undefined,
        lastSummary: bounded(entry.signal?.summary ?? entry.agentText) ?? state.lastSummary,
        carryNote: entry.validation === 'max_turns' ? 'max_turns' : undefined,
        // The feedback was given to this iteration's prompt; the agent has it in its plan now.
        planFeedback: undefined,
        reviewFeedback: undefined,
        reviewFindings: entry.statusAfter === 'waiting' ? entry.review?.findings : undefined,
        totals: {
          costUsd: state.totals.costUsd + (run.costUsd ?? 0),
          inputTokens: state.totals.inputTokens + (run.tokens?.inputTokens ?? 0),
          outputTokens: state.totals.outputTokens + (run.tokens?.outputTokens ?? 0),
          cacheReadTokens: state.totals.cacheReadTokens + (run.tokens?.cacheReadTokens ?? 0),
          cacheWriteTokens: state.totals.cacheWriteTokens + (run.tokens?.cacheWriteTokens ?? 0),
          agentMs: state.totals.agentMs + run.durationMs,
          activeMs: (state.totals.activeMs ?? 0) + (run.iterationMs ?? run.durationMs),
          ...(state.totals.costEstimated || (run.costEstimated && run.costUsd !== undefined)
            ? { costEstimated: true }
            : {}),
        },
        stallCount: entry.stalled ? (state.stallCount ?? 0) + 1 : 0,
        gateFailure: gateFailureAfter(state, entry),
        verifiedTree: entry.verifiedTree ?? (isGateRefusal(entry.validation) ? undefined : state.verifiedTree),
      };
    }
  }
}
