// Which back end holds the queue: SAMOCODE_QUEUE unset → the local one (files beside the sessions); redis://… →
// BullMQ. The Redis back end is loaded only then, so the default path never loads bullmq or ioredis.
import { hostname } from 'node:os';
import type { Config } from '../core/config.js';
import { ConfigError } from '../errors.js';
import type { QueueBackend } from './backend.js';
import { openLocalQueue } from './local-backend.js';

export interface QueueOptions {
  /** Named in every record and lock this process writes (default: os.hostname()). */
  host?: string | undefined;
}

export async function openQueue(config: Config, opts: QueueOptions = {}): Promise<QueueBackend> {
  const host = opts.host ?? hostname();
  const url = config.queue.url;
  if (url === undefined) return openLocalQueue({ sessions: config.sessions, host });
  // A variable specifier until redis-backend.ts exists (esbuild and tsc resolve a literal one at build time); its
  // owner turns this into `import('./redis-backend.js')`.
  const specifier = './redis-backend.js';
  let mod: { openRedisQueue(config: Config, opts: { url: string; host: string }): Promise<QueueBackend> };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError([
      {
        source: config.configFile,
        key: 'SAMOCODE_QUEUE',
        value: url,
        message: 'asks for the Redis (BullMQ) queue, which this build of samocode does not have',
        fix: 'unset SAMOCODE_QUEUE to use the local queue beside the sessions, or install a samocode with the Redis back end',
      },
    ]);
  }
  return mod.openRedisQueue(config, { url, host });
}
