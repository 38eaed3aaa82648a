// `orchestrate install` and `uninstall`, as the parser and the help read them: one shape, two verbs.
import type { CommandSpec } from '../flags.js';

function spec(verb: 'install' | 'uninstall', summary: string): CommandSpec {
  return {
    summary,
    usage: [`orchestrate ${verb} [--project]`],
    flags: ['project'],
    examples: [`orchestrate ${verb}`, `cd ~/proj && orchestrate ${verb} --project`],
    main: async (input) => (await import('./install.js')).installCommand(input, { uninstall: verb === 'uninstall' }),
  };
}

export const INSTALL_COMMANDS = {
  install: spec('install', "put samocode's skills and commands where Claude Code and Codex find them"),
  uninstall: spec('uninstall', 'remove exactly what install put there (files you edited are kept)'),
};
