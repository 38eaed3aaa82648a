// Read-only views of sessions, data → text. Pure: the facts are gathered from disk in src/app/inspect.ts, and `now`
// is passed in, so every line here is testable with fixed data. The JSON output is built from the same facts as the
// text, so the two cannot tell different stories.
import type { Approval } from '../../core/answers.js';
import { PHASE_RULES, isPhase, type Phase } from '../../core/phases.js';
import { formatDuration } from '../../core/prompt.js';
import { formatCost } from '../../core/cost.js';
import type { HistoryEntry, IterationEntry, SessionState, SessionStatus, Totals } from '../../core/state.js';
import { OVERVIEW_FILE } from '../../core/session-files.js';

/** Output is laid out to fit a terminal this wide. */
export const WIDTH = 120;

// ---------------------------------------------------------------------------------------------------------------
// Inputs: what the IO side found.

export type OverviewView =
  | { kind: 'state'; state: SessionState }
  /** A Python-era `_overview.md`: the next run migrates it. */
  | { kind: 'legacy'; phase: Phase; iterations: number }
  | { kind: 'invalid'; message: string }
  | { kind: 'missing' };

/** Who holds `.lock`. */
export type Liveness =
  | { kind: 'none' }
  /** Held by a live process on this host; `agentPid` when `.lock.agent` names a live agent of the same run. */
  | { kind: 'live'; pid: number; startedAt?: string | undefined; agentPid?: number | undefined }
  /** Left behind by a process that is gone (a crash or kill -9): the next run takes it over. */
  | { kind: 'stale'; pid: number; startedAt?: string | undefined }
  /** Held by a process on another host: it cannot be checked from here. */
  | { kind: 'elsewhere'; pid: number; host: string; startedAt?: string | undefined };

/** What the person is asked to edit while the session waits. */
export type GateView =
  | { kind: 'qa'; file: string; exists: boolean; questions: number; unanswered: string[] }
  | { kind: 'plan'; file: string; exists: boolean; approval: Approval }
  | { kind: 'other'; file: string };

export interface SessionPaths {
  folder: string;
  overview: string;
  history: string;
  logs: string;
  sessionLog: string;
}

export interface StatusView {
  /** Folder name, e.g. `26-11-21-add-auth`. */
  folder: string;
  /** The short name to pass to --session. */
  name: string;
  paths: SessionPaths;
  overview: OverviewView;
  lock: Liveness;
  gate?: GateView | undefined;
  lastIteration?: IterationEntry | undefined;
  /** The iteration limit of the current phase (SAMOCODE_PHASE_LIMITS). */
  phaseLimit?: number | undefined;
  /** The command that goes on with the session (a plain re-run). */
  rerun: string;
  /** The command that wakes an orchestrator that is waiting for the person. */
  resume: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers.

/** `3 min ago`, `2 h 5 min ago`, `4 days ago`; a time in the future (clock skew) is `just now`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 5_000) return 'just now';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min ago` : `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** `(3 min ago)` after a time, or nothing when the time cannot be read. */
function agoSuffix(iso: string, now: Date): string {
  const age = ageOf(iso, now);
  return age === null ? '' : ` (${formatAge(age)})`;
}

function ageOf(iso: string | undefined, now: Date): number | null {
  if (!iso) return null;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : now.getTime() - time;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local `YYYY-MM-DD`; undefined for an unreadable time. */
export function localDate(iso: string): string | undefined {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** Local `HH:MM:SS`; the text itself for an unreadable time. */
export function localClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

function localDateTime(iso: string): string {
  const date = localDate(iso);
  return date ? `${date} ${localClock(iso)}` : iso;
}

/** One line, at most `max` characters: whitespace runs collapse to one space, the cut is marked with `…`. */
export function fit(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  if (max <= 1) return '…'.slice(0, max);
  return `${flat.slice(0, max - 1).trimEnd()}…`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

interface Column {
  header: string;
  align?: 'right' | undefined;
  /** The column that takes what is left of WIDTH (its cells are cut to fit). */
  flex?: boolean | undefined;
  /** Narrowest the flex column may get. */
  min?: number | undefined;
}

/** A plain text table: columns two spaces apart, the flex column cut to keep lines within `width`. */
function table(columns: Column[], rows: (string[] | { line: string })[], width = WIDTH): string[] {
  const cells = rows.filter((r): r is string[] => Array.isArray(r));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const flex = columns.findIndex((c) => c.flex);
  if (flex !== -1) {
    const others = widths.reduce((sum, w, i) => (i === flex ? sum : sum + w), 0) + 2 * (columns.length - 1);
    widths[flex] = Math.min(widths[flex]!, Math.max(columns[flex]!.min ?? 20, width - others));
  }
  const render = (row: string[]) =>
    columns
      .map((c, i) => {
        const text = i === flex ? fit(row[i] ?? '', widths[i]!) : (row[i] ?? '');
        return c.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...rows.map((r) => (Array.isArray(r) ? render(r) : r.line))];
}

function shortPhase(phase: string): string {
  return isPhase(phase) ? PHASE_RULES[phase].short : phase;
}

// ---------------------------------------------------------------------------------------------------------------
// status

export interface OrchestratorFacts {
  /** true: a live process on this host; false: the lock was left by a process that is gone; null: another host. */
  live: boolean | null;
  pid: number;
  host: string | null;
  agentPid: number | null;
  startedAt: string | null;
}

export interface EditFacts {
  file: string;
  exists: boolean;
  /** What to do with the file, in words. */
  what: string;
  questions: number | null;
  /** Ids of the questions still `_waiting_`. */
  unanswered: string[] | null;
  /** `_plan.md`: waiting | approved | rejected | unclear. */
  approval: Approval['state'] | null;
  feedback: string | null;
}

export interface LastSignalFacts {
  seq: number;
  iteration: number;
  time: string;
  phase: string;
  phaseAfter: string;
  /** The status the agent wrote (null when there was no readable signal). */
  status: string | null;
  statusAfter: string;
  for: string | null;
  summary: string | null;
  reason: string | null;
  needs: string | null;
  /** `ok`, or the problem kind that rejected the signal. */
  validation: string;
  problem: string | null;
  attempts: number | null;
  durationMs: number | null;
}

/** `orchestrate status --json`: every key is always present (null when unknown). */
export interface StatusFacts {
  session: string;
  name: string;
  /** How `_overview.md` read: ok, legacy (Python-era, migrated by the next run), invalid, missing. */
  overview: 'ok' | 'legacy' | 'invalid' | 'missing';
  /** What is wrong with `_overview.md`, when it is not ok. */
  problem: string | null;
  phase: string | null;
  /** The status recorded in `_overview.md`; null when it cannot be read. */
  status: SessionStatus | null;
  /** The status as a person reads it: `running (pid 12, agent pid 13)`, `waiting for qa_answers` … */
  statusLine: string;
  orchestrator: OrchestratorFacts | null;
  waitingFor: string | null;
  needs: string | null;
  blockedKind: string | null;
  blockedReason: string | null;
  edit: EditFacts | null;
  /** What to do next, in words (with the command). */
  next: string | null;
  iterations: { total: number | null; inPhase: number | null; phaseLimit: number | null };
  lastSignal: LastSignalFacts | null;
  lastSummary: string | null;
  totals: Totals | null;
  startedAt: string | null;
  updatedAt: string | null;
  updatedAgoMs: number | null;
  workingDir: string | null;
  branch: string | null;
  baseBranch: string | null;
  standalone: boolean | null;
  paths: SessionPaths;
}

function orchestratorFacts(lock: Liveness): OrchestratorFacts | null {
  switch (lock.kind) {
    case 'none':
      return null;
    case 'live':
      return { live: true, pid: lock.pid, host: null, agentPid: lock.agentPid ?? null, startedAt: lock.startedAt ?? null };
    case 'stale':
      return { live: false, pid: lock.pid, host: null, agentPid: null, startedAt: lock.startedAt ?? null };
    case 'elsewhere':
      return { live: null, pid: lock.pid, host: lock.host, agentPid: null, startedAt: lock.startedAt ?? null };
  }
}

const NOT_RUNNING = 'running? (no orchestrator is running; last run stopped or crashed: run again to resume)';

/** The one-line status: what `list` shows too. */
export function statusLine(overview: OverviewView, lock: Liveness, file = OVERVIEW_FILE): string {
  switch (overview.kind) {
    case 'missing':
      return `not started: ${file} does not exist`;
    case 'invalid':
      return `unreadable: ${overview.message}`;
    case 'legacy':
      return `legacy: ${file} is in the Python samocode format (phase ${overview.phase}, iteration ${overview.iterations}); the next run migrates it`;
    case 'state':
      break;
  }
  const state = overview.state;
  switch (state.status) {
    case 'running':
      if (lock.kind === 'live') return `running (pid ${lock.pid}${lock.agentPid ? `, agent pid ${lock.agentPid}` : ''})`;
      if (lock.kind === 'elsewhere') return `running? (orchestrator pid ${lock.pid} on host ${lock.host}: cannot check it from here)`;
      return NOT_RUNNING;
    case 'waiting':
      return `waiting for ${state.waitingFor ?? 'you'}`;
    case 'blocked':
      return `blocked: ${state.blockedKind ?? 'unknown'}: ${state.blockedReason ?? '(no reason given)'}`;
    case 'done':
      return 'done';
  }
}

function editFacts(gate: GateView | undefined): EditFacts | null {
  if (!gate) return null;
  const base = { file: gate.file, exists: gate.kind === 'other' ? true : gate.exists, what: '', questions: null, unanswered: null, approval: null, feedback: null };
  switch (gate.kind) {
    case 'other':
      return { ...base, what: `do what the agent asked (see needs); notes for the agent go in ${gate.file}` };
    case 'qa': {
      if (!gate.exists) return { ...base, what: `${gate.file} does not exist: the agent did not write its questions there; see needs` };
      const left = gate.unanswered.length;
      const what =
        left === 0
          ? `all ${plural(gate.questions, 'question')} answered`
          : `${plural(left, 'question')} unanswered (${gate.unanswered.join(', ')}), ${gate.questions - left} answered: replace each "**Answer:** _waiting_" with your answer (a letter or free text)`;
      return { ...base, what, questions: gate.questions, unanswered: gate.unanswered };
    }
    case 'plan': {
      if (!gate.exists) return { ...base, what: `${gate.file} does not exist: the agent did not write its plan there; see needs` };
      const approval = gate.approval;
      const what =
        approval.state === 'waiting'
          ? 'the approval line still says _waiting_: read the plan, then replace it with "approved" or "rejected: <what to change>"'
          : approval.state === 'approved'
            ? 'approved'
            : approval.state === 'rejected'
              ? `rejected${approval.feedback ? `: ${approval.feedback}` : ' (no feedback given: say what to change after "rejected:")'}`
              : approval.line === undefined
                ? 'has no "**Approval:**" line: add "**Approval:** approved" or "**Approval:** rejected: <what to change>" at the end'
                : `the approval line says ${JSON.stringify(approval.line)}: write "approved" or "rejected: <what to change>"`;
      return { ...base, what, approval: approval.state, feedback: approval.state === 'rejected' ? approval.feedback : null };
    }
  }
}

function lastSignalFacts(entry: IterationEntry | undefined): LastSignalFacts | null {
  if (!entry) return null;
  const signal = entry.signal ?? null;
  return {
    seq: entry.seq,
    iteration: entry.iteration,
    time: entry.time,
    phase: entry.phase,
    phaseAfter: entry.phaseAfter,
    status: signal?.status ?? null,
    statusAfter: entry.statusAfter,
    for: signal?.for ?? null,
    summary: signal?.summary ?? null,
    reason: signal?.reason ?? null,
    needs: signal?.needs ?? null,
    validation: entry.validation,
    problem: entry.problem ?? null,
    attempts: entry.run?.attempts ?? null,
    durationMs: entry.run?.durationMs ?? null,
  };
}

function nextStep(view: StatusView, edit: EditFacts | null): string | null {
  const { overview, lock } = view;
  const waker = lock.kind === 'live';
  const go = waker ? `${view.resume} (the orchestrator, pid ${lock.pid}, is waiting for you)` : view.rerun;
  switch (overview.kind) {
    case 'missing':
      return `start it: ${view.rerun} --task "what to do"`;
    case 'invalid':
      return `fix or move away ${view.paths.overview}, then run: ${view.rerun}`;
    case 'legacy':
      return `run: ${view.rerun}`;
    case 'state':
      break;
  }
  switch (overview.state.status) {
    case 'running':
      return lock.kind === 'live' || lock.kind === 'elsewhere' ? null : `run again to resume: ${view.rerun}`;
    case 'waiting': {
      const ready = (edit?.unanswered?.length === 0 && edit.questions !== 0) || edit?.approval === 'approved' || edit?.approval === 'rejected';
      return ready ? `go on: ${go}` : `when you are done, run: ${go}`;
    }
    case 'blocked':
      return `fix the cause (notes for the agent go in ${view.paths.overview}), then run: ${go}`;
    case 'done':
      return null;
  }
}

export function statusFacts(view: StatusView, now: Date): StatusFacts {
  const { overview } = view;
  const state = overview.kind === 'state' ? overview.state : undefined;
  const edit = state?.status === 'waiting' ? editFacts(view.gate) : null;
  const phase = state?.phase ?? (overview.kind === 'legacy' ? overview.phase : null);
  return {
    session: view.folder,
    name: view.name,
    overview: overview.kind === 'state' ? 'ok' : overview.kind,
    problem:
      overview.kind === 'invalid'
        ? overview.message
        : overview.kind === 'legacy' || overview.kind === 'missing'
          ? statusLine(overview, view.lock, view.paths.overview)
          : null,
    phase,
    status: state?.status ?? null,
    statusLine: statusLine(overview, view.lock, view.paths.overview),
    orchestrator: orchestratorFacts(view.lock),
    waitingFor: state?.status === 'waiting' ? (state.waitingFor ?? null) : null,
    needs: state?.needs ?? null,
    blockedKind: state?.status === 'blocked' ? (state.blockedKind ?? null) : null,
    blockedReason: state?.status === 'blocked' ? (state.blockedReason ?? null) : null,
    edit,
    next: nextStep(view, edit),
    iterations: {
      total: state?.iterations ?? (overview.kind === 'legacy' ? overview.iterations : null),
      inPhase: state?.phaseIterations ?? null,
      phaseLimit: phase === null ? null : (view.phaseLimit ?? null),
    },
    lastSignal: lastSignalFacts(view.lastIteration),
    lastSummary: state?.lastSummary ?? null,
    totals: state?.totals ?? null,
    startedAt: state?.startedAt ?? null,
    updatedAt: state?.updatedAt ?? null,
    updatedAgoMs: ageOf(state?.updatedAt, now),
    workingDir: state?.workingDir ?? null,
    branch: state?.branch ?? null,
    baseBranch: state?.baseBranch ?? null,
    standalone: state?.standalone ?? null,
    paths: view.paths,
  };
}

export function formatTotals(totals: Totals): string {
  const parts = [`agent time ${formatDuration(totals.agentMs)}`];
  if (totals.costUsd > 0) parts.push(`cost ${formatCost(totals.costUsd, totals.costEstimated, totals.costUsd < 0.01 ? 4 : 2)}`);
  const tokens = [
    [totals.inputTokens, 'in'],
    [totals.outputTokens, 'out'],
    [totals.cacheReadTokens, 'cache read'],
    [totals.cacheWriteTokens, 'cache write'],
  ] as const;
  const shown = tokens.filter(([n]) => n > 0).map(([n, label]) => `${thousands(n)} ${label}`);
  if (shown.length > 0) parts.push(`tokens ${shown.join(' / ')}`);
  return parts.join(', ');
}

function describeSignal(s: LastSignalFacts, now: Date): string {
  const move = s.phase === s.phaseAfter ? `stayed in ${s.phase}` : `${s.phase} → ${s.phaseAfter}`;
  const head = `iteration ${s.iteration}, ${localDateTime(s.time)}${agoSuffix(s.time, now)}`;
  const status = s.status === null ? 'no signal' : `${s.status}${s.for ? ` for ${s.for}` : ''}`;
  const text = s.summary ?? s.reason;
  const lines = [`${head}: ${status}, ${move}${text ? `: ${fit(text, 200)}` : ''}`];
  if (s.validation !== 'ok') lines.push(`rejected (${s.validation})${s.problem ? `: ${fit(s.problem, 300)}` : ''}`);
  return lines.join('\n');
}

const LABEL = 'orchestrator: '.length;

export function formatStatus(facts: StatusFacts, now: Date): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => {
    const [first, ...rest] = value.split('\n');
    lines.push(`  ${`${label}:`.padEnd(LABEL)}${first}`);
    for (const more of rest) lines.push(`  ${''.padEnd(LABEL)}${more}`);
  };
  lines.push(`session ${facts.name} (${facts.session})`);
  row('status', facts.statusLine);
  const orchestrator = facts.orchestrator;
  if (orchestrator?.live && facts.status !== 'running') {
    row('orchestrator', `pid ${orchestrator.pid} is running${facts.status === 'waiting' || facts.status === 'blocked' ? ' and waiting for you' : ''}`);
  } else if (orchestrator?.live === false && facts.status !== 'running') {
    row('orchestrator', `none running (a lock left by pid ${orchestrator.pid}, which is gone, is taken over by the next run)`);
  }
  if (facts.needs) row('needs', facts.needs);
  if (facts.edit) row('edit', `${facts.edit.file}: ${facts.edit.what}`);
  if (facts.next) row('next', facts.next);
  if (facts.phase !== null) {
    const { total, inPhase, phaseLimit } = facts.iterations;
    const parts: string[] = [];
    if (inPhase !== null) parts.push(`${plural(inPhase, 'iteration')} in this phase${phaseLimit !== null ? ` (limit ${phaseLimit})` : ''}`);
    if (total !== null) parts.push(`${total} in total`);
    if (total !== null && facts.status === 'running' && orchestrator?.live) parts.push(`iteration ${total + 1} is running`);
    row('phase', `${facts.phase}${parts.length ? `: ${parts.join(', ')}` : ''}`);
  } else if (facts.lastSignal) {
    row('phase', `unknown (the history's last iteration, ${facts.lastSignal.iteration}, ended in ${facts.lastSignal.phaseAfter})`);
  }
  if (facts.lastSignal) row('last signal', describeSignal(facts.lastSignal, now));
  if (facts.lastSummary && facts.lastSummary !== facts.lastSignal?.summary) row('last summary', fit(facts.lastSummary, 300));
  if (facts.totals) row('totals', formatTotals(facts.totals));
  if (facts.startedAt) row('started', `${localDateTime(facts.startedAt)}${agoSuffix(facts.startedAt, now)}`);
  if (facts.updatedAt) row('updated', `${localDateTime(facts.updatedAt)}${agoSuffix(facts.updatedAt, now)}`);
  if (facts.workingDir) {
    const where = facts.standalone ? 'standalone: no git worktree' : facts.branch ? `branch ${facts.branch}${facts.baseBranch ? ` from ${facts.baseBranch}` : ''}` : undefined;
    row('working dir', `${facts.workingDir}${where ? ` (${where})` : ''}`);
  }
  const p = facts.paths;
  row('files', [`${p.folder}  (session folder)`, `${p.overview}  (state and the agent's notes)`, `${p.history}  (every iteration: orchestrate history)`, `${p.logs}/  (each agent run's prompt and output)`, `${p.sessionLog}  (orchestrator log)`].join('\n'));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// history

export interface HistoryRead {
  entries: HistoryEntry[];
  /** 1-based line numbers of lines that could not be read (torn by a crash mid-append, or edited by hand). */
  skipped: number[];
  file: string;
  exists: boolean;
}

function entryCells(entry: HistoryEntry, short: boolean): string[] {
  const phaseName = (p: string | undefined) => (p === undefined ? '?' : short ? shortPhase(p) : p);
  const common = [String(entry.seq), localClock(String(entry.time)), String(entry.iteration ?? '')];
  switch (entry.event) {
    case 'iteration': {
      const signal = entry.signal ?? null;
      const status = `${signal?.status ?? 'no signal'} / ${entry.validation ?? '?'}`;
      const text =
        entry.validation !== undefined && entry.validation !== 'ok'
          ? (entry.problem ?? signal?.reason ?? signal?.summary ?? '')
          : signal?.status === 'blocked'
            ? (signal.reason ?? signal.summary ?? '')
            : `${signal?.summary ?? ''}${signal?.status === 'waiting' && signal.for && !signal.summary?.includes(signal.for) ? ` (for ${signal.for})` : ''}`;
      return [
        ...common,
        'iteration',
        `${phaseName(entry.phase)} → ${phaseName(entry.phaseAfter)}`,
        status,
        entry.run?.attempts === undefined ? '' : String(entry.run.attempts),
        entry.run?.durationMs === undefined ? '' : formatDuration(entry.run.durationMs),
        text,
      ];
    }
    case 'resumed':
      return [...common, '» resumed', phaseName(entry.phase), `from ${entry.from}`, '', '', String(entry.how ?? '')];
    case 'interrupted':
      return [...common, '! interrupted', phaseName(entry.phase), String(entry.signal), String(entry.attempts ?? ''), '', `stopped; iteration ${entry.iteration} runs again`];
    default: {
      const unknown = entry as { event?: unknown; phase?: string };
      return [...common, String(unknown.event ?? '?'), phaseName(unknown.phase), '', '', '', ''];
    }
  }
}

const HISTORY_COLUMNS: Column[] = [
  { header: 'seq', align: 'right' },
  { header: 'time' },
  { header: 'iter', align: 'right' },
  { header: 'event' },
  { header: 'phase' },
  { header: 'status / validation' },
  { header: 'att', align: 'right' },
  { header: 'took', align: 'right' },
  { header: 'summary / problem', flex: true, min: 24 },
];

/** The widest a table gets apart from its flex column. */
function fixedWidth(rows: string[][], columns: Column[]): number {
  return columns.reduce((sum, c, i) => (c.flex ? sum : sum + Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)) + 2), 0);
}

/** `width`: the terminal's; Infinity (piped) prints every summary whole. */
export function formatHistory(read: HistoryRead, width = WIDTH): string {
  const lines = [`history of ${read.file}`];
  if (read.entries.length === 0) {
    lines.push(read.exists ? 'no entries yet: the session has not finished an iteration' : 'no history yet: the session has not run an iteration');
  } else {
    // Full phase names when they leave the summary room enough; else the short labels (inv, req, plan …).
    let short = false;
    let cells = read.entries.map((e) => entryCells(e, false));
    const longest = Math.max(...cells.map((c) => c.at(-1)!.length));
    if (width - fixedWidth(cells, HISTORY_COLUMNS) < Math.min(40, longest)) {
      short = true;
      cells = read.entries.map((e) => entryCells(e, true));
    }
    const rows: (string[] | { line: string })[] = [];
    let day: string | undefined;
    read.entries.forEach((entry, i) => {
      const date = localDate(String(entry.time));
      if (date && date !== day) {
        rows.push({ line: `-- ${date}` });
        day = date;
      }
      rows.push(cells[i]!);
    });
    lines.push(...table(HISTORY_COLUMNS, rows, width));
    const iterations = read.entries.filter((e) => e.event === 'iteration').length;
    const count = `${read.entries.length} ${read.entries.length === 1 ? 'entry' : 'entries'}`;
    const used = [...new Set(read.entries.flatMap((e) => [e.phase, e.event === 'iteration' ? e.phaseAfter : e.phase]))].filter(isPhase);
    const legend = used.filter((p) => shortPhase(p) !== p).map((p) => `${shortPhase(p)} = ${p}`);
    lines.push('', `${count}, ${plural(iterations, 'iteration')}${short && legend.length ? ` (${legend.join(', ')})` : ''}`);
  }
  if (read.skipped.length > 0) {
    const where = read.skipped.length <= 5 ? ` (line${read.skipped.length === 1 ? '' : 's'} ${read.skipped.join(', ')})` : '';
    lines.push(`${plural(read.skipped.length, 'unreadable line')} skipped${where}: torn by a crash mid-write, or edited by hand`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// list

export interface ListInput {
  folder: string;
  name: string;
  path: string;
  overview: OverviewView;
  lock: Liveness;
}

/** One element of `orchestrate list --json`. */
export interface ListFacts {
  name: string;
  session: string;
  folder: string;
  overview: 'ok' | 'legacy' | 'invalid' | 'missing';
  phase: string | null;
  status: SessionStatus | null;
  statusLine: string;
  /** true: an orchestrator is running it now; false: none is; null: its lock is held on another host. */
  live: boolean | null;
  pid: number | null;
  iterations: number | null;
  updatedAt: string | null;
  updatedAgoMs: number | null;
}

const FOLDER_DATE = /^(\d{2})-(\d{2})-(\d{2})-/;

/** When the session was last updated, for sorting: `updatedAt`, else the date in the folder name. */
function sortTime(row: ListFacts): number {
  const updated = row.updatedAt ? Date.parse(row.updatedAt) : Number.NaN;
  if (!Number.isNaN(updated)) return updated;
  const dated = FOLDER_DATE.exec(row.session);
  return dated ? new Date(2000 + Number(dated[1]), Number(dated[2]) - 1, Number(dated[3])).getTime() : Number.NEGATIVE_INFINITY;
}

function briefStatus(input: ListInput): string {
  const { overview, lock } = input;
  switch (overview.kind) {
    case 'missing':
      return 'not started (no _overview.md)';
    case 'invalid':
      return 'unreadable _overview.md (see status)';
    case 'legacy':
      return 'legacy format (the next run migrates it)';
    case 'state':
      break;
  }
  const state = overview.state;
  if (state.status === 'running') {
    if (lock.kind === 'live') return `running (pid ${lock.pid})`;
    if (lock.kind === 'elsewhere') return `running? (on host ${lock.host})`;
    return 'running? (no orchestrator: run again to resume)';
  }
  const line = statusLine(overview, lock);
  return lock.kind === 'live' ? `${line} (pid ${lock.pid} waits)` : line;
}

/** Newest first. */
export function listFacts(inputs: ListInput[], now: Date): ListFacts[] {
  const rows = inputs.map((input): ListFacts => {
    const { overview, lock } = input;
    const state = overview.kind === 'state' ? overview.state : undefined;
    return {
      name: input.name,
      session: input.folder,
      folder: input.path,
      overview: overview.kind === 'state' ? 'ok' : overview.kind,
      phase: state?.phase ?? (overview.kind === 'legacy' ? overview.phase : null),
      status: state?.status ?? null,
      statusLine: briefStatus(input),
      live: lock.kind === 'live' ? true : lock.kind === 'elsewhere' ? null : false,
      pid: lock.kind === 'none' ? null : lock.pid,
      iterations: state?.iterations ?? (overview.kind === 'legacy' ? overview.iterations : null),
      updatedAt: state?.updatedAt ?? null,
      updatedAgoMs: ageOf(state?.updatedAt, now),
    };
  });
  return rows.sort((a, b) => sortTime(b) - sortTime(a) || (a.session < b.session ? 1 : a.session > b.session ? -1 : 0));
}

export function formatList(rows: ListFacts[], opts: { sessions: string; configFile: string; width?: number | undefined }): string {
  const command = `orchestrate --config ${shellQuote(opts.configFile)}`;
  if (rows.length === 0) {
    return `no sessions under ${opts.sessions} yet; start one with ${command} --session <name> --task "what to do"\n`;
  }
  const columns: Column[] = [
    { header: 'name' },
    { header: 'phase' },
    { header: 'status', flex: true, min: 30 },
    { header: 'iter', align: 'right' },
    { header: 'updated' },
    { header: 'folder' },
  ];
  const cells = rows.map((r) => [
    fit(r.name, 30),
    r.phase ?? '?',
    r.statusLine,
    r.iterations === null ? '?' : String(r.iterations),
    r.updatedAgoMs === null ? '?' : formatAge(r.updatedAgoMs),
    r.session,
  ]);
  const lines = [`sessions under ${opts.sessions}, newest first:`, ...table(columns, cells, opts.width ?? WIDTH)];
  lines.push('', `${plural(rows.length, 'session')}; details: orchestrate status --config ${shellQuote(opts.configFile)} --session <name>`);
  return `${lines.join('\n')}\n`;
}

/** Quote a path for a shell command line only when it needs it. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
