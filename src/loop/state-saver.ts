// When the loop's state reaches `_overview.md` (the history entry is always appended first, by the loop itself).
import type { SessionState } from '../core/state.js';
import type { Clock, SessionStorePort } from './ports.js';

/**
 * While iterations go on, `_overview.md` is rewritten at most once per this many ms. A rewrite costs a rename (on
 * ext4 ~0.1–0.9 ms: replacing a file by rename makes it allocate the new one's blocks at once); iterations of a real
 * agent take seconds, so each is written, but quick ones (tests, a scripted agent) share a write.
 */
export const STATE_WRITE_EVERY_MS = 250;

/**
 * History first, then state: a start folds whatever entries the state has not applied (io/history-log.ts catchUp).
 * The state after an iteration that goes on is written once the next agent runs (AttemptRequest.started), off the
 * path between two agents, and no sooner than STATE_WRITE_EVERY_MS after the last write (a timer writes it then);
 * every other record writes at once, and the end of the loop writes what is pending.
 */
export function stateSaver(store: SessionStorePort, clock: Clock) {
  let unsaved: SessionState | undefined;
  let writtenAt = Number.NEGATIVE_INFINITY;
  let writing: Promise<void> | undefined;
  let timer: AbortController | undefined;
  let failure: { error: unknown } | undefined;
  const write = async (state: SessionState) => {
    writtenAt = clock.now().getTime();
    await store.writeState(state);
  };
  const flush = async () => {
    timer?.abort();
    timer = undefined;
    if (writing) await writing;
    // A write that failed in the background stops the run here, as a failed write in the foreground would.
    if (failure) {
      const { error } = failure;
      failure = undefined;
      throw error;
    }
    if (unsaved) {
      const next = unsaved;
      unsaved = undefined;
      await write(next);
    }
  };
  /** The pending write, without waiting for it; its failure is thrown by the next flush. */
  const inBackground = () => {
    writing = flush()
      .catch((error: unknown) => {
        failure = { error };
      })
      .finally(() => {
        writing = undefined;
      });
  };
  return {
    flush,
    /** Write `state` now, with whatever was pending. */
    async now(state: SessionState) {
      unsaved = state;
      await flush();
    },
    /** Write `state` once the next agent runs (it replaces a state still pending: the history has both). */
    later(state: SessionState) {
      unsaved = state;
    },
    /**
     * The loop waits for something (the next agent runs, a retry's delay): write what is pending now, or when the last
     * write is STATE_WRITE_EVERY_MS old.
     */
    writeSoon() {
      if (!unsaved || writing || timer) return;
      const wait = writtenAt + STATE_WRITE_EVERY_MS - clock.now().getTime();
      if (wait <= 0) return inBackground();
      const waited = (timer = new AbortController());
      void clock.sleep(wait, waited.signal).then(() => {
        if (waited.signal.aborted) return;
        timer = undefined;
        inBackground();
      });
    },
  };
}

export type StateSaver = ReturnType<typeof stateSaver>;
