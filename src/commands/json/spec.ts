// `orchestrate json`: the same views and answers as the other commands, as JSON lines for a program.
import { EXAMPLE_CONFIG as CONFIG, type CommandSpec } from '../flags.js';

export const JSON_COMMAND: CommandSpec = {
  summary: 'JSON lines on stdin / stdout for programs: list, status, history, answer, plan, review, resume, stop',
  usage: ['orchestrate json --config <.samocode>'],
  flags: ['config'],
  examples: [`echo '{"version":"v1","action":"capabilities"}' | orchestrate json --config ${CONFIG}`],
  notes: [
    'One request a line, one response a line, in order; errors are responses too ({"ok":false,"error":{"code",…}}).',
    'Answers and decisions are the same file edits as Telegram: a waiting run goes on by itself. EOF ends it (exit 0).',
  ],
  main: async (input) => (await import('./json.js')).jsonCommand(input),
};
