// `orchestrate run` (the default command) and `orchestrate resume`, as the parser and the help read them.
import { EXAMPLE_CONFIG as CONFIG, RUN_FLAGS, type CommandSpec } from '../flags.js';

export const RUN_COMMANDS = {
  run: {
    summary: 'start a session, or resume one (the default command: `run` may be left out)',
    usage: ['orchestrate [run] --config <.samocode> --session <name> [--task "…"] [--dive "…"] [flags]'],
    flags: RUN_FLAGS,
    examples: [
      `orchestrate --config ${CONFIG} --session add-auth --task "Add JWT auth" --dive "the auth module"`,
      `orchestrate --config ${CONFIG} --session add-auth          # resume it (no --task)`,
      `orchestrate --config ${CONFIG} --session add-auth --provider codex --budget quick`,
    ],
    notes: [
      'A new session needs --task; an existing one resumes where it was and keeps its task.',
      'Each setting flag wins over the environment, .env and .samocode (README "Configuration").',
    ],
    exitCodes: true,
    main: async (input) => (await import('./run.js')).runCommand(input, { resume: false }),
  },
  resume: {
    summary: 'go on after you answered: wakes the run that waits, or resumes the session now',
    usage: ['orchestrate resume --config <.samocode> --session <name> [flags]'],
    flags: RUN_FLAGS.filter((flag) => flag !== 'task' && flag !== 'dive'),
    examples: [`orchestrate resume --config ${CONFIG} --session add-auth`],
    notes: [
      'If no run is waiting, the session resumes right away, even with answers missing (the agent is told what is there).',
    ],
    exitCodes: true,
    main: async (input) => (await import('./run.js')).runCommand(input, { resume: true }),
  },
} satisfies Record<string, CommandSpec>;
