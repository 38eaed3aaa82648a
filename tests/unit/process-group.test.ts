// Stopping the processes of a run by the run id in their environment: real processes, started here.
import { spawn } from 'node:child_process';
import { onTestFinished, describe, expect, test } from 'vitest';
import { censusHolds, isAlive, processCensus, processesOfRun, stopRun } from '../../src/io/process-group.js';

/** A process that sleeps, in its own session (setsid), with `SAMOCODE_RUN_ID` set. */
function sleeper(runId: string): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
    detached: true,
    env: { ...process.env, SAMOCODE_RUN_ID: runId },
  });
  child.unref();
  onTestFinished(() => void child.kill('SIGKILL'));
  return child.pid!;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('stopRun', () => {
  test('finds and stops every process of the run, and only those', async () => {
    const runId = `unit-${process.pid}-${Date.now()}`;
    const ours = [sleeper(runId), sleeper(runId)];
    const other = sleeper(`${runId}-other`);
    await until(() => processesOfRun(runId).length === 2);
    expect(processesOfRun(runId).sort()).toEqual([...ours].sort());
    expect(await stopRun(runId, 1_000)).toBe(2);
    await until(() => !ours.some(isAlive));
    expect(ours.filter(isAlive)).toEqual([]);
    expect(isAlive(other)).toBe(true);
    expect(processesOfRun(runId)).toEqual([]);
  });

  test('an id nobody carries costs one scan and stops nothing', async () => {
    expect(await stopRun('no-such-run', 1_000)).toBe(0);
  });
});

describe('the census before a run (the sweep after a short run reads only newcomers)', () => {
  test('a process started after the census is found with it; one from before is skipped', async () => {
    const runId = `census-${process.pid}-${Date.now()}`;
    const old = sleeper(runId);
    await until(() => processesOfRun(runId).includes(old));
    const census = processCensus();
    const young = sleeper(runId);
    await until(() => processesOfRun(runId).includes(young));
    expect(processesOfRun(runId, census)).toEqual([young]);
    expect(processesOfRun(runId).sort()).toEqual([old, young].sort());
  });

  const before = { pids: new Set([1, 50, 900]) };
  test.each([
    ['only newcomers above the agent, a short run', [1, 50, 900, 1001, 1002], 1000, 1500, true],
    ['a newcomer below the agent: the pid counter wrapped', [1, 50, 900, 1001, 7], 1000, 1500, false],
    ['a long run: pids may have wrapped unseen', [1, 50, 900, 1001], 1000, 60_000, false],
    ['some of before are gone: still fine', [1, 1001], 1000, 10, true],
  ])('%s → %s', (_what, now, agentPid, runMs, holds) => {
    expect(censusHolds(before, now, agentPid, runMs)).toBe(holds);
  });
});
