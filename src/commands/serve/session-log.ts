// The agent's actions for the dashboard, read as `orchestrate log --json` reads them: one iteration's logs (each
// attempt) through the run's stream parsers, then its end and checks from the history; and a tail that turns what a
// running iteration's log and the history gain into new actions and entries, for the session's event stream.
import { join } from 'node:path';
import type { Scrub } from '../../core/secrets.js';
import { HISTORY_FILE } from '../../core/session-files.js';
import type { HistoryEntry } from '../../core/state.js';
import { parseEntry } from '../../io/history-log.js';
import { actionReader, historyActions, listLogFiles, type Action, type LogFile } from '../log/actions.js';
import { LineTail } from '../log/line-tail.js';
import { forEachLine } from '../inspect/read.js';

/** At most this many actions in one answer (the last ones are kept): a 1 GB log must not become a 1 GB answer. */
export const MAX_ACTIONS = 5000;

/** The actions of iteration `only` (default: the last one there is), oldest first; `omitted` counts the ones cut. */
export function iterationActions(
  sessionDir: string,
  clean: Scrub,
  only?: number,
): { iteration: number | null; actions: Action[]; omitted: number } {
  const ends = new Map<number, Action[]>();
  forEachLine(join(sessionDir, HISTORY_FILE), (line) => {
    const entry = parseEntry(line);
    if (!entry || (only !== undefined && entry.iteration !== only)) return;
    const actions = historyActions(entry, clean);
    if (actions.length > 0) ends.set(entry.iteration, [...(ends.get(entry.iteration) ?? []), ...actions]);
  });
  const logs = listLogFiles(sessionDir);
  const iteration = only ?? Math.max(0, ...logs.map((l) => l.iteration), ...ends.keys());
  if (iteration === 0) return { iteration: null, actions: [], omitted: 0 };
  const kept = new Bounded<Action>(MAX_ACTIONS);
  for (const log of logs) if (log.iteration === iteration) readWhole(log, clean, (a) => kept.push(a));
  for (const action of ends.get(iteration) ?? []) kept.push(action);
  return { iteration, actions: kept.items(), omitted: kept.dropped };
}

function readWhole(log: LogFile, clean: Scrub, onAction: (action: Action) => void): void {
  const read = actionReader(log, clean);
  new LineTail(log.file).finish((line) => read(line).forEach(onAction));
}

/** The last `max` items pushed, without holding more than twice that many at any time. */
class Bounded<T> {
  private list: T[] = [];
  dropped = 0;
  constructor(private readonly max: number) {}
  push(item: T): void {
    this.list.push(item);
    if (this.list.length >= this.max * 2) this.trim();
  }
  items(): T[] {
    this.trim();
    return this.list;
  }
  private trim(): void {
    if (this.list.length <= this.max) return;
    this.dropped += this.list.length - this.max;
    this.list = this.list.slice(-this.max);
  }
}

/**
 * What a session's files gain while someone watches it: the actions of the log being written (the newest one, while
 * its iteration has no end in the history) and every new history entry. Starts at the present: the running
 * iteration's actions so far come first (so a page that connects mid-iteration sees it whole), then what follows.
 */
export class SessionTail {
  private readonly history: LineTail;
  private readonly ended = new Set<number>();
  private readonly seen = new Set<string>();
  private current: { log: LogFile; tail: LineTail; read: (line: string) => Action[] } | undefined;

  constructor(
    private readonly dir: string,
    private readonly clean: Scrub,
  ) {
    this.history = new LineTail(join(dir, HISTORY_FILE));
    // The history so far is the past: read to its end, only to know which iterations have ended.
    this.history.read((line) => {
      const entry = parseEntry(line);
      if (entry?.event === 'iteration') this.ended.add(entry.iteration);
    });
    const logs = listLogFiles(dir);
    for (const log of logs) this.seen.add(log.name);
    const last = logs.at(-1);
    if (last && !this.ended.has(last.iteration)) this.follow(last);
  }

  /**
   * What was written since the last call: new actions of the running log, new history entries, a new log begun — in
   * the order they happened: an iteration's actions (of every log it has) before its history entry, and that entry
   * before the next iteration's actions, however many of them one poll finds at once.
   */
  poll(onAction: (action: Action) => void, onEntry: (entry: HistoryEntry) => void): void {
    this.readCurrent(onAction);
    const entries: HistoryEntry[] = [];
    this.history.read((line) => {
      const entry = parseEntry(line);
      if (entry) entries.push(entry);
    });
    const fresh = listLogFiles(this.dir).filter((log) => !this.seen.has(log.name));
    for (const entry of entries) {
      if (entry.event === 'iteration') {
        while (fresh[0] && fresh[0].iteration <= entry.iteration) this.switchTo(fresh.shift()!, onAction);
        this.ended.add(entry.iteration);
        if (this.current?.log.iteration === entry.iteration) this.stop(onAction);
      }
      onEntry(entry);
    }
    for (const log of fresh) this.switchTo(log, onAction);
  }

  private switchTo(log: LogFile, onAction: (action: Action) => void): void {
    this.seen.add(log.name);
    this.stop(onAction);
    this.follow(log);
    this.readCurrent(onAction);
  }

  close(): void {
    this.history.close();
    this.current?.tail.close();
    this.current = undefined;
  }

  private follow(log: LogFile): void {
    this.current = { log, tail: new LineTail(log.file), read: actionReader(log, this.clean) };
  }

  private readCurrent(onAction: (action: Action) => void): void {
    const current = this.current;
    current?.tail.read((line) => current.read(line).forEach(onAction));
  }

  private stop(onAction: (action: Action) => void): void {
    const current = this.current;
    if (!current) return;
    current.tail.finish((line) => current.read(line).forEach(onAction));
    this.current = undefined;
  }
}
