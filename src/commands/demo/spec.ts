// `orchestrate demo`, as the parser and the help read it.
import type { CommandSpec } from '../flags.js';

export const DEMO_COMMAND = {
  summary: 'a whole session on the built-in scripted agent, in a temp folder (no API key)',
  usage: ['orchestrate demo [--keep] [--quiet] [--log-format pretty|json] [--timeout <seconds>]'],
  flags: ['keep', 'quiet', 'log-format', 'timeout'],
  examples: [
    'orchestrate demo',
    'orchestrate demo --keep          # then look at the session folder and worktree it prints',
  ],
  notes: ['The temp folder is removed at the end unless --keep is given. Runs from any folder.'],
  main: async (input) => (await import('./demo.js')).demoCommand(input),
} satisfies CommandSpec;
