// Find or create the session folder, take its lock, perform init (worktree + `_overview.md`) or migrate/recover
// the existing state. Everything that must happen before the loop may start.
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { FIRST_AGENT_PHASE } from '../../core/phases.js';
import { HISTORY_FILE, LOCK_FILE, LOGS_DIR, OVERVIEW_FILE } from '../../core/session-files.js';
import { ZERO_TOTALS, type SessionState } from '../../core/state.js';
import { oneLine } from '../../core/text.js';
import { SessionStateError } from '../../errors.js';
import { HistoryLog, catchUp } from '../../io/history-log.js';
import { makeDir } from '../../io/make-dir.js';
import { guardWriteAsync } from '../../io/storage-failure.js';
import { SessionLock, type Acquired } from '../../io/session-lock.js';
import { StateStore, type OverviewReadAt } from '../../io/state-store.js';
import { ensureWorkspace, sessionWorkspace, type GitFacts } from '../../io/workspace.js';
import { noSuchSession, sessionFolderFor } from '../../io/session-folder.js';

export interface OpenRequest {
  name: string;
  task?: string | undefined;
  dive?: string | undefined;
  now: Date;
  runId: string;
  scrub: (text: string) => string;
  /** The queue job's lock token, when a worker runs this session: recorded in the session lock. */
  lease?: string | undefined;
  /** The workspace's git facts, asked ahead while the session's files were read (io/workspace.ts prefetchGitFacts). */
  gitFacts?: GitFacts | undefined;
  /** `_overview.md` as read before the lock was taken: reused if the file still has the same text. */
  overviewAhead?: OverviewReadAt | undefined;
}

/** The worktree's (and branch's) name of a session: its name without the date of a dated folder. */
export const workspaceName = (session: string) => session.replace(/^\d{2}-\d{2}-\d{2}-/, '');

export interface OpenSession {
  sessionDir: string;
  state: SessionState;
  store: StateStore;
  history: HistoryLog;
  lock: Acquired;
  /** Things worth telling the person (created, migrated, recovered …). */
  notes: string[];
  /** Things the person should act on (shown as warnings): e.g. a --task that an existing session does not use. */
  warnings: string[];
  /** The session was already done before this run. */
  alreadyDone: boolean;
  /** --task was given but the session already has its own (so it was not used). */
  taskIgnored: boolean;
}

export async function openSession(config: Config, req: OpenRequest): Promise<OpenSession> {
  const notes: string[] = [];
  const warnings: string[] = [];
  // Every usage check comes before the first folder is made: a refused name leaves nothing behind.
  const { folder, exists } = sessionFolderFor(config, req.name);
  if (!exists && !req.task) throw noSuchSession(config, req.name);
  makeDir(config.sessions, 'the sessions folder', 'SESSIONS');
  const sessionDir = join(config.sessions, folder);
  makeDir(join(sessionDir, LOGS_DIR), `the agent log folder of session ${folder}`);

  const lockFile = join(sessionDir, LOCK_FILE);
  const lock = await guardWriteAsync({ file: lockFile, what: 'taking the session lock' }, () =>
    SessionLock.acquire(lockFile, req.runId, req.now, { killGraceMs: config.killGraceMs, lease: req.lease }),
  );
  if (lock.tookOverFrom) {
    const leftovers = [
      ...(lock.killedLeftoverAgent
        ? [`stopped its agent (pid ${lock.killedLeftoverAgent}) that was still running`]
        : []),
      ...(lock.stoppedLeftovers
        ? [
            `stopped ${lock.stoppedLeftovers} process${lock.stoppedLeftovers === 1 ? '' : 'es'} still carrying its run id`,
          ]
        : []),
    ];
    // A reused pid is worth a warning: the person may wonder why the lock of a live pid was taken.
    const said = lock.tookOverFrom.why.startsWith('which is gone') ? warnings : notes;
    said.push(
      `took over the lock of orchestrator pid ${lock.tookOverFrom.pid}, ${lock.tookOverFrom.why}${leftovers.map((l) => `; ${l}`).join('')}`,
    );
  }
  if (lock.tookOverUnreadable)
    warnings.push(`took over the unreadable lock ${lockFile} (${lock.tookOverUnreadable}, unchanged for over 5 s)`);
  try {
    const store = new StateStore(join(sessionDir, OVERVIEW_FILE), req.scrub);
    const history = new HistoryLog(join(sessionDir, HISTORY_FILE), req.scrub);
    const repaired = history.repair();
    if (repaired) notes.push(repaired);
    // Facts asked before the lock are only good if no process of an earlier run was still at work in the worktree.
    const ahead = lock.killedLeftoverAgent || lock.stoppedLeftovers ? undefined : req.gitFacts;
    const state = await loadOrInit(config, req, folder, store, history, notes, ahead);
    // A new (or migrated) session takes --task as its task; only an existing one can differ.
    const taskIgnored = req.task !== undefined && req.task !== state.task;
    if (taskIgnored) {
      warnings.push(
        `--task is not used: session ${folder} already has its task (${JSON.stringify(oneLine(state.task, 80))}, in ${OVERVIEW_FILE}) and ${state.status === 'done' ? 'is done' : `goes on with it in ${state.phase}`}. ` +
          'To work on a new task, start a new session: use a new --session name with --task.',
      );
    }
    return {
      sessionDir,
      state,
      store,
      history,
      lock,
      notes,
      warnings,
      alreadyDone: state.status === 'done',
      taskIgnored,
    };
  } catch (error) {
    lock.lock.release();
    throw error;
  }
}

async function loadOrInit(
  config: Config,
  req: OpenRequest,
  folder: string,
  store: StateStore,
  history: HistoryLog,
  notes: string[],
  ahead: GitFacts | undefined,
): Promise<SessionState> {
  const read = await store.read(req.overviewAhead);
  if (read?.kind === 'invalid') throw new SessionStateError(read.message);

  if (read?.kind === 'state') {
    // The previous run appended entries and ended before writing the state (a crash, or its coalesced writes):
    // finish its work.
    const caught = await catchUp(read.state, history);
    let state = caught.state;
    const [first, last] = [caught.recovered[0], caught.recovered.at(-1)];
    if (first && last) {
      await store.write(state);
      notes.push(
        first === last
          ? `recovered history entry ${last.seq} (${last.event}, iteration ${last.iteration}) that the previous run recorded but had not applied`
          : `recovered history entries ${first.seq}–${last.seq} (up to iteration ${last.iteration}) that the previous run recorded but had not applied`,
      );
    } else if (caught.gap) {
      notes.push(
        `warning: ${HISTORY_FILE} is ahead of ${OVERVIEW_FILE} by ${caught.gap.seq - state.historySeq} entries; continuing from ${OVERVIEW_FILE}`,
      );
    }
    if (state.status !== 'done' && !state.standalone) {
      const workspace = await sessionWorkspace(config, state, ahead);
      notes.push(workspace.note);
      if (workspace.workingDir !== state.workingDir)
        notes.push(`working dir moved: ${state.workingDir} → ${workspace.workingDir}`);
      state = { ...state, workingDir: workspace.workingDir };
    }
    return state;
  }

  // New session (or a Python-era one): init is ours, deterministic, no agent involved.
  const name = workspaceName(req.name);
  StateStore.prepareWriter();
  const workspace = await ensureWorkspace(
    {
      mainRepo: config.mainRepo,
      worktrees: config.worktrees,
      name,
      branchPrefix: config.branchPrefix,
      baseBranch: config.baseBranch,
    },
    ahead,
  );
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
    notes.push(
      `migrated ${OVERVIEW_FILE} from the Python samocode format (phase ${read.phase}, iteration ${read.iterations}); its text is kept as the body`,
    );
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
