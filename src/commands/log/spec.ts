// `orchestrate log`: the agent's actions as readable lines, as the parser and the help read it.
import { EXAMPLE_CONFIG as CONFIG, type CommandSpec } from '../flags.js';

export const LOG_COMMAND: CommandSpec = {
  summary: "the agent's actions: tool calls (failures marked), its text, checks, each iteration's end and cost",
  usage: ['orchestrate log --config <.samocode> --session <name> [--follow] [--iteration <n>] [--json]'],
  flags: ['config', 'session', 'follow', 'iteration', 'json'],
  examples: [
    `orchestrate log --config ${CONFIG} --session add-auth`,
    `orchestrate log --config ${CONFIG} --session add-auth --follow`,
    `orchestrate log --config ${CONFIG} --session add-auth --iteration 3 --json`,
  ],
  notes: [
    "Reads _logs/ and the history only (no lock, no agent): works while a run is going and without the agent's binary.",
    '--follow ends when the session stops running (done, waiting, blocked, or its orchestrator gone), or on Ctrl-C.',
    '--json: one JSON object per line (kind: tool, tool_failed, text, retry, error, result, check, iteration).',
  ],
  main: async (input) => (await import('./log.js')).logCommand(input),
};
