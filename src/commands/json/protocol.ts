// The vocabulary of `orchestrate json` (version v1): the actions with their parameters, the error codes, and the
// shape of a response. Kept as data so `capabilities` and the README table say the same thing. Pure.

export const PROTOCOL_VERSION = 'v1';

export interface ActionSpec {
  summary: string;
  /** Parameter → what it holds ("?" at the end of the name: optional). */
  params: Readonly<Record<string, string>>;
}

const SESSION = 'the short name or the dated folder name';
const DECISION = {
  session: SESSION,
  decision: '"approve" or "reject"',
  'feedback?': 'what to change (required with "reject")',
} as const;

export const ACTIONS = {
  capabilities: { summary: 'the protocol version, these actions and their parameters, the error codes', params: {} },
  list: { summary: 'every session, newest first (as orchestrate list --json)', params: {} },
  status: { summary: 'one session (as orchestrate status --json)', params: { session: SESSION } },
  history: { summary: "a session's history entries (as orchestrate history --json)", params: { session: SESSION } },
  answer: {
    summary: 'answer the questions of a session waiting for them (the Answer lines of _qa.md)',
    params: { session: SESSION, answers: 'question id → option letter(s) or free text, e.g. {"Q1":"B","Q2":"…"}' },
  },
  plan: { summary: 'approve or reject the plan of a session waiting for approval (_plan.md)', params: DECISION },
  review: { summary: 'approve or reject the diff review of a session waiting for it (_review.md)', params: DECISION },
  resume: {
    summary: 'ask the run that waits (or is blocked) to go on, as orchestrate resume does',
    params: { session: SESSION },
  },
  stop: {
    summary: "stop the session's running orchestrator as Ctrl-C would (resumable)",
    params: { session: SESSION },
  },
} as const satisfies Record<string, ActionSpec>;

export type ActionName = keyof typeof ACTIONS;

export const ERROR_CODES = {
  bad_json: 'the line is not a JSON object',
  line_too_long: 'the line is longer than 1 MiB (it was skipped)',
  unsupported_version: 'version is not "v1"',
  unknown_action: 'there is no such action (see capabilities)',
  bad_request: 'a parameter is missing or has the wrong type or value',
  unknown_session: 'there is no such session',
  ambiguous_session: 'the short name matches several sessions: pass the dated folder name',
  nothing_waiting: 'the session does not wait for this (answers, plan approval, review)',
  unknown_question: 'an answer names a question _qa.md does not have',
  no_decision_line: '_plan.md / _review.md has no Approval / Decision line to write',
  not_running: 'no orchestrator runs this session on this host (nothing to stop)',
  internal: 'a bug: the request failed unexpectedly (the process goes on)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A request that cannot be answered: its code and what to fix. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type Response =
  | { ok: true; version: string; id?: unknown; action: string; result: unknown }
  | { ok: false; version: string; id?: unknown; action?: string; error: { code: ErrorCode; message: string } };
