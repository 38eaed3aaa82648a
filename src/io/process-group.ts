// The agent runs as the leader of its own process group (spawned detached), so signalling `-pid` reaches every
// process it started. execa 9 on Node 20 has no `killDescendants`; this is that, plus SIGTERM → grace → SIGKILL.
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A zombie (exited, not yet reaped by whoever adopted it) does not count as running. */
export function isAlive(pid: number): boolean {
  if (!signalable(pid)) return false;
  const stat = procStat(pid);
  return stat === undefined || stat.state !== 'Z';
}

/** True while any non-zombie process of the group still exists. */
export function groupAlive(pgid: number): boolean {
  // Fast path: no process at all in the group. Only when something answers do we look closer in /proc.
  if (!signalable(-pgid)) return false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true; // no /proc (not Linux): trust kill(2)
  }
  return entries.some((entry) => {
    const stat = /^\d+$/.test(entry) ? procStat(Number(entry)) : undefined;
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z';
  });
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces or parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

export function killGroupNow(pgid: number): void {
  signalGroup(pgid, 'SIGKILL');
}

/**
 * SIGTERM the group, wait up to `graceMs` for it to go, then SIGKILL whatever is left.
 * Resolves once no process of the group remains (or after a short final wait).
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<'terminated' | 'killed' | 'gone'> {
  if (!groupAlive(pgid)) return 'gone';
  signalGroup(pgid, 'SIGTERM');
  if (await waitGone(pgid, graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  await waitGone(pgid, 2_000);
  return 'killed';
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let wait = 10; Date.now() < deadline; wait = Math.min(wait * 2, 100)) {
    if (!groupAlive(pgid)) return true;
    await sleep(wait);
  }
  return !groupAlive(pgid);
}

/** Guards against pid reuse: only a process carrying our run id in its environment is ours to kill. */
export function isOurAgent(pid: number, runId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`SAMOCODE_RUN_ID=${runId}`);
  } catch {
    return false;
  }
}

/**
 * Every process (but this one) whose environment carries `SAMOCODE_RUN_ID=<runId>`: the agents of that run and
 * whatever they started, including what left the agent's process group (`setsid`, a daemon). Linux only: a scan of
 * /proc; elsewhere, and for processes of other users, nothing is found. The environment read is the one the process
 * started with, so a process that rewrote its own environment is still found.
 */
export function processesOfRun(runId: string): number[] {
  return processesMarked(`SAMOCODE_RUN_ID=${runId}`);
}

/** Every process (but this one) whose environment holds the `NAME=value` line `marker` (a worker's children too). */
export function processesMarked(marker: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (environ.split('\0').includes(marker)) found.push(pid);
  }
  return found;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone meanwhile
  }
}

/** SIGKILL every process of the run at once (the forced-exit path, which cannot wait). */
export function killRunNow(runId: string): number {
  const pids = processesOfRun(runId);
  for (const pid of pids) signalPid(pid, 'SIGKILL');
  return pids.length;
}

/**
 * Stop every process still carrying the run id: SIGTERM, up to `graceMs` to go, then SIGKILL. A few rounds, since a
 * dying process may start another; bounded, so a process that cannot be killed (another user's, uninterruptible)
 * never holds the loop. Returns how many processes were found.
 */
export async function stopRun(runId: string, graceMs: number): Promise<number> {
  let pids = processesOfRun(runId);
  const total = new Set(pids);
  if (pids.length === 0) return 0;
  for (const pid of pids) signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  for (let wait = 10; Date.now() < deadline && pids.some(isAlive); wait = Math.min(wait * 2, 100)) await sleep(wait);
  for (let round = 0; round < 3; round++) {
    pids = processesOfRun(runId).filter(isAlive);
    if (pids.length === 0) break;
    for (const pid of pids) {
      total.add(pid);
      signalPid(pid, 'SIGKILL');
    }
    await sleep(50);
  }
  return total.size;
}
