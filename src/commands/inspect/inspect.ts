// Read-only views of sessions for a person checking in: status, history, list. They read the session files (never
// write them, never take the lock, never start an agent), so they are safe beside a running orchestrator and work
// even when the agent's binary is missing. Gathering the facts is here and in read.ts; turning them into text or
// JSON is in format-status.ts, format-history.ts and format-list.ts.
import { projectConfig, requireConfigFlag } from '../project-config.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/config.js';
import { HISTORY_FILE, LOCK_FILE, LOGS_DIR, OVERVIEW_FILE, SESSION_LOG } from '../../core/session-files.js';
import { findSessionFolder, shortName } from '../../core/session-name.js';
import { makeScrubber, scrubStrings, type Scrub } from '../../core/secrets.js';
import { withoutControls } from '../../core/agent-text.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import type { CommandInput } from '../flags.js';
import { formatHistory } from './format-history.js';
import { formatList, listFacts, type ListFacts, type ListInput } from './format-list.js';
import { formatStatus, statusFacts } from './format-status.js';
import { shellQuote } from './text.js';
import type { SessionPaths, StatusView } from './views.js';
import { lastEntries, readGate, readHistoryFile, readLiveness, readOverviewView } from './read.js';
import { listFolders } from '../../io/list-folders.js';
import { sessionFolderFor } from '../../io/session-folder.js';
import type { JobRecord } from '../../queue/backend.js';
import { readLocalJobs } from '../../queue/local-backend.js';
import { readJobs } from '../../queue/read-jobs.js';

/** `orchestrate status`, `history` and `list`, from the command line. */
export async function inspectCommand(input: CommandInput, view: 'status' | 'history' | 'list'): Promise<number> {
  const { name, values, help } = input;
  requireConfigFlag(input);
  if (view !== 'list' && values.session === undefined)
    throw new UsageError(`--session is required: the session to show\n\n${help(name)}`);
  const { config } = projectConfig(input);
  const opts = {
    json: values.json ?? false,
    now: new Date(),
    width: process.stdout.isTTY ? process.stdout.columns : undefined,
  };
  const text =
    view === 'list'
      ? listReport(config, { ...opts, jobs: await redisJobs(config) })
      : view === 'status'
        ? statusReport(config, values.session!, opts)
        : historyReport(config, values.session!, opts);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return EXIT_CODES.done;
}

export function statusReport(config: Config, session: string, opts: { json: boolean; now: Date }): string {
  const { folder, dir } = existingSession(config, session);
  const paths = pathsOf(dir);
  const overview = readOverviewView(paths.overview);
  const state = overview.kind === 'state' ? overview.state : undefined;
  const phase = state?.phase ?? (overview.kind === 'legacy' ? overview.phase : undefined);
  const name = sessionArg(folder, listFolders(config.sessions));
  const command = (verb: string) => `orchestrate ${verb}--config ${shellQuote(config.configFile)} --session ${name}`;
  const last = lastEntries(paths.history);
  const view: StatusView = {
    folder,
    name,
    paths,
    overview,
    lock: readLiveness(join(dir, LOCK_FILE)),
    gate: state ? readGate(dir, state) : undefined,
    lastIteration: last.iteration,
    lastDelivery: state?.status === 'done' ? last.delivered?.delivery : undefined,
    mainRepo: state?.standalone ? undefined : config.mainRepo,
    phaseLimit: phase === undefined ? undefined : config.phaseLimits[phase],
    rerun: command(''),
    resume: command('resume '),
  };
  // Scrubbed before formatting too: a secret cut short to fit a column would no longer match its value.
  const facts = statusFacts(scrubStrings(view, cleaner(config)), opts.now);
  return scrubbed(config, opts.json ? `${JSON.stringify(facts, null, 2)}\n` : formatStatus(facts, opts.now));
}

/** `width`: the terminal's columns when stdout is one; piped (undefined), summaries are printed whole. */
export function historyReport(
  config: Config,
  session: string,
  opts: { json: boolean; width?: number | undefined },
): string {
  const { dir } = existingSession(config, session);
  const read = scrubStrings(readHistoryFile(join(dir, HISTORY_FILE)), cleaner(config));
  return scrubbed(
    config,
    opts.json
      ? `${JSON.stringify(read.entries, null, 2)}\n`
      : formatHistory(read, opts.width ?? Number.POSITIVE_INFINITY),
  );
}

/** With a Redis queue (SAMOCODE_QUEUE), its jobs for the list's job columns; a Redis that is away is said, not fatal. */
async function redisJobs(config: Config): Promise<JobRecord[] | undefined> {
  if (config.queue.url === undefined) return undefined;
  const read = await readJobs(config, REDIS_LIST_TIMEOUT_MS);
  if ('jobs' in read) return read.jobs;
  process.stderr.write(
    `${makeScrubber(config.secrets)(`the queue could not be read, so the list has no job columns: ${read.problem}`)}\n`,
  );
  return [];
}

const REDIS_LIST_TIMEOUT_MS = 5_000;

/** `jobs`: the queue's jobs; default the local queue's (a Redis queue is asked by the caller, which may wait). */
export function listReport(
  config: Config,
  opts: { json: boolean; now: Date; width?: number | undefined; jobs?: readonly JobRecord[] | undefined },
): string {
  const rows = listRows(config, opts.now, opts.jobs);
  return scrubbed(
    config,
    opts.json
      ? `${JSON.stringify(rows, null, 2)}\n`
      : formatList(rows, { sessions: config.sessions, configFile: config.configFile, width: opts.width }),
  );
}

/** The rows of `orchestrate list`, newest first, cleaned of controls and secrets (Telegram's /sessions shows them too). */
export function listRows(config: Config, now: Date, fromQueue?: readonly JobRecord[]): ListFacts[] {
  const folders = listFolders(config.sessions);
  // The local queue's records are small files beside the sessions: cheap to show. A Redis queue's come from the caller.
  const queued = fromQueue ?? (config.queue.url ? [] : readLocalJobs(config.sessions));
  const jobs = new Map(queued.map((job) => [job.id, job]));
  const inputs: ListInput[] = [];
  for (const folder of folders) {
    const dir = join(config.sessions, folder);
    const overview = readOverviewView(join(dir, OVERVIEW_FILE));
    // A folder without `_overview.md` is not a session (a crash before init, or something else living there).
    if (overview.kind === 'missing') continue;
    inputs.push({
      folder,
      name: sessionArg(folder, folders),
      path: dir,
      overview,
      lock: readLiveness(join(dir, LOCK_FILE)),
      job: jobs.get(shortName(folder)),
    });
  }
  return listFacts(scrubStrings(inputs, cleaner(config)), now);
}

/**
 * What the files hold is agent text, possibly from an older samocode that stored it as written: without control
 * characters (an escape sequence would repaint the terminal) and without secrets, before it is formatted.
 */
export function cleaner(config: Config): Scrub {
  const scrub = makeScrubber(config.secrets);
  return (text) => scrub(withoutControls(text));
}

/** The files read may come from before secrets were scrubbed (or from a hand edit): the output is scrubbed itself. */
function scrubbed(config: Config, text: string): string {
  return makeScrubber(config.secrets)(text);
}

function pathsOf(dir: string): SessionPaths {
  return {
    folder: dir,
    overview: join(dir, OVERVIEW_FILE),
    history: join(dir, HISTORY_FILE),
    logs: join(dir, LOGS_DIR),
    sessionLog: join(dir, SESSION_LOG),
  };
}

/** The folder of an existing session, or a UsageError that lists the sessions there are. */
export function existingSession(config: Config, session: string): { folder: string; dir: string } {
  const { folder, exists } = sessionFolderFor(config, session);
  if (exists) return { folder, dir: join(config.sessions, folder) };
  const folders = listFolders(config.sessions);
  const sessions = folders
    .filter((f) => existsSync(join(config.sessions, f, OVERVIEW_FILE)))
    .map((f) => sessionArg(f, folders));
  const known =
    sessions.length > 0 ? `sessions there: ${sessions.sort().join(', ')}` : 'there are no sessions there yet';
  throw new UsageError(
    `there is no session "${session}" under ${config.sessions}; ${known} (orchestrate list --config ${shellQuote(config.configFile)} shows them)`,
  );
}

/** What to pass to --session for `folder`: its short name, unless that names several sessions. */
function sessionArg(folder: string, folders: readonly string[]): string {
  const short = shortName(folder);
  const match = findSessionFolder(short, folders);
  return match.kind === 'found' && match.folder === folder ? short : folder;
}
