// `orchestrate enqueue`: one session from the flags, or many from a JSON-lines file, all checked before any is added.
import { readFileSync } from 'node:fs';
import { checkSessionName } from '../../core/session-name.js';
import { makeScrubber } from '../../core/secrets.js';
import { PROVIDERS } from '../../core/provider-facts.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import type { JobSpec } from '../../queue/backend.js';
import { openQueue } from '../../queue/open-queue.js';
import { jobIdFor } from '../../queue/job-id.js';
import { sessionDirOf } from '../../queue/session-facts.js';
import type { CommandInput } from '../flags.js';
import { projectConfig } from '../project-config.js';

const LINE_KEYS = ['session', 'task', 'dive', 'provider'] as const;

export async function enqueueCommand(input: CommandInput): Promise<number> {
  const { values, name, help } = input;
  if (values.file !== undefined && (values.session !== undefined || values.task !== undefined))
    throw new UsageError(`--file takes the sessions from the file: leave out --session and --task (${help(name)})`);
  if (values.file === undefined && values.session === undefined)
    throw new UsageError(`--session is required (or --file <tasks.jsonl> for many)\n\n${help(name)}`);
  const { config } = projectConfig(input);
  const scrub = makeScrubber(config.secrets);
  const specs =
    values.file !== undefined
      ? readTaskFile(values.file)
      : [checkSpec({ session: values.session!, task: values.task, dive: values.dive, provider: values.provider })];
  const queue = await openQueue(config);
  try {
    const known = new Set((await queue.list()).map((job) => job.id));
    const missing = specs.filter(
      (spec) =>
        !spec.task &&
        !known.has(jobIdFor(config.sessions, spec.session)) &&
        !sessionDirOf(config.sessions, spec.session),
    );
    if (missing.length > 0) {
      throw new UsageError(
        `a new session needs a task: ${missing.map((s) => s.session).join(', ')} ${missing.length === 1 ? 'is' : 'are'} neither a session under ${config.sessions} nor in the queue; give --task "what to do"`,
      );
    }
    // The task goes into prompts and _overview.md: scrubbed like every other text samocode writes.
    const scrubbed = specs.map((spec) => ({
      ...spec,
      task: spec.task === undefined ? undefined : scrub(spec.task),
      dive: spec.dive === undefined ? undefined : scrub(spec.dive),
    }));
    const results = queue.enqueueMany ? await queue.enqueueMany(scrubbed) : await enqueueEach(queue, scrubbed);
    const jobs = new Map((await queue.list()).map((job) => [job.id, job]));
    if (values.json) {
      process.stdout.write(`${JSON.stringify(results.map((r) => ({ ...r, state: jobs.get(r.id)?.state })))}\n`);
    } else {
      for (const { id, added } of results) {
        const job = jobs.get(id);
        process.stdout.write(
          added
            ? `queued ${id}\n`
            : `${id} is already ${job?.state ?? 'in the queue'}${job?.state === 'running' && job.host ? ` on ${job.host} (pid ${job.pid}) since ${job.since}` : ''}: left as it is\n`,
        );
      }
    }
    return EXIT_CODES.done;
  } finally {
    await queue.close();
  }
}

async function enqueueEach(
  queue: { enqueue(spec: JobSpec): Promise<{ id: string; added: boolean }> },
  specs: JobSpec[],
) {
  const out: { id: string; added: boolean }[] = [];
  for (const spec of specs) out.push(await queue.enqueue(spec));
  return out;
}

function checkSpec(spec: JobSpec, where = ''): JobSpec {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new UsageError(`${where}${problems.join('; ')}`);
  return spec;
}

function specProblems(spec: JobSpec): string[] {
  const problems: string[] = [];
  const nameProblem = checkSessionName(spec.session);
  if (nameProblem) problems.push(nameProblem);
  if (spec.task !== undefined && spec.task.trim() === '') problems.push('"task" is empty: say what to do');
  if (spec.provider !== undefined && !(PROVIDERS as readonly string[]).includes(spec.provider))
    problems.push(`"provider" is ${JSON.stringify(spec.provider)}, not one of ${PROVIDERS.join(', ')}`);
  return problems;
}

/** Every line a job; every problem named with its line number, and none added when there is one. */
export function readTaskFile(file: string): JobSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--file ${file} cannot be read: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const specs: JobSpec[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problems.push(`${file}:${line}: not JSON (${(error as Error).message})`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${file}:${line}: not an object like {"session": "add-auth", "task": "…"}`);
      return;
    }
    const record = value as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => !(LINE_KEYS as readonly string[]).includes(key));
    if (unknown.length > 0)
      problems.push(
        `${file}:${line}: unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; the fields are ${LINE_KEYS.join(', ')}`,
      );
    const wrong = LINE_KEYS.filter((key) => record[key] !== undefined && typeof record[key] !== 'string');
    if (wrong.length > 0) problems.push(`${file}:${line}: ${wrong.map((k) => `"${k}"`).join(', ')} must be text`);
    if (typeof record.session !== 'string') {
      if (!wrong.includes('session')) problems.push(`${file}:${line}: "session" is missing`);
      return;
    }
    if (wrong.length > 0) return;
    const spec: JobSpec = {
      session: record.session,
      task: record.task as string | undefined,
      dive: record.dive as string | undefined,
      provider: record.provider as string | undefined,
    };
    for (const problem of specProblems(spec)) problems.push(`${file}:${line}: ${problem}`);
    const first = seen.get(spec.session);
    if (first !== undefined) problems.push(`${file}:${line}: session ${spec.session} again (first on line ${first})`);
    seen.set(spec.session, line);
    specs.push(spec);
  });
  if (problems.length > 0)
    throw new UsageError(
      `${problems.length} bad line${problems.length === 1 ? '' : 's'}, nothing was added:\n  ${problems.join('\n  ')}`,
    );
  if (specs.length === 0) throw new UsageError(`--file ${file} holds no jobs: one JSON object a line`);
  return specs;
}
