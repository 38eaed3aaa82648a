// `orchestrate status`, `history` and `list`: the read-only views, as the parser and the help read them.
import { EXAMPLE_CONFIG as CONFIG, type CommandSpec } from '../flags.js';

export const INSPECT_COMMANDS = {
  status: {
    summary: 'phase, running / waiting / blocked / done, iterations, totals, where the logs are, what to do next',
    usage: ['orchestrate status --config <.samocode> --session <name> [--json]'],
    flags: ['config', 'session', 'json'],
    examples: [
      `orchestrate status --config ${CONFIG} --session add-auth`,
      `orchestrate status --config ${CONFIG} --session add-auth --json`,
    ],
    notes: [
      "Only reads the session folder: no lock, no agent; works while a run is going and without the agent's binary.",
    ],
    main: async (input) => (await import('./inspect.js')).inspectCommand(input, 'status'),
  },
  history: {
    summary: 'the signal timeline of a session as a table',
    usage: ['orchestrate history --config <.samocode> --session <name> [--json]'],
    flags: ['config', 'session', 'json'],
    examples: [
      `orchestrate history --config ${CONFIG} --session add-auth`,
      `orchestrate history --config ${CONFIG} --session add-auth | less -S`,
    ],
    notes: ['Summaries are fitted to the terminal width; piped, they are printed whole.'],
    main: async (input) => (await import('./inspect.js')).inspectCommand(input, 'history'),
  },
  list: {
    summary: 'every session, newest first, with phase and status (and its queue job, if any)',
    usage: ['orchestrate list --config <.samocode> [--json]'],
    flags: ['config', 'json'],
    examples: [`orchestrate list --config ${CONFIG}`],
    main: async (input) => (await import('./inspect.js')).inspectCommand(input, 'list'),
  },
} satisfies Record<string, CommandSpec>;
