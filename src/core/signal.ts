// Reading `_signal.json`: text in, a Signal or a named Problem out. Pure; the file read lives in io/.
import { z } from 'zod';
import { PHASES, SIGNAL_STATUSES, type Phase, type SignalStatus } from './phases.js';
import { truncate } from '../errors.js';

export const WAITING_FOR = ['qa_answers', 'plan_approval', 'file_update', 'human_action'] as const;

/** Problems the loop can name. The `kind` is stable: it is written to the history and shown to people. */
export type ProblemKind =
  | 'signal_missing'
  | 'signal_empty'
  | 'signal_not_json'
  | 'signal_invalid'
  | 'unknown_status'
  | 'unknown_phase'
  | 'status_not_allowed'
  | 'illegal_transition'
  | 'gate_skipped'
  | 'phase_limit'
  | 'stalled'
  | 'agent_failed';

export interface Problem {
  kind: ProblemKind;
  message: string;
}

const optionalText = z.string().trim().min(1).optional();

const signalShape = z.looseObject({
  status: z.enum(SIGNAL_STATUSES),
  phase: z.enum(PHASES).optional(),
  summary: optionalText,
  reason: optionalText,
  needs: optionalText,
  // Free text is accepted for `for`: the well-known values get special handling by the human gate.
  for: optionalText,
  // For `file_update`: the file (in the session folder, or absolute) whose save resumes the session.
  file: optionalText,
});

export interface Signal {
  status: SignalStatus;
  phase?: Phase | undefined;
  summary?: string | undefined;
  reason?: string | undefined;
  needs?: string | undefined;
  for?: string | undefined;
  file?: string | undefined;
}

export type SignalRead = { ok: true; signal: Signal } | { ok: false; problem: Problem };

/**
 * Parse the raw content of the signal file. `undefined` means the file does not exist.
 * `file` is only used to name the file in messages.
 */
export function parseSignal(raw: string | undefined, file: string): SignalRead {
  if (raw === undefined) {
    return fail('signal_missing', `${file} was not written. Write it as the last action of every iteration.`);
  }
  if (raw.trim() === '') {
    return fail('signal_empty', `${file} is empty. Write one JSON object, e.g. {"status":"continue","phase":"planning","summary":"…"}.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail('signal_not_json', `${file} is not valid JSON (${detail}); it contains ${JSON.stringify(truncate(raw, 200))}.`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail('signal_not_json', `${file} must hold one JSON object; it holds ${JSON.stringify(truncate(raw.trim(), 200))}.`);
  }
  const record = data as Record<string, unknown>;
  if (!(SIGNAL_STATUSES as readonly unknown[]).includes(record.status)) {
    return fail(
      'unknown_status',
      `${file}: status=${JSON.stringify(record.status)} is not a known status; use one of ${SIGNAL_STATUSES.join(', ')}.`,
    );
  }
  if (record.phase !== undefined && !(PHASES as readonly unknown[]).includes(record.phase)) {
    return fail('unknown_phase', `${file}: phase=${JSON.stringify(record.phase)} is not a known phase; use one of ${PHASES.join(', ')}.`);
  }
  const parsed = signalShape.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return fail('signal_invalid', `${file}: ${issues}.`);
  }
  const signal: Signal = parsed.data;
  if (signal.status === 'blocked' && !signal.reason) {
    return fail('signal_invalid', `${file}: status "blocked" needs a "reason" saying why the session cannot go on.`);
  }
  if (signal.status === 'waiting' && !signal.for) {
    return fail('signal_invalid', `${file}: status "waiting" needs "for": one of ${WAITING_FOR.join(', ')}.`);
  }
  return { ok: true, signal };
}

function fail(kind: ProblemKind, message: string): SignalRead {
  return { ok: false, problem: { kind, message } };
}
