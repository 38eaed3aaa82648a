// Helpers for tests that watch real processes and the files a running session leaves: pids the agent or the
// orchestrator recorded, and a safety net that kills whatever a failing test left running.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { Project } from './rig.js';

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
      if (pid === process.pid || !(tryRead(`/proc/${pid}/environ`) ?? '').split('\0').some((v) => v.startsWith(marker))) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  });
}
