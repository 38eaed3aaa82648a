// Every flag of `orchestrate` with its one-line meaning, and the shape in which each command declares itself
// (commands/<name>/spec.ts): usage, the flags it takes, examples, and the code that runs it. The parser (cli.ts) and
// every help text (commands/help.ts) are built from these declarations, so a flag cannot be accepted without being
// documented, and `orchestrate <command> --help` can never drift from what the command really takes. Pure.
import type { SettingKey } from '../config/settings.js';

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
  session: {
    type: 'string',
    value: '<name>',
    meaning: 'the session\'s name (letters, digits, ".", "_", "-"), e.g. add-auth',
  },
  task: { type: 'string', value: '<text>', meaning: 'what to do (new sessions only)' },
  dive: { type: 'string', value: '<text>', meaning: 'what to look at first in the investigation (new sessions only)' },
  instruction: {
    type: 'string',
    value: '<text>',
    meaning: 'the new work for a done session (continue): in every prompt of its new cycle',
  },
  from: {
    type: 'string',
    value: '<phase>',
    meaning: 'where the new cycle starts: investigation (default) | planning | implementation (a fix: no gate ahead)',
  },
  'older-than': {
    type: 'string',
    value: '<age>',
    meaning: 'done sessions finished longer ago than this: 7d, 36h, 90m (default: KEEP_DONE_DAYS)',
  },
  branches: { type: 'boolean', meaning: 'also delete the session branches (prune)' },
  enqueue: { type: 'boolean', meaning: 'queue it for `orchestrate worker` instead of running it here' },
  'dry-run': { type: 'boolean', meaning: 'show what would be done, change nothing' },
  provider: { type: 'string', value: '<name>', meaning: 'claude | codex | script', setting: 'SAMOCODE_PROVIDER' },
  script: {
    type: 'string',
    value: '<file>',
    meaning: 'scenario for the script provider (docs/scenarios.md)',
    setting: 'SAMOCODE_SCRIPT',
  },
  timeout: { type: 'string', value: '<seconds>', meaning: 'time one agent run may take', setting: 'SAMOCODE_TIMEOUT' },
  'max-retries': {
    type: 'string',
    value: '<n>',
    meaning: 'retries of a failed agent run',
    setting: 'SAMOCODE_MAX_RETRIES',
  },
  'log-format': { type: 'string', value: '<f>', meaning: 'console: pretty | json', setting: 'SAMOCODE_LOG_FORMAT' },
  budget: { type: 'string', value: '<profile>', meaning: 'quick | default | deep', setting: 'SAMOCODE_BUDGET_PROFILE' },
  'max-iterations': {
    type: 'string',
    value: '<n>',
    meaning: 'iterations in all ("none" for no limit)',
    setting: 'SAMOCODE_MAX_ITERATIONS',
  },
  'max-hours': {
    type: 'string',
    value: '<h>',
    meaning: 'hours spent in iterations ("none" for no limit)',
    setting: 'SAMOCODE_MAX_HOURS',
  },
  'max-cost': {
    type: 'string',
    value: '<usd>',
    meaning: 'US dollars the agents may spend ("none" for no limit)',
    setting: 'SAMOCODE_MAX_COST',
  },
  'max-tokens': {
    type: 'string',
    value: '<n>',
    meaning: 'tokens in all ("none" for no limit)',
    setting: 'SAMOCODE_MAX_TOKENS',
  },
  quiet: { type: 'boolean', meaning: 'console shows warnings and errors only' },
  'no-wait': {
    type: 'boolean',
    meaning: 'when the agent waits for you, exit (code 5) instead of waiting for your answer',
  },
  'wait-on-blocked': {
    type: 'boolean',
    meaning: 'when the session is blocked, wait for your fix instead of exiting (code 4)',
  },
  json: { type: 'boolean', meaning: 'machine-readable output' },
  follow: {
    type: 'boolean',
    meaning: 'keep printing as the running iteration goes on, until the session stops running',
  },
  iteration: { type: 'string', value: '<n>', meaning: 'only this iteration (its number, as history shows it)' },
  file: {
    type: 'string',
    value: '<tasks.jsonl>',
    meaning: 'many sessions at once: one JSON object a line, {"session", "task", "dive"?, "provider"?}',
  },
  concurrency: { type: 'string', value: '<n>', meaning: 'sessions this worker runs at once (default 2)' },
  port: { type: 'string', value: '<n>', meaning: 'the port the dashboard listens on (default: a free one)' },
  host: {
    type: 'string',
    value: '<address>',
    meaning: 'the address the dashboard listens on (default 127.0.0.1; another one is reachable from the network)',
  },
  'read-only': { type: 'boolean', meaning: 'the dashboard shows, but answers, decisions, resume and stop are refused' },
  project: { type: 'boolean', meaning: "into the current repository's .claude/ and .agents/ instead of your home" },
  keep: {
    type: 'boolean',
    meaning: 'keep the temp folder (repository, session folder, worktree) to look at afterwards',
  },
  help: { type: 'boolean', short: 'h', meaning: "show this command's help" },
  version: { type: 'boolean', short: 'v', meaning: "print samocode's version" },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

export interface CommandSpec {
  summary: string;
  usage: string[];
  flags: readonly FlagName[];
  examples: string[];
  /** Extra lines under the flags (what the command never needs, where it runs …). */
  notes?: string[];
  /** Positional arguments it takes after its name (only `help <command>`). */
  positionals?: { max: number; name: string };
  /** Its help ends with what each exit code means (the commands that run a session). */
  exitCodes?: boolean;
  /** Runs the command (loading its code only then, to keep every other command's start fast); returns the exit code. */
  main(input: CommandInput): Promise<number>;
}

/** What cli.ts hands a command: its name as typed, the parsed flags, the arguments after the name, the help texts. */
export interface CommandInput {
  name: string;
  values: Values;
  args: string[];
  /** The help of one command (`help('status')`), or the overview (`help()`); a UsageError for an unknown name. */
  help(command?: string): string;
}

export type Values = Partial<Record<FlagName, string | boolean>> & {
  [K in FlagName as (typeof FLAGS)[K]['type'] extends 'string' ? K : never]?: string;
} & { [K in FlagName as (typeof FLAGS)[K]['type'] extends 'boolean' ? K : never]?: boolean };

const SETTING_FLAG_NAMES = [
  'provider',
  'script',
  'timeout',
  'max-retries',
  'log-format',
  'budget',
  'max-iterations',
  'max-hours',
  'max-cost',
  'max-tokens',
] as const;
export const RUN_FLAGS = [
  'config',
  'session',
  'task',
  'dive',
  ...SETTING_FLAG_NAMES,
  'quiet',
  'no-wait',
  'wait-on-blocked',
] as const satisfies readonly FlagName[];
/** The .samocode file in the examples. */
export const EXAMPLE_CONFIG = '~/proj/.samocode';

/** The flags of every command, for util.parseArgs (which then only checks that each flag is known at all). */
export function parseOptions(): Record<FlagName, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(
    Object.entries(FLAGS).map(([name, spec]) => [
      name,
      { type: spec.type, ...('short' in spec ? { short: spec.short } : {}) },
    ]),
  ) as Record<FlagName, { type: 'string' | 'boolean'; short?: string }>;
}

/** The setting flags that were given, by setting key, with their spelling for messages (loadConfig's flag layer). */
export function settingFlags(values: Values): {
  flags: Partial<Record<SettingKey, string>>;
  flagNames: Partial<Record<SettingKey, string>>;
} {
  const flags: Partial<Record<SettingKey, string>> = {};
  const flagNames: Partial<Record<SettingKey, string>> = {};
  for (const flag of SETTING_FLAG_NAMES) {
    const value = values[flag];
    const key = FLAGS[flag].setting;
    if (value !== undefined) {
      flags[key] = value;
      flagNames[key] = `--${flag}`;
    }
  }
  return { flags, flagNames };
}
