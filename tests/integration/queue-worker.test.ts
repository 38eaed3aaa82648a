// Many sessions through the local queue: the real CLI (`enqueue`, `worker`, `queue`), the scripted agent, real git.
// Each worker runs every session as its own `orchestrate run` child; these tests watch the job records in
// `<SESSIONS>/.queue/`, the session files, and every process that carries the test's marker in its environment.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  answerEverything,
  createProject,
  fullSessionSteps,
  isRunning,
  readHistory,
  readOverview,
  sig,
  waitFor,
  type Project,
  type Step,
} from '../helpers/rig.js';

interface Job {
  id: string;
  state: string;
  reason?: string;
  host?: string;
  pid?: number;
  progress?: { phase: string; iteration: number };
}

function queueProject(steps: Step[], extra: string[] = []): Project & { mark: string } {
  const base = createProject();
  const scenario = base.scenario(steps);
  writeFileSync(
    base.configFile,
    [
      'MAIN_REPO=./repo',
      'WORKTREES=./worktrees',
      'SESSIONS=./sessions',
      'PROVIDER=script',
      'SAMOCODE_RETRY_DELAY=0',
      `SAMOCODE_SCRIPT=${scenario}`,
      'SAMOCODE_KILL_GRACE=1',
      ...extra,
      '',
    ].join('\n'),
  );
  // Every process started under the test inherits this: after the worker stops, none may be left.
  const mark = `queue-test-${randomUUID()}`;
  base.env.SAMOCODE_TEST_MARK = mark;
  return Object.assign(base, { mark });
}

function jobs(project: Project): Map<string, Job> {
  const dir = join(project.sessions, '.queue');
  if (!existsSync(dir)) return new Map();
  const out = new Map<string, Job>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      const job = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Job;
      out.set(job.id, job);
    } catch {
      // being replaced: read it at the next look
    }
  }
  return out;
}

function allIn(project: Project, ids: string[], state: string): boolean {
  const now = jobs(project);
  return ids.every((id) => now.get(id)?.state === state);
}

function marked(mark: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`SAMOCODE_TEST_MARK=${mark}`))
        if (isRunning(Number(entry))) found.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

async function enqueue(project: Project, session: string, task = `task of ${session}`) {
  const result = await project.run(['enqueue', '--config', project.configFile, '--session', session, '--task', task]);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return result.stdout;
}

function startWorker(project: Project, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return project.start(['worker', '--config', project.configFile, ...args], { env, timeoutMs: 170_000 });
}

/** Every history line once, in order: seq 1..n, and each iteration recorded once. */
function expectWholeHistory(dir: string): Record<string, any>[] {
  const history = readHistory(dir);
  expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
  const iterations = history.filter((e) => e.event === 'iteration').map((e) => e.iteration);
  expect(new Set(iterations).size).toBe(iterations.length);
  return history;
}

describe('orchestrate worker on the local queue', () => {
  test('four sessions, concurrency 2: the waiting ones free their slot, answers saved in the files continue them, all done', async () => {
    const project = queueProject(fullSessionSteps());
    const ids = ['s1', 's2', 's3', 's4'];
    for (const id of ids) await enqueue(project, id);
    const worker = startWorker(project, ['--concurrency', '2']);

    // With only two slots, all four reach their first gate: a waiting session holds none.
    await waitFor(() => allIn(project, ids, 'waiting'), 120_000, 'all four sessions waiting for their answers');
    for (const id of ids) expect(readOverview(project.sessionDir(id)).data.waitingFor).toBe('qa_answers');
    for (const id of ids) answerEverything(project.sessionDir(id));
    await waitFor(
      () => ids.every((id) => readOverview(project.sessionDir(id)).data.waitingFor === 'plan_approval'),
      120_000,
      'all four waiting for plan approval',
    );
    await waitFor(() => allIn(project, ids, 'waiting'), 30_000, 'the jobs waiting again');
    for (const id of ids) answerEverything(project.sessionDir(id));
    await waitFor(() => allIn(project, ids, 'done'), 120_000, 'all four done');

    worker.kill('SIGTERM');
    const result = await worker.result;
    expect(result.exitCode).toBe(143);
    expect(result.stderr).toContain('no process left behind');
    // Never more than two orchestrators at once.
    let running = 0;
    let most = 0;
    for (const line of result.stderr.split('\n')) {
      if (/: started \(orchestrate run/.test(line)) most = Math.max(most, ++running);
      if (/^\S+ s\d: (done|waiting|blocked|failed|interrupted)/.test(line)) running--;
    }
    expect(most).toBe(2);
    for (const id of ids) {
      const dir = project.sessionDir(id);
      expect(readOverview(dir).data).toMatchObject({ status: 'done', iterations: 8 });
      expectWholeHistory(dir);
    }
    const listed = await project.run(['queue', '--config', project.configFile]);
    expect(listed.stdout).toContain('4 done');
    expect(marked(project.mark)).toEqual([]);
  }, 180_000);

  test('the same session enqueued twice is one job, and two workers on one queue never run a session twice', async () => {
    const steps = [
      { signal: sig.go('requirements'), delayMs: 300 },
      { signal: sig.stay('requirements') },
      { signal: sig.block('stop here') },
    ];
    const project = queueProject(steps);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of ids) await enqueue(project, id);
    expect(await enqueue(project, 'a')).toContain('a is already queued: left as it is');
    const file = join(project.root, 'tasks.jsonl');
    writeFileSync(file, `{"session": "b", "task": "again"}\n`);
    const again = await project.run(['enqueue', '--config', project.configFile, '--file', file]);
    expect(again.stdout).toContain('b is already queued');
    expect(jobs(project).size).toBe(6);

    const one = startWorker(project, ['--concurrency', '2']);
    const two = startWorker(project, ['--concurrency', '2']);
    await waitFor(() => allIn(project, ids, 'blocked'), 120_000, 'every session run to its block').catch(
      async (error: Error) => {
        // Seen once in CI (TECH_DEBT.md "The suite"): say which job did not end, and what the workers said.
        one.kill('SIGTERM');
        two.kill('SIGTERM');
        const said = (await Promise.all([one.result, two.result])).map(
          (r, i) => `worker ${i + 1}:\n${r.stderr.slice(-4000)}`,
        );
        throw new Error(`${error.message}\njobs: ${JSON.stringify([...jobs(project)])}\n${said.join('\n')}`);
      },
    );
    one.kill('SIGTERM');
    two.kill('SIGTERM');
    const [r1, r2] = await Promise.all([one.result, two.result]);
    const starts = `${r1.stderr}\n${r2.stderr}`.split('\n').filter((l) => /: started \(orchestrate run/.test(l));
    for (const id of ids) {
      expect(starts.filter((l) => l.includes(` ${id}: started`))).toHaveLength(1);
      const history = expectWholeHistory(project.sessionDir(id));
      expect(history.filter((e) => e.event === 'iteration')).toHaveLength(3);
      expect(jobs(project).get(id)?.reason).toBe('stop here');
    }
    expect(`${r1.stderr}${r2.stderr}`).not.toContain('in use');
    expect(marked(project.mark)).toEqual([]);
  }, 180_000);

  test('an orchestrator killed with SIGKILL mid-run is restarted and resumes in the same phase, no history line lost or doubled', async () => {
    const steps = [
      { signal: sig.go('requirements') },
      { signal: sig.stay('requirements'), delayMs: 4_000 },
      { signal: sig.block('the end') },
    ];
    const project = queueProject(steps);
    await enqueue(project, 'k');
    const worker = startWorker(project);
    let stderr = '';
    worker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const pid = await waitFor(() => /k: started \(orchestrate run, pid (\d+)\)/.exec(stderr)?.[1], 30_000, 'the child');
    // Mid-iteration 2: its agent is running (iteration 1 is in the history, 2 not yet).
    await waitFor(
      () => agentRunning(project, 'k') && readHistory(project.sessionDir('k')).length === 1,
      30_000,
      'iteration 2 under way',
    );
    // Its progress is published on the job, for `orchestrate queue` (and other machines).
    await waitFor(() => jobs(project).get('k')?.progress?.iteration === 1, 10_000, 'the progress on the job');
    expect(jobs(project).get('k')?.progress).toEqual({ phase: 'requirements', iteration: 1, costUsd: 0 });
    process.kill(Number(pid), 'SIGKILL');
    await waitFor(() => jobs(project).get('k')?.state === 'blocked', 60_000, 'the restarted session to finish');
    worker.kill('SIGTERM');
    const result = await worker.result;
    expect(result.stderr).toMatch(/k: orchestrate run was killed by SIGKILL; restarting it \(1 of 2\)/);
    const history = expectWholeHistory(project.sessionDir('k'));
    expect(history.map((e) => [e.event, e.iteration, e.phase])).toEqual([
      ['iteration', 1, 'investigation'],
      ['iteration', 2, 'requirements'],
      ['iteration', 3, 'requirements'],
    ]);
    expect(marked(project.mark)).toEqual([]);
  }, 120_000);

  test('kill -9 of the worker: its session finishes alone, the next worker never starts a second orchestrator and takes over the job', async () => {
    const steps = [
      { signal: sig.go('requirements'), delayMs: 3_000 },
      { signal: sig.block('the end') },
      { signal: sig.block('never reached') },
    ];
    const project = queueProject(steps);
    await enqueue(project, 'o');
    const first = startWorker(project);
    await waitFor(() => agentRunning(project, 'o'), 30_000, 'the session under way');
    first.kill('SIGKILL');
    await first.result;
    expect(jobs(project).get('o')).toMatchObject({ state: 'running', pid: first.pid });

    const second = startWorker(project);
    let stderr = '';
    second.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => jobs(project).get('o')?.state === 'blocked', 60_000, "the job to take the session's end");
    second.kill('SIGTERM');
    await second.result;
    expect(stderr).not.toContain('o: started');
    expect(jobs(project).get('o')?.reason).toBe('the end');
    expect(expectWholeHistory(project.sessionDir('o')).map((e) => [e.event, e.iteration])).toEqual([
      ['iteration', 1],
      ['iteration', 2],
    ]);
    expect(marked(project.mark)).toEqual([]);
  }, 120_000);

  test('SAMOCODE_MAX_SESSIONS holds the project to that many sessions at once, whatever the concurrency', async () => {
    const project = queueProject(
      [{ signal: sig.go('requirements'), delayMs: 1_500 }, { signal: sig.block('end') }],
      ['SAMOCODE_MAX_SESSIONS=1'],
    );
    for (const id of ['m1', 'm2']) await enqueue(project, id);
    const worker = startWorker(project, ['--concurrency', '2']);
    let waited = false;
    await waitFor(
      () => {
        const now = [...jobs(project).values()];
        waited ||= now.some((j) => j.reason?.includes('SAMOCODE_MAX_SESSIONS=1'));
        return now.length === 2 && now.every((j) => j.state === 'blocked');
      },
      90_000,
      'both run, one after the other',
    );
    worker.kill('SIGTERM');
    const result = await worker.result;
    const lines = result.stderr.split('\n');
    const first = lines.findIndex((l) => / m\d: blocked/.test(l));
    const second = lines.findIndex((l, i) => i > first && / m\d: started/.test(l));
    expect(second).toBeGreaterThan(first);
    expect(lines.filter((l) => / m\d: started/.test(l))).toHaveLength(2);
    expect(waited).toBe(true);
  }, 120_000);

  test('a child that keeps dying is restarted WORKER_RESTARTS times, then its job fails with the exit code and stderr tail', async () => {
    // The scripted agent cannot be started: each run of the session dies at once with an internal error.
    const project = queueProject([{ signal: sig.go('requirements') }], ['SAMOCODE_WORKER_RESTARTS=1']);
    await enqueue(project, 'x');
    // A stand-in CLI that crashes the way a bug would: exit 1 with a stack on stderr.
    const worker = startWorker(project, [], { NODE_OPTIONS: `--require ${crashOnRun(project)}` });
    await waitFor(() => jobs(project).get('x')?.state === 'failed', 60_000, 'the job to fail');
    worker.kill('SIGTERM');
    const result = await worker.result;
    expect(result.stderr).toContain('restarting it (1 of 1)');
    expect(jobs(project).get('x')?.reason).toMatch(
      /orchestrate run exited 1 \(internal\); its last words: .*simulated crash.* \(after 1 restarts\)/,
    );
  }, 120_000);

  test('SIGTERM drains: the iteration under way finishes, the job goes back to the queue, the worker exits, nothing left', async () => {
    const steps = [{ signal: sig.go('requirements'), delayMs: 2_500 }, { signal: sig.block('later') }];
    const project = queueProject(steps);
    await enqueue(project, 'd');
    const worker = startWorker(project);
    let stderr = '';
    worker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => /d: started/.test(stderr), 30_000, 'the child');
    await new Promise((r) => setTimeout(r, 1_000));
    worker.kill('SIGTERM');
    const result = await worker.result;
    expect(result.exitCode).toBe(143);
    expect(result.stderr).toContain('finish their iteration');
    const history = readHistory(project.sessionDir('d'));
    expect(history.map((e) => e.event)).toEqual(['iteration']);
    expect(jobs(project).get('d')).toMatchObject({ state: 'queued', reason: expect.stringContaining('interrupted') });
    expect(marked(project.mark)).toEqual([]);

    // The next worker resumes it where it stopped.
    const next = startWorker(project);
    await waitFor(() => jobs(project).get('d')?.state === 'blocked', 60_000, 'the resumed session');
    next.kill('SIGTERM');
    await next.result;
    expect(readHistory(project.sessionDir('d')).map((e) => [e.event, e.iteration])).toEqual([
      ['iteration', 1],
      ['iteration', 2],
    ]);
  }, 120_000);

  test('past the drain deadline the sessions are interrupted (resumable), and a second SIGTERM interrupts at once', async () => {
    const steps = [{ signal: sig.go('requirements'), hang: true }];
    const project = queueProject(steps, ['SAMOCODE_WORKER_DRAIN=600']);
    await enqueue(project, 'h1');
    await enqueue(project, 'h2');
    const worker = startWorker(project);
    let stderr = '';
    worker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => (stderr.match(/: started/g) ?? []).length === 2, 30_000, 'both children');
    await waitFor(() => ['h1', 'h2'].every((id) => agentRunning(project, id)), 30_000, 'both agents running');
    worker.kill('SIGTERM');
    await waitFor(() => /finish their iteration/.test(stderr), 10_000, 'the drain');
    worker.kill('SIGTERM');
    const result = await worker.result;
    expect(result.exitCode).toBe(143);
    expect(result.stderr).toContain('interrupting the running sessions now');
    for (const id of ['h1', 'h2']) {
      expect(readHistory(project.sessionDir(id)).map((e) => [e.event, e.signal])).toEqual([['interrupted', 'SIGTERM']]);
      expect(jobs(project).get(id)?.state).toBe('queued');
    }
    expect(marked(project.mark)).toEqual([]);
  }, 120_000);
});

describe('the queue beside the other commands', () => {
  test('orchestrate resume of a session waiting in the queue queues its continuation; list shows the job', async () => {
    const steps = [{ signal: sig.wait('human_action', 'press the button') }, { signal: sig.block('after the button') }];
    const project = queueProject(steps);
    await enqueue(project, 'r');
    const worker = startWorker(project);
    await waitFor(() => jobs(project).get('r')?.state === 'waiting', 60_000, 'the session waiting');
    worker.kill('SIGTERM');
    await worker.result;

    const list = await project.run(['list', '--config', project.configFile]);
    expect(list.stdout).toMatch(/^name +phase +status +job +where +since +iter/m);
    expect(list.stdout).toMatch(/^r +investigation +waiting for human_action +waiting +(just now|\d+ s ago) +1 /m);

    const resume = await project.run(['resume', '--config', project.configFile, '--session', 'r']);
    expect(resume.exitCode).toBe(0);
    expect(resume.stderr).toContain('waits in the queue: its continuation is queued');
    expect(jobs(project).get('r')?.state).toBe('queued');

    const next = startWorker(project);
    await waitFor(() => jobs(project).get('r')?.state === 'blocked', 60_000, 'the continuation');
    next.kill('SIGTERM');
    await next.result;
    const history = readHistory(project.sessionDir('r'));
    expect(history.map((e) => e.event)).toEqual(['iteration', 'resumed', 'iteration']);
    expect(history[1]).toMatchObject({ how: 'orchestrate resume' });
  }, 120_000);

  test("a wait with no answer format goes on at a save of the file it waits on, never at samocode's own write", async () => {
    const steps = [{ signal: sig.wait('human_action', 'restart the db') }, { signal: sig.block('after the db') }];
    const project = queueProject(steps);
    await enqueue(project, 'h');
    const worker = startWorker(project);
    await waitFor(() => jobs(project).get('h')?.state === 'waiting', 60_000, 'the session waiting');
    // Past the time the watcher takes for a save: nothing happened, so it still waits.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(jobs(project).get('h')?.state).toBe('waiting');
    const overview = join(project.sessionDir('h'), '_overview.md');
    writeFileSync(overview, `${readFileSync(overview, 'utf8')}\nDone: the db is up.\n`);
    await waitFor(() => jobs(project).get('h')?.state === 'blocked', 60_000, 'the continuation');
    worker.kill('SIGTERM');
    const result = await worker.result;
    expect(result.stderr).toContain('h: answered (the file was saved); its continuation is queued');
    expect(readHistory(project.sessionDir('h')).map((e) => e.event)).toEqual(['iteration', 'resumed', 'iteration']);
  }, 120_000);

  test('orchestrate queue lists the jobs with their state and reason; --json gives the records', async () => {
    const project = queueProject([{ signal: sig.block('no database') }]);
    await enqueue(project, 'q1');
    await enqueue(project, 'q2');
    const empty = await project.run(['queue', '--config', project.configFile]);
    expect(empty.stdout).toMatch(/^q1 +queued/m);
    expect(empty.stdout).toContain('2 queued');
    const worker = startWorker(project);
    await waitFor(() => allIn(project, ['q1', 'q2'], 'blocked'), 60_000, 'both blocked');
    worker.kill('SIGTERM');
    await worker.result;
    const text = (await project.run(['queue', '--config', project.configFile])).stdout;
    expect(text).toMatch(/^q1 +blocked +\S.* no database/m);
    expect(text).toContain('2 blocked');
    const json = JSON.parse((await project.run(['queue', '--config', project.configFile, '--json'])).stdout);
    expect(json.map((j: Job) => [j.id, j.state, j.reason]).sort()).toEqual([
      ['q1', 'blocked', 'no database'],
      ['q2', 'blocked', 'no database'],
    ]);
  }, 120_000);

  test('enqueue: a new session needs a task, a bad --file line is named and nothing is added', async () => {
    const project = queueProject([{ signal: sig.done() }]);
    const noTask = await project.run(['enqueue', '--config', project.configFile, '--session', 'nt']);
    expect(noTask.exitCode).toBe(2);
    expect(noTask.stderr).toContain('a new session needs a task: nt');
    const file = join(project.root, 'tasks.jsonl');
    writeFileSync(file, '{"session": "good", "task": "x"}\n{"session": "bad name", "task": "y"}\n');
    const bad = await project.run(['enqueue', '--config', project.configFile, '--file', file]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(`1 bad line, nothing was added:\n  ${file}:2:`);
    expect(jobs(project).size).toBe(0);
    const worker = await project.run(['worker', '--config', project.configFile, '--concurrency', '0']);
    expect(worker.exitCode).toBe(2);
    expect(worker.stderr).toContain('--concurrency "0" is not a whole number from 1 to 64');
  });
});

/** The session exists and its orchestrator has an agent running (the lock's `.agent` record). */
function agentRunning(project: Project, id: string): boolean {
  const folder = existsSync(project.sessions) && readdirSync(project.sessions).find((d) => d.endsWith(`-${id}`));
  return !!folder && existsSync(join(project.sessions, folder, '.lock.agent'));
}

/** A --require file that makes `orchestrate run` (not the worker) crash like a bug: exit 1, a stack on stderr. */
function crashOnRun(project: Project): string {
  const file = join(project.root, 'crash-on-run.cjs');
  writeFileSync(
    file,
    "if (process.argv[2] === 'run') { process.stderr.write('Error: simulated crash\\n    at somewhere (x.js:1:1)\\n'); process.exit(1); }\n",
  );
  return file;
}
