// Reading `_signal.json`: text in, a Signal or a named Problem out. Pure; the file read lives in io/.
// zod's mini API, with English messages: core/zod.ts.
import * as z from './zod.js';
import { PHASES, SIGNAL_STATUSES, type Phase, type SignalStatus } from './phases.js';
import { truncate } from './text.js';
import { FIELD_CAP, agentText, withoutControls } from './agent-text.js';

/** The free-text fields, cleaned of control characters and cut to FIELD_CAP characters at parse time. */
const TEXT_FIELDS = ['summary', 'reason', 'needs', 'for', 'file'] as const;

export const WAITING_FOR = ['qa_answers', 'plan_approval', 'file_update', 'human_action'] as const;

/** Problems the loop can name. The `kind` is stable: it is written to the history and shown to people. */
export type ProblemKind =
  | 'signal_missing'
  | 'signal_empty'
  | 'signal_not_json'
  | 'signal_not_regular_file'
  | 'signal_too_large'
  | 'signal_invalid'
  | 'unknown_status'
  | 'unknown_phase'
  | 'status_not_allowed'
  | 'illegal_transition'
  | 'gate_skipped'
  | 'phase_limit'
  | 'stalled'
  | 'agent_failed'
  // samocode's own gates (core/gates.ts): a check failed, done without a commit or with a dirty tree, a secret.
  | 'verify_failed'
  | 'no_commits'
  | 'dirty_worktree'
  | 'secret_in_diff';

export interface Problem {
  kind: ProblemKind;
  message: string;
}

const optionalText = z.optional(z.string().check(z.trim(), z.minLength(1)));

const signalShape = z.looseObject({
  status: z.enum(SIGNAL_STATUSES),
  phase: z.optional(z.enum(PHASES)),
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
    return fail(
      'signal_empty',
      `${file} is empty. Write one JSON object, e.g. {"status":"continue","phase":"planning","summary":"…"}.`,
    );
  }
  // Editors on some systems start UTF-8 files with a byte-order mark; JSON.parse refuses it, the content is fine.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail('signal_not_json', `${file} is not valid JSON (${quote(detail)}); it contains ${quote(text)}.`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail('signal_not_json', `${file} must hold one JSON object; it holds ${quote(text.trim())}.`);
  }
  // JSON.parse keeps the last of two equal keys: which "status" the agent meant is a guess samocode does not make.
  const twice = duplicateKey(text);
  if (twice !== undefined) {
    return fail('signal_invalid', `${file}: key ${quote(twice)} appears twice; write each key once.`);
  }
  const record = data as Record<string, unknown>;
  if (!(SIGNAL_STATUSES as readonly unknown[]).includes(record.status)) {
    return fail(
      'unknown_status',
      `${file}: status=${shown(record.status)} is not a known status; use one of ${SIGNAL_STATUSES.join(', ')}.`,
    );
  }
  if (record.phase !== undefined && !(PHASES as readonly unknown[]).includes(record.phase)) {
    return fail(
      'unknown_phase',
      `${file}: phase=${shown(record.phase)} is not a known phase; use one of ${PHASES.join(', ')}.`,
    );
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
  for (const field of TEXT_FIELDS) {
    const value = signal[field];
    if (value !== undefined) signal[field] = agentText(value, FIELD_CAP).trim() || undefined;
  }
  if (signal.status === 'blocked' && !signal.reason) {
    return fail('signal_invalid', `${file}: status "blocked" needs a "reason" saying why the session cannot go on.`);
  }
  if (signal.status === 'waiting' && !signal.for) {
    return fail('signal_invalid', `${file}: status "waiting" needs "for": one of ${WAITING_FOR.join(', ')}.`);
  }
  return { ok: true, signal };
}

/**
 * The first key that appears twice at the top level of `text`, a JSON object that JSON.parse has accepted (so only
 * strings and nesting need tracking: a string at depth 1 followed by a colon is a key).
 */
export function duplicateKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth !== 1) continue;
      let next = i + 1;
      while (next < text.length && ' \t\r\n'.includes(text[next] ?? '')) next++;
      if (text[next] !== ':') continue;
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (seen.has(key)) return key;
      seen.add(key);
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return undefined;
}

/** Agent text quoted in a message: JSON-quoted, without control characters, at most 200 characters. */
function quote(text: string): string {
  return JSON.stringify(withoutControls(truncate(text, 200)));
}

/** A JSON value the agent wrote, shown in a message. */
function shown(value: unknown): string {
  return value === undefined ? 'undefined' : withoutControls(truncate(JSON.stringify(value), 200));
}

function fail(kind: ProblemKind, message: string): SignalRead {
  return { ok: false, problem: { kind, message } };
}
