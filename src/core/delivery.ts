// The deliverable at the end of a session, and where things stand at the end of every run. Pure: the git facts are
// gathered by gates/delivery.ts (and gates/branch-facts.ts), the history is read by the caller; here they become
// `summary.md`, the console's end-of-run block, the rows Telegram and `status` show, and the fold of `delivered`.
import { formatCost } from './cost.js';
import { groupedCount } from './count-format.js';
import type { CheckRun } from './gates.js';
import { formatDuration } from './prompt.js';
import type { HistoryEntry, SessionState, Totals } from './state.js';

export const DELIVER_MODES = ['patch', 'push', 'pr'] as const;
export type DeliverMode = (typeof DELIVER_MODES)[number];

export const COMBINED_MBOX = 'combined.mbox';
export const SUMMARY_MD = 'summary.md';
/** At most this many commits are listed by sha and subject; the count is always whole. */
export const COMMITS_LISTED = 200;

export interface DeliveryCommit {
  sha: string;
  subject: string;
}

/** Something of the delivery that failed: what, and the fix (with the command to do it by hand). */
export interface DeliveryProblem {
  step: 'facts' | 'patch' | 'push' | 'pr';
  what: string;
  fix: string;
  /** The command that retries the step by hand, when there is one. */
  command?: string | undefined;
}

/** One check's latest result, as the summary shows it (from `IterationEntry.checks`, core/gates.ts CheckRun). */
export interface CheckLine extends Pick<CheckRun, 'name' | 'command' | 'exitCode' | 'timedOut' | 'durationMs' | 'cls'> {
  /** Absent when an older or hand-edited history line has none. */
  log?: string | undefined;
  /** How often this check ran in the session, and how many of those runs failed. */
  runs: number;
  failures: number;
}

export interface DeliveryFacts {
  /** The delivery folder (absolute); absent when nothing could be written. */
  dir?: string | undefined;
  mode: DeliverMode;
  time: string;
  base?: string | undefined;
  /** The fork point of the branch from the base: the commit the patches apply to. */
  baseSha?: string | undefined;
  branch?: string | undefined;
  head?: string | undefined;
  /** Commits beyond the base (the whole count; `commits` lists at most COMMITS_LISTED). */
  commitCount: number;
  commits: DeliveryCommit[];
  /** `3 files changed, 10 insertions(+), 2 deletions(-)`. */
  diffstat?: string | undefined;
  /** Numbered `git format-patch` files written. */
  patches: number;
  /** `combined.mbox` was written. */
  mbox: boolean;
  /** Why there are no patches, in words (standalone session, no commits). */
  noPatches?: string | undefined;
  /** Merge commits on the branch: format-patch leaves them out, so the patches may not rebuild the tree. */
  merges?: number | undefined;
  /** The patches, applied to the base in a scratch index, gave exactly the branch's tree. */
  verified?: boolean | undefined;
  push?: { remote: string; ok: boolean } | undefined;
  prUrl?: string | undefined;
  checks: CheckLine[];
  /** The diff review's outcome, in words: `approved`, `rejected`, `clean`, … (absent: no review ran). */
  review?: string | undefined;
  /** Everything that went wrong; the patch is never lost for a failed push or PR. */
  problems: DeliveryProblem[];
  /** summary.md (and the patches, when there are commits) are in `dir`: the delivery exists. */
  written: boolean;
}

/** What `_overview.md` keeps of the last delivery (the whole facts are in the history's `delivered` entry). */
export interface DeliveryRecord {
  dir: string;
  mode: DeliverMode;
  time: string;
  commits: number;
  diffstat?: string | undefined;
  patches: number;
  pushed?: string | undefined;
  prUrl?: string | undefined;
  problems: number;
}

export function deliveryRecord(facts: DeliveryFacts): DeliveryRecord | undefined {
  if (!facts.written || facts.dir === undefined) return undefined;
  return {
    dir: facts.dir,
    mode: facts.mode,
    time: facts.time,
    commits: facts.commitCount,
    ...(facts.diffstat ? { diffstat: facts.diffstat } : {}),
    patches: facts.patches,
    ...(facts.push?.ok ? { pushed: facts.push.remote } : {}),
    ...(facts.prUrl ? { prUrl: facts.prUrl } : {}),
    problems: facts.problems.length,
  };
}

// ---- reading the history ----

function asCheck(value: unknown): Omit<CheckLine, 'runs' | 'failures'> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string') return undefined;
  return {
    name: v.name,
    command: typeof v.command === 'string' ? v.command : '',
    exitCode: typeof v.exitCode === 'number' ? v.exitCode : null,
    timedOut: v.timedOut === true,
    durationMs: typeof v.durationMs === 'number' ? v.durationMs : 0,
    cls: typeof v.cls === 'string' ? v.cls : undefined,
    log: typeof v.log === 'string' ? v.log : undefined,
  };
}

export function checkPassed(check: Pick<CheckLine, 'exitCode' | 'timedOut'>): boolean {
  return check.exitCode === 0 && !check.timedOut;
}

/**
 * Each check's latest result, in the order the checks first ran. Read defensively: the history is a file (an older
 * one has no `checks`, a hand-edited one anything).
 */
export function latestChecks(entries: readonly HistoryEntry[]): CheckLine[] {
  const byName = new Map<string, CheckLine>();
  for (const entry of entries) {
    if (entry.event !== 'iteration') continue;
    const runs = (entry as { checks?: unknown }).checks;
    if (!Array.isArray(runs)) continue;
    for (const raw of runs) {
      const check = asCheck(raw);
      if (!check) continue;
      const before = byName.get(check.name);
      byName.set(check.name, {
        ...check,
        runs: (before?.runs ?? 0) + 1,
        failures: (before?.failures ?? 0) + (checkPassed(check) ? 0 : 1),
      });
    }
  }
  return [...byName.values()];
}

/** The diff review's outcome: the person's last decision, else what the last scan found (gates-review's keys). */
export function reviewOutcome(entries: readonly HistoryEntry[]): string | undefined {
  let decision: string | undefined;
  let findings: number | undefined;
  for (const entry of entries) {
    const review = (entry as { review?: unknown }).review;
    if (entry.event === 'resumed' && (review === 'approved' || review === 'rejected')) decision = review;
    if (entry.event === 'iteration' && typeof review === 'object' && review !== null) {
      const count = (review as { findings?: unknown }).findings;
      if (typeof count === 'number') findings = count;
    }
  }
  if (decision) return findings ? `${decision} (${findings} finding${findings === 1 ? '' : 's'})` : decision;
  if (findings !== undefined) return findings === 0 ? 'clean (no findings)' : `${findings} findings, not decided`;
  return undefined;
}

// ---- words ----

export function describeCheck(check: CheckLine): string {
  const result = check.timedOut
    ? 'timed out'
    : check.exitCode === 0
      ? 'passed'
      : `failed (exit ${check.exitCode ?? 'none'}${check.cls ? `, ${check.cls}` : ''})`;
  const earlier = check.failures > 0 && checkPassed(check) ? `, after ${check.failures} failed` : '';
  return `${check.name} ${result} in ${formatDuration(check.durationMs)}${earlier}`;
}

export function describeChecks(checks: readonly CheckLine[]): string {
  return checks.length === 0 ? 'none ran (set VERIFY to have samocode run them)' : checks.map(describeCheck).join('; ');
}

export function describeSpending(totals: Totals, wallMs: number | undefined): string {
  const parts: string[] = [];
  if (wallMs !== undefined && Number.isFinite(wallMs) && wallMs >= 0) parts.push(`wall time ${formatDuration(wallMs)}`);
  parts.push(`agent time ${formatDuration(totals.agentMs)}`);
  parts.push(
    `cost ${formatCost(totals.costUsd, totals.costEstimated, totals.costUsd > 0 && totals.costUsd < 0.01 ? 4 : 2)}`,
  );
  parts.push(`tokens ${describeTokens(totals)}`);
  return parts.join(', ');
}

export function describeTokens(totals: Totals): string {
  const cache = totals.cacheReadTokens + totals.cacheWriteTokens;
  return `${groupedCount(totals.inputTokens)} in / ${groupedCount(totals.outputTokens)} out${cache > 0 ? ` / ${groupedCount(cache)} cache` : ''}`;
}

export function wallTime(state: Pick<SessionState, 'startedAt'>, at: string): number | undefined {
  const ms = Date.parse(at) - Date.parse(state.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

const short = (sha: string | undefined) => (sha ?? '?').slice(0, 10);

function describeBranch(facts: Pick<DeliveryFacts, 'branch' | 'base' | 'baseSha'>): string {
  if (!facts.branch) return 'none (standalone session)';
  return `${facts.branch}${facts.base ? ` from ${facts.base}${facts.baseSha ? ` at ${short(facts.baseSha)}` : ''}` : ''}`;
}

function describeCommits(facts: Pick<DeliveryFacts, 'commitCount' | 'commits'>): string {
  if (facts.commitCount === 0) return 'none';
  const shown = facts.commits.slice(0, 3).map((c) => `${short(c.sha).slice(0, 7)} ${c.subject}`);
  const more = facts.commitCount - shown.length;
  return `${facts.commitCount}: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** Where the delivery is, in one line. */
export function describeDelivery(facts: DeliveryFacts): string {
  if (!facts.written || !facts.dir) return 'not written (see the problems)';
  const parts = [facts.dir];
  if (facts.patches > 0)
    parts.push(`${facts.patches} patch${facts.patches === 1 ? '' : 'es'}, ${COMBINED_MBOX}, ${SUMMARY_MD}`);
  else parts.push(`${SUMMARY_MD} only: ${facts.noPatches ?? 'no patches'}`);
  if (facts.push?.ok) parts.push(`pushed to ${facts.push.remote}`);
  if (facts.prUrl) parts.push(`pull request ${facts.prUrl}`);
  return parts.join('; ');
}

/** The exact commands that apply the delivery, first the one that fits the mode best. */
export function applyCommands(facts: DeliveryFacts, mainRepo?: string): string[] {
  const out: string[] = [];
  if (facts.prUrl) out.push(`review and merge the pull request: ${facts.prUrl}`);
  if (facts.push?.ok && facts.branch)
    out.push(
      `git fetch ${facts.push.remote} ${facts.branch} && git merge FETCH_HEAD   # in your clone, on ${facts.base ?? 'the base'}`,
    );
  if (facts.mbox && facts.dir && facts.baseSha) {
    out.push(
      `git switch -c ${facts.branch ?? 'delivery'} ${short(facts.baseSha)} && git am ${facts.dir}/${COMBINED_MBOX}   # in any clone that has ${facts.base ?? 'the base'}`,
    );
  }
  if (facts.branch && facts.commitCount > 0 && mainRepo)
    out.push(`git -C ${mainRepo} merge ${facts.branch}   # the branch is in MAIN_REPO already`);
  return out;
}

export interface StandingRow {
  label: string;
  value: string;
}

/** The facts of a delivered session as rows: the console, Telegram and `status` show the same. */
export function deliveryRows(
  facts: DeliveryFacts,
  totals: Totals,
  wallMs: number | undefined,
  mainRepo?: string,
): StandingRow[] {
  const rows: StandingRow[] = [
    { label: 'branch', value: describeBranch(facts) },
    { label: 'commits', value: describeCommits(facts) },
  ];
  if (facts.diffstat) rows.push({ label: 'changes', value: facts.diffstat });
  rows.push({ label: 'checks', value: describeChecks(facts.checks) });
  if (facts.review) rows.push({ label: 'review', value: facts.review });
  rows.push({ label: 'spent', value: describeSpending(totals, wallMs) });
  rows.push({ label: 'delivery', value: describeDelivery(facts) });
  for (const problem of facts.problems)
    rows.push({
      label: 'warning',
      value: `${problem.what}. Fix: ${problem.fix}${problem.command ? ` (${problem.command})` : ''}`,
    });
  const apply = applyCommands(facts, mainRepo);
  if (apply.length > 0) rows.push({ label: 'next', value: apply[0]! });
  return rows;
}

/** Where a session that is not done stands: what the run can say without a delivery. */
export interface Standing {
  branch?: string | undefined;
  base?: string | undefined;
  commitCount?: number | undefined;
  diffstat?: string | undefined;
  checks: CheckLine[];
  totals: Totals;
  wallMs?: number | undefined;
  /** The command that goes on. */
  next: string;
}

export function standingRows(s: Standing): StandingRow[] {
  const rows: StandingRow[] = [];
  if (s.branch) {
    rows.push({ label: 'branch', value: `${s.branch}${s.base ? ` from ${s.base}` : ''}` });
    if (s.commitCount !== undefined) rows.push({ label: 'commits', value: String(s.commitCount) });
    if (s.diffstat) rows.push({ label: 'changes', value: s.diffstat });
  } else rows.push({ label: 'branch', value: 'none (standalone session)' });
  rows.push({ label: 'checks', value: describeChecks(s.checks) });
  rows.push({ label: 'spent', value: describeSpending(s.totals, s.wallMs) });
  rows.push({ label: 'delivery', value: 'not yet: written when the session is done' });
  rows.push({ label: 'next', value: s.next });
  return rows;
}

/** Rows as the console shows them: `  label:   value`. */
export function rowsText(rows: readonly StandingRow[]): string {
  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  return rows.map((r) => `  ${`${r.label}:`.padEnd(width)}${r.value}`).join('\n');
}

/** The first line of the task, as a pull request's title. */
export function prTitle(task: string): string {
  const line = (task.split('\n').find((l) => l.trim() !== '') ?? 'samocode session').trim().replace(/\s+/g, ' ');
  return line.length <= 100 ? line : `${line.slice(0, 99).trimEnd()}…`;
}

// ---- summary.md ----

export interface SummaryInput {
  state: SessionState;
  facts: DeliveryFacts;
  mainRepo?: string | undefined;
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** `summary.md`: everything a person needs to judge and apply the session's work, in one file. */
export function renderSummary({ state, facts, mainRepo }: SummaryInput): string {
  const totals = state.totals;
  const wall = wallTime(state, facts.time);
  const out: string[] = [`# ${prTitle(state.task)}`, ''];
  out.push('| | |', '|---|---|');
  const row = (label: string, value: string) => out.push(`| ${label} | ${cell(value)} |`);
  row('Session', `${state.session} (${code(state.name)})`);
  row('Branch', facts.branch ? code(facts.branch) : 'none: standalone session');
  row('Base', facts.base ? `${code(facts.base)}${facts.baseSha ? ` at ${code(short(facts.baseSha))}` : ''}` : '—');
  row('Commits', String(facts.commitCount));
  row('Changes', facts.diffstat ?? 'none');
  row('Iterations', String(state.iterations));
  row('Wall time', wall === undefined ? '?' : formatDuration(wall));
  row('Agent time', formatDuration(totals.agentMs));
  row('Cost', formatCost(totals.costUsd, totals.costEstimated, totals.costUsd > 0 && totals.costUsd < 0.01 ? 4 : 2));
  row('Tokens', describeTokens(totals));
  row('Delivered', `${facts.time} (DELIVER=${facts.mode})`);
  out.push('', '## Task', '', state.task.trim() || '(none)', '');
  if (state.lastSummary) out.push('## What the agent said last', '', state.lastSummary.trim(), '');

  out.push('## Commits', '');
  if (facts.commitCount === 0) out.push(facts.noPatches ?? 'None.');
  else {
    for (const c of facts.commits) out.push(`- ${code(short(c.sha))} ${c.subject}`);
    if (facts.commitCount > facts.commits.length) out.push(`- … and ${facts.commitCount - facts.commits.length} more`);
  }
  out.push('');

  out.push('## Checks', '');
  if (facts.checks.length === 0)
    out.push('No checks ran: samocode runs your tests itself when `VERIFY` is set (see the README).');
  else {
    out.push('| Check | Command | Result | Took | Runs | Log |', '|---|---|---|---|---|---|');
    for (const c of facts.checks) {
      const result = c.timedOut
        ? 'timed out'
        : c.exitCode === 0
          ? 'passed'
          : `failed: exit ${c.exitCode ?? 'none'}${c.cls ? ` (${c.cls})` : ''}`;
      out.push(
        `| ${cell(c.name)} | ${code(cell(c.command))} | ${result} | ${formatDuration(c.durationMs)} | ${c.runs}${c.failures ? ` (${c.failures} failed)` : ''} | ${c.log ? code(cell(c.log)) : ''} |`,
      );
    }
  }
  out.push('', '## Review', '', facts.review ? `Diff review: ${facts.review}.` : 'No diff review ran.', '');

  out.push('## Apply it', '');
  if (facts.prUrl) out.push(`Pull request: ${facts.prUrl}`, '');
  if (facts.push?.ok && facts.branch)
    out.push(
      `Pushed to \`${facts.push.remote}\` as \`${facts.branch}\`. In your clone, on \`${facts.base ?? 'the base'}\`:`,
      '',
      '```bash',
      `git fetch ${facts.push.remote} ${facts.branch}`,
      'git merge FETCH_HEAD',
      '```',
      '',
    );
  if (facts.mbox && facts.dir && facts.baseSha) {
    out.push(
      `The patches (${facts.patches}, \`git format-patch\` of \`${short(facts.baseSha)}..${facts.branch ?? 'HEAD'}\`) apply to the base with \`git am\`, in any clone that has \`${short(facts.baseSha)}\`:`,
      '',
      '```bash',
      `git switch -c ${facts.branch ?? 'delivery'} ${facts.baseSha}`,
      `git am ${facts.dir}/${COMBINED_MBOX}`,
      '```',
      '',
    );
    if (facts.verified)
      out.push("Checked at delivery: applied to the base, the patches give exactly the branch's tree.", '');
    if (facts.merges)
      out.push(
        `**Note:** the branch has ${facts.merges} merge commit${facts.merges === 1 ? '' : 's'}; \`git format-patch\` leaves merges out, so merge the branch instead of applying the patches.`,
        '',
      );
  }
  if (facts.branch && facts.commitCount > 0 && mainRepo)
    out.push(
      'Or merge the branch where it already is:',
      '',
      '```bash',
      `git -C ${mainRepo} merge ${facts.branch}`,
      '```',
      '',
    );
  if (facts.commitCount === 0) out.push(`Nothing to apply: ${facts.noPatches ?? 'the session made no commits'}.`, '');

  if (facts.problems.length > 0) {
    out.push('## Problems', '');
    for (const p of facts.problems)
      out.push(
        `- **${p.step}**: ${p.what}. Fix: ${p.fix}${p.command ? `\n  \`\`\`bash\n  ${p.command}\n  \`\`\`` : ''}`,
      );
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The console's last words for a done session: the verdict line, then the rows. */
export function doneText(state: SessionState, facts: DeliveryFacts, mainRepo?: string): string {
  const head = `session ${state.session} is done after ${state.iterations} iteration${state.iterations === 1 ? '' : 's'}${facts.problems.length ? ' (with a delivery warning)' : ''}.`;
  return `${head}\n${rowsText(deliveryRows(facts, state.totals, wallTime(state, facts.time), mainRepo))}`;
}
