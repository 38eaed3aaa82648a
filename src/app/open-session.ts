// Find or create the session folder, take its lock, perform init (worktree + `_overview.md`) or migrate/recover
// the existing state. Everything that must happen before the loop may start.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/settings.js';
import { FIRST_AGENT_PHASE } from '../core/phases.js';
import { checkSessionName, datedFolderName, findSessionFolder } from '../core/session-name.js';
import { ZERO_TOTALS, applyEntry, type SessionState } from '../core/state.js';
import { SessionStateError, UsageError } from '../errors.js';
import { HistoryLog } from '../io/history-log.js';
import { SessionLock, type Acquired } from '../io/session-lock.js';
import { StateStore } from '../io/state-store.js';
import { ensureWorkspace } from '../io/workspace.js';
import { LOGS_DIR } from '../agent/session-agent.js';

export const OVERVIEW_FILE = '_overview.md';
export const HISTORY_FILE = '_signal_history.jsonl';
export const LOCK_FILE = '.lock';
export const SESSION_LOG = 'session.log';

export interface OpenRequest {
  name: string;
  task?: string | undefined;
  dive?: string | undefined;
  now: Date;
  runId: string;
  scrub: (text: string) => string;
}

export interface OpenSession {
  sessionDir: string;
  state: SessionState;
  store: StateStore;
  history: HistoryLog;
  lock: Acquired;
  /** Things worth telling the person (created, migrated, recovered …). */
  notes: string[];
}

export function sessionFolderFor(config: Config, name: string): { folder: string; exists: boolean } {
  const problem = checkSessionName(name);
  if (problem) throw new UsageError(problem);
  const entries = listFolders(config.sessions);
  const match = findSessionFolder(name, entries);
  if (match.kind === 'ambiguous') {
    throw new UsageError(`--session ${name} matches ${match.folders.length} sessions under ${config.sessions}: ${match.folders.join(', ')}. Pass the full folder name, e.g. --session ${match.folders.at(-1)}.`);
  }
  return match.kind === 'found' ? { folder: match.folder, exists: true } : { folder: datedFolderName(name, new Date()), exists: false };
}

export async function openSession(config: Config, req: OpenRequest): Promise<OpenSession> {
  const notes: string[] = [];
  mkdirSync(config.sessions, { recursive: true });
  const { folder, exists } = sessionFolderFor(config, req.name);
  if (!exists && !req.task) {
    throw new UsageError(`there is no session "${req.name}" under ${config.sessions}; start one with --task "what to do"`);
  }
  const sessionDir = join(config.sessions, folder);
  mkdirSync(join(sessionDir, LOGS_DIR), { recursive: true });

  const lock = SessionLock.acquire(join(sessionDir, LOCK_FILE), req.runId, req.now);
  if (lock.tookOverFrom) {
    notes.push(`took over the lock of orchestrator pid ${lock.tookOverFrom.pid}, which is no longer running${lock.killedLeftoverAgent ? `; stopped its agent (pid ${lock.killedLeftoverAgent}) that was still running` : ''}`);
  }
  try {
    const store = new StateStore(join(sessionDir, OVERVIEW_FILE), req.scrub);
    const history = new HistoryLog(join(sessionDir, HISTORY_FILE), req.scrub);
    const state = await loadOrInit(config, req, folder, store, history, notes);
    return { sessionDir, state, store, history, lock, notes };
  } catch (error) {
    lock.lock.release();
    throw error;
  }
}

async function loadOrInit(config: Config, req: OpenRequest, folder: string, store: StateStore, history: HistoryLog, notes: string[]): Promise<SessionState> {
  const read = await store.read();
  if (read?.kind === 'invalid') throw new SessionStateError(read.message);

  if (read?.kind === 'state') {
    let state = read.state;
    if (req.task && req.task !== state.task) notes.push('--task is ignored: this session already has its task (see _overview.md)');
    const last = await history.last();
    if (last && last.seq === state.historySeq + 1) {
      // The previous run appended this entry and died before writing the state: finish its work.
      state = applyEntry(state, last);
      await store.write(state);
      notes.push(`recovered history entry ${last.seq} (${last.event}, iteration ${last.iteration}) that the previous run recorded but had not applied`);
    } else if (last && last.seq > state.historySeq + 1) {
      notes.push(`warning: ${HISTORY_FILE} is ahead of ${OVERVIEW_FILE} by ${last.seq - state.historySeq} entries; continuing from ${OVERVIEW_FILE}`);
    }
    if (state.status !== 'done' && !state.standalone) {
      const workspace = await ensureWorkspace({ mainRepo: config.mainRepo, worktrees: config.worktrees, name: state.name, branchPrefix: config.branchPrefix, baseBranch: state.baseBranch ?? config.baseBranch });
      notes.push(workspace.note);
      if (workspace.workingDir !== state.workingDir) notes.push(`working dir moved: ${state.workingDir} → ${workspace.workingDir}`);
      state = { ...state, workingDir: workspace.workingDir };
    }
    return state;
  }

  // New session (or a Python-era one): init is ours, deterministic, no agent involved.
  const name = req.name.replace(/^\d{2}-\d{2}-\d{2}-/, '');
  const workspace = await ensureWorkspace({ mainRepo: config.mainRepo, worktrees: config.worktrees, name, branchPrefix: config.branchPrefix, baseBranch: config.baseBranch });
  notes.push(workspace.note);
  const now = req.now.toISOString();
  const state: SessionState = {
    session: folder,
    name,
    task: req.task ?? '',
    dive: req.dive,
    phase: read?.kind === 'legacy' ? read.phase : FIRST_AGENT_PHASE,
    status: 'running',
    phaseIterations: 0,
    iterations: read?.kind === 'legacy' ? read.iterations : 0,
    historySeq: (await history.last())?.seq ?? 0,
    gatesPassed: [],
    startedAt: now,
    updatedAt: now,
    workingDir: workspace.workingDir,
    branch: workspace.branch,
    baseBranch: workspace.baseBranch,
    standalone: workspace.standalone,
    totals: ZERO_TOTALS,
  };
  if (read?.kind === 'legacy') {
    notes.push(`migrated ${OVERVIEW_FILE} from the Python samocode format (phase ${read.phase}, iteration ${read.iterations}); its text is kept as the body`);
    await store.write(state);
  } else {
    await store.write(state, initialBody(state));
    notes.push(`created session ${folder}`);
  }
  return state;
}

function initialBody(state: SessionState): string {
  const sections = [
    `# Session: ${state.name}`,
    '',
    '## Task',
    state.task,
    '',
    '## Dive focus',
    state.dive ?? '_None given._',
    '',
    '## Requirements',
    '',
    '## Findings / Decisions',
    '',
    '## Progress',
    '',
    '## Next step',
    'Investigation.',
    '',
    '## Notes for the next iteration',
    '',
  ];
  return `\n${sections.join('\n')}`;
}

function listFolders(dir: string): string[] {
  try {
    return readdirSync(dir).filter((entry) => {
      try {
        return statSync(join(dir, entry)).isDirectory();
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}
