// `orchestrate help`, as the parser and the help read it.
import { EXIT_CODES } from '../../errors.js';
import type { CommandSpec } from '../flags.js';

export const HELP_COMMAND = {
  summary: 'this overview, or one command in detail',
  usage: ['orchestrate help [<command>]', 'orchestrate <command> --help'],
  flags: [],
  examples: ['orchestrate help status', 'orchestrate status --help'],
  positionals: { max: 1, name: '<command>' },
  main: async ({ args, help }) => {
    process.stdout.write(`${help(args[0])}\n`);
    return EXIT_CODES.done;
  },
} satisfies CommandSpec;
