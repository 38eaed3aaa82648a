// The project's configuration for a command that runs no agent (inspect, queue, prune, continue --enqueue): the
// agent's own checks are left to the run that needs them.
import { homedir } from 'node:os';
import type { Config } from '../core/config.js';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import type { CommandInput } from './flags.js';

/** `--config` is required; checked on its own so a command can report its other usage errors before config ones. */
export function requireConfigFlag({ name, values, help }: CommandInput): string {
  if (!values.config)
    throw new UsageError(`--config is required: the path of your project's .samocode file\n\n${help(name)}`);
  return values.config;
}

export function projectConfig(input: CommandInput): { config: Config; warnings: string[] } {
  return loadConfig({
    configPath: requireConfigFlag(input),
    flags: {},
    flagNames: {},
    env: process.env,
    cwd: process.cwd(),
    home: homedir(),
    forRun: false,
  });
}
