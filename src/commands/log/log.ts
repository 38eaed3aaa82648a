// `orchestrate log`: the agent's actions, from the logs samocode already keeps. Read-only like status/history (no
// lock, no agent), so it works beside a running orchestrator. `--follow` polls on one timer: the running log, the
// history (for iteration ends) and the folder (for the next iteration's log), until the session stops running.
import { projectConfig, requireConfigFlag } from '../project-config.js';
import { once } from 'node:events';
import { join } from 'node:path';
import { scrubStrings, makeScrubber } from '../../core/secrets.js';
import { parseEntry } from '../../io/history-log.js';
import { HISTORY_FILE, LOCK_FILE, OVERVIEW_FILE } from '../../core/session-files.js';
import { liveHolder } from '../../io/session-lock.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import type { CommandInput } from '../flags.js';
import { cleaner, existingSession } from '../inspect/inspect.js';
import { readOverviewView } from '../inspect/read.js';
import { actionReader, historyActions, listLogFiles, type Action, type LogFile } from './actions.js';
import { formatAction } from './format-log.js';
import { LineTail } from './line-tail.js';

/** How often --follow looks: the running log, the history and the folder, one stat each (measured: README). */
export const FOLLOW_POLL_MS = 250;

export async function logCommand(input: CommandInput): Promise<number> {
  const { name, values, help } = input;
  requireConfigFlag(input);
  if (values.session === undefined) throw new UsageError(`--session is required: the session to show\n\n${help(name)}`);
  const only = values.iteration === undefined ? undefined : iterationNumber(values.iteration);
  const { config } = projectConfig(input);
  const { dir } = existingSession(config, values.session);
  const clean = cleaner(config);
  const scrub = makeScrubber(config.secrets);
  const json = values.json ?? false;
  const print = (action: Action) => {
    if (only !== undefined && action.iteration !== only) return;
    const text = json ? JSON.stringify(scrubStrings(action, clean)) : formatAction(action);
    process.stdout.write(`${scrub(text)}\n`);
  };
  const view = new SessionLog(dir, clean, print);
  if (!values.follow || !isRunning(dir)) {
    await view.printAll();
    return EXIT_CODES.done;
  }
  await view.follow(() => isRunning(dir) && !(only !== undefined && view.ended.has(only)));
  return EXIT_CODES.done;
}

function iterationNumber(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new UsageError(`--iteration takes an iteration's number (1, 2, …, as history shows it): got "${text}"`);
  return Number(text);
}

/** Running: the session says so and its orchestrator still holds the lock (a crashed one does not run). */
function isRunning(dir: string): boolean {
  const overview = readOverviewView(join(dir, OVERVIEW_FILE));
  if (overview.kind !== 'state' || overview.state.status !== 'running') return false;
  return liveHolder(join(dir, LOCK_FILE)) !== undefined;
}

class SessionLog {
  /** Iterations whose end is in the history. */
  readonly ended = new Set<number>();
  private readonly history: LineTail;
  private readonly seen = new Set<string>();
  /** The log being followed and its reader. */
  private current: { log: LogFile; tail: LineTail; read: (line: string) => Action[] } | undefined;

  constructor(
    private readonly dir: string,
    private readonly clean: (text: string) => string,
    private readonly print: (action: Action) => void,
  ) {
    this.history = new LineTail(join(dir, HISTORY_FILE));
  }

  /** Every iteration in order: its logs' actions (each attempt), then its end and its checks from the history. */
  async printAll(): Promise<void> {
    const ends = new Map<number, Action[]>();
    this.history.finish((line) => {
      const entry = parseEntry(line);
      if (!entry) return;
      const actions = historyActions(entry, this.clean);
      if (actions.length > 0) ends.set(entry.iteration, [...(ends.get(entry.iteration) ?? []), ...actions]);
    });
    const logs = listLogFiles(this.dir);
    const iterations = [...new Set([...logs.map((l) => l.iteration), ...ends.keys()])].sort((a, b) => a - b);
    for (const iteration of iterations) {
      for (const log of logs) if (log.iteration === iteration) await this.printLog(log);
      for (const action of ends.get(iteration) ?? []) this.print(action);
    }
  }

  /** A whole log, a chunk at a time: while stdout's reader lags (a pipe, a pager), wait for it (bounded memory). */
  private async printLog(log: LogFile): Promise<void> {
    const read = actionReader(log, this.clean);
    const tail = new LineTail(log.file);
    const onLine = (line: string) => read(line).forEach(this.print);
    while (tail.readChunk(onLine)) if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
    tail.finish(onLine);
  }

  /** Like printAll, then tail the newest log while `running()`; the next log is followed once it appears. */
  async follow(running: () => boolean): Promise<void> {
    this.readHistory();
    const logs = listLogFiles(this.dir);
    const last = logs.at(-1);
    const live = last && !this.ended.has(last.iteration) ? last : undefined;
    const iterations = [...new Set([...logs.map((l) => l.iteration), ...this.pending.map((a) => a.iteration)])];
    for (const iteration of iterations.sort((a, b) => a - b)) {
      for (const log of logs) {
        if (log.iteration !== iteration) continue;
        this.seen.add(log.name);
        if (log === live) this.startFollowing(log);
        else await this.printLog(log);
      }
      if (iteration === live?.iteration) continue;
      for (const action of this.pending.filter((a) => a.iteration === iteration)) this.print(action);
      this.pending.splice(0, this.pending.length, ...this.pending.filter((a) => a.iteration !== iteration));
    }
    for (;;) {
      this.tick();
      if (!running()) break;
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
    // What was written between the last look and the end.
    this.tick();
    this.stopFollowing();
    this.flushEnds(Number.POSITIVE_INFINITY);
  }

  /** Iteration ends read but not printed yet (they wait for their log's actions to be printed first). */
  private readonly pending: Action[] = [];

  private tick(): void {
    this.current?.tail.read((line) => this.current!.read(line).forEach(this.print));
    this.readHistory();
    if (this.current && this.ended.has(this.current.log.iteration)) this.stopFollowing();
    this.flushEnds(this.current?.log.iteration ?? Number.POSITIVE_INFINITY);
    for (const log of listLogFiles(this.dir)) {
      if (this.seen.has(log.name)) continue;
      this.seen.add(log.name);
      this.stopFollowing();
      this.flushEnds(log.iteration);
      this.startFollowing(log);
      this.current!.tail.read((line) => this.current!.read(line).forEach(this.print));
    }
  }

  private readHistory(): void {
    this.history.read((line) => {
      const entry = parseEntry(line);
      if (!entry) return;
      const actions = historyActions(entry, this.clean);
      if (actions.length === 0) return;
      this.ended.add(entry.iteration);
      this.pending.push(...actions);
    });
  }

  /** Print the ends of iterations before `before` (a later iteration's end waits for its own actions). */
  private flushEnds(before: number): void {
    while (this.pending.length > 0 && this.pending[0]!.iteration < before) this.print(this.pending.shift()!);
  }

  private startFollowing(log: LogFile): void {
    this.current = { log, tail: new LineTail(log.file), read: actionReader(log, this.clean) };
  }

  private stopFollowing(): void {
    if (!this.current) return;
    const { tail, read } = this.current;
    tail.finish((line) => read(line).forEach(this.print));
    this.current = undefined;
  }
}
