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
import { HistoryLog } from '../io/history-log.js';
import { sessionFolderFor } from '../io/session-folder.js';
import { SessionLock } from '../io/session-lock.js';
import { StateStore } from '../io/state-store.js';

export type RequeueCheck =
  /** The previous orchestrator is gone; `note` says what was recorded (undefined: the session has no files yet). */
  | { kind: 'free'; note?: string | undefined }
  /** Its orchestrator still holds the lock: the job stays failed, and is looked at again later. */
  | { kind: 'held'; why: string };

/**
 * Take the session's lock, run `decide` under it (false: someone else already re-queued the job; nothing is
 * written), record the re-queue, release. `decide` is where the caller marks the job as taken care of.
 */
export async function checkAndNoteRequeue(
  config: Config,
  job: { session: string; restarts: number; reason: string },
  decide: () => Promise<boolean>,
  scrub: Scrub,
  now: () => Date = () => new Date(),
): Promise<RequeueCheck | { kind: 'taken' }> {
  const { folder, exists } = sessionFolderFor(config, job.session);
  if (!exists) return (await decide()) ? { kind: 'free' } : { kind: 'taken' };
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
    if (!(await decide())) return { kind: 'taken' };
    const store = new StateStore(join(sessionDir, OVERVIEW_FILE), scrub);
    const history = new HistoryLog(join(sessionDir, HISTORY_FILE), scrub);
    history.repair();
    const read = await store.read();
    if (read?.kind !== 'state') return { kind: 'free' };
    let state = read.state;
    // The dead run may have appended its last entry without folding it: fold it first, so no seq is used twice.
    const last = await history.last();
    if (last && last.seq === state.historySeq + 1) state = applyEntry(state, last);
    const previous = acquired.tookOverFrom;
    const entry: RequeuedEntry = {
      seq: Math.max(state.historySeq, last?.seq ?? 0) + 1,
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
