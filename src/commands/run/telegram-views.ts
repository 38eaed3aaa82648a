// What Telegram's /sessions, /log, /stats and the queue part of /status show, read with the same readers as
// `orchestrate list`, `log` and `queue` (the telegram room may not import commands/ or queue/, so the run passes
// these in). Read on demand, never on a timer of their own; each read is bounded (the tail of one log, one pass
// over each history, a Redis queue asked with a time limit), since it runs inside the orchestrator's process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { HISTORY_FILE, OVERVIEW_FILE } from '../../core/session-files.js';
import { addUsage, emptyUsage, totalUsage, type SessionUsage } from '../../core/recent-usage.js';
import { scrubStrings } from '../../core/secrets.js';
import { shortName } from '../../core/session-name.js';
import { parseEntry } from '../../io/history-log.js';
import { listFolders } from '../../io/list-folders.js';
import type { JobState } from '../../queue/backend.js';
import { readJobs } from '../../queue/read-jobs.js';
import type { ActionsView, QueueView, StatsView, TelegramViews } from '../../telegram/views.js';
import { cleaner, listRows } from '../inspect/inspect.js';
import { forEachLine, lastEntries } from '../inspect/read.js';
import { actionReader, listLogFiles, type Action } from '../log/actions.js';
import { actionBody, formatAction } from '../log/format-log.js';
import { LineTail } from '../log/line-tail.js';

/** Bytes read from the end of the newest log for /log: the last actions are near the end, and a log may be 40 MB. */
export const LOG_TAIL_BYTES = 512 * 1024;
const STATS_HOURS = 24;
const TOP_SESSIONS = 5;
/** A Redis queue that does not answer in this time is reported as such; /status must not hang on it. */
const QUEUE_TIMEOUT_MS = 5_000;
const QUEUE_ORDER: JobState[] = ['running', 'queued', 'waiting', 'blocked', 'failed', 'done'];

export function telegramViews(config: Config, sessionDir: string): TelegramViews {
  const clean = cleaner(config);
  return {
    sessions: () =>
      listRows(config, new Date()).map((row) => ({
        name: row.name,
        phase: row.phase,
        status: row.statusLine,
        iterations: row.iterations,
        updatedAgoMs: row.updatedAgoMs,
        job: row.job,
      })),
    actions: (max) => lastActions(sessionDir, clean, max),
    // Scrubbed before they are cut to fit a message: a secret cut short would no longer match its value.
    stats: () => scrubStrings(recentStats(config, Date.now() - STATS_HOURS * 3_600_000), clean),
    queue: async () => scrubStrings(await queueView(config), clean),
  };
}

/** The newest iteration's last `max` actions (all its attempts' logs, newest attempt last), from the tail of each. */
export function lastActions(sessionDir: string, clean: (text: string) => string, max: number): ActionsView | undefined {
  const logs = listLogFiles(sessionDir);
  const newest = logs.at(-1);
  if (!newest) return undefined;
  const actions: Action[] = [];
  for (const log of logs) {
    if (log.iteration !== newest.iteration) continue;
    const read = actionReader(log, clean);
    // Never blocks and skips what is not a regular file (a FIFO in place of the log), like `orchestrate log`.
    new LineTail(log.file, LOG_TAIL_BYTES).finish((line) => actions.push(...read(line)));
  }
  const ended = lastEntries(join(sessionDir, HISTORY_FILE)).iteration;
  const shown = actions.slice(-max);
  return {
    iteration: newest.iteration,
    phase: newest.phase,
    running: !(ended && ended.iteration >= newest.iteration),
    lines: shown.map(formatAction),
    latest: actions.length > 0 ? actionBody(actions.at(-1)!) : undefined,
    earlier: actions.length - shown.length,
  };
}

/** Every session's iterations since `sinceMs`, from its history (one pass over each file). */
export function recentStats(config: Config, sinceMs: number): StatsView {
  const sessions: SessionUsage[] = [];
  let unreadable = 0;
  for (const folder of listFolders(config.sessions)) {
    const dir = join(config.sessions, folder);
    const usage = emptyUsage(shortName(folder));
    try {
      const history = join(dir, HISTORY_FILE);
      const exists = forEachLine(history, (line) => {
        if (olderThan(line, sinceMs)) return;
        const entry = parseEntry(line);
        if (entry) addUsage(usage, entry, sinceMs);
      });
      // forEachLine reads only a regular file: something else in its place (a directory, a FIFO) is said, not hidden.
      if (!exists && existsSync(history)) {
        unreadable += 1;
        continue;
      }
      if (exists || existsSync(join(dir, OVERVIEW_FILE))) sessions.push(usage);
    } catch {
      // One history that cannot be read (a directory in its place, no permission) must not hide the others.
      unreadable += 1;
    }
  }
  const { total, active } = totalUsage(sessions);
  return {
    hours: STATS_HOURS,
    activeSessions: active.length,
    allSessions: sessions.length,
    iterations: total.iterations,
    failedIterations: total.failedIterations,
    costUsd: total.costUsd,
    costEstimated: total.costEstimated,
    inputTokens: total.inputTokens,
    outputTokens: total.outputTokens,
    cacheTokens: total.cacheTokens,
    unreadable,
    top: active.slice(0, TOP_SESSIONS).map((s) => ({ name: s.name, iterations: s.iterations, costUsd: s.costUsd })),
  };
}

// An entry's time is among its first fields: a line from before the window is passed over without parsing it, so
// /stats costs what the last 24 h hold, not what a long history does. A line where it is not found is parsed.
const TIME_FIELD = /"time":"([^"]{10,40})"/;

function olderThan(line: string, sinceMs: number): boolean {
  const time = TIME_FIELD.exec(line.slice(0, 200))?.[1];
  const at = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isFinite(at) && at < sinceMs;
}

/** The queue, when one is configured: SAMOCODE_QUEUE (Redis, asked with a time limit), or the local queue once it has a job. */
export async function queueView(config: Config): Promise<QueueView | undefined> {
  const backend = config.queue.url ? 'redis' : 'local';
  const read = await readJobs(config, QUEUE_TIMEOUT_MS);
  if ('problem' in read) return { backend, counts: [], problem: read.problem };
  if (backend === 'local' && read.jobs.length === 0) return undefined;
  return { backend, counts: countJobs(read.jobs) };
}

function countJobs(jobs: readonly { id: string; state: JobState; since: string }[]): QueueView['counts'] {
  return QUEUE_ORDER.map((state) => {
    const names = jobs
      .filter((j) => j.state === state)
      .sort((a, b) => a.since.localeCompare(b.since))
      .map((j) => j.id);
    return { state, count: names.length, names };
  });
}
