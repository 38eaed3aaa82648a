// Supervision of the agent process: timeouts kill the whole tree, SIGTERM-deaf agents still die, leftovers of a
// finished agent are stopped, Ctrl-C / SIGTERM stop cleanly and resumably, retries, spawn failures, big output.
// Real CLI, real scripted agent, real processes: every pid checked here is a process the agent really started.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  createProject,
  isRunning,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type Project,
  type Step,
  QA,
} from '../helpers/rig.js';
import { readAgent, reapLeftovers, sessionDirOf, tryRead } from '../helpers/processes.js';

const WAIT_MS = 30_000;
/** Settings every run here gets: a short grace between SIGTERM and SIGKILL, no retry delay. */
const FAST = { SAMOCODE_KILL_GRACE: '0.5', SAMOCODE_RETRY_DELAY: '0' };

/** A pid the scripted agent wrote into a session file (waits for it to appear). */
async function pidFile(project: Project, name: string, file: string): Promise<number> {
  const pid = await waitFor(
    () => {
      const dir = sessionDirOf(project, name);
      const text = dir && tryRead(join(dir, file));
      const value = text ? Number(text.trim()) : Number.NaN;
      return Number.isInteger(value) && value > 0 ? value : undefined;
    },
    WAIT_MS,
    `pid file ${file}`,
  );
  return pid;
}

/** The pid of the running agent, as recorded beside the session lock by the orchestrator. */
async function agentPid(project: Project, name: string): Promise<number> {
  const pid = await waitFor(
    () => {
      const dir = sessionDirOf(project, name);
      return dir ? readAgent(dir) : undefined;
    },
    WAIT_MS,
    'the agent pid in .lock.agent',
  );
  return pid;
}

function lastIteration(dir: string): Record<string, any> {
  const iterations = readHistory(dir).filter((e) => e.event === 'iteration');
  expect(iterations.length).toBeGreaterThan(0);
  return iterations.at(-1)!;
}

function expectContiguousSeq(dir: string): void {
  const history = readHistory(dir);
  expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
}

/** Iteration 1 of most scenarios here: investigation → requirements. */
const toRequirements: Step = { signal: sig.go('requirements') };
/** A step that ends the run cleanly (exit 5) so a test can look at what happened before it. */
const waitForQa: Step = { sessionFiles: QA, signal: sig.wait('qa_answers') };

describe('per-iteration timeout', () => {
  test('kills the agent and everything it started, then blocks the session as agent_failed', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([{ grandchildPidFile: 'grandchild.pid', hang: true }]);
    const child = project.start(sessionArgs(project, 'timeout', scenario, ['--timeout', '2', '--max-retries', '0']), {
      env: FAST,
    });
    const agent = await agentPid(project, 'timeout');
    const grandchild = await pidFile(project, 'timeout', 'grandchild.pid');
    const result = await child.result;

    expect(result.exitCode).toBe(7);
    expect(result.stderr).toMatch(/ran past the time limit and was killed after 2\.0 s \(SAMOCODE_TIMEOUT\)/);
    expect(isRunning(agent)).toBe(false);
    expect(isRunning(grandchild)).toBe(false);

    const dir = project.sessionDir('timeout');
    const entry = lastIteration(dir);
    expect(entry).toMatchObject({ iteration: 1, validation: 'agent_failed', statusAfter: 'blocked' });
    expect(entry.run).toMatchObject({ timedOut: true, attempts: 1 });
    expect(entry.problem).toContain('timed out');
    expect(readOverview(dir).data).toMatchObject({
      status: 'blocked',
      blockedKind: 'agent_failed',
      phase: 'investigation',
    });
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    expectContiguousSeq(dir);
  });

  test('an agent that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([{ ignoreSigterm: true, grandchildPidFile: 'grandchild.pid', hang: true }]);
    const child = project.start(sessionArgs(project, 'deaf', scenario, ['--timeout', '2', '--max-retries', '0']), {
      env: FAST,
    });
    const agent = await agentPid(project, 'deaf');
    const grandchild = await pidFile(project, 'deaf', 'grandchild.pid');
    const result = await child.result;

    expect(result.exitCode).toBe(7);
    expect(isRunning(agent)).toBe(false);
    expect(isRunning(grandchild)).toBe(false);
    const entry = lastIteration(project.sessionDir('deaf'));
    expect(entry.validation).toBe('agent_failed');
    // SIGTERM did nothing to it: only SIGKILL can have ended it.
    expect(entry.run).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
  });
});

describe('leftovers of an agent that exited normally', () => {
  test('a grandchild still running after the agent exits is stopped, and the session goes on', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      { grandchildPidFile: 'grandchild.pid', signal: sig.go('requirements') },
      waitForQa,
    ]);
    const result = await project.run(sessionArgs(project, 'leftover', scenario), { env: FAST });

    expect(result.exitCode).toBe(5);
    const dir = project.sessionDir('leftover');
    const grandchild = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    expect(isRunning(grandchild)).toBe(false);
    const iterations = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(iterations).toHaveLength(2);
    // Stopping the leftover does not turn the agent's successful iteration into a failure.
    expect(iterations[0]).toMatchObject({ validation: 'ok', phaseAfter: 'requirements' });
    expect(iterations[0]!.run).toMatchObject({ exitCode: 0, timedOut: false, attempts: 1 });
    expect(readOverview(dir).data).toMatchObject({
      phase: 'requirements',
      status: 'waiting',
      waitingFor: 'qa_answers',
    });
  });
});

describe('stopping the orchestrator', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal} stops the agent tree, records the interruption, exits ${code}, and a re-run resumes the same iteration`, async () => {
      const project = createProject();
      reapLeftovers(project);
      const hanging: Step[] = [toRequirements, { grandchildPidFile: 'grandchild.pid', hang: true }];
      const scenario = project.scenario(hanging);
      const args = sessionArgs(project, 'stopme', scenario);
      const child = project.start(args, { env: FAST });
      const grandchild = await pidFile(project, 'stopme', 'grandchild.pid');
      const agent = await agentPid(project, 'stopme');
      const dir = project.sessionDir('stopme');
      expect(isRunning(agent)).toBe(true);
      expect(isRunning(grandchild)).toBe(true);

      child.kill(signal);
      const result = await child.result;
      expect(result.exitCode).toBe(code);
      expect(result.stderr).toContain(`stopped by ${signal}`);
      expect(isRunning(agent)).toBe(false);
      expect(isRunning(grandchild)).toBe(false);
      expect(existsSync(join(dir, '.lock'))).toBe(false);

      const history = readHistory(dir);
      expect(history.at(-1)).toMatchObject({ event: 'interrupted', signal, iteration: 2, phase: 'requirements' });
      expectContiguousSeq(dir);
      const overview = readOverview(dir).data;
      expect(overview).toMatchObject({
        phase: 'requirements',
        status: 'running',
        iterations: 1,
        historySeq: history.length,
      });

      // The person fixes whatever hung; the same iteration runs again in the same phase.
      project.scenario([toRequirements, waitForQa]);
      const again = await project.run(args, { env: FAST });
      expect(again.exitCode).toBe(5);
      const after = readHistory(dir);
      const next = after.slice(history.length);
      expect(next.filter((e) => e.event === 'resumed')).toEqual([]);
      expect(next.filter((e) => e.event === 'iteration')).toMatchObject([
        { iteration: 2, phase: 'requirements', validation: 'ok', statusAfter: 'waiting' },
      ]);
      expect(after.filter((e) => e.event === 'iteration').map((e) => e.iteration)).toEqual([1, 2]);
      expectContiguousSeq(dir);
      expect(readOverview(dir).data).toMatchObject({ phase: 'requirements', status: 'waiting', iterations: 2 });
    });
  }
});

describe('retries', () => {
  test('a failed attempt is retried and the iteration succeeds on the second', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      {
        attempts: [{ exitCode: 1, signal: null, stderr: ['first attempt fails'] }, {}],
        signal: sig.go('requirements'),
      },
      waitForQa,
    ]);
    const result = await project.run(sessionArgs(project, 'retry', scenario, ['--max-retries', '2']), { env: FAST });

    expect(result.exitCode).toBe(5);
    expect(result.stderr).toContain('exited with code 1');
    const dir = project.sessionDir('retry');
    const [first] = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(first).toMatchObject({ iteration: 1, validation: 'ok', phaseAfter: 'requirements' });
    expect(first!.run).toMatchObject({ attempts: 2, exitCode: 0 });
    // The recorded log is the successful attempt's, and it exists.
    expect(first!.run.log).toMatch(/-a2\.jsonl$/);
    expect(existsSync(join(dir, first!.run.log))).toBe(true);
  });

  test('the same failure twice in a row stops the session as agent_failed (exit 7), naming the exit code and the last stderr line', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([
      { exitCode: 1, stderr: ['warming up', 'boom'], signal: sig.go('requirements') },
    ]);
    const result = await project.run(sessionArgs(project, 'fails', scenario, ['--max-retries', '2']), { env: FAST });

    expect(result.exitCode).toBe(7);
    const dir = project.sessionDir('fails');
    const entry = lastIteration(dir);
    expect(entry).toMatchObject({ iteration: 1, validation: 'agent_failed', statusAfter: 'blocked' });
    // Retries are for passing trouble: the same class of failure twice in a row is not passing.
    expect(entry.run).toMatchObject({ attempts: 2, exitCode: 1, failure: 'crashed' });
    expect(entry.problem).toContain('the same failure twice in a row');
    expect(entry.problem).toContain('exited with code 1');
    expect(entry.problem).toContain('boom');
    expect(result.stderr).toContain('exited with code 1');
    expect(result.stderr).toContain('boom');
    expect(readOverview(dir).data).toMatchObject({
      status: 'blocked',
      blockedKind: 'agent_failed',
      phase: 'investigation',
      iterations: 1,
    });
  });
});

describe('agents that cannot be started', () => {
  test('CLAUDE_PATH naming a file that is not executable is a configuration error (exit 3) before anything runs', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([toRequirements]);
    const fake = join(project.root, 'not-executable-claude');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o644);
    const result = await project.run(sessionArgs(project, 'noclaude', scenario, ['--provider', 'claude']), {
      env: { CLAUDE_PATH: fake },
    });

    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('CLAUDE_PATH');
    expect(result.stderr).toContain(fake);
    expect(result.stderr).toContain('is not an executable file');
    expect(existsSync(project.sessions)).toBe(false);
  });

  test('a spawn failure (executable whose interpreter is missing) blocks at once with the fix: no retries', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([toRequirements]);
    // Passes every check of the configuration (an executable regular file), but execve fails with ENOENT.
    const fake = join(project.root, 'claude-with-missing-interpreter');
    writeFileSync(fake, '#!/nonexistent/interpreter\n');
    chmodSync(fake, 0o755);
    const result = await project.run(
      sessionArgs(project, 'nospawn', scenario, ['--provider', 'claude', '--max-retries', '1']),
      {
        env: { ...FAST, CLAUDE_PATH: fake },
      },
    );

    expect(result.exitCode).toBe(7);
    const dir = project.sessionDir('nospawn');
    const entry = lastIteration(dir);
    expect(entry).toMatchObject({ iteration: 1, validation: 'agent_failed', statusAfter: 'blocked' });
    expect(entry.run).toMatchObject({ attempts: 1, provider: 'claude', failure: 'cli_missing' });
    expect(entry.problem).toContain('agent CLI not found');
    expect(entry.problem).toContain('Fix: install @anthropic-ai/claude-code');
    expect(result.stderr).toContain('CLAUDE_PATH');
    expect(readOverview(dir).data).toMatchObject({ status: 'blocked', blockedKind: 'agent_failed' });
  });
});

describe('agent output', () => {
  test('large output is streamed whole into the log file named in the history', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([{ stdoutBytes: 5_000_000, signal: sig.go('requirements') }, waitForQa]);
    const result = await project.run(sessionArgs(project, 'loud', scenario), { env: FAST });

    expect(result.exitCode).toBe(5);
    const dir = project.sessionDir('loud');
    const [first] = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(first).toMatchObject({ validation: 'ok', phaseAfter: 'requirements' });
    expect(first!.run.log).toMatch(/^_logs\/.+\.jsonl$/);
    expect(statSync(join(dir, first!.run.log)).size).toBeGreaterThanOrEqual(5_000_000);
    // None of it reached the orchestrator's own console.
    expect(result.stdout.length + result.stderr.length).toBeLessThan(100_000);
  });
});

/**
 * A process that left the agent's process group and session (`setsid`, as a daemon does) is out of reach of the group
 * signal; it still carries the run id in its environment, and every way a run stops finds it by that.
 */
describe('processes that escaped the process group (setsid)', () => {
  const escaping: Step = { setsidPidFile: 'setsid.pid', grandchildPidFile: 'grandchild.pid', hang: true };

  /** The agent's two descendants (one in its group, one escaped), once both run. */
  async function descendants(project: Project, name: string): Promise<{ grandchild: number; escaped: number }> {
    const escaped = await pidFile(project, name, 'setsid.pid');
    const grandchild = await pidFile(project, name, 'grandchild.pid');
    expect(isRunning(escaped)).toBe(true);
    return { grandchild, escaped };
  }

  async function expectGone(...pids: number[]): Promise<void> {
    await waitFor(() => pids.every((pid) => !isRunning(pid)), WAIT_MS, `pids ${pids.join(', ')} to be gone`);
  }

  test('a normal exit of the agent: the escaped process is stopped before the next iteration', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([{ setsidPidFile: 'setsid.pid', signal: sig.go('requirements') }, waitForQa]);
    const result = await project.run(sessionArgs(project, 'daemon', scenario), { env: FAST });
    expect(result.exitCode).toBe(5);
    const escaped = Number(readFileSync(join(project.sessionDir('daemon'), 'setsid.pid'), 'utf8'));
    expect(isRunning(escaped)).toBe(false);
    const [first] = readHistory(project.sessionDir('daemon')).filter((e) => e.event === 'iteration');
    expect(first).toMatchObject({ validation: 'ok', phaseAfter: 'requirements' });
  });

  test('the per-iteration timeout', async () => {
    const project = createProject();
    reapLeftovers(project);
    const child = project.start(
      sessionArgs(project, 'esc-timeout', project.scenario([escaping]), ['--timeout', '2', '--max-retries', '0']),
      { env: FAST },
    );
    const { grandchild, escaped } = await descendants(project, 'esc-timeout');
    const result = await child.result;
    expect(result.exitCode).toBe(7);
    expect(isRunning(grandchild)).toBe(false);
    expect(isRunning(escaped)).toBe(false);
  });

  test('the idle timeout', async () => {
    const project = createProject();
    reapLeftovers(project);
    const child = project.start(
      sessionArgs(project, 'esc-idle', project.scenario([escaping]), ['--max-retries', '0']),
      { env: { ...FAST, SAMOCODE_IDLE_TIMEOUT: '1' } },
    );
    const { grandchild, escaped } = await descendants(project, 'esc-idle');
    const result = await child.result;
    expect(result.exitCode).toBe(7);
    expect(lastIteration(project.sessionDir('esc-idle')).run).toMatchObject({ idle: true });
    expect(isRunning(grandchild)).toBe(false);
    expect(isRunning(escaped)).toBe(false);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal} of the orchestrator`, async () => {
      const project = createProject();
      reapLeftovers(project);
      const child = project.start(sessionArgs(project, 'esc-stop', project.scenario([escaping])), { env: FAST });
      const { grandchild, escaped } = await descendants(project, 'esc-stop');
      child.kill(signal);
      const result = await child.result;
      expect(result.exitCode).toBe(code);
      expect(isRunning(grandchild)).toBe(false);
      expect(isRunning(escaped)).toBe(false);
    });
  }

  test('a second Ctrl-C (forced exit while the agent is still being stopped)', async () => {
    const project = createProject();
    reapLeftovers(project);
    // The agent ignores SIGTERM and the grace is long: the first Ctrl-C is still waiting when the second comes.
    const scenario = project.scenario([{ ...escaping, ignoreSigterm: true }]);
    const child = project.start(sessionArgs(project, 'esc-force', scenario), {
      env: { ...FAST, SAMOCODE_KILL_GRACE: '30' },
    });
    const agent = await agentPid(project, 'esc-force');
    const { grandchild, escaped } = await descendants(project, 'esc-force');
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.kill('SIGINT');
    await waitFor(() => stderr.includes('press Ctrl-C again'), WAIT_MS, 'the first Ctrl-C to be handled');
    expect(isRunning(agent)).toBe(true);
    child.kill('SIGINT');
    const result = await child.result;
    expect(result.exitCode).toBe(130);
    await expectGone(agent, grandchild, escaped);
  });
});
