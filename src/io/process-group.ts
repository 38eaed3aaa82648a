// The agent runs as the leader of its own process group (spawned detached), so signalling `-pid` reaches every
// process it started. Node 20 has no `killDescendants`; this is that, plus SIGTERM → grace → SIGKILL.
import { openSync, readFileSync, readSync, readdirSync } from 'node:fs';
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
export function processesOfRun(runId: string, since?: ProcessCensus, pids?: readonly number[]): number[] {
  return processesMarked(`SAMOCODE_RUN_ID=${runId}`, since, pids);
}

/**
 * Every process (but this one) whose environment holds the `NAME=value` line `marker` (a worker's children too);
 * with `since`, only those started after that census.
 */
export function processesMarked(marker: string, since?: ProcessCensus, pids?: readonly number[]): number[] {
  const found: number[] = [];
  for (const pid of pids ?? processIds()) {
    if (pid === process.pid || (since !== undefined && pid <= since.lastPid)) continue;
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

/** The pids in /proc (empty where there is none). */
export function processIds(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
}

/**
 * Where the kernel's pid counter stood at one moment: every process started later has a higher pid (Linux hands
 * pids out upwards, wrapping round at pid_max). One small read (/proc/loadavg's last field: the last pid handed out
 * in /proc's pid namespace), not a scan of /proc, so it costs nothing on the path to each spawn.
 */
export interface ProcessCensus {
  lastPid: number;
}

export function processCensus(): ProcessCensus | undefined {
  const lastPid = lastPidHandedOut();
  return lastPid === undefined ? undefined : { lastPid };
}

/**
 * /proc/loadavg, opened once per process and read again from its start at each look: the kernel writes the figures
 * afresh for every read at offset 0, and one pread costs ~1 µs where open + fstat + read + close cost ~12 (it is read
 * twice per iteration). `null`: there is none here (not Linux, no /proc).
 */
let loadavg: { fd: number; buffer: Buffer } | null | undefined;

/** The last pid handed out, or undefined where /proc/loadavg is missing or unreadable. */
export function lastPidHandedOut(): number | undefined {
  if (loadavg === undefined) {
    try {
      loadavg = { fd: openSync('/proc/loadavg', 'r'), buffer: Buffer.alloc(128) };
    } catch {
      loadavg = null;
    }
  }
  if (loadavg === null) return undefined;
  let text: string;
  try {
    text = loadavg.buffer.toString('latin1', 0, readSync(loadavg.fd, loadavg.buffer, 0, loadavg.buffer.length, 0));
  } catch {
    return undefined;
  }
  const value = Number(text.slice(text.lastIndexOf(' ') + 1));
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * What to sweep after a run whose agent got `agentPid`, given the census before its spawn and the counter now
 * (`lastPid`): `none` when no process at all was started after the agent (nothing can carry the run id but what a
 * sweep already stopped), `newcomers` to look only above the census, `all` when the counter may have wrapped round (it
 * is below the agent's pid, or the run was long enough for tens of thousands of forks) or is unknown. Pure.
 */
export function sweepScope(
  before: ProcessCensus | undefined,
  agentPid: number | undefined,
  runMs: number,
  lastPid: number | undefined,
): 'none' | 'newcomers' | 'all' {
  if (!before || agentPid === undefined || lastPid === undefined || runMs >= SHORT_RUN_MS) return 'all';
  if (agentPid <= before.lastPid || lastPid < agentPid) return 'all';
  return lastPid === agentPid ? 'none' : 'newcomers';
}

const SHORT_RUN_MS = 2000;

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
 * never holds the loop. Returns how many processes were found. Later rounds look at every process.
 */
export async function stopRun(runId: string, graceMs: number, since?: ProcessCensus): Promise<number> {
  // `since`: skip the processes that existed before the run started (sweepScope says when that is safe).
  let pids = processesOfRun(runId, since);
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
