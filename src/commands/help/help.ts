// The help texts, built from the commands' own declarations (commands/<name>/spec.ts) and the flag table: what a
// command takes is what its help says. Pure.
import { EXIT_CODES } from '../../errors.js';
import { FLAGS, RUN_FLAGS, type CommandSpec, type FlagName, type FlagSpec } from '../flags.js';

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
export function commandHelp(name: string, spec: CommandSpec): string {
  const lines = [`orchestrate ${name}: ${spec.summary}`, '', 'usage:', ...spec.usage.map((u) => `  ${u}`)];
  const flags = [...spec.flags, 'help' as const];
  lines.push('', 'flags:', ...flagLines(flags));
  if (spec.notes?.length) lines.push('', ...spec.notes);
  lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  if (spec.exitCodes) lines.push('', exitCodeLines());
  return lines.join('\n');
}

/** `orchestrate help` and `orchestrate --help`: every command of `commands`, in its order. */
export function generalHelp(commands: Readonly<Record<string, CommandSpec>>): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((c) => c.length)) + 2;
  return [
    'orchestrate: run a coding agent through a whole session, unattended',
    '',
    'usage:',
    '  orchestrate [run] --config <.samocode> --session <name> [--task "…"] [--dive "…"] [flags]',
    '  orchestrate <command> [flags]',
    '',
    'commands:',
    ...names.map((c) => `  ${c.padEnd(width)}${commands[c]!.summary}`),
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
  queueUnavailable: 'the Redis queue cannot be reached',
  cannotListen: 'orchestrate serve cannot listen (the port is taken)',
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
