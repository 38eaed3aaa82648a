// The dashboard's entry: the top bar, the route (`#/` or `#/session/<name>`), and the live stream of the view shown.
import { getJson, pageToken, subscribe, type Liveness } from './api.js';
import type { SessionsBody } from './api-types.js';
import { h, replace } from './dom.js';
import { showSessions } from './list-view.js';
import { parseRoute } from './route.js';
import { mountSession, refusal } from './session-view.js';

const main = document.getElementById('main')!;
const live = document.getElementById('live')!;
let closeView: (() => void) | undefined;

const LIVENESS: Record<Liveness, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  refused: 'token refused',
  gone: 'no such session',
};

function showLiveness(state: Liveness): void {
  live.textContent = LIVENESS[state];
  live.className = `live ${state}`;
  if (state === 'refused') showRefused();
}

function showRefused(): void {
  closeView?.();
  closeView = undefined;
  replace(
    main,
    h(
      'section',
      { class: 'panel refused' },
      h('h2', {}, 'This page’s token is not accepted'),
      h(
        'p',
        {},
        'Open the URL that ',
        h('code', {}, 'orchestrate serve'),
        ' printed when it started (it ends in ?token=…). The token changes each time the server starts.',
      ),
    ),
  );
}

function route(): void {
  closeView?.();
  const where = parseRoute(location.hash);
  if (where.view === 'session') {
    const view = mountSession(where.name, showLiveness);
    replace(main, view.root);
    document.title = `${where.name} · samocode`;
    closeView = view.close;
    return;
  }
  document.title = 'Sessions · samocode';
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, list);
  let last: SessionsBody | undefined;
  const show = (body: SessionsBody) => {
    last = body;
    showSessions(list, body);
  };
  const close = subscribe('/api/events', { sessions: (data) => show(data as SessionsBody) }, showLiveness);
  void getJson<SessionsBody>('/api/sessions')
    .then((body) => {
      if (!last) show(body);
    })
    .catch((error: unknown) => {
      if (!last) replace(list, h('p', { class: 'notice bad' }, refusal(error)));
    });
  // The "updated" column ages while nothing changes.
  const tick = setInterval(() => last && showSessions(list, last), 30_000);
  closeView = () => {
    close();
    clearInterval(tick);
  };
}

if (pageToken() === '') showRefused();
else {
  window.addEventListener('hashchange', route);
  route();
}
