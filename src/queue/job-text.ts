// A job's where and why in words, shared by `orchestrate queue` and the job columns of `orchestrate list`. Pure.
import type { JobRecord } from './backend.js';

/** The machine and worker process of a running job; nothing for the others. */
export function jobWhere(job: Pick<JobRecord, 'state' | 'host' | 'pid'>): string {
  if (job.state !== 'running') return '';
  return job.host ? `${job.host}${job.pid ? ` pid ${job.pid}` : ''}` : '?';
}

/** Its progress (when asked: `list` shows phase and iteration itself), the reason it ended so, and a deferral. */
export function jobDetail(
  job: Pick<JobRecord, 'state' | 'progress' | 'reason' | 'notBefore'>,
  now: Date,
  opts: { progress: boolean },
): string {
  const progress =
    opts.progress && job.progress
      ? `${job.progress.phase}, iteration ${job.progress.iteration}, $${job.progress.costUsd.toFixed(2)}`
      : '';
  const waitLeft = job.notBefore ? Date.parse(job.notBefore) - now.getTime() : 0;
  const deferred = job.state === 'queued' && waitLeft > 0 ? `not before ${job.notBefore}` : '';
  return [progress, job.reason ?? '', deferred].filter(Boolean).join('; ');
}
