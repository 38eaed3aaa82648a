// What each request of `orchestrate json` does. The views are the inspect commands' own (`--json` output); the
// writes are the same edits as a Telegram reply or a hand edit (io/session-edits.ts, io/resume-request.ts), so the
// waiting run's file watcher stays the one judge of whether it goes on; `stop` signals the lock holder as Ctrl-C.
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { parseQuestions } from '../../core/answers.js';
import { LOCK_FILE, OVERVIEW_FILE, QA_FILE } from '../../core/session-files.js';
import { checkSessionName } from '../../core/session-name.js';
import type { SessionState } from '../../core/state.js';
import { UsageError } from '../../errors.js';
import { readIfExists } from '../../io/read-if-exists.js';
import { requestResume } from '../../io/resume-request.js';
import { sessionFolderFor } from '../../io/session-folder.js';
import { liveHolder } from '../../io/session-lock.js';
import {
  writeAnswers,
  writeApproval,
  writeReviewDecision,
  type DecisionWritten,
  type PlanDecision,
} from '../../io/session-edits.js';
import { historyReport, listReport, statusReport } from '../inspect/inspect.js';
import { readOverviewView } from '../inspect/read.js';
import { ACTIONS, ERROR_CODES, PROTOCOL_VERSION, RequestError, type ActionName } from './protocol.js';

type Request = Record<string, unknown>;

export async function perform(config: Config, action: ActionName, request: Request): Promise<unknown> {
  switch (action) {
    case 'capabilities':
      return { version: PROTOCOL_VERSION, actions: ACTIONS, errors: ERROR_CODES };
    case 'list':
      return JSON.parse(listReport(config, { json: true, now: new Date() })) as unknown;
    case 'status':
      return JSON.parse(
        statusReport(config, sessionOf(config, request).name, { json: true, now: new Date() }),
      ) as unknown;
    case 'history':
      return JSON.parse(historyReport(config, sessionOf(config, request).name, { json: true })) as unknown;
    case 'answer':
      return answer(config, request);
    case 'plan':
      return decide(config, request, 'plan_approval', writeApproval);
    case 'review':
      return decide(config, request, 'review', writeReviewDecision);
    case 'resume': {
      const session = sessionOf(config, request);
      if (session.state?.status !== 'waiting' && session.state?.status !== 'blocked')
        throw new RequestError(
          'nothing_waiting',
          `session "${session.name}" is ${session.state?.status ?? 'not readable'}: only a waiting or blocked session resumes`,
        );
      requestResume(session.dir, 'orchestrate json resume');
      const running = liveHolder(join(session.dir, LOCK_FILE)) !== undefined;
      return {
        session: session.name,
        requested: true,
        // Without a run to pick it up, the request waits for `orchestrate resume` (or a worker) to start one.
        running,
      };
    }
    case 'stop': {
      const session = sessionOf(config, request);
      const holder = liveHolder(join(session.dir, LOCK_FILE));
      if (!holder) throw new RequestError('not_running', `no orchestrator runs session "${session.name}" on this host`);
      // The orchestrator's own Ctrl-C handling (io/shutdown.ts): stops the agent, records the interruption, exits.
      process.kill(holder.pid, 'SIGINT');
      return { session: session.name, stopping: true, pid: holder.pid };
    }
  }
}

export interface Session {
  /** As it was asked for (what the inspect views take). */
  name: string;
  dir: string;
  state: SessionState | undefined;
}

/** The session a request names: it must exist, with its `_overview.md` (orchestrate serve resolves names so too). */
export function sessionOf(config: Config, request: Request): Session {
  const name = request.session;
  if (typeof name !== 'string' || name === '')
    throw new RequestError('bad_request', 'session: the session\'s name, a string (e.g. "session":"add-auth")');
  const problem = checkSessionName(name);
  if (problem) throw new RequestError('bad_request', `session: ${problem}`);
  let found: { folder: string; exists: boolean };
  try {
    found = sessionFolderFor(config, name);
  } catch (error) {
    if (error instanceof UsageError) throw new RequestError('ambiguous_session', error.message);
    throw error;
  }
  const dir = join(config.sessions, found.folder);
  const overview = found.exists ? readOverviewView(join(dir, OVERVIEW_FILE)) : undefined;
  if (!overview || overview.kind === 'missing')
    throw new RequestError('unknown_session', `there is no session "${name}" under ${config.sessions}`);
  return { name, dir, state: overview.kind === 'state' ? overview.state : undefined };
}

function waitingFor(session: Session, what: string): void {
  const state = session.state;
  if (state?.status === 'waiting' && state.waitingFor === what) return;
  const now =
    state === undefined
      ? 'its _overview.md is not readable'
      : state.status === 'waiting'
        ? `it waits for ${state.waitingFor ?? 'something else'}`
        : `it is ${state.status}`;
  throw new RequestError('nothing_waiting', `session "${session.name}" does not wait for ${what}: ${now}`);
}

/** Printable text on one line: no control characters (a NUL, an escape), no newline. */
function plainText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new RequestError('bad_request', `${field}: a non-empty string`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value))
    throw new RequestError('bad_request', `${field}: one line of text, without control characters`);
  return value.trim();
}

async function answer(config: Config, request: Request): Promise<unknown> {
  const session = sessionOf(config, request);
  waitingFor(session, 'qa_answers');
  const answers = request.answers;
  if (typeof answers !== 'object' || answers === null || Array.isArray(answers) || Object.keys(answers).length === 0)
    throw new RequestError(
      'bad_request',
      'answers: an object of question id → answer, e.g. {"Q1":"B","Q2":"free text"}',
    );
  const questions = parseQuestions(readIfExists(join(session.dir, QA_FILE)) ?? '').filter(
    (q) => q.answerLine !== undefined,
  );
  const ids = questions.map((q) => q.id).join(', ') || 'none';
  // Every answer is checked before anything is written: a request is recorded whole or not at all.
  const lines = Object.entries(answers as Record<string, unknown>).map(([key, value]) => {
    const number = /^Q?(\d+)$/i.exec(key.trim())?.[1];
    const question = number === undefined ? undefined : questions.find((q) => q.number === Number(number));
    if (!question)
      throw new RequestError('unknown_question', `answers: ${QA_FILE} has no question "${key}" (questions: ${ids})`);
    const text = plainText(value, `answers.${key}`);
    // Option letters as the short form ("1B", "1AC"), so they are written as a hand edit would; the rest as free text.
    const letters = text.toUpperCase().split(/\s*,\s*|\s+/);
    const options = Object.keys(question.options);
    const asLetters =
      letters.length <= 3 &&
      letters.every((l) => /^[A-Z]$/.test(l) && options.includes(l)) &&
      /^[A-Za-z ,]+$/.test(text);
    return asLetters ? `${question.number}${letters.join('')}` : `Q${question.number}: ${text}`;
  });
  const written = await writeAnswers(session.dir, lines.join('\n'));
  if (written.kind === 'no_file')
    throw new RequestError('nothing_waiting', `session "${session.name}" has no ${QA_FILE} to answer`);
  return {
    session: session.name,
    file: written.file,
    answered: written.answered,
    open: written.open.map((q) => q.id),
    problems: written.problems,
    // With every question answered, the waiting run's watcher goes on by itself.
    complete: written.open.length === 0,
  };
}

async function decide(
  config: Config,
  request: Request,
  what: 'plan_approval' | 'review',
  write: (sessionDir: string, decision: PlanDecision) => Promise<DecisionWritten>,
): Promise<unknown> {
  const session = sessionOf(config, request);
  const decision: PlanDecision =
    request.decision === 'approve'
      ? { approve: true }
      : request.decision === 'reject'
        ? { approve: false, feedback: plainText(request.feedback, 'feedback') }
        : (() => {
            throw new RequestError('bad_request', 'decision: "approve" or "reject" (with "feedback")');
          })();
  waitingFor(session, what);
  const written = await write(session.dir, decision);
  if (written.kind === 'no_file')
    throw new RequestError('nothing_waiting', `session "${session.name}" has no ${written.file} to decide on`);
  if (written.kind === 'no_line')
    throw new RequestError(
      'no_decision_line',
      `${written.file} has no ${what === 'review' ? '**Decision:**' : '**Approval:**'} line to write the decision into; edit it by hand`,
    );
  return { session: session.name, file: written.file, decision: written.now.state };
}
