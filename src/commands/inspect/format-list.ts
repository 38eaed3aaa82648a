// `orchestrate list`: every session, newest first, data → text and JSON. Pure.
import type { SessionStatus, Totals } from '../../core/state.js';
import type { Liveness, OverviewView } from './views.js';
import { ageOf, type Column, fit, formatAge, plural, shellQuote, table, WIDTH } from './text.js';
import { statusLine } from './format-status.js';
import type { JobRecord } from '../../queue/backend.js';
import { jobDetail, jobWhere } from '../../queue/job-text.js';

export interface ListInput {
  folder: string;
  name: string;
  path: string;
  overview: OverviewView;
  lock: Liveness;
  /** Its job in the local queue (`orchestrate queue`), if it has one. */
  job?: Pick<JobRecord, 'state' | 'host' | 'pid' | 'since' | 'reason' | 'notBefore'> | undefined;
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
  /** What the session was asked to do (the dashboard shows it under the name). */
  task: string | null;
  /** Cost, tokens and agent time so far. */
  totals: Totals | null;
  /** The state of its queue job (running ones with where), absent when it has none. */
  job?: string | undefined;
  /** Its job as `orchestrate queue` shows it: state, where it runs, since when (ISO), why it ended so. */
  queueJob?: { state: string; where: string; since: string; sinceAgoMs: number | null; detail: string } | undefined;
}

const FOLDER_DATE = /^(\d{2})-(\d{2})-(\d{2})-/;

/** When the session was last updated, for sorting: `updatedAt`, else the date in the folder name. */
function sortTime(row: ListFacts): number {
  const updated = row.updatedAt ? Date.parse(row.updatedAt) : Number.NaN;
  if (!Number.isNaN(updated)) return updated;
  const dated = FOLDER_DATE.exec(row.session);
  return dated
    ? new Date(2000 + Number(dated[1]), Number(dated[2]) - 1, Number(dated[3])).getTime()
    : Number.NEGATIVE_INFINITY;
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
      task: state?.task ?? null,
      totals: state?.totals ?? null,
      job: input.job
        ? `${input.job.state}${input.job.state === 'running' && input.job.host ? ` on ${input.job.host}` : ''}`
        : undefined,
      ...(input.job
        ? {
            queueJob: {
              state: input.job.state,
              where: jobWhere(input.job),
              since: input.job.since,
              sinceAgoMs: ageOf(input.job.since, now),
              detail: jobDetail(input.job, now, { progress: false }),
            },
          }
        : {}),
    };
  });
  return rows.sort((a, b) => sortTime(b) - sortTime(a) || (a.session < b.session ? 1 : a.session > b.session ? -1 : 0));
}

export function formatList(
  rows: ListFacts[],
  opts: { sessions: string; configFile: string; width?: number | undefined },
): string {
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
  // The queue's columns beside the session's, only when some session has a job (most projects never use the queue):
  // its state, where it runs, since when, and why it ended so (that one only when some job says why).
  if (rows.some((r) => r.queueJob)) {
    const detail = rows.some((r) => r.queueJob?.detail);
    const headers = ['job', 'where', 'since', ...(detail ? ['job detail'] : [])];
    columns.splice(3, 0, ...headers.map((header) => ({ header })));
    rows.forEach((r, i) => {
      const job = r.queueJob;
      const age = job?.sinceAgoMs ?? null;
      const facts = job ? [job.state, job.where, age === null ? '?' : formatAge(age)] : ['', '', ''];
      cells[i]!.splice(3, 0, ...facts, ...(detail ? [fit(job?.detail ?? '', 40)] : []));
    });
  }
  const lines = [`sessions under ${opts.sessions}, newest first:`, ...table(columns, cells, opts.width ?? WIDTH)];
  lines.push(
    '',
    `${plural(rows.length, 'session')}; details: orchestrate status --config ${shellQuote(opts.configFile)} --session <name>`,
  );
  return `${lines.join('\n')}\n`;
}
