// The person's Telegram replies turned into the same edits they would make by hand (io/session-edits.ts), and the
// reply that says what was recorded. The watcher, not this module, decides whether the session resumes.
import { PLAN_FILE, QA_FILE, REVIEW_FILE } from '../core/session-files.js';
import { writeAnswers, writeApproval, writeReviewDecision, type PlanDecision } from '../io/session-edits.js';
import { escapeHtml as esc } from './html.js';

export type { PlanDecision } from '../io/session-edits.js';

export async function recordAnswers(sessionDir: string, reply: string): Promise<string> {
  const result = await writeAnswers(sessionDir, reply);
  if (result.kind === 'no_file')
    return `There is no ${QA_FILE} in this session, so there is nothing to answer. Send /help for the commands.`;
  const byId = new Map(result.questions.map((q) => [q.id, q]));
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
  const open = result.open;
  out.push('');
  if (result.questions.length === 0) out.push(`${QA_FILE} has no questions in the "### Q1: …" format.`);
  else if (open.length === 0) out.push('All questions are answered; the waiting session goes on.');
  else
    out.push(
      `<b>Still open:</b> ${open.map((q) => `${esc(q.id)} (${esc(q.title)})`).join(', ')}`,
      'Reply e.g. <code>1A 2C</code> or <code>Q3: your answer</code>.',
    );
  return out.join('\n');
}

export async function recordApproval(sessionDir: string, decision: PlanDecision): Promise<string> {
  const result = await writeApproval(sessionDir, decision);
  if (result.kind === 'no_file')
    return `There is no ${PLAN_FILE} in this session yet, so there is nothing to ${decision.approve ? 'approve' : 'reject'}.`;
  if (result.kind === 'no_line')
    return `${PLAN_FILE} has no <code>**Approval:**</code> line, so I cannot record your decision. Edit <code>${esc(result.file)}</code> by hand.`;
  if (result.now.state === 'approved')
    return `✅ Plan approved in ${PLAN_FILE}; the waiting session goes on to implementation.`;
  if (result.now.state === 'rejected')
    return `↩️ Plan rejected in ${PLAN_FILE} with your feedback: ${esc(result.now.feedback)}\nThe agent revises the plan.`;
  return `${PLAN_FILE} was updated, but its Approval line now reads unclearly; check <code>${esc(result.file)}</code>.`;
}

export async function recordReviewDecision(sessionDir: string, decision: PlanDecision): Promise<string> {
  const result = await writeReviewDecision(sessionDir, decision);
  if (result.kind === 'no_file')
    return `There is no ${REVIEW_FILE} in this session, so there is no review to ${decision.approve ? 'approve' : 'reject'}.`;
  if (result.kind === 'no_line')
    return `${REVIEW_FILE} has no <code>**Decision:**</code> line, so I cannot record your decision. Edit <code>${esc(result.file)}</code> by hand.`;
  if (result.now.state === 'approved') return `✅ Review approved in ${REVIEW_FILE}; the session finishes as done.`;
  if (result.now.state === 'rejected')
    return `↩️ Review rejected in ${REVIEW_FILE} with your feedback: ${esc(result.now.feedback)}\nThe session goes back to implementation.`;
  return `${REVIEW_FILE} was updated, but its Decision line now reads unclearly; check <code>${esc(result.file)}</code>.`;
}
