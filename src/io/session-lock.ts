// One orchestrator per session. The lock file holds the owner's pid, so a lock left by a dead process is taken over
// at once (an mtime-based lock such as proper-lockfile would make a resumed run wait out the staleness window, and could
// not say who holds it). The lock also records the running agent's process group, so a run that takes over after a
// `kill -9` can stop an agent the dead orchestrator left behind.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import writeFileAtomic from 'write-file-atomic';
import { SessionLockedError } from '../errors.js';
import { isAlive, isOurAgent, killGroupNow } from '../agent/process-group.js';

export interface LockInfo {
  pid: number;
  host: string;
  runId: string;
  startedAt: string;
  agentPid?: number | undefined;
}

export interface Acquired {
  lock: SessionLock;
  /** Set when a lock left by a dead orchestrator was taken over. */
  tookOverFrom?: LockInfo | undefined;
  /** True when that dead orchestrator's agent was still running and has been stopped. */
  killedLeftoverAgent: boolean;
}

export class SessionLock {
  private info: LockInfo;
  private constructor(
    readonly file: string,
    info: LockInfo,
  ) {
    this.info = info;
  }

  static acquire(file: string, runId: string, now: Date): Acquired {
    const info: LockInfo = { pid: process.pid, host: hostname(), runId, startedAt: now.toISOString() };
    for (let tries = 0; tries < 5; tries++) {
      try {
        writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
        return { lock: new SessionLock(file, info), killedLeftoverAgent: false };
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
      let killed = false;
      if (holder?.agentPid && holder.host === info.host && isOurAgent(holder.agentPid, holder.runId)) {
        killGroupNow(holder.agentPid);
        killed = true;
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

  /** Record (or clear) the pid of the agent process group currently running. */
  async setAgent(agentPid: number | undefined): Promise<void> {
    this.info = { ...this.info, agentPid };
    await writeFileAtomic(this.file, JSON.stringify(this.info), { fsync: false });
  }

  /** Remove the lock if it is still ours. Synchronous so it also works from an exit handler. */
  release(): void {
    const holder = readLock(this.file);
    if (holder && holder.pid === this.info.pid && holder.runId === this.info.runId) unlinkQuietly(this.file);
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return typeof value.pid === 'number' ? value : undefined;
  } catch {
    // Unreadable or torn (a crash while it was written): nobody can prove they hold it, so it is stale.
    return undefined;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
