// The replies to /sessions, /log, /stats, the queue part of /status, and the progress message: what the run knows
// about every session, turned into Telegram HTML. Pure. The facts come from functions the run passes in
// (commands/run/telegram-views.ts reads them with the same readers as `orchestrate list`, `log`, `queue`), since this
// room may not import the commands; the shapes they fill are declared here.
import { formatCost } from '../core/cost.js';
import { formatDuration } from '../core/prompt.js';
import { shortCount } from '../core/count-format.js';
import type { Usage } from '../core/recent-usage.js';
import { clip, escapeHtml as esc } from './html.js';

/** One line of /sessions: a row of `orchestrate list`. */
export interface SessionRow {
  name: string;
  phase: string | null;
  /** `running (pid 12)`, `waiting for qa_answers`, `blocked (stalled): …`, `done`. */
  status: string;
  iterations: number | null;
  updatedAgoMs: number | null;
  /** Its queue job's state, when it has one. */
  job?: string | undefined;
}

/** The last actions of a session's newest iteration, as `orchestrate log` prints them. */
export interface ActionsView {
  iteration: number;
  phase: string;
  /** The iteration has no end in the history yet. */
  running: boolean;
  /** Oldest first. */
  lines: string[];
  /** The newest action without its time and place (the progress message says those). */
  latest?: string | undefined;
  /** Actions of the iteration before these (not shown). */
  earlier: number;
}

export interface StatsView extends Usage {
  hours: number;
  /** Sessions with at least one iteration in the window, and all sessions there are. */
  activeSessions: number;
  allSessions: number;
  /** Sessions whose history could not be read (left out of the sums). */
  unreadable: number;
  /** The costliest sessions of the window, costliest first. */
  top: { name: string; iterations: number; costUsd: number }[];
}

export interface QueueView {
  backend: 'local' | 'redis';
  /** Jobs per state, in the order `orchestrate queue` shows them. */
  counts: { state: string; count: number; names: string[] }[];
  /** The queue could not be read (Redis away): why. */
  problem?: string | undefined;
}

/** What the run passes in; each may be slow (the Redis queue) or fail (the reply says so). */
export interface TelegramViews {
  sessions: () => SessionRow[] | Promise<SessionRow[]>;
  /** Of this run's session; undefined before its first iteration. */
  actions: (max: number) => ActionsView | undefined | Promise<ActionsView | undefined>;
  stats: () => StatsView | Promise<StatsView>;
  /** undefined: no queue is configured (no SAMOCODE_QUEUE and no local job). */
  queue: () => QueueView | undefined | Promise<QueueView | undefined>;
}

/** Rows /sessions shows; the rest is counted (Telegram's limit, and a phone's screen). */
export const SESSIONS_SHOWN = 25;
/** Actions /log shows. */
export const LOG_ACTIONS = 15;
/** Job names shown per state in /status. */
const NAMES_SHOWN = 5;
/** Characters of one action line. */
const LINE_CHARS = 300;

export function formatSessions(rows: readonly SessionRow[], sessionsDir: string): string {
  if (rows.length === 0) return `No sessions under <code>${esc(sessionsDir)}</code> yet.`;
  const shown = rows.slice(0, SESSIONS_SHOWN).map((row) => {
    const facts = [
      row.phase ?? '?',
      clip(row.status, 200),
      row.iterations === null ? undefined : `${row.iterations} it.`,
      row.job ? `job ${row.job}` : undefined,
      row.updatedAgoMs === null ? undefined : `${formatDuration(row.updatedAgoMs)} ago`,
    ].filter((f) => f !== undefined);
    return `• <b>${esc(row.name)}</b> · ${esc(facts.join(' · '))}`;
  });
  const more = rows.length - shown.length;
  return [
    `📚 <b>${rows.length} session${rows.length === 1 ? '' : 's'}</b>, newest first:`,
    ...shown,
    more > 0 ? `… and ${more} more (<code>orchestrate list</code> shows them all)` : undefined,
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

export function formatActions(sessionName: string, view: ActionsView | undefined): string {
  const who = `<b>${esc(sessionName)}</b>`;
  if (!view) return `${who}: no iteration has run yet, so there is nothing to show.`;
  const title = view.running
    ? `iteration ${view.iteration} (${esc(view.phase)}), running`
    : `iteration ${view.iteration} (${esc(view.phase)}), the last one; none runs now`;
  if (view.lines.length === 0) return `📜 ${who} · ${title}: no actions yet.`;
  const earlier = view.earlier > 0 ? `(${view.earlier} earlier not shown)\n` : '';
  return [
    `📜 ${who} · ${title}, the last ${view.lines.length} action${view.lines.length === 1 ? '' : 's'}:`,
    `<pre>${earlier}${view.lines.map((line) => esc(clip(line, LINE_CHARS))).join('\n')}</pre>`,
  ].join('\n');
}

export function formatStats(view: StatsView): string {
  const window = `the last ${view.hours} h`;
  const left =
    view.unreadable > 0
      ? `\n(${view.unreadable} session${view.unreadable === 1 ? '' : 's'} left out: the history could not be read)`
      : '';
  if (view.iterations === 0)
    return `📊 No iterations in ${window} (${view.allSessions} session${view.allSessions === 1 ? '' : 's'} in all).${left}`;
  const tokens = view.inputTokens + view.outputTokens + view.cacheTokens;
  const lines = [
    `📊 <b>${window}</b>: ${view.activeSessions} of ${view.allSessions} session${view.allSessions === 1 ? '' : 's'} ran`,
    `<b>iterations:</b> ${view.iterations}${view.failedIterations > 0 ? ` (${view.failedIterations} failed)` : ''}`,
    `<b>cost:</b> ${view.costUsd > 0 ? esc(formatCost(view.costUsd, view.costEstimated)) : 'none reported'}`,
    tokens > 0
      ? `<b>tokens:</b> ${count(view.inputTokens)} in / ${count(view.outputTokens)} out${view.cacheTokens > 0 ? ` / ${count(view.cacheTokens)} cache` : ''}`
      : '<b>tokens:</b> none reported',
  ];
  if (view.top.length > 1 || (view.top.length === 1 && view.activeSessions > 1)) {
    lines.push(
      '<b>costliest:</b>',
      ...view.top.map(
        (s) =>
          `• ${esc(s.name)}: ${s.iterations} it.${s.costUsd > 0 ? `, ${esc(formatCost(s.costUsd, view.costEstimated))}` : ''}`,
      ),
    );
  }
  return lines.join('\n') + left;
}

/** The queue part of /status. */
export function formatQueue(view: QueueView): string {
  const name = view.backend === 'redis' ? 'the Redis queue' : 'the queue';
  if (view.problem) return `<b>Queue:</b> ${name} could not be read: ${esc(clip(view.problem, 500))}`;
  const busy = view.counts.filter((c) => c.count > 0);
  if (busy.length === 0) return `<b>Queue:</b> ${name} is empty.`;
  return [
    `<b>Queue</b> (${name}): ${busy.map((c) => `${c.count} ${esc(c.state)}`).join(', ')}`,
    ...busy.map((c) => {
      const names = c.names.slice(0, NAMES_SHOWN).map(esc).join(', ');
      const more = c.names.length > NAMES_SHOWN ? `, … ${c.names.length - NAMES_SHOWN} more` : '';
      return `• ${esc(c.state)}: ${names}${more}`;
    }),
  ].join('\n');
}

export interface ProgressFacts {
  sessionName: string;
  phase: string;
  iteration: number;
  attempt: number;
  elapsedMs: number;
  /** The newest action of the iteration, without its time and place. */
  lastAction?: string | undefined;
  costUsd: number;
  costEstimated: boolean;
}

export function formatProgress(facts: ProgressFacts): string {
  const attempt = facts.attempt > 1 ? `, attempt ${facts.attempt}` : '';
  return [
    `⏳ <b>${esc(facts.sessionName)}</b> · ${esc(facts.phase)} · iteration ${facts.iteration}${attempt}, running for ${formatDuration(facts.elapsedMs)}`,
    `<b>last action:</b> ${facts.lastAction ? esc(clip(facts.lastAction, LINE_CHARS)) : '(none yet)'}`,
    `<b>cost so far:</b> ${facts.costUsd > 0 ? esc(formatCost(facts.costUsd, facts.costEstimated)) : 'none reported yet'} · /log for more`,
  ].join('\n');
}

const count = (n: number): string => shortCount(n, { wholeThousands: true });
