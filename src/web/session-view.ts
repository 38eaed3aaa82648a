// One session, live from `/api/sessions/<name>/events`: what it is doing and what it waits for, the person's
// controls, the timeline of its iterations, the running iteration's actions, cost and tokens per iteration, its
// changes and, once done, its delivery. Each part is redrawn only when its own data changed, so an answer being
// typed survives the session's files changing underneath.
import { ApiError, getJson, postJson, sessionPath, subscribe, type Liveness } from './api.js';
import type { Action, DeliveryBody, DiffBody, HistoryEntry, SessionBody } from './api-types.js';
import { actionRow, SHOWN_ACTIONS } from './actions-view.js';
import { costChart, type ChartPoint } from './chart.js';
import { diffView } from './diff-view.js';
import { h, replace } from './dom.js';
import { cost, count, duration, signalWords, statusBadge, tokens } from './format.js';
import { markdown } from './markdown.js';
import { waitingView } from './waiting-view.js';

export interface Mounted {
  root: HTMLElement;
  close(): void;
}

export function mountSession(name: string, onLiveness: (state: Liveness) => void): Mounted {
  const header = h('div', { class: 'session-header' });
  const notice = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite', hidden: true });
  const controls = h('div', { class: 'controls' });
  const waitingPanel = h('section', { class: 'panel waiting-panel', hidden: true, 'aria-labelledby': 'waiting-title' });
  const actionsList = h('ol', { class: 'actions-list' });
  const actionsTitle = h('h2', { id: 'actions-title' }, 'Actions');
  const timeline = h('div', { class: 'timeline' });
  const chart = h('div');
  const changes = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const delivery = h('section', { class: 'panel', hidden: true, 'aria-labelledby': 'delivery-title' });
  const root = h(
    'div',
    { class: 'session-view', 'data-name': name },
    h('p', {}, h('a', { href: '#/', class: 'back' }, '← All sessions')),
    header,
    controls,
    notice,
    waitingPanel,
    h('section', { class: 'panel', 'aria-labelledby': 'actions-title' }, actionsTitle, actionsList),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, 'Timeline'),
      timeline,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'chart-title' },
      h('h2', { id: 'chart-title' }, 'Cost and tokens per iteration'),
      chart,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'changes-title' },
      h('h2', { id: 'changes-title' }, 'Changes'),
      changes,
    ),
    delivery,
  );

  let body: SessionBody | undefined;
  let actionsIteration: number | undefined;
  const drawn = new Map<string, string>();
  /** Redraw one part only when what it shows changed. */
  const once = (part: string, key: unknown, draw: () => void) => {
    const text = JSON.stringify(key);
    if (drawn.get(part) === text) return;
    drawn.set(part, text);
    draw();
  };

  const say = (text: string, bad = false) => {
    notice.hidden = false;
    notice.className = `notice${bad ? ' bad' : ''}`;
    // Timed: a confirmation stays while the session moves on, and must read as something that happened.
    notice.textContent = `${new Date().toLocaleTimeString()}: ${text}`;
  };
  const send = async (path: string, request: unknown, done: string): Promise<boolean> => {
    try {
      await postJson(sessionPath(name, path), request);
      say(`${done} The session goes on.`);
      return true;
    } catch (error) {
      say(refusal(error), true);
      return false;
    }
  };

  const showState = (next: SessionBody) => {
    body = next;
    const s = next.status;
    once('header', [s, next.history.length], () => replace(header, headerView(next)));
    once('controls', [s.status, s.orchestrator?.live], () => replace(controls, ...controlButtons(next, name, say)));
    once('waiting', [s.status, next.waiting, s.needs], () => {
      waitingPanel.hidden = s.status !== 'waiting' && s.status !== 'blocked';
      replace(
        waitingPanel,
        h('h2', { id: 'waiting-title' }, s.status === 'blocked' ? 'Blocked' : 'Waiting for you'),
        next.waiting ? waitingView(next.waiting, send) : blockedView(next),
      );
    });
    once('timeline', next.history, () => replace(timeline, timelineView(next.history)));
    once('chart', iterationsOf(next.history).length, () => replace(chart, costChart(chartPoints(next.history))));
    once('actions-title', [actionsIteration, s.status, s.orchestrator?.live, s.iterations.total], () => {
      // The running iteration is the one after the last that ended; until it prints, the list shows the last one.
      const running = s.status === 'running' && s.orchestrator?.live ? (s.iterations.total ?? 0) + 1 : undefined;
      actionsTitle.textContent =
        actionsIteration === undefined
          ? running === undefined
            ? 'Actions'
            : `Actions of iteration ${running} (running)`
          : actionsIteration === running
            ? `Actions of iteration ${actionsIteration} (running)`
            : `Actions of iteration ${actionsIteration}${running !== undefined ? `; iteration ${running} is starting` : ''}`;
    });
    once('delivery', s.status, () => {
      delivery.hidden = s.status !== 'done';
      if (s.status === 'done') void loadDelivery();
    });
  };

  /** Iterations whose actions came by the stream since it (re)opened: the stream's own "so far" wins over /log. */
  let streamed = new Set<number>();
  let fresh = true;
  const addAction = (action: Action) => {
    if (actionsIteration !== undefined && action.iteration > actionsIteration) actionsList.replaceChildren();
    if (actionsIteration === undefined || action.iteration >= actionsIteration) actionsIteration = action.iteration;
    else return;
    actionsList.querySelector(':scope > li.muted')?.remove();
    actionsList.appendChild(actionRow(action));
    while (actionsList.childElementCount > SHOWN_ACTIONS) actionsList.firstElementChild?.remove();
    if (body) showState(body);
  };
  /**
   * On each (re)connect the stream sends the running iteration's actions so far; an iteration that has ended comes
   * from `/log` (the last one) instead. So: start the list anew, and ask /log only when nothing runs now.
   */
  const restartActions = (state: SessionBody) => {
    actionsList.replaceChildren();
    actionsIteration = undefined;
    streamed = new Set();
    if (state.status.status === 'running' && state.status.orchestrator?.live) return;
    void getJson<{ actions: Action[] }>(sessionPath(name, '/log'))
      .then((log) => {
        const iteration = log.actions[0]?.iteration;
        if (iteration !== undefined && streamed.has(iteration)) return;
        for (const action of log.actions) addAction(action);
        if (actionsList.childElementCount === 0)
          actionsList.appendChild(h('li', { class: 'muted' }, 'No actions yet.'));
      })
      .catch(() => undefined);
  };
  /** The history entry of an iteration that just ended, as the last row of its actions. */
  const ended = (entry: HistoryEntry) => {
    if (entry.event !== 'iteration' || entry.iteration !== actionsIteration) return;
    const signal = typeof entry.signal === 'object' && entry.signal !== null ? entry.signal : undefined;
    const summary = signal?.summary ?? signal?.reason ?? entry.problem;
    addAction({
      time: entry.time,
      iteration: entry.iteration,
      phase: entry.phase,
      attempt: entry.run?.attempts ?? 1,
      kind: 'iteration',
      ...(entry.phaseAfter !== undefined ? { phaseAfter: entry.phaseAfter } : {}),
      ...(entry.statusAfter !== undefined ? { status: entry.statusAfter } : {}),
      ...(entry.validation !== undefined ? { validation: entry.validation } : {}),
      ...(summary !== undefined ? { summary } : {}),
      ...(entry.run?.costUsd !== undefined ? { costUsd: entry.run.costUsd } : {}),
      ...(entry.run?.durationMs !== undefined ? { durationMs: entry.run.durationMs } : {}),
    });
  };
  const loadDiff = async () => {
    try {
      replace(changes, diffView(await getJson<DiffBody>(sessionPath(name, '/diff'))));
    } catch (error) {
      replace(
        changes,
        h('p', { class: 'muted' }, error instanceof ApiError ? error.message : 'could not load the diff'),
      );
    }
  };
  const loadDelivery = async () => {
    try {
      const got = await getJson<DeliveryBody>(sessionPath(name, '/delivery'));
      replace(delivery, h('h2', { id: 'delivery-title' }, 'Delivery'), deliveryView(name, got));
    } catch (error) {
      replace(
        delivery,
        h('h2', { id: 'delivery-title' }, 'Delivery'),
        h('p', { class: 'muted' }, error instanceof ApiError ? error.message : 'could not load the delivery'),
      );
    }
  };
  void loadDiff();

  const close = subscribe(
    sessionPath(name, '/events'),
    {
      state: (data) => {
        if (fresh) restartActions(data as SessionBody);
        fresh = false;
        showState(data as SessionBody);
      },
      action: (data) => {
        streamed.add((data as Action).iteration);
        addAction(data as Action);
      },
      iteration: (data) => {
        ended(data as HistoryEntry);
        void loadDiff();
      },
    },
    (state) => {
      // The first `state` after a (re)connect starts the actions anew: the stream resends what it did so far.
      if (state === 'live') fresh = true;
      onLiveness(state);
    },
  );
  // Until the first `state` event: the same body by a plain GET, so a slow stream still shows the session.
  void getJson<SessionBody>(sessionPath(name))
    .then((got) => {
      if (!body) showState(got);
    })
    .catch((error: unknown) => {
      if (!body) replace(header, h('h1', {}, name), h('p', { class: 'notice bad' }, refusal(error)));
    });
  return { root, close };
}

/** A refused request in words: the server's message, and what to do about a lost token. */
export function refusal(error: unknown): string {
  if (!(error instanceof ApiError)) return `The server could not be reached: ${String(error)}`;
  if (error.status === 401)
    return 'The server no longer accepts this page’s token (it was restarted?): open the URL that orchestrate serve printed.';
  return `${error.message} (${error.code})`;
}

function headerView(body: SessionBody): HTMLElement {
  const s = body.status;
  const badge = statusBadge({ status: s.status, statusLine: s.statusLine, live: s.orchestrator?.live ?? false });
  const t = s.totals;
  const facts: [string, string][] = [
    ['phase', s.phase ?? '?'],
    [
      'iterations',
      `${s.iterations.total ?? '?'}${s.iterations.inPhase !== null ? ` (${s.iterations.inPhase} in this phase)` : ''}`,
    ],
    ['cost', t ? cost(t.costUsd, t.costEstimated) : '–'],
    ['tokens', t ? count(tokens(t)) : '–'],
    ['agent time', t?.agentMs !== undefined ? duration(t.agentMs) : '–'],
  ];
  if (s.branch) facts.push(['branch', `${s.branch}${s.baseBranch ? ` from ${s.baseBranch}` : ''}`]);
  return h(
    'div',
    {},
    h('h1', {}, s.name, ' ', h('span', { class: `badge ${badge.tone}`, 'data-status': s.status ?? '' }, badge.text)),
    s.task ? h('p', { class: 'task' }, s.task) : null,
    h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    s.lastSummary ? h('p', { class: 'summary' }, s.lastSummary) : null,
    // Waiting or blocked, the panels below say what to do; done, this is how to apply the work.
    s.next && s.status === 'done' ? h('p', { class: 'muted small' }, `Next: ${s.next}`) : null,
  );
}

function controlButtons(body: SessionBody, name: string, say: (text: string, bad?: boolean) => void): HTMLElement[] {
  const s = body.status;
  const act = (path: string, done: string) => async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    try {
      await postJson(sessionPath(name, path));
      say(done);
    } catch (error) {
      say(refusal(error), true);
      button.disabled = false;
    }
  };
  const canResume = s.status === 'waiting' || s.status === 'blocked';
  const running = s.orchestrator?.live === true;
  return [
    h(
      'button',
      {
        type: 'button',
        disabled: !canResume,
        onclick: act('/resume', 'Asked the session to resume.'),
        title: 'Go on now',
      },
      'Resume',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        disabled: !running,
        onclick: act('/stop', 'Asked the orchestrator to stop (like Ctrl-C): the session can be resumed.'),
        title: 'Stop the orchestrator like Ctrl-C',
      },
      'Stop',
    ),
  ];
}

/** Blocked, or waiting for something the page has no form for: what the session needs, and what to do. */
function blockedView(body: SessionBody): HTMLElement {
  const s = body.status;
  return h(
    'div',
    { class: 'blocked' },
    s.status === 'blocked'
      ? h('p', {}, `${s.blockedKind ?? 'blocked'}: ${s.blockedReason ?? '(no reason given)'}`)
      : h('p', {}, s.statusLine),
    s.needs ? h('p', {}, `Needs: ${s.needs}`) : null,
    s.next ? h('p', { class: 'muted' }, s.next) : null,
  );
}

function iterationsOf(history: HistoryEntry[]): HistoryEntry[] {
  return history.filter((e) => e.event === 'iteration');
}

function chartPoints(history: HistoryEntry[]): ChartPoint[] {
  return iterationsOf(history).map((e) => ({
    iteration: e.iteration,
    costUsd: e.run?.costUsd,
    tokens: tokens(e.run?.tokens),
  }));
}

function timelineView(history: HistoryEntry[]): HTMLElement {
  if (history.length === 0) return h('p', { class: 'muted' }, 'No iteration has finished yet.');
  const head = ['#', 'Phase', 'Signal', 'Validation', 'Took', 'Cost', 'Summary'];
  const tbody = h('tbody');
  for (const e of [...history].reverse()) tbody.appendChild(timelineRow(e));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'history' },
      h('thead', {}, h('tr', {}, ...head.map((l) => h('th', { scope: 'col' }, l)))),
      tbody,
    ),
  );
}

function timelineRow(e: HistoryEntry): HTMLElement {
  if (e.event === 'iteration') {
    const signal = typeof e.signal === 'object' && e.signal !== null ? e.signal : undefined;
    const rejected = e.validation !== undefined && e.validation !== 'ok';
    const move = e.phaseAfter && e.phaseAfter !== e.phase ? `${e.phase} → ${e.phaseAfter}` : e.phase;
    return h(
      'tr',
      { class: rejected ? 'rejected' : '', 'data-iteration': e.iteration },
      h('td', { class: 'num' }, e.iteration),
      h('td', {}, move),
      h('td', {}, signalWords(e.signal)),
      h('td', {}, rejected ? h('span', { class: 'badge blocked' }, e.validation ?? '') : 'ok'),
      h('td', { class: 'num' }, duration(e.run?.durationMs)),
      h('td', { class: 'num' }, cost(e.run?.costUsd, e.run?.costEstimated)),
      h('td', { class: 'summary' }, (rejected ? e.problem : undefined) ?? signal?.summary ?? signal?.reason ?? ''),
    );
  }
  const words: Record<string, string> = {
    resumed: `resumed from ${e.from ?? '?'}${e.how ? ` (${e.how})` : ''}`,
    interrupted: `interrupted (${typeof e.signal === 'string' ? e.signal : 'signal'}): iteration ${e.iteration} runs again`,
    delivered: `delivered (DELIVER=${e.delivery?.mode ?? '?'})${e.delivery?.prUrl ? `: ${e.delivery.prUrl}` : ''}`,
    continued: `continued: ${e.instruction ?? ''}`,
    requeued: `requeued: ${e.reason ?? ''}`,
    budget: `budget ${e.level ?? ''}: ${e.kind ?? ''}`,
  };
  return h(
    'tr',
    { class: 'event' },
    h('td', { class: 'num' }, e.iteration),
    h('td', {}, e.phase),
    h('td', { colspan: 5, class: 'muted' }, words[e.event] ?? e.event),
  );
}

function deliveryView(name: string, body: DeliveryBody): HTMLElement {
  return h(
    'div',
    {},
    body.files.length > 0 ? h('p', { class: 'muted' }, 'Patches to apply or review:') : null,
    body.files.length > 0
      ? h(
          'ul',
          { class: 'files' },
          ...body.files.map((file) =>
            h(
              'li',
              {},
              h('a', { href: sessionPath(name, `/delivery/${encodeURIComponent(file)}`), download: file }, file),
            ),
          ),
        )
      : null,
    markdown(body.summary),
  );
}
