#!/usr/bin/env node
// The `orchestrate` command. Parses argv, runs the command, maps the outcome or a thrown error to an exit code.
// The only place that ends the process (by setting process.exitCode, so logs can flush).
import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { EXIT_CODES, OrchestratorError, UsageError } from './errors.js';
import { isStorageErrno, storageError } from './io/storage-failure.js';
import { makeScrubber, secretValues } from './core/secrets.js';
import type { SettingKey } from './config/settings.js';
import { checkSessionName, suggestSessionName } from './core/session-name.js';
import {
  COMMANDS,
  COMMAND_NAMES,
  FLAGS,
  SETTING_FLAGS,
  commandHelp,
  generalHelp,
  isCommand,
  parseOptions,
  type CommandName,
  type FlagName,
  type FlagSpec,
} from './commands/flags.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.version) {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return EXIT_CODES.done;
  }
  const first = positionals[0];
  if (first !== undefined && !isCommand(first)) {
    const listed = COMMAND_NAMES.filter((c) => c !== 'help').join(', ');
    throw new UsageError(`unknown command "${first}"; commands: ${listed} (run is the default); see orchestrate help`);
  }
  const command: CommandName = first ?? 'run';
  const spec = COMMANDS[command];
  const extra = positionals.slice(1);
  if (extra.length > (spec.positionals?.max ?? 0)) {
    const takes = spec.positionals ? `takes at most ${spec.positionals.max} argument (${spec.positionals.name})` : 'takes no positional argument';
    throw new UsageError(`${command} ${takes}: got ${JSON.stringify(extra.join(' '))}${quoteHint(extra)}\n\n${commandHelp(command)}`);
  }
  if (command === 'help') return printHelp(extra[0]);
  if (values.help) return printHelp(first);
  const given = Object.keys(values).filter((flag) => flag !== 'help' && flag !== 'version') as FlagName[];
  const foreign = given.filter((flag) => !spec.flags.includes(flag));
  if (foreign.length > 0) {
    const takes = spec.flags.length > 0 ? `its flags: ${spec.flags.map((f) => `--${f}`).join(', ')}` : 'it takes no flags';
    throw new UsageError(`${command} does not take ${foreign.map((f) => `--${f}`).join(', ')}; ${takes} (orchestrate help ${command})`);
  }
  // Usage before configuration: a bad name is the person's typo, whatever the configuration says.
  if (values.session !== undefined) {
    const problem = checkSessionName(values.session);
    if (problem) throw new UsageError(problem);
  }

  if (command === 'install' || command === 'uninstall') {
    const { runInstall } = await import('./commands/install/install.js');
    const text = runInstall({ project: values.project ?? false, uninstall: command === 'uninstall', cwd: process.cwd(), home: homedir(), env: process.env });
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return EXIT_CODES.done;
  }
  if (command === 'list' || command === 'status' || command === 'history') {
    if (!values.config) throw new UsageError(`--config is required: the path of your project's .samocode file\n\n${commandHelp(command)}`);
    if (command !== 'list' && values.session === undefined) throw new UsageError(`--session is required: the session to show\n\n${commandHelp(command)}`);
    const { loadConfig } = await import('./config/load.js');
    const { config } = loadConfig({ configPath: values.config, flags: {}, flagNames: {}, env: process.env, cwd: process.cwd(), home: homedir(), forRun: false });
    const inspect = await import('./commands/inspect/inspect.js');
    const opts = { json: values.json ?? false, now: new Date(), width: process.stdout.isTTY ? process.stdout.columns : undefined };
    const text =
      command === 'list'
        ? inspect.listReport(config, opts)
        : command === 'status'
          ? inspect.statusReport(config, values.session!, opts)
          : inspect.historyReport(config, values.session!, opts);
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return EXIT_CODES.done;
  }

  const { flags, flagNames } = settingFlags(values);
  const { installShutdown } = await import('./io/shutdown.js');
  const shutdown = installShutdown();
  try {
    if (command === 'demo') {
      const { runDemo } = await import('./commands/demo/demo.js');
      return await runDemo({ quiet: values.quiet ?? false, keep: values.keep ?? false, flags, flagNames, shutdown });
    }
    if (!values.config) throw new UsageError(`--config is required: the path of your project's .samocode file\n\n${commandHelp(command)}`);
    if (values.session === undefined) throw new UsageError(`--session is required: a name for the session, e.g. --session add-auth\n\n${commandHelp(command)}`);
    const { runOrchestrator } = await import('./commands/run/run.js');
    const result = await runOrchestrator({
      configPath: values.config,
      session: values.session,
      task: values.task,
      dive: values.dive,
      flags,
      flagNames,
      quiet: values.quiet ?? false,
      wait: { onWaiting: !values['no-wait'], onBlocked: values['wait-on-blocked'] ?? false },
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

type Values = Partial<Record<FlagName, string | boolean>> & {
  [K in FlagName as (typeof FLAGS)[K]['type'] extends 'string' ? K : never]?: string;
} & { [K in FlagName as (typeof FLAGS)[K]['type'] extends 'boolean' ? K : never]?: boolean };

/** util.parseArgs over every flag of the table, with our own words for its errors. */
function parseCommandLine(argv: string[]): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: parseOptions() });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(argumentError(error as Error & { code?: string }, argv));
  }
}

function argumentError(error: Error & { code?: string }, argv: string[]): string {
  const flag = /Option '(--?[\w-]+)/.exec(error.message)?.[1];
  const spec = flag ? (FLAGS as Record<string, FlagSpec>)[flag.replace(/^-+/, '')] : undefined;
  const see = 'see orchestrate help';
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag && spec?.type === 'string') {
    const next = argv[argv.indexOf(flag) + 1];
    const example = `${flag} ${spec.value ?? '<value>'}`;
    if (/ambiguous/.test(error.message) && next !== undefined) {
      if (flag === '--session') {
        return `--session needs a value, and ${JSON.stringify(next)} is not one: a session name cannot start with "-"; fix: --session <name> with letters, digits, ".", "_" and "-" (e.g. --session ${suggestSessionName(next)})`;
      }
      return `${flag} needs a value, and ${JSON.stringify(next)} looks like a flag; fix: ${example}, or, if the value really starts with "-", ${flag}=${next}`;
    }
    return `${flag} needs a value: ${example}; ${see}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) return `${flag} takes no value (it is a switch): write just ${flag}; ${see}`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const unknown = /Unknown option '([^']+)'/.exec(error.message)?.[1] ?? '?';
    return `Unknown option '${unknown}'; ${see} (or orchestrate <command> --help) for the flags each command takes`;
  }
  return `${error.message}; ${see}`;
}

/** A positional that holds a space was probably a value whose flag was forgotten. */
function quoteHint(extra: string[]): string {
  return extra.some((word) => word.includes(' ')) ? ' (a value needs its flag, e.g. --task "…")' : '';
}

function printHelp(command: string | undefined): number {
  if (command !== undefined && !isCommand(command)) {
    throw new UsageError(`there is no command "${command}"; commands: ${COMMAND_NAMES.join(', ')}`);
  }
  process.stdout.write(`${command === undefined ? generalHelp() : commandHelp(command)}\n`);
  return EXIT_CODES.done;
}

/** The setting flags that were given, by setting key, with their spelling for messages. */
function settingFlags(values: Values): { flags: Partial<Record<SettingKey, string>>; flagNames: Partial<Record<SettingKey, string>> } {
  const flags: Partial<Record<SettingKey, string>> = {};
  const flagNames: Partial<Record<SettingKey, string>> = {};
  for (const flag of SETTING_FLAGS) {
    const value = values[flag];
    const key = FLAGS[flag].setting;
    if (value !== undefined) {
      flags[key] = value;
      flagNames[key] = `--${flag}`;
    }
  }
  return { flags, flagNames };
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
    // A write that no guard named (a log, the lock, the agent's files) and the environment refused: still not a bug.
    const known = error instanceof OrchestratorError ? error : isStorageErrno(error) ? storageError(error, { file: error.path ?? 'a file of the session', what: `${error.syscall ?? 'write'} failed` }) : undefined;
    // An error may quote a value from the environment or a file (a stack, a config line): scrub it like any sink.
    const scrub = makeScrubber(secretValues(Object.entries(process.env)));
    if (known) {
      process.stderr.write(scrub(`orchestrate: ${known.message}\n`));
      process.exitCode = known.exitCode;
      exitSoon();
      return;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(scrub(`orchestrate: internal error (this is a bug; please report it with the lines below)\n${detail}\n`));
    process.exitCode = EXIT_CODES.internal;
    exitSoon();
  },
);
