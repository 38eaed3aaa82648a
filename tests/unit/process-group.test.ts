// Stopping the processes of a run by the run id in their environment: real processes, started here.
import { spawn } from 'node:child_process';
import { onTestFinished, describe, expect, test } from 'vitest';
import {
  isAlive,
  lastPidHandedOut,
  processCensus,
  processesOfRun,
  stopRun,
  sweepScope,
} from '../../src/io/process-group.js';

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
    const census = processCensus()!;
    expect(census.lastPid).toBeGreaterThanOrEqual(old);
    const young = sleeper(runId);
    await until(() => processesOfRun(runId).includes(young));
    expect(processesOfRun(runId, census)).toEqual([young]);
    expect(processesOfRun(runId).sort()).toEqual([old, young].sort());
  });

  test('the counter moves with every process started, and stands still without one', () => {
    const before = lastPidHandedOut()!;
    const child = spawn('true', { stdio: 'ignore' });
    expect(child.pid).toBeGreaterThan(before);
    expect(lastPidHandedOut()).toBeGreaterThanOrEqual(child.pid!);
  });

  const before = { lastPid: 1000 };
  test.each([
    ['the agent started nothing, and nobody else did', 1001, 1500, 1001, 'none'],
    ['something was started after the agent: look at the newcomers', 1001, 1500, 1005, 'newcomers'],
    ['the counter is below the agent: it wrapped round', 1001, 1500, 7, 'all'],
    ['the agent got a pid below the census: it wrapped before the spawn', 5, 1500, 5, 'all'],
    ['a long run: the counter may have gone round unseen', 1001, 60_000, 1001, 'all'],
    ['the counter is unknown now', 1001, 1500, undefined, 'all'],
  ] as const)('%s → %s', (_what, agentPid, runMs, lastPid, scope) => {
    expect(sweepScope(before, agentPid, runMs, lastPid)).toBe(scope);
  });
  test('no census (no /proc/loadavg): everything is looked at', () => {
    expect(sweepScope(undefined, 1001, 10, 1001)).toBe('all');
  });
});
