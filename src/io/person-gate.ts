// The real HumanGate: while the session waits (or is blocked, with --wait-on-blocked), watch the session folder
// with chokidar and resume in this same process as soon as the person's answer is complete. What counts as an answer
// is decided by the pure core/wait.ts; this file only gathers the facts and watches for changes.
import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Log } from '../core/log.js';
import type { SessionState } from '../core/state.js';
import { PLAN_FILE, QA_FILE, RESUME_FILE, REVIEW_FILE, watchedFile as watchedFileAt } from '../core/session-files.js';
import { evaluateWait, type Resumption, type WaitFacts, type WaitVerdict } from '../core/wait.js';
import { readIfExists } from './read-if-exists.js';
import { placeOf } from './wait-facts.js';
import type { HumanGate } from '../loop/ports.js';

export interface PersonGateOptions {
  sessionDir: string;
  /** Wait for answers when the agent waits (default); false is --no-wait: exit and let a later run pick them up. */
  waitOnWaiting: boolean;
  /** --wait-on-blocked: wait for an edit or `resume` when the session is blocked, instead of exiting. */
  waitOnBlocked: boolean;
  /** `orchestrate resume`: go on at start even if the answers are incomplete. */
  force: boolean;
  log: Log;
}

/**
 * Editors save in place, or write a temp file and rename it over (vim, VS Code), often several times in a row.
 * chokidar's awaitWriteFinish waits until the file has stopped changing for this long before reporting it.
 */
const SETTLE_MS = 100;

export function personGate(opts: PersonGateOptions): HumanGate {
  return {
    async wait(state, signal, { startup }) {
      const watched = watchedFile(state, opts.sessionDir);
      const baseline = mtime(watched);
      const check = (atStart: boolean): WaitVerdict =>
        evaluateWait(state, gatherFacts(state, opts.sessionDir, watched, baseline), {
          startup: atStart,
          force: atStart && opts.force,
        });

      const first = check(startup);
      if ('resume' in first) return consume(first.resume, opts.sessionDir);
      const allowed = state.status === 'waiting' ? opts.waitOnWaiting : opts.waitOnBlocked;
      if (!allowed || signal.aborted) return undefined;

      opts.log.warn(
        { event: 'waiting-for-person', pending: first.pending },
        `waiting for you: ${first.pending}. samocode goes on by itself when you save; or run orchestrate resume`,
      );
      const { watch } = await import('chokidar');
      return new Promise<Resumption | undefined>((resolve) => {
        let last = first.pending;
        let done = false;
        const relevant = new Set([QA_FILE, PLAN_FILE, REVIEW_FILE, RESUME_FILE, basename(watched)]);
        // depth 0 sees only the session folder's own files: a file anywhere else is watched by its path.
        const watcher = watch(dirname(watched) === opts.sessionDir ? opts.sessionDir : [opts.sessionDir, watched], {
          depth: 0,
          ignoreInitial: true,
          awaitWriteFinish: { stabilityThreshold: SETTLE_MS, pollInterval: 20 },
          ignored: (path: string) => path !== opts.sessionDir && path !== watched && !relevant.has(basename(path)),
        });
        const finish = (result: Resumption | undefined) => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          void watcher.close();
          resolve(result);
        };
        const onAbort = () => finish(undefined);
        signal.addEventListener('abort', onAbort, { once: true });
        const onChange = () => {
          if (done) return;
          const verdict = check(false);
          if ('resume' in verdict) finish(consume(verdict.resume, opts.sessionDir));
          else if (verdict.pending !== last) {
            last = verdict.pending;
            opts.log.warn({ event: 'waiting-for-person', pending: last }, `still waiting: ${last}`);
          }
        };
        watcher.on('add', onChange).on('change', onChange).on('unlink', onChange);
        // An answer saved between the first check and the watcher being ready would otherwise go unseen.
        watcher.on('ready', onChange);
        watcher.on('error', (error) =>
          opts.log.error({ err: error }, `watching ${opts.sessionDir} failed: ${String(error)}`),
        );
      });
    },
  };
}

/** What is still missing, for the message printed when the run exits instead of waiting. */
export function pendingReason(state: SessionState, sessionDir: string): string | undefined {
  const watched = watchedFile(state, sessionDir);
  const verdict = evaluateWait(state, gatherFacts(state, sessionDir, watched, mtime(watched)), {
    startup: false,
    force: false,
  });
  return 'pending' in verdict ? verdict.pending : undefined;
}

/**
 * The same judgement for a session whose run has ended waiting (a queue worker's watcher, queue/): has the person
 * answered? The waited-on file counts as saved when its mtime is no longer `baseline` (what it was when the watch
 * began) or is later than `sinceMs`. samocode itself writes `_overview.md` a moment after the state's `updatedAt`, so
 * the caller keeps `sinceMs` a little past it.
 */
export function answerSince(
  state: SessionState,
  sessionDir: string,
  opts: { baseline: number | undefined; sinceMs: number },
): WaitVerdict {
  const watched = watchedFile(state, sessionDir);
  const saved = mtime(watched);
  return evaluateWait(
    state,
    {
      ...gatherFacts(state, sessionDir, watched, saved),
      fileChanged: saved !== undefined && (saved !== opts.baseline || saved > opts.sinceMs),
    },
    { startup: false, force: false },
  );
}

/** The mtime of the file a waiting session's answer may be a save of (the baseline of `answerSince`). */
export function answerBaseline(state: SessionState, sessionDir: string): number | undefined {
  return mtime(watchedFile(state, sessionDir));
}

/** The files whose change may be the person's answer: the session folder's own (depth 0), and the waited-on file. */
export function answerPlaces(state: SessionState, sessionDir: string): { folder: string; file: string } {
  return { folder: sessionDir, file: watchedFile(state, sessionDir) };
}

/** The file the gate watches, with symlinks followed as the agent's signal was judged. */
function watchedFile(state: SessionState, sessionDir: string): string {
  return watchedFileAt(state, sessionDir, placeOf);
}

function gatherFacts(
  state: SessionState,
  sessionDir: string,
  watched: string,
  baseline: number | undefined,
): WaitFacts {
  const request = readResumeRequest(sessionDir);
  const now = mtime(watched);
  return {
    qaText: state.waitingFor === 'qa_answers' ? readIfExists(join(sessionDir, QA_FILE)) : undefined,
    planText: state.waitingFor === 'plan_approval' ? readIfExists(join(sessionDir, PLAN_FILE)) : undefined,
    reviewText: state.waitingFor === 'review' ? readIfExists(join(sessionDir, REVIEW_FILE)) : undefined,
    resumeRequest: request,
    fileChanged: now !== undefined && now !== baseline,
  };
}

function readResumeRequest(sessionDir: string): WaitFacts['resumeRequest'] {
  const text = readIfExists(join(sessionDir, RESUME_FILE));
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { how?: string; time?: string };
    return { how: value.how ?? 'orchestrate resume', at: Date.parse(value.time ?? '') || Date.now() };
  } catch {
    return { how: 'orchestrate resume', at: Date.now() };
  }
}

/** A resume request is used once: remove it so it cannot end the next wait too. */
function consume(resumption: Resumption, sessionDir: string): Resumption {
  const file = join(sessionDir, RESUME_FILE);
  if (existsSync(file)) rmSync(file, { force: true });
  return resumption;
}

function mtime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
