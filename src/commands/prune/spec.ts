// `orchestrate prune`: remove the worktrees (and branches) of old done sessions, as the parser and the help read it.
import { EXAMPLE_CONFIG as CONFIG, type CommandSpec } from '../flags.js';

export const PRUNE_COMMAND = {
  summary: 'remove the worktrees (--branches: and branches) of done sessions older than KEEP_DONE_DAYS',
  usage: ['orchestrate prune --config <.samocode> [--older-than 7d] [--branches] [--dry-run]'],
  flags: ['config', 'older-than', 'branches', 'dry-run'],
  examples: [
    `orchestrate prune --config ${CONFIG} --dry-run          # what would go`,
    `orchestrate prune --config ${CONFIG} --older-than 30d --branches`,
  ],
  notes: [
    'Never a running, waiting or blocked session, one whose lock is held, a worktree with uncommitted changes, or the base branch.',
    'The session folders (history, delivery) stay; `orchestrate continue` makes a pruned worktree again from its branch.',
  ],
  main: async (input) => (await import('./prune.js')).pruneCommand(input),
} satisfies CommandSpec;
