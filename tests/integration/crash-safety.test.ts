// Crash safety: one orchestrator per session, locks of dead processes taken over, kill -9 mid-iteration, a crash
// between the history append and the state write, a torn history line, a stale signal file, and an `_overview.md`
// that is never half-written. Everything is done to real files and real processes, then the real CLI runs again.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import {
  answerEverything,
  createProject,
  fullSessionSteps,
  isRunning,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type Project,
  type Step,
  QA,
  PLAN,
} from '../helpers/rig.js';
import {
  lockRunId,
  readAgent,
  readLock,
  reapLeftovers,
  sessionDirOf,
  tryRead,
  watchdogOf,
} from '../helpers/processes.js';

const WAIT_MS = 30_000;
const FAST = { SAMOCODE_KILL_GRACE: '0.5', SAMOCODE_RETRY_DELAY: '0' };
const toRequirementsStep: Step = { signal: sig.go('requirements') };
const waitForQaStep: Step = { sessionFiles: QA, signal: sig.wait('qa_answers') };

/** Wait until the agent of iteration `marker` runs: its marker file exists and the lock names its pid. */
async function runningAgent(
  project: Project,
  name: string,
  marker: string,
): Promise<{ dir: string; agent: number; grandchild: number }> {
  const found = await waitFor(
    () => {
      const dir = sessionDirOf(project, name);
      if (!dir) return undefined;
      const grandchild = Number(tryRead(join(dir, marker))?.trim());
      const agent = readAgent(dir);
      return Number.isInteger(grandchild) && grandchild > 0 && agent ? { dir, agent, grandchild } : undefined;
    },
    WAIT_MS,
    `the agent and its grandchild (${marker})`,
  );
  return found;
}

/** A step that also leaves a note in `_overview.md`, as an agent keeping notes does. */
function noted(step: Step, note: string): Step {
  return { ...step, appendOverview: note };
}

/** Four iterations up to the two gates, each leaving a note in `_overview.md`: a session that stops twice to wait. */
function toBothGates(project: Project): { notes: string[]; scenario: string } {
  const notes = ['note 1', 'note 2', 'note 3', 'note 4'];
  const scenario = project.scenario([
    noted({ signal: sig.go('requirements') }, notes[0]!),
    noted({ sessionFiles: QA, signal: sig.wait('qa_answers') }, notes[1]!),
    noted({ signal: sig.go('planning') }, notes[2]!),
    noted({ sessionFiles: PLAN, signal: sig.wait('plan_approval') }, notes[3]!),
  ]);
  return { notes, scenario };
}

/**
 * After every run: `_overview.md` parses (front matter and all), and its body ends with exactly the notes the agents
 * appended so far, in order, each once: the orchestrator's writes kept the agent's text byte for byte.
 */
function expectOverviewIntact(dir: string, notes: string[]): Record<string, any> {
  const overview = readOverview(dir);
  expect(overview.text.startsWith('---\n')).toBe(true);
  expect(overview.data.session).toBeTypeOf('string');
  expect(overview.data.historySeq).toBeTypeOf('number');
  expect(overview.body.startsWith('\n# Session: ')).toBe(true);
  expect(overview.body.endsWith(notes.map((n) => `${n}\n`).join(''))).toBe(true);
  for (const note of notes) expect(overview.body.split(`${note}\n`)).toHaveLength(2);
  return overview.data;
}

/** Parse the history by hand, line by line, keeping lines that are not JSON as they are. */
function historyLines(dir: string): { raw: string; entry?: Record<string, any> }[] {
  const text = readFileSync(join(dir, '_signal_history.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((raw) => {
      try {
        return { raw, entry: JSON.parse(raw) as Record<string, any> };
      } catch {
        return { raw };
      }
    });
}

function expectContiguousSeq(history: Record<string, any>[]): void {
  expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
}

function expectNoDuplicateIterations(history: Record<string, any>[]): void {
  const iterations = history.filter((e) => e.event === 'iteration').map((e) => e.iteration);
  expect(iterations).toEqual(iterations.map((_, i) => i + 1));
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const done = spawnSync('true');
  expect(done.pid).toBeGreaterThan(0);
  expect(isRunning(done.pid)).toBe(false);
  return done.pid;
}

describe('the session lock', () => {
  test('a second orchestrator on a running session is refused (exit 6) and does not disturb the first', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([{ grandchildPidFile: 'grandchild.pid', hang: true }]);
    const args = sessionArgs(project, 'busy', scenario);
    const first = project.start(args, { env: FAST });
    const { dir, agent, grandchild } = await runningAgent(project, 'busy', 'grandchild.pid');
    expect(readLock(dir)?.pid).toBe(first.pid);

    const second = await project.run(args, { env: FAST });
    expect(second.exitCode).toBe(6);
    expect(second.stderr).toContain(join(dir, '.lock'));
    expect(second.stderr).toContain(`pid ${first.pid}`);
    // The first run still owns the session and its agent still runs.
    expect(readLock(dir)?.pid).toBe(first.pid);
    expect(readAgent(dir)).toBe(agent);
    expect(isRunning(agent)).toBe(true);
    expect(isRunning(grandchild)).toBe(true);
    expect(first.exitCode).toBeNull();

    first.kill('SIGINT');
    const stopped = await first.result;
    expect(stopped.exitCode).toBe(130);
    expect(isRunning(agent)).toBe(false);
    expect(isRunning(grandchild)).toBe(false);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    expect(readHistory(dir).filter((e) => e.event !== 'interrupted')).toEqual([]);
  });

  test('a lock left by a dead orchestrator is taken over', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { notes, scenario } = toBothGates(project);
    const args = sessionArgs(project, 'stale', scenario);
    expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
    const dir = project.sessionDir('stale');
    expectOverviewIntact(dir, notes.slice(0, 2));

    const dead = deadPid();
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({ pid: dead, host: hostname(), runId: 'x', startedAt: new Date(0).toISOString() }),
    );
    answerEverything(dir);
    const again = await project.run(args, { env: FAST });
    expect(again.exitCode).toBe(5);
    expect(again.stderr).toContain(`took over the lock of orchestrator pid ${dead}`);
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    const data = expectOverviewIntact(dir, notes);
    expect(data).toMatchObject({ phase: 'planning', status: 'waiting', waitingFor: 'plan_approval', iterations: 4 });
    const history = readHistory(dir);
    expectContiguousSeq(history);
    expectNoDuplicateIterations(history);
  });
});

describe('locks that are not simply held or dead', () => {
  /** A session that waits at its first gate, answered: the next run has work to do. */
  async function answeredSession(project: Project, name: string): Promise<{ dir: string; args: string[] }> {
    const { scenario } = toBothGates(project);
    const args = sessionArgs(project, name, scenario);
    expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
    const dir = project.sessionDir(name);
    answerEverything(dir);
    return { dir, args };
  }

  test('a live pid that is not the orchestrator that took the lock (pid reused) is taken over with a note', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { dir, args } = await answeredSession(project, 'reused');
    // A live process that is certainly not an orchestrator: its start time is not the one in the lock.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    onTestFinished(() => void other.kill('SIGKILL'));
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({
        pid: other.pid,
        host: hostname(),
        runId: 'old-run',
        startedAt: new Date(0).toISOString(),
        startTicks: '1',
        bootId,
      }),
    );
    const again = await project.run(args, { env: FAST });
    expect(again.exitCode).toBe(5);
    expect(again.stderr).toContain(
      `took over the lock of orchestrator pid ${other.pid}, which is gone: pid ${other.pid} now belongs to another process ("sleep 60")`,
    );
    expect(isRunning(other.pid!)).toBe(true);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'iteration')
        .map((e) => e.iteration),
    ).toEqual([1, 2, 3, 4]);
  });

  test('a lock of an older samocode (no start time) whose pid now runs something else is taken over too', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { dir, args } = await answeredSession(project, 'legacy');
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    onTestFinished(() => void other.kill('SIGKILL'));
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({ pid: other.pid, host: hostname(), runId: 'old-run', startedAt: new Date(0).toISOString() }),
    );
    const again = await project.run(args, { env: FAST });
    expect(again.exitCode).toBe(5);
    expect(again.stderr).toContain(
      `took over the lock of orchestrator pid ${other.pid}, which is gone: pid ${other.pid} now runs "sleep 60"`,
    );
  });

  test('a lock held on another host is refused (exit 6), saying where and how to clear it', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { dir, args } = await answeredSession(project, 'remote');
    const lock = JSON.stringify({
      pid: 4242,
      host: 'build-box-7',
      runId: 'remote-run',
      startedAt: '2026-01-02T03:04:05.000Z',
    });
    writeFileSync(join(dir, '.lock'), lock);
    const again = await project.run(args, { env: FAST });
    expect(again.exitCode).toBe(6);
    expect(again.stderr).toContain(
      `session is in use on another host: ${join(dir, '.lock')} is held by orchestrator pid 4242 on host build-box-7 (since 2026-01-02T03:04:05.000Z)`,
    );
    expect(again.stderr).toContain(`if that run is gone, delete ${join(dir, '.lock')}`);
    expect(again.stderr).not.toContain('no longer running');
    expect(readFileSync(join(dir, '.lock'), 'utf8')).toBe(lock);
    expect(readHistory(dir).filter((e) => e.event === 'iteration')).toHaveLength(2);
  });

  test('an empty lock that was just written (its writer may still be at work) is never taken over', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { dir, args } = await answeredSession(project, 'torn');
    writeFileSync(join(dir, '.lock'), '');
    const again = await project.run(args, { env: FAST });
    expect(again.exitCode).toBe(6);
    expect(again.stderr).toContain(`${join(dir, '.lock')} cannot be read (it is empty)`);
    expect(readFileSync(join(dir, '.lock'), 'utf8')).toBe('');
    expect(readHistory(dir).filter((e) => e.event === 'iteration')).toHaveLength(2);

    // Left unchanged for longer than any writer takes, it is a leftover: taken over with a warning.
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, '.lock'), old, old);
    const later = await project.run(args, { env: FAST });
    expect(later.exitCode).toBe(5);
    expect(later.stderr).toContain(
      `took over the unreadable lock ${join(dir, '.lock')} (it is empty, unchanged for over 5 s)`,
    );
  });
});

describe('kill -9 of the orchestrator', () => {
  test('its watchdog stops the agent and everything carrying the run id at once, setsid or not', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      toRequirementsStep,
      { setsidPidFile: 'setsid.pid', grandchildPidFile: 'grandchild.pid', hang: true },
    ]);
    const args = sessionArgs(project, 'watched', scenario);
    const orchestrator = project.start(args, { env: FAST });
    const { dir, agent, grandchild } = await runningAgent(project, 'watched', 'grandchild.pid');
    const escaped = await waitFor(() => Number(tryRead(join(dir, 'setsid.pid'))) || undefined, WAIT_MS, 'setsid.pid');
    const watchdog = await waitFor(() => watchdogOf(lockRunId(dir) ?? '-'), WAIT_MS, 'the watchdog');
    process.kill(orchestrator.pid!, 'SIGKILL');
    expect((await orchestrator.result).signal).toBe('SIGKILL');
    await waitFor(
      () => [agent, grandchild, escaped, watchdog].every((pid) => !isRunning(pid)),
      WAIT_MS,
      'the agent, its children and the watchdog to be gone',
    );

    // The lock still names the dead run; the next start takes it over and finds nothing left to stop.
    expect(readLock(dir)?.pid).toBe(orchestrator.pid);
    project.scenario([toRequirementsStep, waitForQaStep]);
    const resumed = await project.run(args, { env: FAST });
    expect(resumed.exitCode).toBe(5);
    expect(resumed.stderr).toContain(
      `took over the lock of orchestrator pid ${orchestrator.pid}, which is no longer running`,
    );
    expect(resumed.stderr).not.toContain('stopped its agent');
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'iteration')
        .map((e) => e.iteration),
    ).toEqual([1, 2]);
  });

  test('with its watchdog killed too, the next run stops the orphaned agent (and what escaped its group), resumes in the same phase, and finishes the session', async () => {
    const project = createProject();
    reapLeftovers(project);
    const steps = fullSessionSteps().map((step, i) => noted(step, `note ${i + 1}`));
    const hanging = [...steps];
    hanging[1] = { setsidPidFile: 'setsid.pid', grandchildPidFile: 'grandchild.pid', hang: true };
    const scenario = project.scenario(hanging);
    const args = sessionArgs(project, 'killed', scenario);

    const orchestrator = project.start(args, { env: FAST });
    const { dir, agent, grandchild } = await runningAgent(project, 'killed', 'grandchild.pid');
    const escaped = await waitFor(() => Number(tryRead(join(dir, 'setsid.pid'))) || undefined, WAIT_MS, 'setsid.pid');
    const before = readOverview(dir).data;
    expect(before).toMatchObject({ phase: 'requirements', status: 'running', iterations: 1 });
    // As `kill -9` of everything samocode started would (the OOM killer, a container stop): nobody is left to clean up.
    const watchdog = await waitFor(() => watchdogOf(lockRunId(dir) ?? '-'), WAIT_MS, 'the watchdog');
    process.kill(watchdog, 'SIGKILL');
    await waitFor(() => !isRunning(watchdog), WAIT_MS, 'the watchdog to be gone');
    process.kill(orchestrator.pid!, 'SIGKILL');
    const killed = await orchestrator.result;
    expect(killed.signal).toBe('SIGKILL');
    // The agent and its children run on, and the lock still names the dead orchestrator.
    expect(isRunning(agent)).toBe(true);
    expect(isRunning(grandchild)).toBe(true);
    expect(isRunning(escaped)).toBe(true);
    expect(readLock(dir)?.pid).toBe(orchestrator.pid);
    expect(readAgent(dir)).toBe(agent);
    expectOverviewIntact(dir, ['note 1']);

    // The person fixes whatever hung; iteration 2 now answers.
    project.scenario(steps);
    const resumed = await project.run(args, { env: FAST });
    expect(resumed.stderr).toContain(`took over the lock of orchestrator pid ${orchestrator.pid}`);
    expect(resumed.stderr).toContain(`stopped its agent (pid ${agent})`);
    expect(resumed.stderr).toMatch(/stopped \d+ process(es)? still carrying its run id/);
    expect(resumed.exitCode).toBe(5);
    expect(isRunning(agent)).toBe(false);
    expect(isRunning(grandchild)).toBe(false);
    expect(isRunning(escaped)).toBe(false);
    const afterResume = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(afterResume.map((e) => [e.iteration, e.phase])).toEqual([
      [1, 'investigation'],
      [2, before.phase],
    ]);
    expectOverviewIntact(dir, ['note 1', 'note 2']);

    answerEverything(dir);
    const third = await project.run(args, { env: FAST });
    expect(third.exitCode).toBe(5);
    expectOverviewIntact(
      dir,
      steps.slice(0, 4).map((_, i) => `note ${i + 1}`),
    );
    answerEverything(dir);
    const last = await project.run(args, { env: FAST });
    expect(last.exitCode).toBe(0);
    const data = expectOverviewIntact(
      dir,
      steps.map((_, i) => `note ${i + 1}`),
    );
    expect(data).toMatchObject({ phase: 'done', status: 'done', iterations: steps.length });

    const history = readHistory(dir);
    expectContiguousSeq(history);
    expectNoDuplicateIterations(history);
    expect(history.filter((e) => e.event === 'iteration')).toHaveLength(steps.length);
    // The dead run recorded nothing about iteration 2: no interrupted entry, and no second entry for any iteration.
    expect(history.filter((e) => e.event === 'interrupted')).toEqual([]);
    expect(data.historySeq).toBe(history.length);
  });
});

describe('a crash between the history append and the state write', () => {
  test('a state several entries behind (a run killed while its quick iterations shared state writes) catches up at the next start', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { notes, scenario } = toBothGates(project);
    const args = sessionArgs(project, 'behind', scenario);
    expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
    const dir = project.sessionDir('behind');
    const early = readOverview(dir);
    expect(early.data).toMatchObject({ status: 'waiting', phase: 'requirements', iterations: 2 });
    answerEverything(dir);
    expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
    const late = expectOverviewIntact(dir, notes);
    const history = readHistory(dir);
    expect(history.length).toBeGreaterThanOrEqual(early.data.historySeq + 3);

    // The state file as the run had last written it three entries earlier, with the agent's notes since.
    const frontMatter = early.text.slice(0, early.text.length - early.body.length);
    writeFileSync(join(dir, '_overview.md'), frontMatter + readOverview(dir).body);
    const again = await project.run(args, { env: FAST });
    expect(again.stderr).toContain(
      `recovered history entries ${early.data.historySeq + 1}–${history.length} (up to iteration 4)`,
    );
    expect(again.exitCode).toBe(5);
    // Nothing was played again and nothing recorded twice; the state is the one the second run ended with.
    expect(readHistory(dir)).toEqual(history);
    expect(expectOverviewIntact(dir, notes)).toEqual(late);
  });

  test('a recorded but unapplied `resumed` entry is applied at startup, not recorded again', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { notes, scenario } = toBothGates(project);
    const args = sessionArgs(project, 'torn-resume', scenario);
    expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
    const dir = project.sessionDir('torn-resume');
    const state = expectOverviewIntact(dir, notes.slice(0, 2));
    expect(state).toMatchObject({ status: 'waiting', iterations: 2, phase: 'requirements' });

    // What the previous run would have appended for "run again" before dying ahead of the state write.
    const seq = state.historySeq + 1;
    const crashed = {
      seq,
      time: new Date().toISOString(),
      phase: 'requirements',
      event: 'resumed',
      iteration: 2,
      from: 'waiting',
      how: 'test',
    };
    appendFileSync(join(dir, '_signal_history.jsonl'), `${JSON.stringify(crashed)}\n`);

    const again = await project.run(args, { env: FAST });
    expect(again.stderr).toContain(`recovered history entry ${seq}`);
    expect(again.exitCode).toBe(5);
    const history = readHistory(dir);
    expect(history.filter((e) => e.event === 'resumed')).toEqual([crashed]);
    expect(history.filter((e) => e.event === 'iteration').map((e) => [e.iteration, e.phase, e.validation])).toEqual([
      [1, 'investigation', 'ok'],
      [2, 'requirements', 'ok'],
      [3, 'requirements', 'ok'],
      [4, 'planning', 'ok'],
    ]);
    expectContiguousSeq(history);
    const data = expectOverviewIntact(dir, notes);
    expect(data).toMatchObject({
      phase: 'planning',
      status: 'waiting',
      gatesPassed: ['requirements'],
      historySeq: history.length,
    });
  });

  test('a recorded but unapplied `iteration` entry is applied at startup and its iteration is not run again', async () => {
    const project = createProject();
    reapLeftovers(project);
    // Get a session that is `running` between iterations: Ctrl-C during iteration 2.
    const scenario = project.scenario([
      noted({ signal: sig.go('requirements') }, 'note 1'),
      { grandchildPidFile: 'grandchild.pid', hang: true },
    ]);
    const args = sessionArgs(project, 'torn-iteration', scenario);
    const run = project.start(args, { env: FAST });
    const { dir } = await runningAgent(project, 'torn-iteration', 'grandchild.pid');
    run.kill('SIGINT');
    expect((await run.result).exitCode).toBe(130);
    const state = expectOverviewIntact(dir, ['note 1']);
    expect(state).toMatchObject({ status: 'running', phase: 'requirements', iterations: 1 });
    const before = readHistory(dir);
    expect(before.at(-1)).toMatchObject({ event: 'interrupted', seq: state.historySeq });

    // Iteration 2 as the previous run would have recorded it (same shape as iteration 1's entry) before dying.
    const first = before.find((e) => e.event === 'iteration')!;
    const seq = state.historySeq + 1;
    const crashed = {
      ...first,
      seq,
      time: new Date().toISOString(),
      iteration: 2,
      phase: 'requirements',
      phaseAfter: 'requirements',
      statusAfter: 'waiting',
      signal: { status: 'waiting', for: 'qa_answers', needs: 'answer please', summary: 'waiting for qa_answers' },
      validation: 'ok',
    };
    appendFileSync(join(dir, '_signal_history.jsonl'), `${JSON.stringify(crashed)}\n`);
    // The agent played iteration 2's answer, note included, before the crash.
    appendFileSync(join(dir, '_overview.md'), 'note 2\n');

    // Iteration 2 must not be played again: its step would leave a marker and block.
    project.scenario([
      noted({ signal: sig.go('requirements') }, 'note 1'),
      { sessionFiles: { 'iteration-2-ran-again.txt': 'yes' }, signal: sig.block('iteration 2 ran twice') },
      noted({ signal: sig.go('planning') }, 'note 3'),
      noted({ sessionFiles: PLAN, signal: sig.wait('plan_approval') }, 'note 4'),
    ]);
    // The questions iteration 2 asked, answered by the person since.
    writeFileSync(join(dir, '_qa.md'), QA['_qa.md'].replace('_waiting_', 'A'));
    const again = await project.run(args, { env: FAST });
    expect(again.stderr).toContain(`recovered history entry ${seq} (iteration, iteration 2)`);
    expect(again.exitCode).toBe(5);
    expect(existsSync(join(dir, 'iteration-2-ran-again.txt'))).toBe(false);

    const history = readHistory(dir);
    expectContiguousSeq(history);
    expectNoDuplicateIterations(history);
    expect(history.filter((e) => e.event === 'iteration').map((e) => [e.iteration, e.phase, e.statusAfter])).toEqual([
      [1, 'investigation', 'running'],
      [2, 'requirements', 'waiting'],
      [3, 'requirements', 'running'],
      [4, 'planning', 'waiting'],
    ]);
    // The recovered wait was for the person; the answers in _qa.md resume it, recorded once.
    expect(history.filter((e) => e.event === 'resumed').map((e) => [e.seq, e.iteration, e.from])).toEqual([
      [seq + 1, 2, 'waiting'],
    ]);
    const data = expectOverviewIntact(dir, ['note 1', 'note 2', 'note 3', 'note 4']);
    expect(data).toMatchObject({
      phase: 'planning',
      status: 'waiting',
      iterations: 4,
      gatesPassed: ['requirements'],
      historySeq: history.length,
    });
  });
});

describe('damaged or stale files', () => {
  test('a torn last history line is cut off at the next start: every line stays whole and seq goes on', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { notes, scenario } = toBothGates(project);
    const args = sessionArgs(project, 'torn', scenario);
    expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
    const dir = project.sessionDir('torn');
    const seqBefore = expectOverviewIntact(dir, notes.slice(0, 2)).historySeq as number;
    const torn = '{"seq": 99, "ti';
    appendFileSync(join(dir, '_signal_history.jsonl'), torn);

    answerEverything(dir);
    const again = await project.run(args, { env: FAST });
    expect(again.exitCode).toBe(5);
    expect(again.stderr).toContain('cut off a torn last line (15 bytes');
    const lines = historyLines(dir);
    expect(lines.filter((line) => line.entry === undefined)).toEqual([]);
    const entries = lines.flatMap((line) => (line.entry ? [line.entry] : []));
    expectContiguousSeq(entries);
    expectNoDuplicateIterations(entries);
    expect(entries.slice(seqBefore).map((e) => e.event)).toEqual(['resumed', 'iteration', 'iteration']);
    const data = expectOverviewIntact(dir, notes);
    expect(data).toMatchObject({ phase: 'planning', status: 'waiting', iterations: 4, historySeq: entries.length });
  });

  test('a last history entry that lost only its newline is sealed, not cut: nothing is lost or written twice', async () => {
    const project = createProject();
    reapLeftovers(project);
    const { notes, scenario } = toBothGates(project);
    const args = sessionArgs(project, 'unsealed', scenario);
    expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
    const dir = project.sessionDir('unsealed');
    const file = join(dir, '_signal_history.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n$/, ''));

    answerEverything(dir);
    const again = await project.run(args, { env: FAST });
    expect(again.exitCode).toBe(5);
    expect(again.stderr).toContain('the last entry had lost its newline');
    const lines = historyLines(dir);
    expect(lines.filter((line) => line.entry === undefined)).toEqual([]);
    const entries = lines.flatMap((line) => (line.entry ? [line.entry] : []));
    expectContiguousSeq(entries);
    expectNoDuplicateIterations(entries);
    expect(entries.map((e) => e.event)).toEqual(['iteration', 'iteration', 'resumed', 'iteration', 'iteration']);
    expect(expectOverviewIntact(dir, notes)).toMatchObject({
      phase: 'planning',
      status: 'waiting',
      iterations: 4,
      historySeq: entries.length,
    });
  });

  test('a stale _signal.json is never taken as the answer of the next iteration', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      noted({ signal: sig.go('requirements') }, 'note 1'),
      noted({ sessionFiles: QA, signal: sig.wait('qa_answers') }, 'note 2'),
      { stdout: ['forgot to write the signal'] },
    ]);
    const args = sessionArgs(project, 'stale-signal', scenario);
    expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
    const dir = project.sessionDir('stale-signal');
    expectOverviewIntact(dir, ['note 1', 'note 2']);

    writeFileSync(join(dir, '_signal.json'), JSON.stringify({ status: 'continue', phase: 'requirements' }));
    answerEverything(dir);
    const again = await project.run(args, { env: FAST });
    expect(again.exitCode).toBe(4);
    expect(again.stderr).toContain('signal_missing');
    const entry = readHistory(dir)
      .filter((e) => e.event === 'iteration')
      .at(-1)!;
    expect(entry).toMatchObject({
      iteration: 3,
      phase: 'requirements',
      validation: 'signal_missing',
      statusAfter: 'blocked',
      signal: null,
    });
    expect(entry.run).toMatchObject({ attempts: 2, corrective: true, exitCode: 0 });
    const data = expectOverviewIntact(dir, ['note 1', 'note 2']);
    expect(data).toMatchObject({
      status: 'blocked',
      blockedKind: 'signal_missing',
      phase: 'requirements',
      iterations: 3,
    });
  });
});
