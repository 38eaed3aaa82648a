// One watcher per worker for every waiting session of the queue: a waiting session holds no slot and no process;
// when the person's answer is there (the same judgement as the in-process gate: io/person-gate.ts → core/wait.ts),
// its continuation is queued. chokidar watches each waiting session's folder (depth 0) and the file it waits on, so
// an answer is seen within its settle time; a poll of the queue (every `pollMs`) picks up sessions that began to
// wait under another worker, and catches an event that was missed.
import { dirname } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { answerBaseline, answerPlaces, answerSince } from '../io/person-gate.js';
import { liveHolder } from '../io/session-lock.js';
import { join } from 'node:path';
import { LOCK_FILE } from '../core/session-files.js';
import type { QueueBackend } from './backend.js';
import { readState, sessionDirOf } from './session-facts.js';

/** Editors save in place or rename over, often several times: report a file once it has been still this long. */
const SETTLE_MS = 100;

interface Watched {
  folder: string;
  file: string;
  /** The waited-on file's mtime when the watch began: a later save of it is the answer. */
  baseline: number | undefined;
}

/** samocode's own last write of `_overview.md` comes this soon after the state's `updatedAt`: not the person's save. */
const OWN_WRITE_SLACK_MS = 2_000;

export interface WaitingWatch {
  /** A job that just ended waiting (this worker ran it): watch it at once. */
  add(id: string): Promise<void>;
  /** How many sessions are watched now. */
  size(): number;
  close(): Promise<void>;
}

export function watchWaiting(opts: {
  sessions: string;
  backend: QueueBackend;
  say(line: string): void;
  pollMs: number;
}): WaitingWatch {
  const watched = new Map<string, Watched>();
  let watcher: FSWatcher | undefined;
  let closed = false;

  const ensureWatcher = async (): Promise<FSWatcher> => {
    if (watcher) return watcher;
    const { watch } = await import('chokidar');
    watcher = watch([], {
      depth: 0,
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: SETTLE_MS, pollInterval: 20 },
      // The session's logs and the agent's raw output are never an answer.
      ignored: (path: string) => /\/_logs(\/|$)|\.tmp-\d+-\d+$|\/\.lock/.test(path),
    });
    watcher.on('all', (_event, path) => {
      for (const [id, place] of watched)
        if (place.file === path || place.folder === dirname(path) || place.folder === path) void check(id);
    });
    watcher.on('error', (error) => opts.say(`watching the waiting sessions failed: ${String(error)}`));
    return watcher;
  };

  const forget = (id: string) => {
    const place = watched.get(id);
    if (!place) return;
    watched.delete(id);
    const stillUsed = (path: string) => [...watched.values()].some((p) => p.folder === path || p.file === path);
    for (const path of new Set([place.folder, place.file])) if (!stillUsed(path)) watcher?.unwatch(path);
  };

  /** Queue the continuation when the answer is there (or the session is no longer waiting at all). */
  const checking = new Set<string>();
  const check = async (id: string) => {
    if (closed || checking.has(id)) return;
    checking.add(id);
    try {
      const dir = sessionDirOf(opts.sessions, id);
      const state = dir ? await readState(dir) : undefined;
      if (!dir || !state) return;
      let how: string;
      if (state.status === 'waiting') {
        const verdict = answerSince(state, dir, {
          baseline: watched.get(id)?.baseline,
          sinceMs: Date.parse(state.updatedAt) + OWN_WRITE_SLACK_MS,
        });
        if (!('resume' in verdict)) return;
        how = verdict.resume.how;
      } else {
        // Resumed by hand meanwhile: while that run holds the session, leave it alone.
        if (liveHolder(join(dir, LOCK_FILE))) return;
        how = `the session is ${state.status} now`;
      }
      const { added } = await opts.backend.enqueue({ session: id });
      forget(id);
      if (added) opts.say(`${id}: answered (${how}); its continuation is queued`);
    } catch (error) {
      opts.say(`${id}: could not check for an answer: ${String(error)}`);
    } finally {
      checking.delete(id);
    }
  };

  const add = async (id: string) => {
    if (closed || watched.has(id)) return;
    const dir = sessionDirOf(opts.sessions, id);
    const state = dir ? await readState(dir) : undefined;
    if (!dir || !state) return;
    const place = { ...answerPlaces(state, dir), baseline: answerBaseline(state, dir) };
    watched.set(id, place);
    const w = await ensureWatcher();
    w.add(
      place.file === place.folder || dirname(place.file) === place.folder ? place.folder : [place.folder, place.file],
    );
    // An answer saved before the watch began would otherwise go unseen.
    await check(id);
  };

  const sync = async () => {
    try {
      const waiting = new Set((await opts.backend.list()).filter((j) => j.state === 'waiting').map((j) => j.id));
      for (const id of watched.keys()) if (!waiting.has(id)) forget(id);
      for (const id of waiting) if (!watched.has(id)) await add(id);
      for (const id of watched.keys()) await check(id);
    } catch (error) {
      opts.say(`could not list the waiting sessions: ${String(error)}`);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    timer = setTimeout(() => void sync().finally(() => !closed && loop()), opts.pollMs);
    timer.unref();
  };
  void sync().finally(() => !closed && loop());

  return {
    add,
    size: () => watched.size,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await watcher?.close();
    },
  };
}
