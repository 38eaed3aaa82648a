// The worker's watch over the pull requests of the done sessions of its queue (DELIVER=pr): every PR_POLL it looks at
// each one with gh (the probe, gates/pr-probe.ts, wired in by the worker command), decides by the project's rules
// (core/pr-watch.ts) and reacts: a continuation queued as a job (the path of `orchestrate continue --enqueue`, from
// implementation), or a notification; merged or closed ends the watch. Each reaction is first recorded in the
// session's history under its lock (the key of what was seen), so two workers, or a restarted one, never react to the
// same thing twice. A session that runs (its lock is held) is left alone until it is done again.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import {
  decidePrReaction,
  prInstruction,
  prNotice,
  stoppedWatching,
  type PrCheck,
  type PrDecision,
  type PrFacts,
} from '../core/pr-watch.js';
import type { Scrub } from '../core/secrets.js';
import { HISTORY_FILE, LOCK_FILE, OVERVIEW_FILE } from '../core/session-files.js';
import { applyEntry, type HistoryEntry, type PrReactionEntry } from '../core/state.js';
import { SessionLockedError } from '../errors.js';
import { HistoryLog, catchUp, parseEntry } from '../io/history-log.js';
import { readIfExists } from '../io/read-if-exists.js';
import { SessionLock } from '../io/session-lock.js';
import { StateStore } from '../io/state-store.js';
import type { QueueBackend } from './backend.js';
import { readState, sessionDirOf } from './session-facts.js';

/** The gh side (gates/pr-probe.ts createPrProbe). */
export interface PrProbePort {
  look(url: string, abort: AbortSignal): Promise<{ ok: true; facts: PrFacts } | { ok: false; problem: string }>;
  failedLogs(url: string, failing: readonly PrCheck[], abort: AbortSignal): Promise<{ name: string; log: string }[]>;
}

export interface PrWatchOptions {
  config: Config;
  backend: QueueBackend;
  probe: PrProbePort;
  scrub: Scrub;
  say(line: string): void;
  /** Tell the person (console, the session's session.log, Telegram when configured). */
  notify(sessionDir: string, session: string, text: string, level: 'info' | 'warn'): void;
  now?: () => Date;
}

export interface PrWatch {
  /** Resolves when the look under way (if any) has ended; no new one starts. */
  close(): Promise<void>;
}

const PR_URL = /^https?:\/\/[^\s/]+\/[^\s/]+\/[^\s/]+\/pull\/\d+\/?$/;

/** The continuation starts where a fix is made: no question or plan is asked again. */
const CONTINUE_FROM = 'implementation' as const;

export function watchPullRequests(opts: PrWatchOptions): PrWatch {
  const { pollMs } = opts.config.prWatch;
  if (pollMs <= 0) return { close: async () => undefined };
  const stop = new AbortController();
  const now = opts.now ?? (() => new Date());
  // A problem (gh missing, not logged in) is said once per session until it changes or goes away.
  const problems = new Map<string, string>();
  // Merged or closed: not even its history is read again while this worker lives.
  const finished = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    const jobs = (await opts.backend.list()).filter((job) => job.state === 'done');
    for (const job of jobs) {
      if (stop.signal.aborted) return;
      try {
        await lookAt(job.id);
      } catch (error) {
        opts.say(opts.scrub(`${job.id}: watching its pull request failed: ${String(error)}`));
      }
    }
  };

  const lookAt = async (id: string) => {
    const dir = sessionDirOf(opts.config.sessions, id);
    const state = dir ? await readState(dir) : undefined;
    if (!dir || state?.status !== 'done' || state.delivery?.mode !== 'pr' || !state.delivery.prUrl) return;
    const url = state.delivery.prUrl;
    // It goes to gh as an argument: only a pull request URL (a hand-edited `_overview.md` could hold `--anything`).
    if (!PR_URL.test(url)) {
      if (problems.get(id) !== url) {
        problems.set(id, url);
        opts.notify(
          dir,
          id,
          `not watched: its delivery's prUrl ${JSON.stringify(url)} is not a pull request URL (https://host/owner/repo/pull/N)`,
          'warn',
        );
      }
      return;
    }
    if (finished.has(`${id} ${url}`)) return;
    const past = reactionsTo(dir, url);
    if (stoppedWatching(past.reactions)) {
      finished.add(`${id} ${url}`);
      return;
    }
    const last = past.reactions.at(-1);
    if (last?.did === 'continue' && !past.continuedSince && last.instruction) {
      // Recorded, but its job was lost (the worker died in between) or is still queued: queue it (again).
      const { added } = await opts.backend.enqueue({ session: id, instruction: last.instruction, from: CONTINUE_FROM });
      if (added) opts.say(`${id}: the continuation for ${url} (${last.detail}) is queued again`);
      return;
    }
    const look = await opts.probe.look(url, stop.signal);
    if (!look.ok) {
      if (problems.get(id) !== look.problem && !stop.signal.aborted) {
        problems.set(id, look.problem);
        opts.notify(
          dir,
          id,
          `pull request ${url}: cannot look at it: ${look.problem}; looking again in ${Math.round(pollMs / 1000)} s`,
          'warn',
        );
      }
      return;
    }
    problems.delete(id);
    const decision = decidePrReaction(look.facts, opts.config.prWatch, past.reactions);
    if (decision.kind === 'nothing') return;
    const instruction =
      decision.did === 'continue' ? opts.scrub(await instructionFor(decision, look.facts, past.reactions)) : undefined;
    if (stop.signal.aborted) return;
    const recorded = await record(dir, url, decision, instruction);
    if (!recorded) return;
    if (instruction !== undefined) await opts.backend.enqueue({ session: id, instruction, from: CONTINUE_FROM });
    opts.notify(dir, id, opts.scrub(prNotice(decision, url)), decision.gaveUp ? 'warn' : 'info');
  };

  const instructionFor = async (
    decision: Extract<PrDecision, { kind: 'react' }>,
    facts: PrFacts,
    reactions: readonly PrReactionEntry[],
  ) => {
    const logs =
      decision.seen === 'ci_failed' ? await opts.probe.failedLogs(facts.url, decision.failing, stop.signal) : [];
    const since = reactions.filter((r) => r.seen === 'changes_requested').at(-1)?.time;
    return prInstruction(decision, facts, logs, since);
  };

  /** The reaction into the history, under the session lock; false when the session runs or it was recorded already. */
  const record = async (
    dir: string,
    url: string,
    decision: Extract<PrDecision, { kind: 'react' }>,
    instruction: string | undefined,
  ): Promise<boolean> => {
    let acquired;
    try {
      acquired = await SessionLock.acquire(join(dir, LOCK_FILE), randomUUID(), now(), {
        killGraceMs: opts.config.killGraceMs,
      });
    } catch (error) {
      if (error instanceof SessionLockedError) return false; // it runs: look again when it is done
      throw error;
    }
    try {
      const store = new StateStore(join(dir, OVERVIEW_FILE), opts.scrub);
      const history = new HistoryLog(join(dir, HISTORY_FILE), opts.scrub);
      history.repair();
      const read = await store.read();
      if (read?.kind !== 'state') return false;
      let state = read.state;
      const caught = await catchUp(state, history);
      state = caught.state;
      if (state.status !== 'done' || state.delivery?.prUrl !== url) return false;
      // Another worker may have reacted since this one looked.
      if (reactionsTo(dir, url).reactions.some((r) => r.key === decision.key)) return false;
      const entry: PrReactionEntry = {
        seq: caught.nextSeq,
        time: now().toISOString(),
        iteration: state.iterations,
        phase: state.phase,
        event: 'pr_reaction',
        pr: url,
        seen: decision.seen,
        key: decision.key,
        detail: decision.detail,
        did: decision.did,
        ...(decision.attempt !== undefined ? { attempt: decision.attempt } : {}),
        ...(decision.of !== undefined ? { of: decision.of } : {}),
        ...(decision.gaveUp ? { gaveUp: true as const } : {}),
        ...(instruction !== undefined ? { instruction } : {}),
      };
      await history.append(entry);
      await store.write(applyEntry(state, entry));
      return true;
    } finally {
      acquired.lock.release();
    }
  };

  const loop = () => {
    timer = setTimeout(() => {
      running = tick()
        .catch((error) => opts.say(opts.scrub(`watching the pull requests failed: ${String(error)}`)))
        .finally(() => {
          if (!stop.signal.aborted) loop();
        });
    }, pollMs);
    timer.unref();
  };
  running = tick()
    .catch((error) => opts.say(opts.scrub(`watching the pull requests failed: ${String(error)}`)))
    .finally(() => {
      if (!stop.signal.aborted) loop();
    });

  return {
    async close() {
      stop.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** The session's reactions to this PR in order, and whether a new cycle began after the last one. */
export function reactionsTo(dir: string, url: string): { reactions: PrReactionEntry[]; continuedSince: boolean } {
  const reactions: PrReactionEntry[] = [];
  let continuedSince = false;
  for (const line of (readIfExists(join(dir, HISTORY_FILE)) ?? '').split('\n')) {
    // Most lines are iterations: only these two kinds are parsed.
    if (!line.includes('"pr_reaction"') && !line.includes('"continued"')) continue;
    const entry: HistoryEntry | undefined = parseEntry(line);
    if (entry?.event === 'pr_reaction' && entry.pr === url) {
      reactions.push(entry);
      continuedSince = false;
    } else if (entry?.event === 'continued') continuedSince = true;
  }
  return { reactions, continuedSince };
}
