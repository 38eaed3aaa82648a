// What a worker reads of a session it runs or watches: its folder, its state (`_overview.md`), the failure class of
// its last iteration (the history's last lines). Read-only; a session that does not exist yet reads as nothing.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_FILE, OVERVIEW_FILE } from '../core/session-files.js';
import { findSessionFolder } from '../core/session-name.js';
import type { SessionState } from '../core/state.js';
import { parseEntry } from '../io/history-log.js';
import { listFolders } from '../io/list-folders.js';
import { StateStore } from '../io/state-store.js';

/** The session's folder under SESSIONS, or undefined while it does not exist. */
export function sessionDirOf(sessions: string, id: string): string | undefined {
  const match = findSessionFolder(id, listFolders(sessions));
  return match.kind === 'found' ? join(sessions, match.folder) : undefined;
}

export async function readState(sessionDir: string): Promise<SessionState | undefined> {
  try {
    const read = await new StateStore(join(sessionDir, OVERVIEW_FILE)).read();
    return read?.kind === 'state' ? read.state : undefined;
  } catch {
    return undefined; // unreadable for now (being replaced, or broken): the run itself reports a broken state
  }
}

/** The failure class of the last iteration entry in the history's last 64 KB. */
export function lastFailure(sessionDir: string): string | undefined {
  const lines = tail(join(sessionDir, HISTORY_FILE), 65_536).split('\n').reverse();
  for (const line of lines) {
    const entry = line.trim() ? parseEntry(line) : undefined;
    if (entry?.event === 'iteration') return entry.run.failure;
  }
  return undefined;
}

function tail(file: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
