// `orchestrate continue`: new work for a done session, as the parser and the help read it.
import { EXAMPLE_CONFIG as CONFIG, RUN_FLAGS, type CommandSpec } from '../flags.js';

export const CONTINUE_COMMAND = {
  summary: 'reopen a done session with new work on the same branch: a new cycle from investigation (or planning)',
  usage: [
    'orchestrate continue --config <.samocode> --session <name> --instruction "…" [--from investigation|planning|implementation] [flags]',
  ],
  flags: ['instruction', 'from', 'enqueue', ...RUN_FLAGS.filter((flag) => flag !== 'task' && flag !== 'dive')],
  examples: [
    `orchestrate continue --config ${CONFIG} --session add-auth --instruction "Also support refresh tokens"`,
    `orchestrate continue --config ${CONFIG} --session add-auth --instruction "Split the plan in two PRs" --from planning`,
    `orchestrate continue --config ${CONFIG} --session add-auth --instruction "Add rate limiting" --enqueue   # a worker runs it`,
  ],
  notes: [
    'The history, counters and totals go on; the instruction is in every prompt of the new cycle; the earlier delivery is kept as _delivery-<n>/.',
    'Only a done session: a waiting, blocked or running one is refused (exit 5, 4, 6) and left as it is.',
    'Then it runs like `orchestrate run` (same flags, same exit codes); with --enqueue it is queued for `orchestrate worker` instead.',
  ],
  exitCodes: true,
  main: async (input) => (await import('./continue.js')).continueCommand(input),
} satisfies CommandSpec;
