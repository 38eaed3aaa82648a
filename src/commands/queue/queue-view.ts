// `orchestrate queue`: the jobs, running first (where, since when, how far), then queued, waiting, blocked, failed
// (with the reason), done. Reads only.
import { makeScrubber } from '../../core/secrets.js';
import { EXIT_CODES } from '../../errors.js';
import type { JobRecord, JobState } from '../../queue/backend.js';
import { jobDetail, jobWhere } from '../../queue/job-text.js';
import { openQueue } from '../../queue/open-queue.js';
import type { CommandInput } from '../flags.js';
import { ageOf, formatAge, table, WIDTH } from '../inspect/text.js';
import { projectConfig } from '../project-config.js';

const ORDER: JobState[] = ['running', 'queued', 'waiting', 'blocked', 'failed', 'done'];

export async function queueCommand(input: CommandInput): Promise<number> {
  const { config } = projectConfig(input);
  const scrub = makeScrubber(config.secrets);
  const queue = await openQueue(config);
  try {
    const jobs = sortJobs(await queue.list());
    const text = input.values.json
      ? `${JSON.stringify(jobs, null, 2)}\n`
      : formatQueue(jobs, new Date(), process.stdout.isTTY ? process.stdout.columns : undefined);
    process.stdout.write(scrub(text));
    return EXIT_CODES.done;
  } finally {
    await queue.close();
  }
}

export function sortJobs(jobs: JobRecord[]): JobRecord[] {
  return [...jobs].sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state) || a.since.localeCompare(b.since));
}

export function formatQueue(jobs: JobRecord[], now: Date, width = WIDTH): string {
  if (jobs.length === 0)
    return 'the queue is empty; add a session with orchestrate enqueue --config … --session <name> --task "…"\n';
  const counts = ORDER.map((state) => [state, jobs.filter((j) => j.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`);
  const rows = jobs.map((job) => {
    const age = ageOf(job.since, now);
    return [
      job.id,
      job.state,
      jobWhere(job),
      age === null ? '?' : formatAge(age),
      jobDetail(job, now, { progress: true }),
    ];
  });
  const lines = table(
    [
      { header: 'job' },
      { header: 'state' },
      { header: 'where' },
      { header: 'since' },
      { header: 'detail', flex: true, min: 30 },
    ],
    rows,
    width,
  );
  return `${[...lines, '', counts.join(', ')].join('\n')}\n`;
}
