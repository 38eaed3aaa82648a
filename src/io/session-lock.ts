// One orchestrator per session. The lock file holds the owner's pid, so a lock left by a dead process is taken over
// at once (an mtime-based lock such as proper-lockfile would make a resumed run wait out the staleness window, and could
// not say who holds it). Beside it, `<lock>.agent` records the running agent's process group, so a run that takes over
// after a `kill -9` can stop an agent the dead orchestrator left behind. That file is written plainly (not atomically,
// not cleared): it is cheap on every spawn, and a torn or stale record is harmless because the agent is only killed
// when its environment carries the dead run's id.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { SessionLockedError } from '../errors.js';
import { isAlive, isOurAgent, killGroupNow } from '../agent/process-group.js';

export interface LockInfo {
  pid: number;
  host: string;
  runId: string;
  startedAt: string;
}

interface AgentRecord {
  pid: number;
  runId: string;
}

export interface Acquired {
  lock: SessionLock;
  /** Set when a lock left by a dead orchestrator was taken over. */
  tookOverFrom?: LockInfo | undefined;
  /** The pid of that dead orchestrator's agent, when it was still running and has been stopped. */
  killedLeftoverAgent?: number | undefined;
}

export class SessionLock {
  private constructor(
    readonly file: string,
    private readonly info: LockInfo,
  ) {}

  static acquire(file: string, runId: string, now: Date): Acquired {
    const info: LockInfo = { pid: process.pid, host: hostname(), runId, startedAt: now.toISOString() };
    for (let tries = 0; tries < 5; tries++) {
      try {
        writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
        return { lock: new SessionLock(file, info) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readLock(file);
      if (holder && holder.host === info.host && isAlive(holder.pid)) {
        throw new SessionLockedError(
          `session is in use: ${file} is held by orchestrator pid ${holder.pid} (started ${holder.startedAt}). ` +
            `Wait for it to finish or stop it (kill ${holder.pid}); a lock left by a dead process is taken over automatically.`,
        );
      }
      // Stale: move it aside atomically. If another process moved it first, the rename fails and we look again.
      try {
        renameSync(file, `${file}.stale-${process.pid}`);
      } catch {
        continue;
      }
      unlinkQuietly(`${file}.stale-${process.pid}`);
      let killed: number | undefined;
      const agent = readJson<AgentRecord>(agentFile(file));
      if (holder && agent && agent.runId === holder.runId && holder.host === info.host && isOurAgent(agent.pid, holder.runId)) {
        killGroupNow(agent.pid);
        killed = agent.pid;
      }
      try {
        writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
        return { lock: new SessionLock(file, info), tookOverFrom: holder, killedLeftoverAgent: killed };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    throw new SessionLockedError(`could not take the session lock ${file}: other processes keep taking it. Try again.`);
  }

  /** Record the pid of the agent process group now running. */
  setAgent(pid: number): void {
    const record: AgentRecord = { pid, runId: this.info.runId };
    writeFileSync(agentFile(this.file), JSON.stringify(record));
  }

  /** Remove the lock if it is still ours. Synchronous so it also works from an exit handler. */
  release(): void {
    const holder = readLock(this.file);
    if (holder && holder.pid === this.info.pid && holder.runId === this.info.runId) {
      unlinkQuietly(agentFile(this.file));
      unlinkQuietly(this.file);
    }
  }
}

/** The live orchestrator holding the lock on this host, if any (without taking the lock). */
export function liveHolder(file: string): LockInfo | undefined {
  const holder = readLock(file);
  return holder && holder.host === hostname() && isAlive(holder.pid) ? holder : undefined;
}

function agentFile(lockFile: string): string {
  return `${lockFile}.agent`;
}

/** Unreadable or torn (a crash while it was written) reads as absent: nobody can prove they hold it. */
function readJson<T extends { pid: number }>(file: string): T | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as T;
    return typeof value.pid === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function readLock(file: string): LockInfo | undefined {
  return readJson<LockInfo>(file);
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
