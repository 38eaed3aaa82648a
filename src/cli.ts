#!/usr/bin/env node
// The `orchestrate` command. Parses argv, runs the command, maps the outcome or a thrown error to an exit code.
// The only place that ends the process (by setting process.exitCode, so logs can flush).
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { EXIT_CODES, OrchestratorError, UsageError } from './errors.js';
import { makeScrubber, secretValues } from './core/secrets.js';
import type { SettingKey } from './config/settings.js';

const USAGE = `orchestrate: run a coding agent through a whole session, unattended

usage:
  orchestrate [run] --config <.samocode> --session <name> [--task "…"] [--dive "…"] [options]
  orchestrate resume  --config <.samocode> --session <name>    go on after you answered (wakes a waiting run)
  orchestrate status  --config <.samocode> --session <name> [--json]
  orchestrate history --config <.samocode> --session <name> [--json]
  orchestrate list    --config <.samocode> [--json]           every session, newest first
  orchestrate install [--project]     put samocode's skills and commands where Claude Code and Codex find them
  orchestrate uninstall [--project]   remove exactly what install put there
  orchestrate demo                   a whole session on the built-in scripted agent (temp dir, no API key)
  orchestrate --help | --version

options:
  --config <file>        the project's .samocode file (MAIN_REPO, WORKTREES, SESSIONS)
  --session <name>       session name; a new one needs --task, an existing one resumes
  --task <text>          what to do (new sessions)
  --dive <text>          what to look at first in the investigation
  --provider <name>      claude | codex | script            (SAMOCODE_PROVIDER)
  --script <file>        scenario for the script provider    (SAMOCODE_SCRIPT)
  --timeout <seconds>    per agent run                       (SAMOCODE_TIMEOUT)
  --max-retries <n>      retries of a failed agent run       (SAMOCODE_MAX_RETRIES)
  --log-format <f>       pretty | json                       (SAMOCODE_LOG_FORMAT)
  --budget <profile>     quick | default | deep              (SAMOCODE_BUDGET_PROFILE)
  --max-iterations <n>, --max-hours <h>, --max-cost <usd>, --max-tokens <n>   (SAMOCODE_MAX_*; "none" for no limit)
  --quiet                console shows warnings and errors only
  --no-wait              when the agent waits for you, exit (code 5) instead of waiting for your answer
  --wait-on-blocked      when the session is blocked, wait for your fix instead of exiting (code 4)
  --json                 status, history, list: machine-readable output

exit codes: 0 done, 1 internal error, 2 usage, 3 configuration, 4 blocked (by the agent, the protocol, a budget
            or a stall), 5 waiting for you (--no-wait), 6 session locked, 7 agent failed, 130 SIGINT, 143 SIGTERM`;

/** Flags that are settings, with the setting they set. */
const COMMANDS = ['run', 'resume', 'status', 'history', 'list', 'demo', 'install', 'uninstall'];

const SETTING_FLAGS = {
  provider: 'SAMOCODE_PROVIDER',
  script: 'SAMOCODE_SCRIPT',
  timeout: 'SAMOCODE_TIMEOUT',
  'max-retries': 'SAMOCODE_MAX_RETRIES',
  'log-format': 'SAMOCODE_LOG_FORMAT',
  budget: 'SAMOCODE_BUDGET_PROFILE',
  'max-iterations': 'SAMOCODE_MAX_ITERATIONS',
  'max-hours': 'SAMOCODE_MAX_HOURS',
  'max-cost': 'SAMOCODE_MAX_COST',
  'max-tokens': 'SAMOCODE_MAX_TOKENS',
} as const satisfies Record<string, SettingKey>;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        session: { type: 'string' },
        task: { type: 'string' },
        dive: { type: 'string' },
        provider: { type: 'string' },
        script: { type: 'string' },
        timeout: { type: 'string' },
        'max-retries': { type: 'string' },
        'log-format': { type: 'string' },
        budget: { type: 'string' },
        'max-iterations': { type: 'string' },
        'max-hours': { type: 'string' },
        'max-cost': { type: 'string' },
        'max-tokens': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        'no-wait': { type: 'boolean', default: false },
        'wait-on-blocked': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        project: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_CODES.done;
  }
  if (values.version) {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return EXIT_CODES.done;
  }
  const command = positionals[0] ?? 'run';
  if (positionals.length > 1 || !COMMANDS.includes(command)) {
    throw new UsageError(`unknown command "${positionals.join(' ')}"; commands: ${COMMANDS.join(', ')} (run is the default)\n\n${USAGE}`);
  }
  if (command === 'install' || command === 'uninstall') {
    const { runInstall } = await import('./app/install.js');
    const text = runInstall({ project: values.project, uninstall: command === 'uninstall', cwd: process.cwd(), home: homedir(), env: process.env });
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return EXIT_CODES.done;
  }
  if (command === 'list' || command === 'status' || command === 'history') {
    if (!values.config) throw new UsageError(`--config is required: the path of your project's .samocode file\n\n${USAGE}`);
    if (command !== 'list' && values.session === undefined) throw new UsageError(`--session is required: the session to show\n\n${USAGE}`);
    const { loadConfig } = await import('./config/load.js');
    const { config } = loadConfig({ configPath: values.config, flags: {}, flagNames: {}, env: process.env, cwd: process.cwd(), home: homedir(), forRun: false });
    const inspect = await import('./app/inspect.js');
    const opts = { json: values.json, now: new Date() };
    const text =
      command === 'list'
        ? inspect.listReport(config, opts)
        : command === 'status'
          ? inspect.statusReport(config, values.session!, opts)
          : inspect.historyReport(config, values.session!, opts);
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return EXIT_CODES.done;
  }

  const { installShutdown } = await import('./app/shutdown.js');
  const shutdown = installShutdown();
  try {
    if (command === 'demo') {
      const { runDemo } = await import('./app/demo.js');
      return await runDemo({ quiet: values.quiet, shutdown });
    }
    if (!values.config) throw new UsageError(`--config is required: the path of your project's .samocode file\n\n${USAGE}`);
    if (values.session === undefined) throw new UsageError(`--session is required: a name for the session, e.g. --session add-auth\n\n${USAGE}`);
    const flags: Partial<Record<SettingKey, string>> = {};
    const flagNames: Partial<Record<SettingKey, string>> = {};
    for (const [flag, key] of Object.entries(SETTING_FLAGS)) {
      const value = values[flag as keyof typeof SETTING_FLAGS];
      if (value !== undefined) {
        flags[key] = value;
        flagNames[key] = `--${flag}`;
      }
    }
    const { runOrchestrator } = await import('./app/run.js');
    const result = await runOrchestrator({
      configPath: values.config,
      session: values.session,
      task: values.task,
      dive: values.dive,
      flags,
      flagNames,
      quiet: values.quiet,
      wait: { onWaiting: !values['no-wait'], onBlocked: values['wait-on-blocked'] },
      resumeCommand: command === 'resume',
      env: process.env,
      cwd: process.cwd(),
      home: homedir(),
      shutdown,
    });
    process.stderr.write(`\n${result.message}\n`);
    return result.exitCode;
  } finally {
    shutdown.dispose();
  }
}

/** Lets logs flush; if something still holds the event loop after 5 s, leave anyway (a guard, not the normal path). */
function exitSoon(): void {
  setTimeout(() => process.exit(), 5_000).unref();
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    exitSoon();
  },
  (error: unknown) => {
    // An error may quote a value from the environment or a file (a stack, a config line): scrub it like any sink.
    const scrub = makeScrubber(secretValues(Object.entries(process.env)));
    if (error instanceof OrchestratorError) {
      process.stderr.write(scrub(`orchestrate: ${error.message}\n`));
      process.exitCode = error.exitCode;
      exitSoon();
      return;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(scrub(`orchestrate: internal error (this is a bug; please report it with the lines below)\n${detail}\n`));
    process.exitCode = EXIT_CODES.internal;
    exitSoon();
  },
);
