// Helpers for tests that watch real processes and the files a running session leaves: pids the agent or the
// orchestrator recorded, and a safety net that kills whatever a failing test left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { CLI, type CliResult, type Project } from './rig.js';

export function tryRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The session folder, or undefined while it does not exist yet. */
export function sessionDirOf(project: Project, name: string): string | undefined {
  try {
    return project.sessionDir(name);
  } catch {
    return undefined;
  }
}

function readPidFile(file: string): { pid: number } | undefined {
  const text = tryRead(file);
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as { pid?: unknown };
    return typeof value.pid === 'number' ? { pid: value.pid } : undefined;
  } catch {
    return undefined;
  }
}

/** The orchestrator holding the session lock. */
export function readLock(dir: string): { pid: number } | undefined {
  return readPidFile(join(dir, '.lock'));
}

/** The agent process group the orchestrator is running, recorded beside the lock. */
export function readAgent(dir: string): number | undefined {
  return readPidFile(join(dir, '.lock.agent'))?.pid;
}

/**
 * If a test fails, do not leave agents behind: when it ends, SIGKILL every process still running whose environment
 * names this test's own sessions folder (agents and whatever they started), and nothing else.
 */
export function reapLeftovers(project: Project): void {
  onTestFinished(() => {
    const marker = `SAMOCODE_SESSION_PATH=${project.sessions}/`;
    let entries: string[] = [];
    try {
      entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
    } catch {
      return;
    }
    for (const entry of entries) {
      const pid = Number(entry);
      if (pid === process.pid || !(tryRead(`/proc/${pid}/environ`) ?? '').split('\0').some((v) => v.startsWith(marker)))
        continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  });
}

const AT_DEADLINE =
  'import os, sys, time\ntime.sleep(max(0.0, float(sys.argv[1]) - time.time()))\nos.execv(sys.argv[2], sys.argv[2:])\n';

/**
 * Start the real CLI at an absolute time (seconds since the epoch): a python launcher sleeps until then and execs
 * node, so two of them started with one deadline reach the session lock at the same instant. Killed when the test ends.
 */
export function startAt(
  project: Project,
  deadline: number,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv } = {},
): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn('python3', ['-c', AT_DEADLINE, String(deadline), process.execPath, CLI, ...args], {
    cwd: project.root,
    env: { ...project.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { result: Promise<CliResult> };
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timeout = setTimeout(() => child.kill('SIGKILL'), 45_000);
  child.result = new Promise((done) => {
    child.on('close', (exitCode, signal) => {
      clearTimeout(timeout);
      done({ exitCode, signal, stdout, stderr });
    });
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** The pid of the watchdog of run `runId` (agent/watchdog.ts), found by its command line. */
export function watchdogOf(runId: string): number | undefined {
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    const args = (tryRead(`/proc/${entry}/cmdline`) ?? '').split('\0');
    if (args.includes('samocode-watchdog') && args.includes(runId)) return Number(entry);
  }
  return undefined;
}

/** The run id recorded in the session lock. */
export function lockRunId(dir: string): string | undefined {
  const text = tryRead(join(dir, '.lock'));
  try {
    const value = text ? (JSON.parse(text) as { runId?: unknown }) : undefined;
    return typeof value?.runId === 'string' ? value.runId : undefined;
  } catch {
    return undefined;
  }
}
