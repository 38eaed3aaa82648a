// Whether a job may start now: the project's SAMOCODE_MAX_SESSIONS across all workers, and the provider-wide
// back-off. Pure, over the queue's records, so it works the same on every back end and across machines.
//
// The back-off: a session blocked because its provider kept rate-limiting it (the history's failure class
// `rate_limited` on its last iteration; short limits the run waits out itself) is re-queued with a reason starting
// `rate limited on <provider>` and a `notBefore` of SAMOCODE_RATE_LIMIT_WAIT from then. Until that time, no new job
// on that provider starts (each is deferred to the same time); then it has cleared: the first start is the probe,
// and if it is rate-limited again the back-off begins anew.
import type { JobRecord, JobResult } from './backend.js';

/** How long a job deferred by MAX_SESSIONS waits before it is looked at again. */
const FULL_RETRY_MS = 5_000;

export function rateLimitReason(provider: string, untilMs: number): string {
  return `rate limited on ${provider}: new starts on ${provider} wait until ${new Date(untilMs).toISOString()}`;
}

/** The end of the back-off on `provider`, if one is in force at `now`. */
export function backoffFor(jobs: readonly JobRecord[], provider: string, now: number): number | undefined {
  const prefix = `rate limited on ${provider}:`;
  const ends = jobs
    .filter((j) => j.state === 'queued' && j.reason?.startsWith(prefix) && j.notBefore !== undefined)
    .map((j) => Date.parse(j.notBefore!))
    .filter((end) => end > now);
  return ends.length > 0 ? Math.max(...ends) : undefined;
}

export function limitDeferral(
  jobs: readonly JobRecord[],
  job: JobRecord,
  provider: string,
  maxSessions: number | undefined,
  now: number,
): Extract<JobResult, { outcome: 'deferred' }> | undefined {
  const backoff = backoffFor(
    jobs.filter((j) => j.id !== job.id),
    provider,
    now,
  );
  if (backoff !== undefined)
    return { outcome: 'deferred', reason: rateLimitReason(provider, backoff), untilMs: backoff };
  // Only those taken before this one count: two taken at once must not defer each other for ever.
  const before = (j: JobRecord) => j.since < job.since || (j.since === job.since && j.id < job.id);
  const others = jobs.filter((j) => j.state === 'running' && j.id !== job.id && before(j)).length;
  if (maxSessions !== undefined && others >= maxSessions) {
    return {
      outcome: 'deferred',
      reason: `the project already runs ${others} sessions (SAMOCODE_MAX_SESSIONS=${maxSessions})`,
      untilMs: now + FULL_RETRY_MS,
    };
  }
  return undefined;
}
