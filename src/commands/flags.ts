// Every command of `orchestrate` as data: its usage, the flags it takes (with one-line meanings) and examples. The
// parser (cli.ts) and every help text are built from this one table, so a flag cannot be accepted without being
// documented, and `orchestrate <command> --help` can never drift from what the command really takes. Pure.
import type { SettingKey } from '../config/settings.js';
import { EXIT_CODES } from '../errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown after a string flag, e.g. `<file>`. */
  value?: string;
  meaning: string;
  /** The setting a flag sets (flags win over every other source). */
  setting?: SettingKey;
  short?: string;
}

export const FLAGS = {
  config: { type: 'string', value: '<file>', meaning: "the project's .samocode file (MAIN_REPO, WORKTREES, SESSIONS)" },
  session: { type: 'string', value: '<name>', meaning: 'the session\'s name (letters, digits, ".", "_", "-"), e.g. add-auth' },
  task: { type: 'string', value: '<text>', meaning: 'what to do (new sessions only)' },
  dive: { type: 'string', value: '<text>', meaning: 'what to look at first in the investigation (new sessions only)' },
  provider: { type: 'string', value: '<name>', meaning: 'claude | codex | script', setting: 'SAMOCODE_PROVIDER' },
  script: { type: 'string', value: '<file>', meaning: 'scenario for the script provider (docs/scenarios.md)', setting: 'SAMOCODE_SCRIPT' },
  timeout: { type: 'string', value: '<seconds>', meaning: 'time one agent run may take', setting: 'SAMOCODE_TIMEOUT' },
  'max-retries': { type: 'string', value: '<n>', meaning: 'retries of a failed agent run', setting: 'SAMOCODE_MAX_RETRIES' },
  'log-format': { type: 'string', value: '<f>', meaning: 'console: pretty | json', setting: 'SAMOCODE_LOG_FORMAT' },
  budget: { type: 'string', value: '<profile>', meaning: 'quick | default | deep', setting: 'SAMOCODE_BUDGET_PROFILE' },
  'max-iterations': { type: 'string', value: '<n>', meaning: 'iterations in all ("none" for no limit)', setting: 'SAMOCODE_MAX_ITERATIONS' },
  'max-hours': { type: 'string', value: '<h>', meaning: 'hours spent in iterations ("none" for no limit)', setting: 'SAMOCODE_MAX_HOURS' },
  'max-cost': { type: 'string', value: '<usd>', meaning: 'US dollars the agents may spend ("none" for no limit)', setting: 'SAMOCODE_MAX_COST' },
  'max-tokens': { type: 'string', value: '<n>', meaning: 'tokens in all ("none" for no limit)', setting: 'SAMOCODE_MAX_TOKENS' },
  quiet: { type: 'boolean', meaning: 'console shows warnings and errors only' },
  'no-wait': { type: 'boolean', meaning: 'when the agent waits for you, exit (code 5) instead of waiting for your answer' },
  'wait-on-blocked': { type: 'boolean', meaning: 'when the session is blocked, wait for your fix instead of exiting (code 4)' },
  json: { type: 'boolean', meaning: 'machine-readable output' },
  project: { type: 'boolean', meaning: "into the current repository's .claude/ and .agents/ instead of your home" },
  keep: { type: 'boolean', meaning: 'keep the temp folder (repository, session folder, worktree) to look at afterwards' },
  help: { type: 'boolean', short: 'h', meaning: "show this command's help" },
  version: { type: 'boolean', short: 'v', meaning: "print samocode's version" },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

export const COMMAND_NAMES = ['run', 'resume', 'status', 'history', 'list', 'demo', 'install', 'uninstall', 'help'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandSpec {
  summary: string;
  usage: string[];
  flags: readonly FlagName[];
  examples: string[];
  /** Extra lines under the flags (what the command never needs, where it runs …). */
  notes?: string[];
  /** Positional arguments it takes after its name (only `help <command>`). */
  positionals?: { max: number; name: string };
}

const SETTING_FLAG_NAMES = ['provider', 'script', 'timeout', 'max-retries', 'log-format', 'budget', 'max-iterations', 'max-hours', 'max-cost', 'max-tokens'] as const;
const RUN_FLAGS = ['config', 'session', 'task', 'dive', ...SETTING_FLAG_NAMES, 'quiet', 'no-wait', 'wait-on-blocked'] as const satisfies readonly FlagName[];
const CONFIG = '~/proj/.samocode';

export const COMMANDS: Record<CommandName, CommandSpec> = {
  run: {
    summary: 'start a session, or resume one (the default command: `run` may be left out)',
    usage: ['orchestrate [run] --config <.samocode> --session <name> [--task "…"] [--dive "…"] [flags]'],
    flags: RUN_FLAGS,
    examples: [
      `orchestrate --config ${CONFIG} --session add-auth --task "Add JWT auth" --dive "the auth module"`,
      `orchestrate --config ${CONFIG} --session add-auth          # resume it (no --task)`,
      `orchestrate --config ${CONFIG} --session add-auth --provider codex --budget quick`,
    ],
    notes: ['A new session needs --task; an existing one resumes where it was and keeps its task.', 'Each setting flag wins over the environment, .env and .samocode (README "Configuration").'],
  },
  resume: {
    summary: 'go on after you answered: wakes the run that waits, or resumes the session now',
    usage: ['orchestrate resume --config <.samocode> --session <name> [flags]'],
    flags: RUN_FLAGS.filter((flag) => flag !== 'task' && flag !== 'dive'),
    examples: [`orchestrate resume --config ${CONFIG} --session add-auth`],
    notes: ['If no run is waiting, the session resumes right away, even with answers missing (the agent is told what is there).'],
  },
  status: {
    summary: 'phase, running / waiting / blocked / done, iterations, totals, where the logs are, what to do next',
    usage: ['orchestrate status --config <.samocode> --session <name> [--json]'],
    flags: ['config', 'session', 'json'],
    examples: [`orchestrate status --config ${CONFIG} --session add-auth`, `orchestrate status --config ${CONFIG} --session add-auth --json`],
    notes: ["Only reads the session folder: no lock, no agent; works while a run is going and without the agent's binary."],
  },
  history: {
    summary: 'the signal timeline of a session as a table',
    usage: ['orchestrate history --config <.samocode> --session <name> [--json]'],
    flags: ['config', 'session', 'json'],
    examples: [`orchestrate history --config ${CONFIG} --session add-auth`, `orchestrate history --config ${CONFIG} --session add-auth | less -S`],
    notes: ['Summaries are fitted to the terminal width; piped, they are printed whole.'],
  },
  list: {
    summary: 'every session, newest first, with phase and status',
    usage: ['orchestrate list --config <.samocode> [--json]'],
    flags: ['config', 'json'],
    examples: [`orchestrate list --config ${CONFIG}`],
  },
  install: {
    summary: "put samocode's skills and commands where Claude Code and Codex find them",
    usage: ['orchestrate install [--project]'],
    flags: ['project'],
    examples: ['orchestrate install', 'cd ~/proj && orchestrate install --project'],
  },
  uninstall: {
    summary: 'remove exactly what install put there (files you edited are kept)',
    usage: ['orchestrate uninstall [--project]'],
    flags: ['project'],
    examples: ['orchestrate uninstall', 'cd ~/proj && orchestrate uninstall --project'],
  },
  demo: {
    summary: 'a whole session on the built-in scripted agent, in a temp folder (no API key)',
    usage: ['orchestrate demo [--keep] [--quiet] [--log-format pretty|json] [--timeout <seconds>]'],
    flags: ['keep', 'quiet', 'log-format', 'timeout'],
    examples: ['orchestrate demo', 'orchestrate demo --keep          # then look at the session folder and worktree it prints'],
    notes: ['The temp folder is removed at the end unless --keep is given. Runs from any folder.'],
  },
  help: {
    summary: 'this overview, or one command in detail',
    usage: ['orchestrate help [<command>]', 'orchestrate <command> --help'],
    flags: [],
    examples: ['orchestrate help status', 'orchestrate status --help'],
    positionals: { max: 1, name: '<command>' },
  },
};

/** The flags of every command, for util.parseArgs (which then only checks that each flag is known at all). */
export function parseOptions(): Record<FlagName, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(
    Object.entries(FLAGS).map(([name, spec]) => [name, { type: spec.type, ...('short' in spec ? { short: spec.short } : {}) }]),
  ) as Record<FlagName, { type: 'string' | 'boolean'; short?: string }>;
}

/** Flags that set a setting, by setting key (for loadConfig's flag layer). */
export const SETTING_FLAGS: readonly (FlagName & (typeof SETTING_FLAG_NAMES)[number])[] = SETTING_FLAG_NAMES;

export function isCommand(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word);
}

function flagLines(flags: readonly FlagName[]): string[] {
  const left = (name: FlagName) => {
    const spec: FlagSpec = FLAGS[name];
    return `--${name}${spec.value ? ` ${spec.value}` : ''}`;
  };
  const width = Math.max(0, ...flags.map((f) => left(f).length)) + 2;
  return flags.map((name) => {
    const spec: FlagSpec = FLAGS[name];
    return `  ${left(name).padEnd(width)}${spec.meaning}${spec.setting ? `  (${spec.setting})` : ''}`;
  });
}

/** `orchestrate help <command>` and `orchestrate <command> --help`. */
export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  const lines = [`orchestrate ${name}: ${spec.summary}`, '', 'usage:', ...spec.usage.map((u) => `  ${u}`)];
  const flags = [...spec.flags, 'help' as const];
  lines.push('', 'flags:', ...flagLines(flags));
  if (spec.notes?.length) lines.push('', ...spec.notes);
  lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  if (name === 'run' || name === 'resume') lines.push('', exitCodeLines());
  return lines.join('\n');
}

/** `orchestrate help` and `orchestrate --help`. */
export function generalHelp(): string {
  const width = Math.max(...COMMAND_NAMES.map((c) => c.length)) + 2;
  return [
    'orchestrate: run a coding agent through a whole session, unattended',
    '',
    'usage:',
    '  orchestrate [run] --config <.samocode> --session <name> [--task "…"] [--dive "…"] [flags]',
    '  orchestrate <command> [flags]',
    '',
    'commands:',
    ...COMMAND_NAMES.map((c) => `  ${c.padEnd(width)}${COMMANDS[c].summary}`),
    '',
    'flags of run (the default command):',
    ...flagLines(RUN_FLAGS),
    '',
    '  --help, -h, --version, -v',
    '',
    'orchestrate help <command> (or orchestrate <command> --help) shows its flags and examples.',
    '',
    exitCodeLines(),
  ].join('\n');
}

/** What each exit code means, in the help. A code added to EXIT_CODES shows up here by its name until described. */
const EXIT_MEANINGS: Partial<Record<keyof typeof EXIT_CODES, string>> = {
  done: 'done',
  internal: 'internal error',
  usage: 'usage',
  config: 'configuration',
  blocked: 'blocked (by the agent, the protocol, a budget or a stall)',
  waiting: 'waiting for you (--no-wait)',
  locked: 'session locked',
  agentFailed: 'agent failed',
  storage: 'cannot write the session files (disk full, read-only, no permission)',
  sigint: 'SIGINT',
  sigterm: 'SIGTERM',
};

function exitCodeLines(): string {
  const parts = (Object.entries(EXIT_CODES) as [keyof typeof EXIT_CODES, number][])
    .sort(([, a], [, b]) => a - b)
    .map(([name, code]) => `${code} ${EXIT_MEANINGS[name] ?? name}`);
  // About 110 columns a line, broken between codes, never inside one's meaning.
  const lines: string[] = [];
  let line = 'exit codes:';
  parts.forEach((part, i) => {
    const text = `${part}${i < parts.length - 1 ? ',' : ''}`;
    if (line.length + 1 + text.length > 110) {
      lines.push(line);
      line = '           ';
    }
    line += ` ${text}`;
  });
  lines.push(line);
  return lines.join('\n');
}
