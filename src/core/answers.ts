// The person's side of the two gates, as text in, text out. Pure.
// `_qa.md`: questions `### Q1: …`, lettered options `- A) …`, `**Suggestion:** …`, `**Answer:** _waiting_`.
// `_plan.md`: one line `**Approval:** _waiting_` that the person turns into `approved` or `rejected: <feedback>`.

export const WAITING_MARK = '_waiting_';

export interface Question {
  /** `Q1`, `Q2` … as written in the heading. */
  id: string;
  number: number;
  title: string;
  /** Letter → option text. */
  options: Record<string, string>;
  suggestion?: string | undefined;
  /** The answer, or undefined while it still says `_waiting_` (or is empty). */
  answer?: string | undefined;
  /** 0-based line of the `**Answer:**` line, if the question has one. */
  answerLine?: number | undefined;
}

const HEADING = /^#{2,4}\s*Q(\d+)\s*[:.)-]?\s*(.*)$/i;
const OPTION = /^\s*[-*]?\s*\**([A-Z])\)\**\s*(.*)$/;
const SUGGESTION = /^\s*\*\*Suggestion:?\*\*:?\s*(.*)$/i;
const ANSWER = /^(\s*\*\*Answer:?\*\*:?)(\s*)(.*)$/i;

export function parseQuestions(text: string): Question[] {
  const lines = text.split('\n');
  const questions: Question[] = [];
  let current: Question | undefined;
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const heading = HEADING.exec(line);
    if (heading) {
      current = { id: `Q${heading[1]}`, number: Number(heading[1]), title: heading[2]!.trim(), options: {} };
      questions.push(current);
      return;
    }
    if (!current) return;
    const answer = ANSWER.exec(line);
    if (answer) {
      const value = answer[3]!.trim();
      current.answerLine = index;
      current.answer = value === '' || value === WAITING_MARK ? undefined : value;
      return;
    }
    const suggestion = SUGGESTION.exec(line);
    if (suggestion) {
      current.suggestion = suggestion[1]!.trim();
      return;
    }
    const option = OPTION.exec(line);
    if (option && current.answerLine === undefined) current.options[option[1]!] = option[2]!.trim();
  });
  return questions;
}

/** Questions that still wait for an answer (a question without an Answer line cannot be answered, so it does not wait). */
export function unanswered(questions: Question[]): Question[] {
  return questions.filter((q) => q.answerLine !== undefined && q.answer === undefined);
}

/** Questions the person can answer: those with an `**Answer:**` line. */
export function answerable(questions: Question[]): Question[] {
  return questions.filter((q) => q.answerLine !== undefined);
}

export interface AnswerResult {
  text: string;
  /** Ids answered by this reply. */
  answered: string[];
  /** Problems with parts of the reply, for a message back to the person. */
  problems: string[];
}

/**
 * Apply a short reply such as `1A 2C`, `1A, 2B`, `Q3: free text` (one per line) to `_qa.md`, exactly as if the
 * person had edited the Answer lines. Free text runs to the end of its line.
 */
export function applyAnswers(text: string, reply: string): AnswerResult {
  const questions = parseQuestions(text);
  const byNumber = new Map(questions.map((q) => [q.number, q]));
  const answers = new Map<number, string>();
  const problems: string[] = [];

  for (const rawLine of reply.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const free = /^Q?(\d+)\s*[:=]\s*(.+)$/i.exec(line);
    if (free) {
      answers.set(Number(free[1]), free[2]!.trim());
      continue;
    }
    const tokens = line.split(/[\s,;]+/).filter(Boolean);
    for (const token of tokens) {
      const short = /^Q?(\d+)\s*[-.)]?\s*([A-Za-z]{1,3})$/i.exec(token);
      if (short) answers.set(Number(short[1]), short[2]!.toUpperCase().split('').join(', '));
      else problems.push(`could not read "${token}": write e.g. "1A 2C" or "Q3: your answer"`);
    }
  }

  const lines = text.split('\n');
  const answered: string[] = [];
  for (const [number, answer] of answers) {
    const question = byNumber.get(number);
    if (!question || question.answerLine === undefined) {
      problems.push(
        `there is no question Q${number}${questions.length ? ` (questions: ${questions.map((q) => q.id).join(', ')})` : ''}`,
      );
      continue;
    }
    const letters = /^[A-Z](, [A-Z])*$/.test(answer) ? answer.split(', ') : [];
    const unknown = letters.filter(
      (letter) => Object.keys(question.options).length > 0 && !(letter in question.options),
    );
    if (unknown.length > 0) {
      problems.push(
        `${question.id} has no option ${unknown.join(', ')} (options: ${Object.keys(question.options).join(', ')})`,
      );
      continue;
    }
    const original = lines[question.answerLine]!;
    const eol = original.endsWith('\r') ? '\r' : '';
    const match = ANSWER.exec(original.replace(/\r$/, ''))!;
    lines[question.answerLine] = `${match[1]} ${answer}${eol}`;
    answered.push(question.id);
  }
  return { text: lines.join('\n'), answered, problems };
}

export type Approval =
  | { state: 'waiting' }
  | { state: 'approved' }
  | { state: 'rejected'; feedback: string }
  /** No `**Approval:**` line, or one that says something else. */
  | { state: 'unclear'; line?: string | undefined };

const APPROVAL = decisionLine('Approval');

/** The `**<label>:** <value>` line a person edits: `**Approval:**` in `_plan.md`, `**Decision:**` in `_review.md`. */
export function decisionLine(label: string): RegExp {
  return new RegExp(`^(\\s*\\*\\*${label}:?\\*\\*:?)\\s*(.*)$`, 'im');
}

export function readApproval(text: string, line: RegExp = APPROVAL): Approval {
  const match = line.exec(text);
  if (!match) return { state: 'unclear' };
  const value = match[2]!.replace(/\r$/, '').trim();
  if (value === '' || value === WAITING_MARK) return { state: 'waiting' };
  if (/^(approved?|yes|ok|lgtm)\b\.?$/i.test(value)) return { state: 'approved' };
  const rejected = /^(rejected?|no)\b\s*[:—-]?\s*(.*)$/i.exec(value);
  if (rejected) return { state: 'rejected', feedback: rejected[2]!.trim() };
  return { state: 'unclear', line: value };
}

/** Write the person's decision into the approval line (Telegram's /approve and /reject use this). */
export function setApproval(
  text: string,
  decision: { approve: true } | { approve: false; feedback: string },
  line: RegExp = APPROVAL,
): string | undefined {
  if (!line.test(text)) return undefined;
  const value = decision.approve ? 'approved' : `rejected: ${decision.feedback.replace(/\s*\n\s*/g, ' ').trim()}`;
  return text.replace(line, (_line, head: string) => `${head} ${value}`);
}
