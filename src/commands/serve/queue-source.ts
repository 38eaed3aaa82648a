// The queue the dashboard's list shows, if the project has one: the local one read from its files at every ask; a Redis
// one (SAMOCODE_QUEUE) opened once, when first asked, and kept open (asked again after a failure: Redis may be back).
import type { Config } from '../../core/config.js';
import { QueueUnavailableError } from '../../errors.js';
import type { QueueBackend } from '../../queue/backend.js';
import { openQueue } from '../../queue/open-queue.js';
import { sortJobs } from '../queue/queue-view.js';
import { localQueue, type QueueBody } from './session-view.js';

export function queueSource(
  config: Config,
  say: (line: string) => void,
): { read: () => Promise<QueueBody | null>; close: () => Promise<void> } {
  if (config.queue.url === undefined) return { read: async () => localQueue(config), close: async () => {} };
  let opened: Promise<QueueBackend> | undefined;
  return {
    read: async () => {
      try {
        opened ??= openQueue(config, { log: say });
        return { backend: 'redis', jobs: sortJobs(await (await opened).list()) };
      } catch (error) {
        // Asked again next time (Redis may be back), on a new connection: the broken one is closed.
        const broken = opened;
        opened = undefined;
        void broken?.then((queue) => queue.close()).catch(() => {});
        return { backend: 'redis', jobs: [], error: unreadable(error) };
      }
    },
    close: async () => {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

/** Our words, whatever ioredis said (a QueueUnavailableError already names the URL and the fix). */
function unreadable(error: unknown): string {
  if (error instanceof QueueUnavailableError) return error.message;
  return `cannot read the Redis queue (SAMOCODE_QUEUE): ${(error as Error)?.message ?? String(error)}. The sessions' files are intact; once Redis is back, the list shows its jobs again`;
}
