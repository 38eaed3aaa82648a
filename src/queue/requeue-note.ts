// Samocode's own check before a stalled job runs again: the BullMQ job of a session stalled (its worker died), and
// BullMQ was told never to re-run it by itself (maxStalledCount 0). Whoever re-queues it first takes the session lock
// the way an orchestrator does (io/session-lock.ts): refused while the previous orchestrator still runs (on this
// host, or on any other, which samocode cannot check), taken over once it is certainly gone (its left-over agent is
// stopped). Under that lock the re-queue is recorded in the history (a `requeued` entry, folded like any other), and
// the lock is released before the job is queued again, so the next orchestrator finds it free.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Scrub } from '../core/secrets.js';
import { HISTORY_FILE, LOCK_FILE, OVERVIEW_FILE } from '../core/session-files.js';
import { applyEntry, type RequeuedEntry } from '../core/state.js';
import { SessionLockedError } from '../errors.js';
import { HistoryLog, catchUp } from '../io/history-log.js';
import { sessionFolderFor } from '../io/session-folder.js';
import { SessionLock } from '../io/session-lock.js';
import { StateStore } from '../io/state-store.js';

/** What the session reached when its orchestrator ended: a job whose orchestrator outlived its worker takes that end. */
export type SessionEnd = { status: 'done' | 'waiting' | 'blocked'; reason?: string | undefined };

export type RequeueCheck =
  /**
   * The previous orchestrator is gone. `end`: it had brought the session to done, waiting or blocked (it outlived its
   * worker), so nothing runs again and the job takes that end; else `note` says what was recorded for the re-run.
   */
  | { kind: 'free'; note?: string | undefined; end?: SessionEnd | undefined }
  /** Its orchestrator still holds the lock: the job stays failed, and is looked at again later. */
  | { kind: 'held'; why: string };

/**
 * Take the session's lock, run `decide` under it with the end the session reached, if any (false: someone else already
 * re-queued the job; nothing is written), record the re-queue when it runs again, release. `decide` is where the
 * caller marks the job as taken care of.
 */
export async function checkAndNoteRequeue(
  config: Config,
  job: { session: string; restarts: number; reason: string },
  decide: (end: SessionEnd | undefined) => Promise<boolean>,
  scrub: Scrub,
  now: () => Date = () => new Date(),
): Promise<RequeueCheck | { kind: 'taken' }> {
  const { folder, exists } = sessionFolderFor(config, job.session);
  if (!exists) return (await decide(undefined)) ? { kind: 'free' } : { kind: 'taken' };
  const sessionDir = join(config.sessions, folder);
  let acquired;
  try {
    acquired = await SessionLock.acquire(join(sessionDir, LOCK_FILE), randomUUID(), now(), {
      killGraceMs: config.killGraceMs,
    });
  } catch (error) {
    if (error instanceof SessionLockedError) return { kind: 'held', why: error.message };
    throw error;
  }
  try {
    const store = new StateStore(join(sessionDir, OVERVIEW_FILE), scrub);
    const history = new HistoryLog(join(sessionDir, HISTORY_FILE), scrub);
    history.repair();
    const read = await store.read();
    if (read?.kind !== 'state') return (await decide(undefined)) ? { kind: 'free' } : { kind: 'taken' };
    let state = read.state;
    // The dead run may have appended its last entry without folding it: fold it first, so no seq is used twice.
    const caught = await catchUp(state, history);
    state = caught.state;
    if (state.status !== 'running') {
      const end: SessionEnd = {
        status: state.status,
        reason: state.status === 'blocked' ? state.blockedReason : undefined,
      };
      return (await decide(end)) ? { kind: 'free', end } : { kind: 'taken' };
    }
    if (!(await decide(undefined))) return { kind: 'taken' };
    const previous = acquired.tookOverFrom;
    const entry: RequeuedEntry = {
      seq: caught.nextSeq,
      time: now().toISOString(),
      iteration: state.iterations,
      phase: state.phase,
      event: 'requeued',
      reason: job.reason,
      restarts: job.restarts,
      ...(previous
        ? {
            previous: {
              pid: previous.pid,
              host: previous.host,
              ...(previous.lease ? { lease: previous.lease } : {}),
            },
          }
        : {}),
    };
    await history.append(entry);
    await store.write(applyEntry(state, entry));
    return {
      kind: 'free',
      note: `session ${folder}: ${job.reason}; re-queued in ${state.phase} (restart ${job.restarts})${previous ? `, after taking over the lock of orchestrator pid ${previous.pid} ${previous.why}` : ''}`,
    };
  } finally {
    acquired.lock.release();
  }
}
