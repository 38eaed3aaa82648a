import { setTimeout as wait } from 'node:timers/promises';

/** Resolves after `ms`, or early (without throwing) when `abort` fires: the caller checks it. */
export async function sleepUnlessAborted(ms: number, abort: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal: abort });
  } catch {
    // aborted: the caller checks the signal
  }
}
