// `orchestrate install` and `uninstall`, as the parser and the help read them.
import type { CommandSpec } from '../flags.js';

export const INSTALL_COMMANDS = {
  install: {
    summary: "put samocode's skills and commands where Claude Code and Codex find them",
    usage: ['orchestrate install [--project]'],
    flags: ['project'],
    examples: ['orchestrate install', 'cd ~/proj && orchestrate install --project'],
    main: async (input) => (await import('./install.js')).installCommand(input, { uninstall: false }),
  },
  uninstall: {
    summary: 'remove exactly what install put there (files you edited are kept)',
    usage: ['orchestrate uninstall [--project]'],
    flags: ['project'],
    examples: ['orchestrate uninstall', 'cd ~/proj && orchestrate uninstall --project'],
    main: async (input) => (await import('./install.js')).installCommand(input, { uninstall: true }),
  },
} satisfies Record<string, CommandSpec>;
