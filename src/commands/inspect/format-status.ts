// `orchestrate status`, data → text and JSON. Pure: the facts are gathered from disk in inspect.ts, and `now` is
// passed in, so every line here is testable with fixed data. The JSON output is built from the same facts as the
// text, so the two cannot tell different stories.
import type { Approval } from '../../core/answers.js';
import { formatDuration } from '../../core/prompt.js';
import { formatCost } from '../../core/cost.js';
import type { IterationEntry, SessionStatus, Totals } from '../../core/state.js';
import { applyCommands, deliveryRows, wallTime, type DeliveryFacts, type StandingRow } from '../../core/delivery.js';
import { OVERVIEW_FILE } from '../../core/session-files.js';
import type { GateView, Liveness, OverviewView, SessionPaths, StatusView } from './views.js';
import { ageOf, agoSuffix, fit, localDateTime, plural, thousands } from './text.js';

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
  /** What the session was asked to do; null when `_overview.md` cannot be read. */
  task: string | null;
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
  /** A done session's delivery (the history's last `delivered` entry): patches, push, PR, checks, problems. */
  delivery: DeliveryFacts | null;
  /** Where a done session stands, as the run's last words said it: branch, commits, checks, spent, delivery, next. */
  standing: StandingRow[] | null;
  paths: SessionPaths;
}

function orchestratorFacts(lock: Liveness): OrchestratorFacts | null {
  switch (lock.kind) {
    case 'none':
      return null;
    case 'live':
      return {
        live: true,
        pid: lock.pid,
        host: null,
        agentPid: lock.agentPid ?? null,
        startedAt: lock.startedAt ?? null,
      };
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
      if (lock.kind === 'live')
        return `running (pid ${lock.pid}${lock.agentPid ? `, agent pid ${lock.agentPid}` : ''})`;
      if (lock.kind === 'elsewhere')
        return `running? (orchestrator pid ${lock.pid} on host ${lock.host}: cannot check it from here)`;
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
  const base = {
    file: gate.file,
    exists: gate.kind === 'other' ? true : gate.exists,
    what: '',
    questions: null,
    unanswered: null,
    approval: null,
    feedback: null,
  };
  switch (gate.kind) {
    case 'other':
      return { ...base, what: `do what the agent asked (see needs); notes for the agent go in ${gate.file}` };
    case 'qa': {
      if (!gate.exists)
        return { ...base, what: `${gate.file} does not exist: the agent did not write its questions there; see needs` };
      const left = gate.unanswered.length;
      const what =
        left === 0
          ? `all ${plural(gate.questions, 'question')} answered`
          : `${plural(left, 'question')} unanswered (${gate.unanswered.join(', ')}), ${gate.questions - left} answered: replace each "**Answer:** _waiting_" with your answer (a letter or free text)`;
      return { ...base, what, questions: gate.questions, unanswered: gate.unanswered };
    }
    case 'plan': {
      if (!gate.exists)
        return { ...base, what: `${gate.file} does not exist: the agent did not write its plan there; see needs` };
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
      return {
        ...base,
        what,
        approval: approval.state,
        feedback: approval.state === 'rejected' ? approval.feedback : null,
      };
    }
    case 'review': {
      if (!gate.exists) return { ...base, what: `${gate.file} does not exist: run the session again to review anew` };
      const decision = gate.approval;
      const found = `${plural(gate.findings, 'finding')} of the review of the diff`;
      const what =
        decision.state === 'waiting'
          ? `${found}: read them, then replace "**Decision:** _waiting_" with "approved" or "rejected: <what to change>"`
          : decision.state === 'approved'
            ? `${found}: approved`
            : decision.state === 'rejected'
              ? `${found}: rejected${decision.feedback ? `: ${decision.feedback}` : ' (no feedback given: say what to change after "rejected:")'}`
              : `${found}: the decision line ${decision.line === undefined ? 'is missing' : `says ${JSON.stringify(decision.line)}`}: write "approved" or "rejected: <what to change>"`;
      return {
        ...base,
        what,
        approval: decision.state,
        feedback: decision.state === 'rejected' ? decision.feedback : null,
      };
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
      const ready =
        (edit?.unanswered?.length === 0 && edit.questions !== 0) ||
        edit?.approval === 'approved' ||
        edit?.approval === 'rejected';
      return ready ? `go on: ${go}` : `when you are done, run: ${go}`;
    }
    case 'blocked':
      return `fix the cause (notes for the agent go in ${view.paths.overview}), then run: ${go}`;
    case 'done':
      return view.lastDelivery ? (applyCommands(view.lastDelivery, view.mainRepo)[0] ?? null) : null;
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
    task: state?.task ?? null,
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
    delivery: view.lastDelivery ?? null,
    standing:
      state && view.lastDelivery
        ? deliveryRows(view.lastDelivery, state.totals, wallTime(state, view.lastDelivery.time), view.mainRepo)
        : null,
    paths: view.paths,
  };
}

export function formatTotals(totals: Totals): string {
  const parts = [`agent time ${formatDuration(totals.agentMs)}`];
  if (totals.costUsd > 0)
    parts.push(`cost ${formatCost(totals.costUsd, totals.costEstimated, totals.costUsd < 0.01 ? 4 : 2)}`);
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
    row(
      'orchestrator',
      `pid ${orchestrator.pid} is running${facts.status === 'waiting' || facts.status === 'blocked' ? ' and waiting for you' : ''}`,
    );
  } else if (orchestrator?.live === false && facts.status !== 'running') {
    row(
      'orchestrator',
      `none running (a lock left by pid ${orchestrator.pid}, which is gone, is taken over by the next run)`,
    );
  }
  // A done session: where it stands and how to apply it (its own next row comes from the same rows).
  for (const r of facts.standing ?? []) if (r.label !== 'next') row(r.label, r.value);
  if (facts.needs) row('needs', facts.needs);
  if (facts.edit) row('edit', `${facts.edit.file}: ${facts.edit.what}`);
  if (facts.next) row('next', facts.next);
  if (facts.phase !== null) {
    const { total, inPhase, phaseLimit } = facts.iterations;
    const parts: string[] = [];
    if (inPhase !== null)
      parts.push(`${plural(inPhase, 'iteration')} in this phase${phaseLimit !== null ? ` (limit ${phaseLimit})` : ''}`);
    if (total !== null) parts.push(`${total} in total`);
    if (total !== null && facts.status === 'running' && orchestrator?.live)
      parts.push(`iteration ${total + 1} is running`);
    row('phase', `${facts.phase}${parts.length ? `: ${parts.join(', ')}` : ''}`);
  } else if (facts.lastSignal) {
    row(
      'phase',
      `unknown (the history's last iteration, ${facts.lastSignal.iteration}, ended in ${facts.lastSignal.phaseAfter})`,
    );
  }
  if (facts.lastSignal) row('last signal', describeSignal(facts.lastSignal, now));
  if (facts.lastSummary && facts.lastSummary !== facts.lastSignal?.summary)
    row('last summary', fit(facts.lastSummary, 300));
  // A done session's `spent` row says the totals already.
  if (facts.totals && !facts.standing) row('totals', formatTotals(facts.totals));
  if (facts.startedAt) row('started', `${localDateTime(facts.startedAt)}${agoSuffix(facts.startedAt, now)}`);
  if (facts.updatedAt) row('updated', `${localDateTime(facts.updatedAt)}${agoSuffix(facts.updatedAt, now)}`);
  if (facts.workingDir) {
    const where = facts.standalone
      ? 'standalone: no git worktree'
      : facts.branch
        ? `branch ${facts.branch}${facts.baseBranch ? ` from ${facts.baseBranch}` : ''}`
        : undefined;
    row('working dir', `${facts.workingDir}${where ? ` (${where})` : ''}`);
  }
  const p = facts.paths;
  row(
    'files',
    [
      `${p.folder}  (session folder)`,
      `${p.overview}  (state and the agent's notes)`,
      `${p.history}  (every iteration: orchestrate history)`,
      `${p.logs}/  (each agent run's prompt and output)`,
      `${p.sessionLog}  (orchestrator log)`,
    ].join('\n'),
  );
  return `${lines.join('\n')}\n`;
}
