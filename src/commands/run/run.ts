// Composition root for `orchestrate run`: config → session → real adapters → loop. The only place that sees
// both the loop and the IO side.
import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// Not process.stderr.isTTY: reading that makes Node set up the stderr stream, which nothing before the first spawn
// writes to (~0.5 ms for a pipe).
import { isTerminal } from '../../io/terminal-fd.js';
import { loadConfig, type Loaded } from '../../config/load.js';
import type { SettingKey } from '../../config/settings.js';
import { EXIT_CODES, UsageError, type ExitCode } from '../../errors.js';
import { settingFlags, type CommandInput } from '../flags.js';
import { killGroupNow, killRunNow } from '../../io/process-group.js';
import { startWatchdog, type Watchdog } from '../../agent/watchdog.js';
import { RETRY_LIMITS } from '../../core/attempts.js';
import { PHASE_RULES } from '../../core/phases.js';
import { packagePrompts } from '../../agent/prompt-source.js';
import { createSessionAgent } from '../../agent/session-agent.js';
import { runSession, type SessionOutcome } from '../../loop/run-session.js';
import type { AgentPort, Clock, HumanGate, Notifier } from '../../loop/ports.js';
import { consoleHold } from '../../log/console-hold.js';
import type { Log } from '../../core/log.js';
import { laterLog } from '../../log/later-log.js';
import { openSessionLog } from '../../io/session-log-file.js';
import { terminalLater, waitingLater } from '../../log/terminal-later.js';
import { makeScrubber, type Scrub } from '../../core/secrets.js';
import { logNotifier } from '../../log/log-notifier.js';
import {
  HISTORY_FILE,
  LOCK_FILE,
  LOGS_DIR,
  OVERVIEW_FILE,
  PLAN_FILE,
  REVIEW_FILE,
  QA_FILE,
  SESSION_LOG,
} from '../../core/session-files.js';
import { noSuchSession, sessionFolderFor } from '../../io/session-folder.js';
import { openSession, workspaceName, type OpenSession } from './open-session.js';
import { prefetchGitFacts, type GitFacts } from '../../io/workspace.js';
import { pendingReason, personGate } from '../../io/person-gate.js';
import { liveHolder } from '../../io/session-lock.js';
import { glanceAgain, sessionSnapshot, treeSnapshot } from '../../io/progress-probe.js';
import { requestResume } from '../../io/resume-request.js';
import { sleepUnlessAborted } from '../../io/abortable-sleep.js';
import { StateStore, type OverviewReadAt } from '../../io/state-store.js';
import { waitSignalFacts } from '../../io/wait-facts.js';
import { guardWriteAsync } from '../../io/storage-failure.js';
import type { Config } from '../../core/config.js';
import type { SessionState } from '../../core/state.js';
import { installShutdown, type Shutdown } from '../../io/shutdown.js';
import { createDelivery } from '../../gates/delivery.js';
import { runStanding } from '../../gates/standing.js';
import { doneText, rowsText, standingRows, type StandingRow } from '../../core/delivery.js';
import { createGates } from '../../gates/gates.js';
import { identityEnv } from '../../gates/git-identity.js';
import { newRunId } from '../../io/run-id.js';

export interface RunOptions {
  configPath: string;
  session: string;
  task?: string | undefined;
  dive?: string | undefined;
  flags: Partial<Record<SettingKey, string>>;
  flagNames: Partial<Record<SettingKey, string>>;
  quiet: boolean;
  /** Wait in this process for the person (default for waiting), or exit with the waiting/blocked code. */
  wait: { onWaiting: boolean; onBlocked: boolean };
  /** `orchestrate resume`: wake the run that waits, or resume now even if the answers are incomplete. */
  resumeCommand?: boolean | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  shutdown: Shutdown;
  /** Who answers when the session waits. Default: the person, through the session files (io/person-gate.ts). */
  gate?: ((defaults: HumanGate) => HumanGate) | undefined;
  /** Extra listeners (the demo narrates). */
  notifiers?: Notifier[] | undefined;
  /**
   * `orchestrate continue`: called under the session lock once the session is open, before the loop; makes the done
   * session a new cycle (or throws to refuse). Returns notes for the log.
   */
  reopen?: ((config: Config, opened: OpenSession) => Promise<string[]>) | undefined;
}

export interface RunResult {
  /** Absent when `resume` only woke another run. */
  outcome?: SessionOutcome | undefined;
  sessionDir: string;
  exitCode: ExitCode;
  /** What the person should read last: what happened and what to do now. */
  message: string;
}

/** `orchestrate run` and `resume`, from the command line. */
export async function runCommand(
  { name, values, help }: CommandInput,
  { resume, reopen }: { resume: boolean; reopen?: RunOptions['reopen'] },
): Promise<number> {
  const { flags, flagNames } = settingFlags(values);
  const shutdown = installShutdown();
  try {
    if (!values.config)
      throw new UsageError(`--config is required: the path of your project's .samocode file\n\n${help(name)}`);
    if (values.session === undefined)
      throw new UsageError(`--session is required: a name for the session, e.g. --session add-auth\n\n${help(name)}`);
    const result = await runOrchestrator({
      configPath: values.config,
      session: values.session,
      task: values.task,
      dive: values.dive,
      flags,
      flagNames,
      quiet: values.quiet ?? false,
      wait: { onWaiting: !values['no-wait'], onBlocked: values['wait-on-blocked'] ?? false },
      resumeCommand: resume,
      env: process.env,
      cwd: process.cwd(),
      home: homedir(),
      shutdown,
      reopen,
    });
    process.stderr.write(`\n${result.message}\n`);
    return result.exitCode;
  } finally {
    shutdown.dispose();
  }
}

export const realClock: Clock = {
  now: () => new Date(),
  sleep: sleepUnlessAborted,
};

/** How many of an exited agent's action lines wait for the next event (beyond, they are told as they are read). */
const AFTER_EXIT_LINES = 8;

/** The longest the console's first lines wait for the first agent's spawn (log/logger.ts consoleHold). */
const CONSOLE_HOLD_MS = 250;

export async function runOrchestrator(opts: RunOptions): Promise<RunResult> {
  const load = (forRun: boolean) =>
    loadConfig({
      configPath: opts.configPath,
      flags: opts.flags,
      flagNames: opts.flagNames,
      env: opts.env,
      cwd: opts.cwd,
      home: opts.home,
      forRun,
    });
  if (opts.resumeCommand) {
    // Waking a run that is already going needs no agent here, so no agent settings either.
    const light = load(false).config;
    const woken = wakeRunningSession(light, opts.session) ?? (await continueQueuedSession(light, opts.session));
    if (woken) return woken;
  }
  // Usage before the agent's configuration: a new session without --task is the person's slip, whatever the agent
  // settings say; and a session that is already done only reports, so it must not need the agent's binary.
  let needsAgent = true;
  let lightLoad: Loaded | undefined;
  try {
    lightLoad = load(false);
  } catch {
    // The full load below reports every problem at once.
  }
  const light = lightLoad?.config;
  let gitFacts: GitFacts | undefined;
  let overviewAhead: OverviewReadAt | undefined;
  let identityAhead: { dir: string; lookup: Promise<Record<string, string>> } | undefined;
  if (light) {
    const { folder, exists } = sessionFolderFor(light, opts.session);
    if (!exists && !opts.task) throw noSuchSession(light, opts.session);
    // Read-only: git answers while the session's files are read and parsed (taken only if nothing changed since).
    gitFacts = prefetchGitFacts(light, workspaceName(opts.session));
    // And whether git has an identity to commit with: in the worktree the agent will work in, or for a new session
    // in MAIN_REPO, whose config the new worktree shares.
    const worktree = join(light.worktrees, workspaceName(opts.session));
    const asked = existsSync(worktree) ? worktree : light.mainRepo;
    identityAhead = { dir: worktree, lookup: identityEnv(asked, opts.env, light.gitIdentity) };
    // Read before the lock: a session that is already done needs no agent. Read again under the lock (this parse is
    // taken if the text is the same).
    overviewAhead = exists ? await new StateStore(join(light.sessions, folder, OVERVIEW_FILE)).readAt() : undefined;
    const done = overviewAhead?.read.kind === 'state' && overviewAhead.read.state.status === 'done';
    needsAgent = opts.reopen !== undefined || !done;
  }
  // The light load, with the agent's checks when the session needs one; a full load only when it failed.
  const { config, warnings } = lightLoad ? (needsAgent ? lightLoad.forRun() : lightLoad) : load(needsAgent);
  const scrub = makeScrubber(config.secrets);
  const runId = await newRunId();
  // The person's task may quote a key too: it goes into _overview.md's body, which samocode writes only here.
  const task = opts.task === undefined ? undefined : scrub(opts.task);
  const dive = opts.dive === undefined ? undefined : scrub(opts.dive);
  const opened = await openSession(config, {
    name: opts.session,
    task,
    dive,
    now: new Date(),
    runId,
    scrub,
    // Set by the worker that runs this session for a queue job (src/queue/): the job's lock token.
    lease: opts.env.SAMOCODE_JOB_LEASE || undefined,
    gitFacts,
    overviewAhead,
  });
  overviewAhead = undefined; // its text is the agent's body too: not kept for the whole run
  const { sessionDir, lock } = opened;
  const releaseOnForce = opts.shutdown.onForcedExit(() => lock.lock.release());
  let agentPid: number | undefined;
  /**
   * The console lines of what an agent did that were read once it had exited (at most AFTER_EXIT_LINES): told
   * before the next event, which for a session that goes on is after the next spawn (~25–80 µs a line through pino).
   */
  const afterExit: (() => void)[] = [];
  const tellAfterExit = () => {
    for (const tell of afterExit.splice(0)) tell();
  };
  // A second Ctrl-C cannot wait: SIGKILL the group and everything else carrying the run id.
  const killOnForce = opts.shutdown.onForcedExit(() => {
    if (agentPid !== undefined) killGroupNow(agentPid);
    killRunNow(runId);
  });
  // Started with the first agent (off the path to its spawn): stops the agent if this process dies without cleaning up.
  let watchdog: Watchdog | undefined;
  // On a TTY: the live status line below the log lines, and what a wait asks for (log/status-line.ts). Set up only
  // there, and once the first agent runs (log/terminal-later.ts): string-width's Unicode tables cost 20–55 ms.
  const terminal =
    isTerminal(2) && config.logFormat !== 'json'
      ? terminalLater(async () =>
          (await import('../../log/status-line.js')).terminalFor({
            format: config.logFormat,
            quiet: opts.quiet,
            env: opts.env,
          }),
        )
      : undefined;
  // What a wait asks for, printed on the terminal (loaded like it: log/terminal-later.ts).
  const waiting = terminal
    ? waitingLater(async () =>
        (await import('../../log/waiting-printout.js')).waitingPrinter({
          sessionDir,
          sessionsDir: config.sessions,
          scrub,
          print: terminal.print,
        }),
      )
    : undefined;
  const eraseOnExit = () => terminal?.close();
  process.once('exit', eraseOnExit);
  const eraseOnForce = opts.shutdown.onForcedExit(eraseOnExit);
  // The console's lines wait for the first agent to run: pino-pretty, loaded with the first one, took ~30 ms of the
  // way to that spawn. Out then (and the terminal's status line set up), before the person is shown what a wait
  // asks, or after CONSOLE_HOLD_MS, whichever comes first; at the run's end at the latest (session.log has every
  // line at once).
  const hold = consoleHold();
  // The logger itself (pino, log/logger.ts) is loaded and made then too: until it is, what the run tells is kept in
  // order (log/later-log.ts). session.log is opened now: a FIFO there is a named error before any agent runs.
  const later = laterLog();
  const log = later.log;
  let sessionLogFd: number | undefined;
  let logger: Promise<void> | undefined;
  const startLogger = () =>
    (logger ??= import('../../log/logger.js').then(({ createLogger }) =>
      later.attach(
        createLogger({
          level: config.logLevel,
          format: config.logFormat,
          quiet: opts.quiet,
          sessionLog: join(sessionDir, SESSION_LOG),
          sessionLogFd,
          scrub,
          terminal: terminal?.print,
          hold,
        }),
      ),
    ));
  let consoleOpen: Promise<void> | undefined;
  const openConsole = () =>
    (consoleOpen ??= startLogger().then(() => {
      hold.release();
      void terminal?.start();
      void waiting?.start();
    }));
  // A logger that cannot be made (a bug: its file is open already) stops the run; the error is thrown at its end.
  const openConsoleSoon = () => void openConsole().catch(() => opts.shutdown.stop());
  const holdDeadline = setTimeout(openConsoleSoon, CONSOLE_HOLD_MS);
  holdDeadline.unref();
  process.once('exit', hold.release);
  try {
    sessionLogFd = openSessionLog(join(sessionDir, SESSION_LOG));
    const reopened = opts.reopen ? await opts.reopen(config, opened) : [];
    // A commit must never fail for want of an identity: the agent gets one when the repository has none. Asked with
    // the git facts, before the session's files were read (it is on the way to the first spawn); asked again when
    // the session works elsewhere, or the lock's take-over stopped processes that may have changed the config.
    const tookOver = opened.lock.killedLeftoverAgent || opened.lock.stoppedLeftovers;
    const identityLookup = opened.state.standalone
      ? Promise.resolve({})
      : identityAhead?.dir === opened.state.workingDir && !tookOver
        ? identityAhead.lookup
        : identityEnv(opened.state.workingDir, opts.env, config.gitIdentity);
    for (const warning of warnings) log.warn(warning);
    for (const note of [...opened.notes, ...reopened]) log.info(note);
    for (const warning of opened.warnings) log.warn(warning);
    const state = opened.state;
    log.info(
      { runId, sessionDir, workingDir: state.workingDir, provider: config.provider },
      `session ${state.session}: ${state.phase}, ${state.status}, iteration ${state.iterations}; folder ${sessionDir}; agent output in ${join(sessionDir, LOGS_DIR)}`,
    );

    const identity = await identityLookup;
    if (Object.keys(identity).length > 0)
      log.info(
        `git in ${state.workingDir} has no identity to commit with: the agent gets ${Object.keys(identity).join(', ')} (${config.gitIdentity.name} <${config.gitIdentity.email}>; SAMOCODE_GIT_NAME, SAMOCODE_GIT_EMAIL)`,
      );
    const agentEnv = { ...opts.env, ...identity };
    for (const check of config.verify.checks)
      log.info(`check ${check.name}: ${check.command} (time limit ${Math.round(check.timeoutMs / 1000)} s)`);
    const notifier = logNotifier(log);
    const gate = personGate({
      sessionDir,
      waitOnWaiting: opts.wait.onWaiting,
      waitOnBlocked: opts.wait.onBlocked,
      force: opts.resumeCommand ?? false,
      log,
    });
    const telegram = config.telegram
      ? await connectTelegramFor(config, opts, state, sessionDir, log, scrub)
      : undefined;
    telegram?.notifyStarted(state);
    if (waiting && state.status === 'waiting' && pendingReason(state, sessionDir)) {
      await openConsole(); // none runs before the person answers: lines, then what the wait asks
      await waiting.show(state);
    }
    // The status line hears first: it is erased before the line that ends its iteration, drawn before "started".
    const listeners = [
      ...(terminal ? [terminal.notifier] : []),
      notifier,
      ...(waiting ? [waiting.notifier] : []),
      ...(telegram ? [telegram.notifier] : []),
      ...(opts.notifiers ?? []),
    ];
    let last = state;
    try {
      const outcome = await runSession(state, {
        agent: namedStorageErrors(
          sessionDir,
          createSessionAgent({
            config,
            sessionDir,
            runId,
            prompts: packagePrompts(),
            clock: realClock,
            env: agentEnv,
            scrub,
            // A failed tool call is a warning: it shows with --quiet too, and in its own colour.
            progress: (request, text, failed) => {
              const tell = () => {
                log[failed ? 'warn' : 'info'](
                  {
                    event: 'agent-action',
                    iteration: request.iteration,
                    phase: request.state.phase,
                    ...(failed ? { failed: true } : {}),
                  },
                  `#${request.iteration} ${PHASE_RULES[request.state.phase].short}  ${text}`,
                );
                terminal?.action(scrub(text));
              };
              // Live while the agent runs; what is read once it has exited (a quick agent's whole stream) is told
              // with the next event, before it: after the next spawn when the session goes on.
              // A few: an agent that printed thousands of actions before it was read has them told as they come.
              if (agentPid === undefined && afterExit.length < AFTER_EXIT_LINES) afterExit.push(tell);
              else {
                tellAfterExit();
                tell();
              }
            },
            onAgent: (pid) => {
              agentPid = pid;
              if (pid !== undefined) {
                openConsoleSoon();
                watchdog ??= startWatchdog(runId, config.killGraceMs);
              }
              watchdog?.agent(pid);
              return pid === undefined ? undefined : lock.lock.setAgent(pid);
            },
          }),
        ),
        store: { append: (entry) => opened.history.append(entry), writeState: (s) => opened.store.write(s) },
        gate: opts.gate ? opts.gate(gate) : gate,
        notifier: {
          notify(event) {
            tellAfterExit();
            last = event.state;
            for (const listener of listeners) listener.notify(event);
          },
        },
        clock: realClock,
        limits: config.phaseLimits,
        retry: {
          maxRetries: config.maxRetries,
          baseDelayMs: config.retryDelayMs,
          maxRateLimitWaitMs: config.rateLimitWaitMs,
          ...RETRY_LIMITS,
        },
        fallback: config.fallbackProvider,
        provider: config.provider,
        abort: opts.shutdown.abort,
        stopBetween: opts.shutdown.afterIteration,
        budget: config.budget,
        stallLimit: config.stallLimit,
        probe: {
          session: () => sessionSnapshot(sessionDir),
          tree: (current) => treeSnapshot(current.workingDir, current.standalone),
          glance: (current, last) => glanceAgain(current.workingDir, last),
        },
        waitFacts: (current, signal) => waitSignalFacts(sessionDir, current, signal),
        delivery: createDelivery({
          sessionDir,
          mainRepo: config.mainRepo,
          mode: config.delivery.mode,
          remote: config.delivery.remote,
          timeoutMs: config.delivery.timeoutMs,
          killGraceMs: config.killGraceMs,
          env: opts.env,
          scrub,
        }),
        gates: createGates({
          config,
          sessionDir,
          env: agentEnv,
          runId,
          scrub,
          log: (text) => log.info({ event: 'gates' }, text),
          // Loaded when a review runs (at the end of a session): it brings execa, which nothing before the first
          // agent needs.
          review: async (ctx) => (await import('../../gates/review.js')).reviewSession(ctx),
        }),
        gateBlockAfter: config.verify.blockAfter,
      });
      tellAfterExit();
      log.flush();
      await waiting?.settled();
      const { exitCode, message } = describe(outcome, sessionDir, opts, opened);
      const end = await endOfRun(outcome, message, { sessionDir, opts, config });
      if (end.rows) telegram?.notifyStanding(outcome.state, outcome.kind, end.rows);
      return { outcome, sessionDir, exitCode, message: scrub(end.text) };
    } catch (error) {
      tellAfterExit();
      telegram?.notifyCrash(error, last);
      throw error;
    } finally {
      // Deliver what is queued (bounded: Telegram being down must not hold the exit), then stop polling.
      await telegram?.flush(3_000);
      await telegram?.close();
    }
  } finally {
    clearTimeout(holdDeadline);
    // A run that ends before its first agent ran (or its console's deadline) has its logger made now: what it told
    // is written before it ends.
    const loggerFailed = await startLogger().then(
      () => undefined,
      (error: unknown) => error,
    );
    hold.release();
    process.off('exit', hold.release);
    terminal?.close();
    process.off('exit', eraseOnExit);
    eraseOnForce();
    releaseOnForce();
    killOnForce();
    watchdog?.dismiss();
    lock.lock.release();
    if (loggerFailed !== undefined) throw loggerFailed;
  }
}

/**
 * The last words of every run: where things stand. A done session's come from its delivery (the `done` event has
 * sent them to Telegram already); any other end gathers the branch's facts now, for the console and Telegram.
 */
async function endOfRun(
  outcome: SessionOutcome,
  message: string,
  ctx: { sessionDir: string; opts: RunOptions; config: Config },
): Promise<{ text: string; rows?: StandingRow[] }> {
  const { state } = outcome;
  if (outcome.kind === 'done') {
    if (outcome.delivery)
      return { text: doneText(state, outcome.delivery, state.standalone ? undefined : ctx.config.mainRepo) };
    return { text: state.delivery ? `${message}\n  delivery: ${state.delivery.dir}` : message };
  }
  const standing = await runStanding(state, {
    sessionDir: ctx.sessionDir,
    env: ctx.opts.env,
    killGraceMs: ctx.config.killGraceMs,
    next: `orchestrate --config ${ctx.opts.configPath} --session ${state.name}`,
    now: new Date(),
  });
  const rows = standingRows(standing);
  return { text: `${message}\n  where things stand:\n${rowsText(rows).replace(/^/gm, '  ')}`, rows };
}

/** A write of an attempt (its prompt and log files, the agent record) refused by the disk is named, not a bug. */
function namedStorageErrors(sessionDir: string, agent: AgentPort): AgentPort {
  return {
    attempt: (request) =>
      guardWriteAsync(
        {
          file: join(sessionDir, LOGS_DIR),
          what: `starting iteration ${request.iteration} (its prompt and log files)`,
        },
        () => agent.attempt(request),
      ),
  };
}

/** Telegram is loaded only when configured: its library stays off the start-up path of everyone else. */
async function connectTelegramFor(
  config: Config,
  opts: RunOptions,
  state: SessionState,
  sessionDir: string,
  log: Log,
  scrub: Scrub,
) {
  const { connectTelegram } = await import('../../telegram/link.js');
  const { statusReport } = await import('../inspect/inspect.js');
  const { telegramViews } = await import('./telegram-views.js');
  const telegram = config.telegram!;
  return connectTelegram({
    token: telegram.token,
    chatId: telegram.chatId,
    apiRoot: telegram.apiRoot,
    sessionDir,
    sessionName: state.name,
    log,
    scrub,
    onStop: () => opts.shutdown.stop(),
    statusText: () => statusReport(config, state.session, { json: false, now: new Date() }),
    rerunCommand: `orchestrate --config ${opts.configPath} --session ${state.name}`,
    views: telegramViews(config, sessionDir),
    sessionsDir: config.sessions,
    progressMs: telegram.progressMs,
  });
}

function describe(
  outcome: SessionOutcome,
  sessionDir: string,
  opts: RunOptions,
  opened: { alreadyDone: boolean; taskIgnored: boolean },
): { exitCode: ExitCode; message: string } {
  const { state } = outcome;
  const rerun = `orchestrate --config ${opts.configPath} --session ${state.name}`;
  switch (outcome.kind) {
    case 'done':
      if (opened.alreadyDone) {
        return {
          exitCode: EXIT_CODES.done,
          message:
            `session ${state.session} was already done (after ${state.iterations} iterations) before this run: nothing was run${opened.taskIgnored ? ' and --task was not used' : ''}. Summary and files: ${sessionDir}\n` +
            `  to start new work, use a new --session name: orchestrate --config ${opts.configPath} --session <new-name> --task "…"`,
        };
      }
      return {
        exitCode: EXIT_CODES.done,
        message: `session ${state.session} is done after ${state.iterations} iterations. Summary and files: ${sessionDir}`,
      };
    case 'waiting': {
      const what = waitingInstructions(state.waitingFor, sessionDir);
      const pending = pendingReason(state, sessionDir);
      return {
        exitCode: EXIT_CODES.waiting,
        message:
          `session ${state.session} is waiting for you (${state.waitingFor}) in phase ${state.phase}.\n` +
          (state.needs ? `  needs: ${state.needs}\n` : '') +
          (state.reviewFindings !== undefined
            ? `  the review found ${state.reviewFindings} thing(s) to look at\n`
            : '') +
          (pending ? `  still open: ${pending}\n` : '') +
          `  ${what}\n  then run: ${rerun}`,
      };
    }
    case 'blocked': {
      const agentFailed = state.blockedKind === 'agent_failed';
      return {
        exitCode: agentFailed ? EXIT_CODES.agentFailed : EXIT_CODES.blocked,
        message:
          `session ${state.session} is blocked in phase ${state.phase} (${state.blockedKind}).\n  reason: ${state.blockedReason ?? '(none given)'}\n` +
          (state.needs ? `  needs: ${state.needs}\n` : '') +
          `  unblock: fix the cause (notes for the agent go in ${join(sessionDir, OVERVIEW_FILE)}), then run: ${rerun}\n` +
          `  what happened: ${join(sessionDir, HISTORY_FILE)} and ${join(sessionDir, LOGS_DIR)}`,
      };
    }
    case 'interrupted':
      return {
        exitCode: outcome.stopSignal === 'SIGTERM' ? EXIT_CODES.sigterm : EXIT_CODES.sigint,
        message: `stopped by ${outcome.stopSignal}; session ${state.session} is resumable in ${state.phase}: ${rerun}`,
      };
  }
}

/** `orchestrate resume` while another run waits on the session: ask that run to go on, and say so. */
function wakeRunningSession(config: Config, session: string): RunResult | undefined {
  const { folder, exists } = sessionFolderFor(config, session);
  if (!exists) return undefined;
  const sessionDir = join(config.sessions, folder);
  const holder = liveHolder(join(sessionDir, LOCK_FILE));
  if (!holder) return undefined;
  requestResume(sessionDir, 'orchestrate resume');
  return {
    sessionDir,
    exitCode: EXIT_CODES.done,
    message: `asked the orchestrator running session ${folder} (pid ${holder.pid}) to go on; it resumes within a moment`,
  };
}

/**
 * `orchestrate resume` of a session whose queue job waits (a worker ran it, and it ended waiting for you): queue its
 * continuation with the request to go on, for a worker to run, rather than run it here beside the queue.
 */
async function continueQueuedSession(config: Config, session: string): Promise<RunResult | undefined> {
  const { folder, exists } = sessionFolderFor(config, session);
  if (!exists) return undefined;
  const { openQueue } = await import('../../queue/open-queue.js');
  const { jobIdFor } = await import('../../queue/job-id.js');
  const queue = await openQueue(config);
  try {
    const id = jobIdFor(config.sessions, session);
    const job = (await queue.list()).find((j) => j.id === id);
    if (job?.state !== 'waiting') return undefined;
    const sessionDir = join(config.sessions, folder);
    requestResume(sessionDir, 'orchestrate resume');
    await queue.enqueue({ session: id });
    return {
      sessionDir,
      exitCode: EXIT_CODES.done,
      message: `session ${folder} waits in the queue: its continuation is queued (with your request to go on); a worker runs it (orchestrate queue --config ${config.configFile} shows where)`,
    };
  } finally {
    await queue.close();
  }
}

function waitingInstructions(waitingFor: string | undefined, sessionDir: string): string {
  switch (waitingFor) {
    case 'qa_answers':
      return `answer every question in ${join(sessionDir, QA_FILE)}: replace each "**Answer:** _waiting_" with your answer (a letter or free text)`;
    case 'plan_approval':
      return `read ${join(sessionDir, PLAN_FILE)} and replace "**Approval:** _waiting_" with "approved" or "rejected: <what to change>"`;
    case 'review':
      return `read the findings in ${join(sessionDir, REVIEW_FILE)} and replace "**Decision:** _waiting_" with "approved" (the session finishes) or "rejected: <what to change>"`;
    default:
      return `do what the agent asked (see needs above and ${join(sessionDir, OVERVIEW_FILE)})`;
  }
}
