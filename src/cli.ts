// The `orchestrate` command. Parses argv, hands it to the command (commands/<name>/), maps the outcome or a thrown
// error to an exit code.
// The only place that ends the process (by setting process.exitCode, so logs can flush).
import { parseArgs } from 'node:util';
import { EXIT_CODES, OrchestratorError, UsageError } from './errors.js';
import { isStorageErrno, storageError } from './io/storage-failure.js';
import { makeScrubber, secretValues } from './core/secrets.js';
import { checkSessionName, suggestSessionName } from './core/session-name.js';
import { FLAGS, parseOptions, type CommandSpec, type FlagName, type FlagSpec, type Values } from './commands/flags.js';
import { commandHelp, generalHelp } from './commands/help/help.js';
import { HELP_COMMAND } from './commands/help/spec.js';
import { DEMO_COMMAND } from './commands/demo/spec.js';
import { INSPECT_COMMANDS } from './commands/inspect/spec.js';
import { INSTALL_COMMANDS } from './commands/install/spec.js';
import { RUN_COMMANDS } from './commands/run/spec.js';
import { CONTINUE_COMMAND } from './commands/continue/spec.js';
import { PRUNE_COMMAND } from './commands/prune/spec.js';
import { QUEUE_COMMANDS } from './commands/queue/spec.js';
import { LOG_COMMAND } from './commands/log/spec.js';
import { JSON_COMMAND } from './commands/json/spec.js';
import { SERVE_COMMAND } from './commands/serve/spec.js';

// The two V8 heap flags (peak RSS flat in the agent's stream size) are set by the launcher (src/launcher/main.ts),
// before this code is compiled.

/** Every command, in the order the help lists them; each declares itself in commands/<name>/spec.ts. */
const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  ...RUN_COMMANDS,
  continue: CONTINUE_COMMAND,
  ...INSPECT_COMMANDS,
  log: LOG_COMMAND,
  json: JSON_COMMAND,
  serve: SERVE_COMMAND,
  ...QUEUE_COMMANDS,
  prune: PRUNE_COMMAND,
  demo: DEMO_COMMAND,
  ...INSTALL_COMMANDS,
  help: HELP_COMMAND,
};
/** Also read by the launcher (src/launcher/main.ts): a code cache is kept per command, for these names only. */
export const COMMAND_NAMES = Object.keys(COMMANDS);

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.version) {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return EXIT_CODES.done;
  }
  const first = positionals[0];
  if (first !== undefined && !Object.hasOwn(COMMANDS, first)) {
    const listed = COMMAND_NAMES.filter((c) => c !== 'help').join(', ');
    throw new UsageError(`unknown command "${first}"; commands: ${listed} (run is the default); see orchestrate help`);
  }
  const command = first ?? 'run';
  const spec = COMMANDS[command]!;
  const extra = positionals.slice(1);
  if (extra.length > (spec.positionals?.max ?? 0)) {
    const takes = spec.positionals
      ? `takes at most ${spec.positionals.max} argument (${spec.positionals.name})`
      : 'takes no positional argument';
    throw new UsageError(
      `${command} ${takes}: got ${JSON.stringify(extra.join(' '))}${quoteHint(extra)}\n\n${help(command)}`,
    );
  }
  // Help before every other check: `orchestrate help …` and `… --help` always answer.
  if (command === 'help') return spec.main({ name: command, values, args: extra, help });
  if (values.help) return HELP_COMMAND.main({ name: 'help', values, args: first === undefined ? [] : [first], help });
  const given = Object.keys(values).filter((flag) => flag !== 'help' && flag !== 'version') as FlagName[];
  const foreign = given.filter((flag) => !spec.flags.includes(flag));
  if (foreign.length > 0) {
    const takes =
      spec.flags.length > 0 ? `its flags: ${spec.flags.map((f) => `--${f}`).join(', ')}` : 'it takes no flags';
    throw new UsageError(
      `${command} does not take ${foreign.map((f) => `--${f}`).join(', ')}; ${takes} (orchestrate help ${command})`,
    );
  }
  // Usage before configuration: a bad name is the person's typo, whatever the configuration says.
  if (values.session !== undefined) {
    const problem = checkSessionName(values.session);
    if (problem) throw new UsageError(problem);
  }
  return spec.main({ name: command, values, args: extra, help });
}

/** The help of one command, or the overview. */
function help(command?: string): string {
  if (command === undefined) return generalHelp(COMMANDS);
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!spec) throw new UsageError(`there is no command "${command}"; commands: ${COMMAND_NAMES.join(', ')}`);
  return commandHelp(command, spec);
}

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
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag)
    return `${flag} takes no value (it is a switch): write just ${flag}; ${see}`;
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
    const known =
      error instanceof OrchestratorError
        ? error
        : isStorageErrno(error)
          ? storageError(error, {
              file: error.path ?? 'a file of the session',
              what: `${error.syscall ?? 'write'} failed`,
            })
          : undefined;
    // An error may quote a value from the environment or a file (a stack, a config line): scrub it like any sink.
    const scrub = makeScrubber(secretValues(Object.entries(process.env)));
    if (known) {
      process.stderr.write(scrub(`orchestrate: ${known.message}\n`));
      process.exitCode = known.exitCode;
      exitSoon();
      return;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(
      scrub(`orchestrate: internal error (this is a bug; please report it with the lines below)\n${detail}\n`),
    );
    process.exitCode = EXIT_CODES.internal;
    exitSoon();
  },
);
