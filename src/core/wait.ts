// Has the person answered? Pure judgement of what is in the session folder against what the session waits for.
// The watcher in io/person-gate.ts calls this on every change it sees. A half-written `_plan.md` reads as "not
// answered yet"; a half-written `_qa.md` could read as complete with its last questions still to come, so the number
// of questions it had when the agent asked is part of the state (`waitQuestions`) and fewer answers never resume it.
import { answerable, parseQuestions, readApproval, unanswered } from './answers.js';
import type { Phase } from './phases.js';
import { readDecision, unclearDecision } from './review/review-file.js';
import { PLAN_FILE, QA_FILE, REVIEW_FILE, type WaitPlace } from './session-files.js';
import type { SessionState } from './state.js';

/** What the person did, as recorded in the `resumed` history entry. */
export interface Resumption {
  how: string;
  /** The gate of the current phase is passed (answers complete, plan approved). */
  gatePassed: boolean;
  /** The orchestrator moves the phase itself (an approved plan goes to implementation). */
  phaseAfter?: Phase | undefined;
  /** The plan the person approved: named as the contract in every later prompt. */
  approvedPlan?: string | undefined;
  /** What the person wants changed (a rejected plan or review): shown in the next prompt. */
  feedback?: string | undefined;
  /** The person's decision on the review of the diff: approved finishes the session, rejected goes back to work. */
  review?: 'approved' | 'rejected' | undefined;
}

export interface WaitFacts {
  qaText?: string | undefined;
  planText?: string | undefined;
  /** `_review.md`, while the session waits for `review`. */
  reviewText?: string | undefined;
  /** An `orchestrate resume` or Telegram /resume request, with its time (ms since epoch). */
  resumeRequest?: { how: string; at: number } | undefined;
  /** The file the session waits on (the signal's `file`, or `_overview.md` for a block) was saved since the wait began. */
  fileChanged?: boolean | undefined;
}

export interface WaitOptions {
  /** Evaluated when a run starts: a plain re-run counts as "I have done it" where no file can tell. */
  startup: boolean;
  /** `orchestrate resume` at start: go on even if the answers are incomplete. */
  force: boolean;
}

export type WaitVerdict = { resume: Resumption } | { pending: string };

export function evaluateWait(state: SessionState, facts: WaitFacts, opts: WaitOptions): WaitVerdict {
  const since = Date.parse(state.updatedAt);
  const asked = facts.resumeRequest && facts.resumeRequest.at >= since ? facts.resumeRequest.how : undefined;
  const forced = asked ?? (opts.force ? 'orchestrate resume' : undefined);

  if (state.status === 'waiting' && state.waitingFor === 'qa_answers') {
    if (facts.qaText === undefined)
      return forced
        ? { resume: { how: forced, gatePassed: false } }
        : { pending: `${QA_FILE} does not exist in the session folder` };
    const questions = parseQuestions(facts.qaText);
    const open = unanswered(questions);
    const asked = state.waitQuestions ?? 0;
    const answered = answerable(questions).length - open.length;
    const complete = questions.length > 0 && open.length === 0 && answered >= asked;
    if (complete) return { resume: { how: `all ${questions.length} answers in ${QA_FILE}`, gatePassed: true } };
    if (forced)
      return {
        resume: { how: `${forced} (${open.length} of ${questions.length} questions unanswered)`, gatePassed: complete },
      };
    if (questions.length === 0) return { pending: `${QA_FILE} has no questions in the "### Q1: …" format` };
    if (open.length === 0) {
      return {
        pending: `${QA_FILE} has ${answered} answered questions, but it had ${asked} when the agent asked (is it still being written?); waiting for all ${asked}`,
      };
    }
    return {
      pending: `${open.length} of ${questions.length} questions still unanswered in ${QA_FILE}: ${open.map((q) => q.id).join(', ')}`,
    };
  }

  if (state.status === 'waiting' && state.waitingFor === 'plan_approval') {
    const approval = facts.planText === undefined ? undefined : readApproval(facts.planText);
    if (approval?.state === 'approved') {
      return {
        resume: {
          how: `plan approved in ${PLAN_FILE}`,
          gatePassed: true,
          phaseAfter: 'implementation',
          approvedPlan: PLAN_FILE,
        },
      };
    }
    if (approval?.state === 'rejected') {
      if (approval.feedback)
        return { resume: { how: `plan rejected in ${PLAN_FILE}`, gatePassed: false, feedback: approval.feedback } };
      if (!forced)
        return { pending: `${PLAN_FILE} says rejected but not what to change: write "rejected: <what to change>"` };
    }
    if (forced) return { resume: { how: `${forced} (plan neither approved nor rejected)`, gatePassed: false } };
    if (approval === undefined) return { pending: `${PLAN_FILE} does not exist in the session folder` };
    if (approval.state === 'unclear') {
      return {
        pending: `${PLAN_FILE} has ${approval.line ? `an approval line saying ${JSON.stringify(approval.line)}` : 'no "**Approval:**" line'}: write "approved" or "rejected: <what to change>"`,
      };
    }
    return {
      pending: `${PLAN_FILE} still says "**Approval:** _waiting_": replace it with "approved" or "rejected: <what to change>"`,
    };
  }

  if (state.status === 'waiting' && state.waitingFor === 'review') {
    const verdict = evaluateReview(facts.reviewText, forced);
    if (verdict) return verdict;
  }

  // file_update, human_action, anything else, and blocked: nothing to parse. A resume request, a save of the file
  // concerned, or (at start) the plain re-run itself says the person is done.
  if (forced) return { resume: { how: forced, gatePassed: false } };
  if (facts.fileChanged) {
    return {
      resume: { how: state.status === 'blocked' ? 'the session was edited' : 'the file was saved', gatePassed: false },
    };
  }
  if (opts.startup) return { resume: { how: 'run again', gatePassed: false } };
  return {
    pending:
      state.status === 'blocked'
        ? `blocked: ${state.blockedReason ?? ''}`
        : `waiting for ${state.waitingFor ?? 'the person'}${state.needs ? `: ${state.needs}` : ''}`,
  };
}

/**
 * The person's decision in `_review.md`. Approved: the session is done, no further agent run. Rejected with words:
 * back to implementation with them in the next prompt. A resume request without a decision lets the agent go on in
 * its phase (undefined here: the common rule below); the review runs again at its next `done`.
 */
function evaluateReview(text: string | undefined, forced: string | undefined): WaitVerdict | undefined {
  const decision = text === undefined ? undefined : readDecision(text);
  if (decision?.state === 'approved')
    return { resume: { how: `review approved in ${REVIEW_FILE}`, gatePassed: false, review: 'approved' } };
  if (decision?.state === 'rejected' && decision.feedback) {
    return {
      resume: {
        how: `review rejected in ${REVIEW_FILE}`,
        gatePassed: false,
        phaseAfter: 'implementation',
        review: 'rejected',
        feedback: decision.feedback,
      },
    };
  }
  if (forced) return undefined;
  if (decision === undefined) return { pending: `${REVIEW_FILE} does not exist in the session folder` };
  if (decision.state === 'rejected')
    return { pending: `${REVIEW_FILE} says rejected but not what to change: write "rejected: <what to change>"` };
  if (decision.state === 'unclear') return { pending: unclearDecision(decision) };
  return {
    pending: `${REVIEW_FILE} still says "**Decision:** _waiting_": replace it with "approved" or "rejected: <what to change>"`,
  };
}

/** What the io edge found when the agent signalled `waiting` (io/wait-facts.ts), for the judgement and the state. */
export interface WaitSignalFacts {
  /** Answerable questions in `_qa.md` (waiting for `qa_answers`). */
  questions?: number | undefined;
  /** Where the signal's `file` resolves (`..` and symlinks followed), and the folders it must be inside. */
  file?: WaitPlace | undefined;
}
