// What the queue commands share: the configuration (no agent checks: the children check their own) and the queue.
import { homedir } from 'node:os';
import type { Config } from '../../core/config.js';
import { loadConfig } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import type { CommandInput } from '../flags.js';

export function queueConfig({ name, values, help }: CommandInput): { config: Config; warnings: string[] } {
  if (!values.config)
    throw new UsageError(`--config is required: the path of your project's .samocode file\n\n${help(name)}`);
  return loadConfig({
    configPath: values.config,
    flags: {},
    flagNames: {},
    env: process.env,
    cwd: process.cwd(),
    home: homedir(),
    forRun: false,
  });
}
