// The bodies of `GET /api/sessions` and `GET /api/sessions/<name>`: the views of `orchestrate list / status / history
// --json` (through orchestrate json's `perform`, so a name resolves and fails the same way), and what a waiting session
// asks for, read from the file the person would edit.
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { parseQuestions } from '../../core/answers.js';
import { readFindings, type ListedFinding } from '../../core/review/review-file.js';
import { PLAN_FILE, QA_FILE, REVIEW_FILE } from '../../core/session-files.js';
import { readLocalJobs } from '../../queue/local-backend.js';
import type { JobRecord } from '../../queue/backend.js';
import { scrubStrings } from '../../core/secrets.js';
import { cleaner } from '../inspect/inspect.js';
import { perform, sessionOf, type Session } from '../json/actions.js';
import { sortJobs } from '../queue/queue-view.js';
import { readSessionFile } from './session-file.js';

/** A plan or review shown in the page is cut here (a runaway agent's file must not become a runaway answer). */
const GATE_FILE_BYTES = 512 * 1024;

export interface QueueBody {
  backend: 'local' | 'redis';
  jobs: JobRecord[];
  /** Set when the Redis queue cannot be read now. */
  error?: string;
}

export type Waiting =
  | {
      for: 'qa_answers';
      file: string;
      questions: {
        id: string;
        number: number;
        text: string;
        options: Record<string, string>;
        suggestion?: string;
        answer?: string;
        answered: boolean;
      }[];
    }
  | { for: 'plan_approval'; file: string; plan: string }
  | { for: 'review'; file: string; findings: ListedFinding[]; text: string };

export async function sessionsBody(config: Config, queue: () => Promise<QueueBody | null>): Promise<unknown> {
  return { sessions: await perform(config, 'list', {}), queue: await queue() };
}

/** The local queue when `.queue/` holds jobs; null when there is none. */
export function localQueue(config: Config): QueueBody | null {
  const jobs = readLocalJobs(config.sessions);
  return jobs.length === 0 ? null : { backend: 'local', jobs: sortJobs(jobs) };
}

export async function sessionBody(config: Config, name: string): Promise<unknown> {
  const session = sessionOf(config, { session: name });
  const request = { session: name };
  return {
    status: await perform(config, 'status', request),
    history: await perform(config, 'history', request),
    // Agent text: without control characters and secrets, as the inspect views clean theirs.
    waiting: scrubStrings(waitingOf(session), cleaner(config)),
  };
}

function waitingOf(session: Session): Waiting | null {
  const state = session.state;
  if (state?.status !== 'waiting') return null;
  switch (state.waitingFor) {
    case 'qa_answers': {
      const read = readSessionFile(join(session.dir, QA_FILE), GATE_FILE_BYTES);
      const questions = read.kind === 'text' ? parseQuestions(read.text).filter((q) => q.answerLine !== undefined) : [];
      return {
        for: 'qa_answers',
        file: QA_FILE,
        questions: questions.map((q) => ({
          id: q.id,
          number: q.number,
          text: q.title,
          options: q.options,
          ...(q.suggestion !== undefined ? { suggestion: q.suggestion } : {}),
          ...(q.answer !== undefined ? { answer: q.answer } : {}),
          answered: q.answer !== undefined,
        })),
      };
    }
    case 'plan_approval':
      return { for: 'plan_approval', file: PLAN_FILE, plan: textOf(join(session.dir, PLAN_FILE)) };
    case 'review': {
      const text = textOf(join(session.dir, REVIEW_FILE));
      return { for: 'review', file: REVIEW_FILE, findings: readFindings(text), text };
    }
    default:
      return null;
  }
}

function textOf(file: string): string {
  const read = readSessionFile(file, GATE_FILE_BYTES);
  if (read.kind !== 'text') return '';
  return read.cut ? `${read.text}\n\n[… cut: the file has ${read.size} bytes]` : read.text;
}
