// What `orchestrate log` shows: the agent's actions read back from the raw stream logs samocode keeps (`_logs/`),
// turned into one record per action by the same stream parsers the run uses (agent/streams STREAM_PARSERS), and
// the iteration's end from `_signal_history.jsonl`. Records are cleaned (controls) and scrubbed before anyone sees them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamFormat } from '../../core/provider-facts.js';
import type { Scrub } from '../../core/secrets.js';
import type { HistoryEntry } from '../../core/state.js';
import { agentText, withoutControls } from '../../core/agent-text.js';
import { oneLine } from '../../core/text.js';
import { LOGS_DIR } from '../../core/session-files.js';
import { STREAM_PARSERS, type AgentEvent } from '../../agent/streams/index.js';

/** One agent log file: `<time>-<iteration>-<phase>[-a<attempt>].jsonl`, as agent/session-agent.ts names it. */
export interface LogFile {
  file: string;
  name: string;
  /** When the attempt started (ISO), from the name. */
  time: string;
  iteration: number;
  phase: string;
  attempt: number;
}

const LOG_NAME = /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)-(\d{3})Z-(\d+)-([a-z_]+?)(?:-a(\d+))?\.jsonl$/;

/** The agent's stream logs of a session, oldest first (the names start with the time). */
export function listLogFiles(sessionDir: string): LogFile[] {
  let names: string[];
  try {
    names = readdirSync(join(sessionDir, LOGS_DIR));
  } catch {
    return [];
  }
  const files: LogFile[] = [];
  for (const name of names.sort()) {
    const m = LOG_NAME.exec(name);
    if (!m) continue;
    files.push({
      file: join(sessionDir, LOGS_DIR, name),
      name,
      time: `${m[1]}:${m[2]}:${m[3]}.${m[4]}Z`,
      iteration: Number(m[5]),
      phase: m[6]!,
      attempt: m[7] === undefined ? 1 : Number(m[7]),
    });
  }
  return files;
}

/** Where an action was: the iteration, its phase and attempt, and when (the attempt's start, or when seen live). */
export interface Place {
  time: string;
  iteration: number;
  phase: string;
  attempt: number;
}

export type Action = Place &
  (
    | { kind: 'tool'; tool: string; target: string; failure?: string | undefined }
    | { kind: 'tool_failed'; call: string; failure: string }
    | { kind: 'text'; text: string }
    | { kind: 'retry'; text: string }
    | { kind: 'error'; text: string }
    | { kind: 'result'; costUsd?: number | undefined; turns?: number | undefined; isError: boolean }
    | {
        kind: 'iteration';
        phaseAfter: string;
        status: string;
        validation: string;
        summary?: string | undefined;
        costUsd?: number | undefined;
        durationMs?: number | undefined;
      }
    | { kind: 'check'; name: string; exitCode: number | null; timedOut: boolean; log: string; cls?: string | undefined }
  );

/** Agent text kept per action: enough to read, bounded on a runaway message. */
const TEXT_CHARS = 2000;

/**
 * A stream's format from one of its lines: Codex's event types are dotted (`thread.started`, `item.completed`),
 * Claude's are words (`system`, `assistant`, …). The log's name does not say which CLI wrote it.
 */
export function sniffFormat(line: string): StreamFormat | undefined {
  const type = /"type"\s*:\s*"([^"]+)"/.exec(line.slice(0, 4096))?.[1];
  if (type === undefined) return undefined;
  return type.includes('.') ? 'codex' : 'claude';
}

/** Turns the lines of one log into actions, with the parser of its format (sniffed from its first typed line). */
export function actionReader(place: Place, scrub: Scrub): (line: string) => Action[] {
  let parse: ((line: string) => AgentEvent[]) | undefined;
  const clean = (text: string) => scrub(withoutControls(text));
  return (line) => {
    if (!parse) {
      const format = sniffFormat(line);
      if (!format) return [];
      parse = STREAM_PARSERS[format]();
    }
    return parse(line).flatMap((event) => {
      const action = actionOf(event, clean);
      return action ? [{ ...place, ...action } as Action] : [];
    });
  };
}

type ActionBody = Action extends infer A ? (A extends Place ? Omit<A, keyof Place> : never) : never;

function actionOf(event: AgentEvent, clean: Scrub): ActionBody | undefined {
  switch (event.kind) {
    case 'tool':
      return {
        kind: 'tool',
        tool: clean(event.name),
        target: clean(event.detail),
        ...(event.failure !== undefined ? { failure: clean(event.failure) } : {}),
      };
    case 'tool_error':
      return {
        kind: 'tool_failed',
        call: clean(event.call ?? 'tool call'),
        failure: clean(event.firstLine || event.message),
      };
    case 'text':
      return { kind: 'text', text: clean(agentText(event.text, TEXT_CHARS)) };
    case 'api_retry': {
      const what = event.status ? `API error ${event.status}` : (event.error ?? 'API error');
      return {
        kind: 'retry',
        text: clean(`${what}, retry ${event.attempt}${event.maxRetries ? `/${event.maxRetries}` : ''}`),
      };
    }
    case 'error':
    case 'turn_failed':
      return { kind: 'error', text: clean(oneLine(event.message, TEXT_CHARS)) };
    case 'result':
      return { kind: 'result', costUsd: event.costUsd, turns: event.numTurns, isError: event.isError };
    default:
      return undefined;
  }
}

/** An iteration's end and its check runs, from its history entry. */
export function historyActions(entry: HistoryEntry, clean: Scrub): Action[] {
  if (entry.event !== 'iteration') return [];
  const place: Place = {
    time: entry.time,
    iteration: entry.iteration,
    phase: entry.phase,
    attempt: entry.run.attempts,
  };
  const checks: Action[] = (entry.checks ?? []).map((check) => ({
    ...place,
    kind: 'check',
    name: clean(check.name),
    exitCode: check.exitCode,
    timedOut: check.timedOut,
    log: clean(check.log),
    ...(check.cls !== undefined ? { cls: clean(check.cls) } : {}),
  }));
  const summary = entry.signal?.summary ?? entry.signal?.reason ?? entry.problem;
  return [
    ...checks,
    {
      ...place,
      kind: 'iteration',
      phaseAfter: entry.phaseAfter,
      status: entry.statusAfter,
      validation: entry.validation,
      ...(summary !== undefined ? { summary: clean(oneLine(summary, TEXT_CHARS)) } : {}),
      costUsd: entry.run.costUsd,
      durationMs: entry.run.durationMs,
    },
  ];
}
