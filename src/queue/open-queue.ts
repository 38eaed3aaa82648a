// Which back end holds the queue: SAMOCODE_QUEUE unset → the local one (files beside the sessions); redis://… →
// BullMQ. The Redis back end is loaded only then, so the default path never loads bullmq or ioredis.
import { hostname } from 'node:os';
import type { Config } from '../core/config.js';
import type { QueueBackend } from './backend.js';
import { openLocalQueue } from './local-backend.js';

export interface QueueOptions {
  /** Named in every record and lock this process writes (default: os.hostname()). */
  host?: string | undefined;
  /** What the Redis back end tells a worker (stalled jobs re-queued or held); the local one says nothing. */
  log?: ((line: string) => void) | undefined;
}

export async function openQueue(config: Config, opts: QueueOptions = {}): Promise<QueueBackend> {
  const host = opts.host ?? hostname();
  const url = config.queue.url;
  if (url === undefined) return openLocalQueue({ sessions: config.sessions, host });
  // Bundled into the CLI but evaluated only here; it loads bullmq and ioredis (dist/bullmq.js) itself.
  const { openRedisQueue } = await import('./redis-backend.js');
  return openRedisQueue(config, { url, host, log: opts.log });
}
