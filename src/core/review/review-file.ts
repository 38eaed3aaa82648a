// `_review.md`: the findings for the person, ending with the line they edit (`**Decision:** _waiting_` →
// `approved` or `rejected: <what to change>`), and the plan's `## Files` section that the scope rule reads. Pure.
import { WAITING_MARK, decisionLine, readApproval, setApproval, type Approval } from '../answers.js';
import { REVIEW_FILE } from '../session-files.js';
import type { ReviewFinding } from '../gates.js';
import { REVIEW_RULES, excerptOf, type RuleFamily } from './rule-table.js';

const DECISION = decisionLine('Decision');

export interface ReviewHeader {
  branch?: string | undefined;
  base?: string | undefined;
  head?: string | undefined;
}

const FAMILY_TITLES: Record<RuleFamily, string> = {
  'reward hacking': 'Tests and checks weakened',
  scope: 'Outside the plan',
  size: 'Large and binary files',
  secrets: 'Secrets',
  review: 'Not reviewed',
};

/** The findings grouped by family, then by rule, each as `file:line` and a short excerpt. */
export function renderReview(findings: readonly ReviewFinding[], header: ReviewHeader = {}): string {
  const files = new Set(findings.map((f) => f.file)).size;
  const range = header.base ? `\`${header.base}...${header.branch ?? 'HEAD'}\`` : 'the session branch';
  const out = [
    '# Review of the diff',
    '',
    `samocode read the diff of ${range}${header.head ? ` (at ${header.head.slice(0, 12)})` : ''} and the working tree, and found ${count(findings.length, 'thing')} to look at in ${count(files, 'file')}. A finding is not a verdict: it is where a change could make the checks pass without doing the work.`,
  ];
  const known = new Map<string, { family: RuleFamily; catches: string }>(REVIEW_RULES.map((r) => [r.id, r]));
  for (const family of Object.keys(FAMILY_TITLES) as RuleFamily[]) {
    const ofFamily = findings.filter((f) => (known.get(f.rule)?.family ?? 'review') === family);
    if (ofFamily.length === 0) continue;
    out.push('', `## ${FAMILY_TITLES[family]}`);
    for (const rule of [...new Set(ofFamily.map((f) => f.rule))]) {
      out.push('', `### ${rule}: ${known.get(rule)?.catches ?? rule}`, '');
      for (const finding of ofFamily.filter((f) => f.rule === rule)) out.push(`- ${findingLine(finding)}`);
    }
  }
  out.push(
    '',
    '## Your decision',
    '',
    'Replace `_waiting_` on the last line with `approved` (the session finishes) or `rejected: <what to change>` (the session goes back to implementation with your words in its next prompt). In Telegram: /approve or /reject <what to change>.',
    '',
    `**Decision:** ${WAITING_MARK}`,
    '',
  );
  return out.join('\n');
}

function findingLine(finding: ReviewFinding): string {
  const where = `${finding.file}${finding.line !== undefined ? `:${finding.line}` : ''}`;
  const excerpt = excerptOf(finding.excerpt);
  return `${code(where)}${excerpt ? ` ${code(excerpt)}` : ''}`;
}

/** A Markdown code span that holds any text: fenced with more backticks than the text has in a row. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The person's decision in `_review.md`. */
export function readDecision(text: string): Approval {
  return readApproval(text, DECISION);
}

/** `_review.md` with the decision written in (Telegram's /approve and /reject while a review waits). */
export function setDecision(
  text: string,
  decision: { approve: true } | { approve: false; feedback: string },
): string | undefined {
  return setApproval(text, decision, DECISION);
}

/** How many findings `_review.md` lists (its `- ` lines), for the waiting notification. */
export function countFindings(text: string): number {
  return text.split('\n').filter((line) => /^- `/.test(line)).length;
}

/** What pending says when the decision line is missing or unreadable. */
export function unclearDecision(approval: Extract<Approval, { state: 'unclear' }>): string {
  return `${REVIEW_FILE} has ${approval.line ? `a decision line saying ${JSON.stringify(excerptOf(approval.line))}` : 'no "**Decision:**" line'}: write "approved" or "rejected: <what to change>"`;
}

/**
 * The paths and globs of the plan's `## Files` section (a list, one per line, in backticks or bare, a comment after
 * ` — ` or ` - ` allowed). Undefined when there is no such section or it names nothing: then no scope rule applies.
 */
export function planFiles(planText: string): string[] | undefined {
  const lines = planText.split(/\r?\n/);
  const start = lines.findIndex((line) => /^##\s+Files\b/i.test(line));
  if (start < 0) return undefined;
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    const item = /^\s*(?:[-*+]|\d+[.)])?\s*(.*)$/.exec(line)![1]!.trim();
    if (!item) continue;
    const quoted = /`([^`]+)`/.exec(item);
    const path = (quoted ? quoted[1]! : item.split(/\s+/)[0]!.replace(/[:;,]$/, '')).trim();
    if (path && !/^\(?(none|n\/a|nothing)\)?\.?$/i.test(path)) out.push(path);
  }
  return out.length > 0 ? out : undefined;
}

/** One finding as `_review.md` lists it: the rule it is under, the file and line, the excerpt. */
export interface ListedFinding {
  rule?: string | undefined;
  file: string;
  line?: number | undefined;
  excerpt?: string | undefined;
}

/** The findings `_review.md` lists (its `- ` lines, under their `### rule:` heading), as renderReview wrote them. */
export function readFindings(text: string): ListedFinding[] {
  const out: ListedFinding[] = [];
  let rule: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const heading = /^###\s+([^:\s]+):/.exec(line);
    if (heading) rule = heading[1];
    else if (/^##\s/.test(line)) rule = undefined;
    if (!/^- `/.test(line)) continue;
    const where = codeSpan(line, 2);
    if (!where) continue;
    const excerpt = line[where.end] === ' ' ? codeSpan(line, where.end + 1) : undefined;
    const place = /^(.*):(\d+)$/.exec(where.text);
    out.push({
      ...(rule !== undefined ? { rule } : {}),
      file: place ? place[1]! : where.text,
      ...(place ? { line: Number(place[2]) } : {}),
      ...(excerpt ? { excerpt: excerpt.text } : {}),
    });
  }
  return out;
}

/** The Markdown code span that starts at `start` (as `code` above writes it), and where it ends. */
function codeSpan(line: string, start: number): { text: string; end: number } | undefined {
  const fence = /^`+/.exec(line.slice(start))?.[0];
  if (!fence) return undefined;
  const from = start + fence.length;
  for (let at = line.indexOf(fence, from); at !== -1; at = line.indexOf(fence, at + 1)) {
    if (line[at + fence.length] === '`' || line[at - 1] === '`') continue;
    const raw = line.slice(from, at);
    const text = raw.length >= 2 && raw.startsWith(' ') && raw.endsWith(' ') ? raw.slice(1, -1) : raw;
    return { text, end: at + fence.length };
  }
  return undefined;
}
