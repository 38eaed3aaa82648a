// What a terminal shows when the session starts to wait for the person: the questions (id, text, options), the
// plan's summary (title, first lines, its phases) or the review's findings, then the file to edit and, when a
// dashboard runs, its address. Pure: the caller reads the file, cleans it of secrets, and passes its text in.
import { join } from 'node:path';
import { parseQuestions, unanswered } from './answers.js';
import { PLAN_FILE, QA_FILE, REVIEW_FILE, watchedFile } from './session-files.js';
import type { SessionState } from './state.js';
import { cutToWidth, oneLine } from './status-line.js';

export interface WaitingView {
  state: SessionState;
  sessionDir: string;
  /** The text of the file the session waits on (`_qa.md`, `_plan.md`, `_review.md`), cleaned, if it could be read. */
  fileText?: string | undefined;
  /** `orchestrate serve`'s address (without its token), when one runs for these sessions. */
  dashboardUrl?: string | undefined;
}

/** The most columns one line of the agent's text takes here: the rest is in the file. */
const LINE_COLUMNS = 200;
const PLAN_LINES = 3;
const MAX_ITEMS = 12;

/** The file the person edits to answer this wait. */
export function fileToEdit(state: SessionState, sessionDir: string): string {
  switch (state.waitingFor) {
    case 'qa_answers':
      return join(sessionDir, QA_FILE);
    case 'plan_approval':
      return join(sessionDir, PLAN_FILE);
    case 'review':
      return join(sessionDir, REVIEW_FILE);
    default:
      return watchedFile(state, sessionDir);
  }
}

export function waitingLines(view: WaitingView): string[] {
  const { state } = view;
  const file = fileToEdit(state, view.sessionDir);
  const body =
    state.waitingFor === 'qa_answers'
      ? questionLines(view.fileText)
      : state.waitingFor === 'plan_approval'
        ? planLines(view.fileText)
        : state.waitingFor === 'review'
          ? reviewLines(view.fileText)
          : [];
  const how =
    state.waitingFor === 'qa_answers'
      ? `answer in ${file}: replace each "**Answer:** _waiting_" with a letter or your own words`
      : state.waitingFor === 'plan_approval'
        ? `approve in ${file}: "**Approval:** approved" or "rejected: <what to change>"`
        : state.waitingFor === 'review'
          ? `decide in ${file}: "**Decision:** approved" or "rejected: <what to change>"`
          : `edit ${file} when done (or run orchestrate resume)`;
  return [
    `── waiting for you (${state.waitingFor ?? 'the person'}) ──`,
    ...(state.needs ? [`needs: ${line(state.needs)}`] : []),
    ...body,
    how,
    ...(view.dashboardUrl ? [`or in the dashboard: ${line(view.dashboardUrl)}`] : []),
  ];
}

function questionLines(text: string | undefined): string[] {
  if (text === undefined) return [];
  const open = unanswered(parseQuestions(text));
  const out: string[] = [];
  for (const q of open.slice(0, MAX_ITEMS)) {
    out.push(`${q.id}: ${line(q.title)}`);
    for (const [letter, option] of Object.entries(q.options)) out.push(`    ${letter}) ${line(option)}`);
    if (q.suggestion) out.push(`    suggestion: ${line(q.suggestion)}`);
  }
  return [...out, ...more(open.length, 'question')];
}

/**
 * The title, its first lines (of the first section, or under the title when there is none), and its phases counted
 * and named: `### Phase N: …` headings, else the top-level numbered steps (`1. …`).
 */
function planLines(text: string | undefined): string[] {
  if (text === undefined) return [`(no ${PLAN_FILE} yet)`];
  const lines = text.split(/\r?\n/);
  const titleAt = lines.findIndex((l) => /^#\s/.test(l));
  const sectionAt = lines.findIndex((l) => /^##\s/.test(l));
  const start = sectionAt >= 0 ? sectionAt : titleAt;
  const intro: string[] = [];
  for (const raw of lines.slice(start + 1)) {
    if (/^#{1,6}\s/.test(raw) || intro.length === PLAN_LINES) break;
    if (raw.trim() && !/^\s*\*\*Approval:?\*\*/i.test(raw)) intro.push(`  ${line(raw)}`);
  }
  const headings = lines.filter((l) => /^###\s+(phase|step)\b/i.test(l)).map((l) => l.replace(/^###\s+/, ''));
  const steps = headings.length > 0 ? headings : lines.filter((l) => /^\d+[.)]\s/.test(l));
  const word = headings.length > 0 ? 'plan phase' : 'step';
  return [
    ...(titleAt >= 0 ? [line(lines[titleAt]!.replace(/^#\s+/, ''))] : []),
    ...intro,
    ...(headings.length > 0
      ? [
          `${steps.length} ${word}${steps.length === 1 ? '' : 's'}:`,
          ...steps.slice(0, MAX_ITEMS).map((p) => `  ${line(p)}`),
        ]
      : steps.length > 0
        ? [`${steps.length} ${word}${steps.length === 1 ? '' : 's'}`]
        : []),
    ...more(headings.length, 'phase'),
  ];
}

/** Each finding (`- `file:line` excerpt` under its `### rule: …` heading), capped. */
function reviewLines(text: string | undefined): string[] {
  if (text === undefined) return [`(no ${REVIEW_FILE})`];
  const out: string[] = [];
  let rule = '';
  let count = 0;
  for (const raw of text.split(/\r?\n/)) {
    if (/^##\s+Your decision/i.test(raw)) break;
    const heading = /^###\s+([^:]+)/.exec(raw);
    if (heading) rule = heading[1]!.trim();
    if (!/^- /.test(raw)) continue;
    count++;
    if (count <= MAX_ITEMS) out.push(`  ${rule ? `${line(rule)}: ` : ''}${line(raw.slice(2))}`);
  }
  return [`${count} finding${count === 1 ? '' : 's'}:`, ...out, ...more(count, 'finding')];
}

function more(count: number, word: string): string[] {
  return count > MAX_ITEMS ? [`  … and ${count - MAX_ITEMS} more ${word}s (in the file)`] : [];
}

function line(text: string): string {
  return cutToWidth(oneLine(text), LINE_COLUMNS);
}
