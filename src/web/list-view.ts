// The sessions list: every session under SESSIONS, newest first, live from `/api/events`, and the queue's jobs when
// a queue is configured. A row opens the session.
import type { JobRow, SessionRow, SessionsBody } from './api-types.js';
import { h, replace } from './dom.js';
import { ago, cost, count, statusBadge, tokens } from './format.js';
import { sessionHref } from './route.js';

export function sessionsView(body: SessionsBody, now: number): HTMLElement {
  const root = h('div', { class: 'sessions-view' });
  const sessions = h('section', { class: 'panel', 'aria-labelledby': 'sessions-title' });
  sessions.appendChild(
    h('h2', { id: 'sessions-title' }, 'Sessions ', h('span', { class: 'muted' }, `(${body.sessions.length})`)),
  );
  if (body.sessions.length === 0)
    sessions.appendChild(h('p', { class: 'muted' }, 'No sessions yet: start one with orchestrate --session <name>.'));
  else sessions.appendChild(sessionsTable(body.sessions, now));
  root.appendChild(sessions);
  if (body.queue) root.appendChild(queuePanel(body.queue, new Set(body.sessions.map((r) => r.name)), now));
  return root;
}

function sessionsTable(rows: SessionRow[], now: number): HTMLElement {
  const head = ['Session', 'Phase', 'Status', 'Iter.', 'Cost', 'Tokens', 'Updated'];
  const table = h(
    'table',
    { class: 'sessions' },
    h('thead', {}, h('tr', {}, ...head.map((label) => h('th', { scope: 'col' }, label)))),
  );
  const tbody = h('tbody');
  for (const row of rows) {
    const badge = statusBadge(row);
    const total = tokens(row.totals);
    tbody.appendChild(
      h(
        'tr',
        { 'data-session': row.name, class: `tone-${badge.tone}` },
        h(
          'td',
          {},
          h('a', { href: sessionHref(row.name), class: 'session-name' }, row.name),
          row.task ? h('div', { class: 'task' }, row.task) : null,
        ),
        h('td', {}, row.phase ?? '?'),
        h('td', {}, h('span', { class: `badge ${badge.tone}` }, badge.text), row.job ? jobNote(row.job) : null),
        h('td', { class: 'num' }, row.iterations ?? '?'),
        h('td', { class: 'num' }, row.totals ? cost(row.totals.costUsd, row.totals.costEstimated) : '–'),
        h('td', { class: 'num' }, total === undefined ? '–' : count(total)),
        h('td', { class: 'when', title: row.updatedAt ?? '' }, ago(row.updatedAt, now)),
      ),
    );
  }
  table.appendChild(tbody);
  return h('div', { class: 'table-wrap' }, table);
}

function jobNote(job: string): HTMLElement {
  return h('div', { class: 'muted small' }, `job: ${job}`);
}

function queuePanel(queue: NonNullable<SessionsBody['queue']>, sessions: Set<string>, now: number): HTMLElement {
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'queue-title' });
  const counts = new Map<string, number>();
  for (const job of queue.jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  panel.appendChild(
    h(
      'h2',
      { id: 'queue-title' },
      'Queue ',
      h(
        'span',
        { class: 'muted' },
        `(${queue.backend}${counts.size ? `: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}` : ', empty'})`,
      ),
    ),
  );
  if (queue.error) panel.appendChild(h('p', { class: 'notice bad' }, `The queue cannot be read now: ${queue.error}`));
  if (queue.jobs.length === 0) {
    if (!queue.error) panel.appendChild(h('p', { class: 'muted' }, 'No jobs: orchestrate enqueue adds one.'));
    return panel;
  }
  const table = h(
    'table',
    { class: 'queue' },
    h('thead', {}, h('tr', {}, ...['Job', 'State', 'Where', 'Since', 'Detail'].map((l) => h('th', {}, l)))),
  );
  const tbody = h('tbody');
  for (const job of queue.jobs) tbody.appendChild(jobRow(job, sessions.has(job.id), now));
  table.appendChild(tbody);
  panel.appendChild(h('div', { class: 'table-wrap' }, table));
  return panel;
}

/** A job's session is a link once it has started (a queued one has no session files yet). */
function jobRow(job: JobRow, started: boolean, now: number): HTMLElement {
  const where = job.state === 'running' && job.host ? `${job.host}${job.pid ? ` pid ${job.pid}` : ''}` : '';
  const detail = [
    job.progress ? `${job.progress.phase}, iteration ${job.progress.iteration}, ${cost(job.progress.costUsd)}` : '',
    job.reason ?? '',
    job.notBefore && job.state === 'queued' ? `not before ${job.notBefore}` : '',
  ].filter(Boolean);
  return h(
    'tr',
    {},
    h('td', {}, started ? h('a', { href: sessionHref(job.id) }, job.id) : job.id),
    h('td', {}, h('span', { class: `badge ${jobTone(job.state)}` }, job.state)),
    h('td', {}, where),
    h('td', { class: 'when' }, ago(job.since, now)),
    h('td', {}, detail.join('; ')),
  );
}

function jobTone(state: string): string {
  if (state === 'running') return 'running';
  if (state === 'waiting') return 'waiting';
  if (state === 'failed' || state === 'blocked') return 'blocked';
  if (state === 'done') return 'done';
  return 'unknown';
}

/** Re-render the list in place: `target` keeps its place in the page. */
export function showSessions(target: HTMLElement, body: SessionsBody): void {
  replace(target, sessionsView(body, Date.now()));
}
