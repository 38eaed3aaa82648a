// The one watcher of the dashboard: chokidar on SESSIONS, two levels deep, on only the files whose change the API
// shows (a session's state, history, gate files, lock, delivery folder; the local queue's job records). A change is
// reported as the folder it happened in. The agent's logs are not watched: a session's tail polls them only while
// someone follows that session (sse-hub.ts), so 50 sessions never mean a watcher per log or per subscriber.
import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import {
  DELIVERY_DIR,
  HISTORY_FILE,
  LOCK_FILE,
  OVERVIEW_FILE,
  PLAN_FILE,
  QA_FILE,
  RESUME_FILE,
  REVIEW_FILE,
} from '../../core/session-files.js';
import { QUEUE_DIR } from '../../queue/local-backend.js';

/** The files of a session folder the API reads; everything else there (logs, the agent's notes, temp files) is not. */
const SESSION_NAMES: ReadonlySet<string> = new Set([
  OVERVIEW_FILE,
  HISTORY_FILE,
  QA_FILE,
  PLAN_FILE,
  REVIEW_FILE,
  RESUME_FILE,
  LOCK_FILE,
  `${LOCK_FILE}.agent`,
  DELIVERY_DIR,
]);

/** Is `path` (under `sessions`) one the watcher leaves alone? */
export function ignoredPath(sessions: string, path: string): boolean {
  const rel = relative(sessions, path);
  if (rel === '') return false;
  if (rel.startsWith('..')) return true;
  const parts = rel.split(sep);
  if (parts.length === 1) return parts[0]!.startsWith('_serve.json');
  if (parts.length > 2) return true;
  if (parts[0] === QUEUE_DIR) return !parts[1]!.endsWith('.json');
  return !SESSION_NAMES.has(parts[1]!);
}

export interface SessionsWatch {
  close(): Promise<void>;
}

/**
 * Calls `onChange(folder)` (a session folder's name, or `.queue`) for every change of a watched file. Resolves once
 * the watcher has read the folders, so a change after that is never missed.
 */
export async function watchSessions(
  sessions: string,
  onChange: (folder: string) => void,
  onError: (error: Error) => void,
): Promise<SessionsWatch> {
  const watcher: FSWatcher = watch(sessions, {
    ignoreInitial: true,
    depth: 1,
    ignored: (path: string) => ignoredPath(sessions, path),
  });
  watcher.on('all', (_event, path) => {
    const folder = relative(sessions, path).split(sep)[0];
    if (folder) onChange(folder);
  });
  watcher.on('error', (error) => onError(error instanceof Error ? error : new Error(String(error))));
  await new Promise<void>((resolve) => watcher.once('ready', resolve));
  return { close: () => watcher.close() };
}
