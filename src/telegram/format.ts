// What the person reads in Telegram: one HTML message per event worth a message. Pure: the link reads `_qa.md` /
// `_plan.md` and passes their text in. Every message starts with the session and the phase, so a chat that hears from
// several sessions can tell them apart; everything from the agent or the person goes through escapeHtml.
import { join } from 'node:path';
import { describeUse } from '../core/budget.js';
import { SUMMARY_MD, deliveryRows, wallTime, type DeliveryFacts, type StandingRow } from '../core/delivery.js';
import { formatCost } from '../core/cost.js';
import { parseQuestions, unanswered, type Question } from '../core/answers.js';
import { formatDuration } from '../core/prompt.js';
import type { SessionState, Totals } from '../core/state.js';
import { HISTORY_FILE, OVERVIEW_FILE, PLAN_FILE, QA_FILE, REVIEW_FILE, watchedFile } from '../core/session-files.js';
import { countFindings } from '../core/review/review-file.js';
import type { SessionEvent } from '../loop/ports.js';
import { shortCount } from '../core/count-format.js';
import { headOf } from '../core/text.js';
import { clip, escapeHtml as esc } from './html.js';

export { escapeHtml, splitMessage, TELEGRAM_LIMIT } from './html.js';

const PLAN_EXCERPT = 1500;

export interface FormatContext {
  /** The name the person gave with --session. */
  sessionName: string;
  sessionDir: string;
  /** The command that runs this session again, e.g. `orchestrate --config ./.samocode --session add-auth`. */
  rerunCommand?: string | undefined;
  /** The current `_qa.md`, for a session waiting for answers. */
  qaText?: string | undefined;
  /** The current `_plan.md`, for a session waiting for plan approval. */
  planText?: string | undefined;
  /** The current `_review.md`, for a session waiting for the review of its diff. */
  reviewText?: string | undefined;
}

/** The message for an event, or undefined for events that only go to the log (iterations, retries). */
export function formatEvent(event: SessionEvent, ctx: FormatContext): string | undefined {
  const { state } = event;
  switch (event.type) {
    case 'waiting':
      return formatWaiting(state, ctx);
    case 'blocked':
      return formatBlocked(state, ctx);
    case 'done':
      return formatDone(state, ctx, event.delivery);
    case 'interrupted':
      return lines(
        header('⏸', ctx, state.phase, `stopped by ${event.stopSignal}`),
        `The session is resumable: ${rerun(ctx)}`,
      );
    case 'resumed':
      return header('▶️', ctx, state.phase, `resumed (${esc(event.how)})`);
    case 'budget':
      // An excess is followed by the blocked message, which says how to go on; the warning comes once per kind.
      return event.level === 'warning'
        ? header('⚠️', ctx, state.phase, `budget at ${esc(describeUse(event.use))}`)
        : undefined;
    default:
      return undefined;
  }
}

/** Sent when a run starts (the loop has no event for it). */
export function formatStarted(state: SessionState, ctx: FormatContext): string {
  const title = state.iterations > 0 ? `run started again after ${state.iterations} iterations` : 'started';
  const where = state.standalone
    ? `working in <code>${esc(state.workingDir)}</code>`
    : `branch <code>${esc(state.branch ?? '?')}</code> in <code>${esc(state.workingDir)}</code>`;
  return lines(
    header('🚀', ctx, state.phase, title),
    `<b>Task:</b> ${esc(clip(state.task, 600))}`,
    state.dive ? `<b>Dive:</b> ${esc(clip(state.dive, 300))}` : undefined,
    `${where}; session folder <code>${esc(ctx.sessionDir)}</code>`,
    '',
    COMMANDS,
  );
}

/** Sent when the orchestrator itself fails; `state` is the last one known, if any. */
export function formatCrashed(error: string, state: SessionState | undefined, ctx: FormatContext): string {
  return lines(
    header('💥', ctx, state?.phase ?? 'unknown phase', 'the orchestrator stopped with an error'),
    `<pre>${esc(clip(error, 1500))}</pre>`,
    `The session folder is intact: <code>${esc(ctx.sessionDir)}</code>. Run it again: ${rerun(ctx)}`,
  );
}

export const COMMANDS =
  '/status: where it is (and the queue) · /sessions: every session · /log: the last actions · /stats: the last 24 h · /resume: go on · /stop: end this run (resumable) · /approve, /reject &lt;what to change&gt;: the plan or the review · any other text: answers to the questions';

function formatWaiting(state: SessionState, ctx: FormatContext): string {
  if (state.waitingFor === 'qa_answers') return formatQuestions(state, ctx);
  if (state.waitingFor === 'plan_approval') return formatPlan(state, ctx);
  if (state.waitingFor === 'review') return formatReview(state, ctx);
  return lines(
    header('✋', ctx, state.phase, `waiting for you (${esc(state.waitingFor ?? 'the person')})`),
    state.needs ? `<b>Needs:</b> ${esc(state.needs)}` : undefined,
    `Send /resume when done (saving <code>${esc(watchedFile(state, ctx.sessionDir))}</code> also tells the run).`,
  );
}

function formatQuestions(state: SessionState, ctx: FormatContext): string {
  const file = join(ctx.sessionDir, QA_FILE);
  const all = ctx.qaText === undefined ? [] : parseQuestions(ctx.qaText);
  const open = unanswered(all);
  const head = header(
    '❓',
    ctx,
    state.phase,
    open.length > 0 ? `${open.length} question${open.length === 1 ? '' : 's'} for you` : 'waiting for your answers',
  );
  if (open.length === 0) {
    return lines(
      head,
      state.needs ? `<b>Needs:</b> ${esc(state.needs)}` : undefined,
      `Answer in <code>${esc(file)}</code>, then send /resume.`,
    );
  }
  const lettered = open.filter((q) => Object.keys(q.options).length > 0).slice(0, 2);
  const letters = lettered.map((q) => `${q.number}${Object.keys(q.options)[0]}`).join(' ');
  const free = open.find((q) => Object.keys(q.options).length === 0) ?? open[0]!;
  return lines(
    head,
    ...open.map(formatQuestion),
    '',
    `Reply with your answers${letters ? `: <code>${letters}</code> (an option's letter per question), or` : ':'} <code>Q${free.number}: your own answer</code> on a line of its own. Or edit <code>${esc(file)}</code>.`,
  );
}

function formatQuestion(q: Question): string {
  const options = Object.entries(q.options).map(([letter, text]) => `  ${letter}) ${esc(text)}`);
  return lines(
    `\n<b>${esc(q.id)}: ${esc(q.title)}</b>`,
    ...options,
    q.suggestion ? `<i>Suggestion:</i> ${esc(q.suggestion)}` : undefined,
  );
}

function formatPlan(state: SessionState, ctx: FormatContext): string {
  const file = join(ctx.sessionDir, PLAN_FILE);
  return lines(
    header('📋', ctx, state.phase, 'the plan waits for your approval'),
    ctx.planText
      ? `<blockquote>${esc(excerpt(ctx.planText.trim(), PLAN_EXCERPT))}</blockquote>`
      : `(no ${PLAN_FILE} yet)`,
    `Reply /approve, or /reject &lt;what to change&gt;. The whole plan: <code>${esc(file)}</code>`,
  );
}

function formatReview(state: SessionState, ctx: FormatContext): string {
  const file = join(ctx.sessionDir, REVIEW_FILE);
  const found = state.reviewFindings ?? (ctx.reviewText === undefined ? undefined : countFindings(ctx.reviewText));
  const what = found === undefined ? 'findings' : `${found} finding${found === 1 ? '' : 's'}`;
  return lines(
    header('🔎', ctx, state.phase, `the review of the diff has ${what} for you`),
    ctx.reviewText
      ? `<blockquote>${esc(excerpt(reviewFindingsPart(ctx.reviewText), PLAN_EXCERPT))}</blockquote>`
      : `(no ${REVIEW_FILE})`,
    `Reply /approve (the session finishes), or /reject &lt;what to change&gt; (back to implementation). The whole review: <code>${esc(file)}</code>`,
  );
}

/** The findings of `_review.md`, without its title, intro and decision part. */
function reviewFindingsPart(text: string): string {
  const start = text.indexOf('\n## ');
  const end = text.indexOf('\n## Your decision');
  return text.slice(start < 0 ? 0 : start + 1, end < 0 ? undefined : end).trim();
}

function formatBlocked(state: SessionState, ctx: FormatContext): string {
  const kind = state.blockedKind && state.blockedKind !== 'agent' ? ` (${esc(state.blockedKind)})` : '';
  const overview = join(ctx.sessionDir, OVERVIEW_FILE);
  return lines(
    header('⛔', ctx, state.phase, `blocked${kind}`),
    `<b>Reason:</b> ${esc(clip(state.blockedReason ?? '(none given)', 2000))}`,
    state.needs ? `<b>Needs:</b> ${esc(state.needs)}` : undefined,
    `<b>To unblock:</b> fix the cause (notes for the agent go in <code>${esc(overview)}</code>), then send /resume if this run waits for you, or run ${rerun(ctx)}`,
    `What happened: <code>${esc(join(ctx.sessionDir, HISTORY_FILE))}</code>`,
  );
}

/** The end of a run that did not finish the session: what it is waiting for is in its own message already. */
export function formatStanding(
  state: SessionState,
  outcome: string,
  rows: readonly StandingRow[],
  ctx: FormatContext,
): string {
  return lines(
    header('📍', ctx, state.phase, `run ended (${esc(outcome)}): where things stand`),
    ...rows.map(formatRow),
  );
}

function formatRow(row: StandingRow): string {
  return `<b>${esc(row.label)}:</b> ${esc(clip(row.value, 1500))}`;
}

function formatDone(state: SessionState, ctx: FormatContext, delivery?: DeliveryFacts): string {
  if (delivery) {
    return lines(
      header('✅', ctx, state.phase, delivery.problems.length > 0 ? 'finished, with a delivery warning' : 'finished'),
      state.lastSummary ? `<b>Summary:</b> ${esc(clip(state.lastSummary, 1500))}` : undefined,
      `<b>iterations:</b> ${state.iterations}`,
      ...deliveryRows(delivery, state.totals, wallTime(state, delivery.time)).map(formatRow),
      `<b>summary.md:</b> <code>${esc(delivery.dir ? join(delivery.dir, SUMMARY_MD) : '(not written)')}</code>`,
    );
  }
  const wall = Date.parse(state.updatedAt) - Date.parse(state.startedAt);
  const facts = [
    `${state.iterations} iteration${state.iterations === 1 ? '' : 's'}`,
    Number.isFinite(wall) && wall >= 0 ? `wall time ${formatDuration(wall)}` : undefined,
    ...spending(state.totals),
  ].filter(Boolean);
  return lines(
    header('✅', ctx, state.phase, 'finished'),
    state.lastSummary ? `<b>Summary:</b> ${esc(clip(state.lastSummary, 2000))}` : undefined,
    esc(facts.join(' · ')),
    state.delivery ? `<b>delivery:</b> <code>${esc(state.delivery.dir)}</code>` : undefined,
    `Files: <code>${esc(ctx.sessionDir)}</code>`,
  );
}

/** Agent time, cost and tokens, each only when the provider reported it. */
function spending(totals: Totals): string[] {
  const out: string[] = [];
  if (totals.agentMs > 0) out.push(`agent time ${formatDuration(totals.agentMs)}`);
  if (totals.costUsd > 0) out.push(`cost ${formatCost(totals.costUsd, totals.costEstimated)}`);
  if (totals.inputTokens > 0 || totals.outputTokens > 0) {
    const cache = totals.cacheReadTokens + totals.cacheWriteTokens;
    out.push(
      `tokens ${count(totals.inputTokens)} in / ${count(totals.outputTokens)} out${cache > 0 ? ` / ${count(cache)} cache` : ''}`,
    );
  }
  return out;
}

/** The beginning of a long text, ending at a line break where one is near the cut. */
function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  const lastBreak = text.lastIndexOf('\n', max);
  const end = lastBreak > max * 0.6 ? lastBreak : max;
  const head = headOf(text, end);
  return `${head}\n… (${text.length - head.length} more characters)`;
}

function header(icon: string, ctx: FormatContext, phase: string, title: string): string {
  return `${icon} <b>${esc(ctx.sessionName)}</b> · ${esc(phase)} · ${title}`;
}

function rerun(ctx: FormatContext): string {
  return `<code>${esc(ctx.rerunCommand ?? `orchestrate --config <your .samocode> --session ${ctx.sessionName}`)}</code>`;
}

function lines(...parts: (string | undefined)[]): string {
  return parts.filter((p) => p !== undefined).join('\n');
}

const count = (n: number): string => shortCount(n, { wholeThousands: true });
