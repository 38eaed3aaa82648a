// Reading what a session left on disk, for the read-only views. Never writes, never takes the lock, never runs an
// agent: safe beside a running orchestrator. Anything unreadable becomes a value for the view to show, not a crash.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../io/process-group.js';
import { parseQuestions, readApproval, unanswered } from '../../core/answers.js';
import { parseOverview } from '../../core/overview.js';
import { OVERVIEW_FILE, PLAN_FILE, QA_FILE, REVIEW_FILE } from '../../core/session-files.js';
import { countFindings, readDecision } from '../../core/review/review-file.js';
import type { DeliveredEntry, HistoryEntry, IterationEntry, SessionState } from '../../core/state.js';
import { parseEntry } from '../../io/history-log.js';
import { readIfExists } from '../../io/read-if-exists.js';
import type { HistoryRead } from './format-history.js';
import type { GateView, Liveness, OverviewView } from './views.js';

function readText(file: string): { text: string | undefined } | { error: string } {
  try {
    return { text: readIfExists(file) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function readOverviewView(file: string): OverviewView {
  const read = readText(file);
  if ('error' in read) return { kind: 'invalid', message: `cannot read ${file}: ${read.error}` };
  if (read.text === undefined) return { kind: 'missing' };
  const parsed = parseOverview(read.text, file);
  switch (parsed.kind) {
    case 'state':
      return { kind: 'state', state: parsed.state };
    case 'legacy':
      return { kind: 'legacy', phase: parsed.phase, iterations: parsed.iterations };
    case 'invalid':
      return { kind: 'invalid', message: parsed.message };
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  const read = readText(file);
  if (!('text' in read) || read.text === undefined) return undefined;
  try {
    const value = JSON.parse(read.text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Who holds `<lock>` (and `<lock>.agent`), checked against the live processes of this host. */
export function readLiveness(lockFile: string): Liveness {
  const lock = readJson(lockFile);
  if (!lock || typeof lock.pid !== 'number') return { kind: 'none' };
  const pid = lock.pid;
  const startedAt = typeof lock.startedAt === 'string' ? lock.startedAt : undefined;
  const host = typeof lock.host === 'string' ? lock.host : undefined;
  if (host !== undefined && host !== hostname()) return { kind: 'elsewhere', pid, host, startedAt };
  if (!isAlive(pid)) return { kind: 'stale', pid, startedAt };
  const agent = readJson(`${lockFile}.agent`);
  const agentPid =
    agent && typeof agent.pid === 'number' && agent.runId === lock.runId && isAlive(agent.pid) ? agent.pid : undefined;
  return { kind: 'live', pid, startedAt, agentPid };
}

/** What the person is asked to edit while `state` waits. */
export function readGate(sessionDir: string, state: SessionState): GateView | undefined {
  if (state.status !== 'waiting') return undefined;
  if (state.waitingFor === 'qa_answers') {
    const file = join(sessionDir, QA_FILE);
    const read = readText(file);
    const text = 'text' in read ? read.text : undefined;
    if (text === undefined) return { kind: 'qa', file, exists: false, questions: 0, unanswered: [] };
    const questions = parseQuestions(text).filter((q) => q.answerLine !== undefined);
    return {
      kind: 'qa',
      file,
      exists: true,
      questions: questions.length,
      unanswered: unanswered(questions).map((q) => q.id),
    };
  }
  if (state.waitingFor === 'plan_approval') {
    const file = join(sessionDir, PLAN_FILE);
    const read = readText(file);
    const text = 'text' in read ? read.text : undefined;
    if (text === undefined) return { kind: 'plan', file, exists: false, approval: { state: 'unclear' } };
    return { kind: 'plan', file, exists: true, approval: readApproval(text) };
  }
  if (state.waitingFor === 'review') {
    const file = join(sessionDir, REVIEW_FILE);
    const read = readText(file);
    const text = 'text' in read ? read.text : undefined;
    if (text === undefined) return { kind: 'review', file, exists: false, findings: 0, approval: { state: 'unclear' } };
    return { kind: 'review', file, exists: true, findings: countFindings(text), approval: readDecision(text) };
  }
  return { kind: 'other', file: join(sessionDir, OVERVIEW_FILE) };
}

const CHUNK = 64 * 1024;

/**
 * Call `onLine` for every line of `file`, reading it in chunks (the history can grow long). Lines are split on the
 * newline byte, which never occurs inside a multi-byte UTF-8 character. The last line may lack its newline (torn).
 * Returns false when the file does not exist or is not a regular file (a FIFO, a device: not read).
 */
export function forEachLine(file: string, onLine: (line: string, lineNumber: number) => void): boolean {
  let fd: number;
  try {
    // Never blocks: a FIFO put where the history should be would hang the reader (and a server's every client).
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    return false;
  }
  try {
    const buffer = Buffer.alloc(CHUNK);
    let carry: Buffer[] = [];
    let lineNumber = 0;
    const emit = (parts: Buffer[]) => onLine(Buffer.concat(parts).toString('utf8').replace(/\r$/, ''), ++lineNumber);
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      const data = buffer.subarray(0, read);
      let start = 0;
      for (let newline = data.indexOf(10, start); newline !== -1; newline = data.indexOf(10, start)) {
        emit([...carry, data.subarray(start, newline)]);
        carry = [];
        start = newline + 1;
      }
      // The buffer is reused for the next chunk: keep a copy of the unfinished line.
      if (start < read) carry.push(Buffer.from(data.subarray(start)));
    }
    if (carry.length > 0) emit(carry);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Every readable entry of `_signal_history.jsonl`, in file order; blank lines ignored, unreadable ones counted. */
export function readHistoryFile(file: string): HistoryRead {
  const entries: HistoryEntry[] = [];
  const skipped: number[] = [];
  const exists = forEachLine(file, (line, lineNumber) => {
    if (line.trim() === '') return;
    const entry = parseEntry(line);
    if (entry && typeof entry.event === 'string') entries.push(entry);
    else skipped.push(lineNumber);
  });
  return { entries, skipped, file, exists };
}

/** The last `iteration` and `delivered` entries of the history, in one pass (other entries may follow them). */
export function lastEntries(file: string): {
  iteration?: IterationEntry | undefined;
  delivered?: DeliveredEntry | undefined;
} {
  let iteration: IterationEntry | undefined;
  let delivered: DeliveredEntry | undefined;
  forEachLine(file, (line) => {
    const entry = parseEntry(line);
    if (entry?.event === 'iteration') iteration = entry;
    else if (entry?.event === 'delivered' && typeof entry.delivery === 'object' && entry.delivery !== null)
      delivered = entry;
  });
  return { iteration, delivered };
}
