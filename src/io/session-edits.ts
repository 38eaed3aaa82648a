// The person's decisions written into the session files, as they would edit them by hand: the Answer lines of
// `_qa.md`, the Approval line of `_plan.md`, the Decision line of `_review.md`. Shared by Telegram's replies and
// `orchestrate json`, so every way in makes the same edit. Written atomically (temp file + rename) so the
// orchestrator's file watcher never reads half a file; the watcher, not this module, decides whether the session
// resumes. Each returns what happened, for its caller to put in its own words.
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic-write.js';
import {
  applyAnswers,
  parseQuestions,
  readApproval,
  setApproval,
  unanswered,
  type Approval,
  type Question,
} from '../core/answers.js';
import { PLAN_FILE, QA_FILE, REVIEW_FILE } from '../core/session-files.js';
import { readDecision, setDecision } from '../core/review/review-file.js';
import { readIfExists } from './read-if-exists.js';

export type PlanDecision = { approve: true } | { approve: false; feedback: string };

export type AnswersWritten =
  | { kind: 'no_file'; file: string }
  | {
      kind: 'written';
      file: string;
      /** The question ids whose Answer line was set. */
      answered: string[];
      /** What could not be read or applied, in the person's words. */
      problems: string[];
      /** The questions after the edit, and those still open. */
      questions: Question[];
      open: Question[];
    };

/** Apply `reply` ("1A 2C", "Q3: free text", one per line) to `_qa.md` (core/answers.ts applyAnswers). */
export async function writeAnswers(sessionDir: string, reply: string): Promise<AnswersWritten> {
  const file = join(sessionDir, QA_FILE);
  const before = readIfExists(file);
  if (before === undefined) return { kind: 'no_file', file };
  const result = applyAnswers(before, reply);
  if (result.answered.length > 0 && result.text !== before) writeFileAtomicSync(file, result.text);
  const questions = parseQuestions(result.text);
  return {
    kind: 'written',
    file,
    answered: result.answered,
    problems: result.problems,
    questions,
    open: unanswered(questions),
  };
}

export type DecisionWritten =
  | { kind: 'no_file'; file: string }
  /** The file has no `**Approval:**` / `**Decision:**` line to write into. */
  | { kind: 'no_line'; file: string }
  | { kind: 'written'; file: string; now: Approval };

/** The plan's Approval line. */
export function writeApproval(sessionDir: string, decision: PlanDecision): Promise<DecisionWritten> {
  return writeDecisionLine(join(sessionDir, PLAN_FILE), decision, setApproval, readApproval);
}

/** The review's Decision line. */
export function writeReviewDecision(sessionDir: string, decision: PlanDecision): Promise<DecisionWritten> {
  return writeDecisionLine(join(sessionDir, REVIEW_FILE), decision, setDecision, readDecision);
}

async function writeDecisionLine(
  file: string,
  decision: PlanDecision,
  set: (text: string, decision: PlanDecision) => string | undefined,
  read: (text: string) => Approval,
): Promise<DecisionWritten> {
  const before = readIfExists(file);
  if (before === undefined) return { kind: 'no_file', file };
  const after = set(before, decision);
  if (after === undefined) return { kind: 'no_line', file };
  if (after !== before) writeFileAtomicSync(file, after);
  return { kind: 'written', file, now: read(after) };
}
