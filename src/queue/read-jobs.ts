// The jobs, for the views that show the queue beside the sessions (`orchestrate list`, Telegram's /status): the
// local queue's files, or the Redis queue asked with a time limit, so a Redis that is away makes a named problem
// rather than a hang. Reads only.
import type { Config } from '../core/config.js';
import type { JobRecord } from './backend.js';
import { readLocalJobs } from './local-backend.js';

export type JobsRead = { jobs: JobRecord[] } | { problem: string };

export async function readJobs(config: Config, timeoutMs: number): Promise<JobsRead> {
  if (config.queue.url === undefined) return { jobs: readLocalJobs(config.sessions) };
  const { openQueue } = await import('./open-queue.js');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
  });
  const opened = openQueue(config);
  let queue: Awaited<typeof opened> | undefined;
  try {
    queue = await Promise.race([opened, timeout]);
    return { jobs: await Promise.race([queue.list(), timeout]) };
  } catch (error) {
    return { problem: (error as Error).message ?? String(error) };
  } finally {
    clearTimeout(timer);
    // A connection that came too late is closed once it comes, so no Redis client outlives the question.
    if (queue) await queue.close().catch(() => undefined);
    else void opened.then((late) => late.close()).catch(() => undefined);
  }
}
