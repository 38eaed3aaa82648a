// `orchestrate worker`: the signals (first drains, second interrupts, third kills), the console lines, the queue.
import type { Config } from '../../core/config.js';
import { makeScrubber, secretValues, type Scrub } from '../../core/secrets.js';
import { createPrProbe } from '../../gates/pr-probe.js';
import { createLogger } from '../../log/logger.js';
import { appendSessionLogLine } from '../../log/session-log-line.js';
import type { PrWatchOptions } from '../../queue/pr-watch.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import { openQueue } from '../../queue/open-queue.js';
import { runWorker } from '../../queue/worker.js';
import type { CommandInput } from '../flags.js';
import { projectConfig } from '../project-config.js';

const DEFAULT_CONCURRENCY = 2;

export async function workerCommand(input: CommandInput): Promise<number> {
  const concurrency = parseConcurrency(input.values.concurrency);
  const { config, warnings } = projectConfig(input);
  // The children's output and errors may quote a key from the environment: scrubbed like every other sink.
  const scrub = makeScrubber([...config.secrets, ...secretValues(Object.entries(process.env))]);
  const say = (line: string) => process.stderr.write(scrub(`${new Date().toISOString().slice(11, 19)} ${line}\n`));
  for (const warning of warnings) say(`warning: ${warning}`);

  const drain = new AbortController();
  const now = new AbortController();
  const kill = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    received ??= signal;
    if (!drain.signal.aborted) drain.abort(signal);
    else if (!now.signal.aborted) now.abort(signal);
    else {
      say(`${signal} again: killing the sessions`);
      kill.abort(signal);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const queue = await openQueue(config, { log: say });
  const pullRequests = await pullRequestWatch(config, scrub, say);
  say(
    `worker pid ${process.pid}: up to ${concurrency} sessions at once from ${config.queue.url ? 'the Redis queue' : `${config.sessions}/.queue`}${config.queue.maxSessions ? ` (project limit ${config.queue.maxSessions})` : ''}; SIGTERM or Ctrl-C drains`,
  );
  try {
    const report = await runWorker({
      config,
      configPath: input.values.config!,
      backend: queue,
      concurrency,
      node: process.execPath,
      cli: process.argv[1]!,
      env: process.env,
      scrub,
      say,
      stop: { drain: drain.signal, now: now.signal, kill: kill.signal },
      pullRequests,
    });
    say(
      `worker stopped after ${report.ran} job(s)${report.leftovers ? `; killed ${report.leftovers} leftover process(es)` : '; no process left behind'}`,
    );
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await pullRequests?.close();
    await queue.close();
  }
  return received === 'SIGINT' ? EXIT_CODES.sigint : EXIT_CODES.sigterm;
}

function parseConcurrency(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_CONCURRENCY;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(value) || value < 1 || value > 64)
    throw new UsageError(
      `--concurrency ${JSON.stringify(raw)} is not a whole number from 1 to 64; e.g. --concurrency 4`,
    );
  return value;
}

/**
 * What the worker needs to watch the pull requests of DELIVER=pr sessions: gh through the supervised spawn, and where
 * a reaction is told (the console, the session's session.log, Telegram when configured). Off with SAMOCODE_PR_POLL=0.
 */
async function pullRequestWatch(
  config: Config,
  scrub: Scrub,
  say: (line: string) => void,
): Promise<(Pick<PrWatchOptions, 'probe' | 'notify'> & { close(): Promise<void> }) | undefined> {
  if (config.prWatch.pollMs <= 0) return undefined;
  const probe = createPrProbe({
    cwd: config.mainRepo,
    env: process.env,
    timeoutMs: config.delivery.timeoutMs,
    killGraceMs: config.killGraceMs,
    scrub,
  });
  const telegram = config.telegram
    ? (await import('../../telegram/send-only.js')).telegramSender({
        ...config.telegram,
        log: createLogger({ level: config.logLevel, format: config.logFormat, quiet: true, scrub }),
        scrub,
      })
    : undefined;
  return {
    probe,
    notify(sessionDir, session, text, level) {
      say(`${session}: ${text}`);
      appendSessionLogLine(sessionDir, level, text, scrub, { source: 'worker', session });
      telegram?.send(`${session}: pull request`, text);
    },
    close: async () => telegram?.close(),
  };
}
