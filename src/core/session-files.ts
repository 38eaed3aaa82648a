// Every name samocode gives a file in the session folder, which of them are samocode's own, and which file a wait
// watches: the one vocabulary of the session folder. Pure (path joins only); reading and writing the files is io/'s.
import { isAbsolute, join, resolve } from 'node:path';
import type { SessionState } from './state.js';

/** The session's state (YAML front matter) and notes: the agent and the person read it, samocode writes it. */
export const OVERVIEW_FILE = '_overview.md';
/** One JSON line per signal, iteration, resumption, …: the session's timeline. */
export const HISTORY_FILE = '_signal_history.jsonl';
/** What the agent writes at the end of an iteration; samocode reads it and deletes it. */
export const SIGNAL_FILE = '_signal.json';
/** The agent's questions and the person's answers (waiting for `qa_answers`). */
export const QA_FILE = '_qa.md';
/** The plan the person approves or rejects (waiting for `plan_approval`). */
export const PLAN_FILE = '_plan.md';
/** Dropped by `orchestrate resume` and Telegram's /resume to wake a waiting run. */
export const RESUME_FILE = '_resume.json';
/** The session lock: who runs the session (pid, host, run id). */
export const LOCK_FILE = '.lock';
/** The orchestrator's own log of the session. */
export const SESSION_LOG = 'session.log';
/** The raw output of every agent run. */
export const LOGS_DIR = '_logs';

/**
 * The delivery of a done session (core/delivery.ts): the patches, `combined.mbox`, `summary.md`. Made in a
 * `_delivery.tmp-…` sibling and renamed into place; an earlier delivery is kept as `_delivery-<time>`.
 */
export const DELIVERY_DIR = '_delivery';

/** Written whole by samocode: a change to one is not the agent's progress. */
const OWN_NAMES: readonly string[] = [LOGS_DIR, SESSION_LOG, HISTORY_FILE, RESUME_FILE];
/** Written through a temporary sibling (`_overview.md.<tmp>`), or read by the agent under a suffix: the prefix is ours. */
const OWN_PREFIXES: readonly string[] = [SIGNAL_FILE, LOCK_FILE, OVERVIEW_FILE, DELIVERY_DIR];

/** Is `name` (a file or folder directly in the session folder) one of samocode's own, not the agent's work? */
export function isOwnFile(name: string): boolean {
  return OWN_NAMES.includes(name) || OWN_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** Where a waited-on file resolves, and the folders it may be in. A relative name is relative to the session folder. */
export interface WaitPlace {
  resolved: string;
  roots: string[];
}

/** A wait may only watch a file in the session folder or the working dir (see core/iteration.ts judgeWaitSignal). */
export function waitFileAllowed(where: WaitPlace): boolean {
  return where.roots.some((root) => isInside(where.resolved, root));
}

function isInside(path: string, root: string): boolean {
  const folder = root.endsWith('/') ? root : `${root}/`;
  return path === root || path.startsWith(folder);
}

/** `..` resolved, symlinks not followed: the place as text, for words shown to the person. */
export function lexicalPlace(file: string, sessionDir: string, workingDir: string): WaitPlace {
  return {
    resolved: resolve(isAbsolute(file) ? file : join(sessionDir, file)),
    roots: [resolve(sessionDir), resolve(workingDir)],
  };
}

/**
 * The file whose save ends a wait that has no answer format: the signal's `file`, else `_overview.md`. Only a state
 * written before waits were confined can name a file outside the allowed folders; it waits on `_overview.md` instead.
 * `place`: how a named file is resolved (the gate follows symlinks with io/wait-facts placeOf).
 */
export function watchedFile(
  state: SessionState,
  sessionDir: string,
  place: typeof lexicalPlace = lexicalPlace,
): string {
  const named = state.status === 'waiting' ? state.waitingFile : undefined;
  const overview = join(sessionDir, OVERVIEW_FILE);
  if (!named) return overview;
  const where = place(named, sessionDir, state.workingDir);
  return waitFileAllowed(where) ? where.resolved : overview;
}
