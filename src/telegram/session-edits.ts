// The person's Telegram replies turned into the same edits they would make by hand: the Answer lines of `_qa.md`,
// the Approval line of `_plan.md`, the Decision line of `_review.md`. Written atomically (temp file + rename) so the orchestrator's file watcher never
// reads half a file; the watcher, not this module, decides whether the session resumes.
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { applyAnswers, parseQuestions, readApproval, setApproval, unanswered } from '../core/answers.js';
import { PLAN_FILE, QA_FILE, REVIEW_FILE } from '../core/session-files.js';
import { readDecision, setDecision } from '../core/review/review-file.js';
import { readIfExists } from '../io/read-if-exists.js';
import { escapeHtml as esc } from './html.js';

export async function recordAnswers(sessionDir: string, reply: string): Promise<string> {
  const file = join(sessionDir, QA_FILE);
  const before = readIfExists(file);
  if (before === undefined)
    return `There is no ${QA_FILE} in this session, so there is nothing to answer. Send /help for the commands.`;
  const result = applyAnswers(before, reply);
  if (result.answered.length > 0 && result.text !== before) await writeFileAtomic(file, result.text);

  const questions = parseQuestions(result.text);
  const byId = new Map(questions.map((q) => [q.id, q]));
  const out: string[] = [];
  if (result.answered.length > 0) {
    out.push(
      `✍️ Recorded in ${QA_FILE}:`,
      ...result.answered.map((id) => `  ${esc(id)}: ${esc(byId.get(id)?.answer ?? '')}`),
    );
  } else {
    out.push(`Nothing recorded in ${QA_FILE}.`);
  }
  if (result.problems.length > 0) out.push('', '<b>Problems:</b>', ...result.problems.map((p) => `  ${esc(p)}`));
  const open = unanswered(questions);
  out.push('');
  if (questions.length === 0) out.push(`${QA_FILE} has no questions in the "### Q1: …" format.`);
  else if (open.length === 0) out.push('All questions are answered; the waiting session goes on.');
  else
    out.push(
      `<b>Still open:</b> ${open.map((q) => `${esc(q.id)} (${esc(q.title)})`).join(', ')}`,
      'Reply e.g. <code>1A 2C</code> or <code>Q3: your answer</code>.',
    );
  return out.join('\n');
}

export type PlanDecision = { approve: true } | { approve: false; feedback: string };

export async function recordApproval(sessionDir: string, decision: PlanDecision): Promise<string> {
  const file = join(sessionDir, PLAN_FILE);
  const before = readIfExists(file);
  if (before === undefined)
    return `There is no ${PLAN_FILE} in this session yet, so there is nothing to ${decision.approve ? 'approve' : 'reject'}.`;
  const after = setApproval(before, decision);
  if (after === undefined) {
    return `${PLAN_FILE} has no <code>**Approval:**</code> line, so I cannot record your decision. Edit <code>${esc(file)}</code> by hand.`;
  }
  if (after !== before) await writeFileAtomic(file, after);
  const now = readApproval(after);
  if (now.state === 'approved')
    return `✅ Plan approved in ${PLAN_FILE}; the waiting session goes on to implementation.`;
  if (now.state === 'rejected')
    return `↩️ Plan rejected in ${PLAN_FILE} with your feedback: ${esc(now.feedback)}\nThe agent revises the plan.`;
  return `${PLAN_FILE} was updated, but its Approval line now reads unclearly; check <code>${esc(file)}</code>.`;
}

export async function recordReviewDecision(sessionDir: string, decision: PlanDecision): Promise<string> {
  const file = join(sessionDir, REVIEW_FILE);
  const before = readIfExists(file);
  if (before === undefined)
    return `There is no ${REVIEW_FILE} in this session, so there is no review to ${decision.approve ? 'approve' : 'reject'}.`;
  const after = setDecision(before, decision);
  if (after === undefined) {
    return `${REVIEW_FILE} has no <code>**Decision:**</code> line, so I cannot record your decision. Edit <code>${esc(file)}</code> by hand.`;
  }
  if (after !== before) await writeFileAtomic(file, after);
  const now = readDecision(after);
  if (now.state === 'approved') return `✅ Review approved in ${REVIEW_FILE}; the session finishes as done.`;
  if (now.state === 'rejected')
    return `↩️ Review rejected in ${REVIEW_FILE} with your feedback: ${esc(now.feedback)}\nThe session goes back to implementation.`;
  return `${REVIEW_FILE} was updated, but its Decision line now reads unclearly; check <code>${esc(file)}</code>.`;
}
