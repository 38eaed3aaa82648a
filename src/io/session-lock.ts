// One orchestrator per session. The lock file holds the owner's pid, host, run id and process identity (start time
// and boot id, see process-identity.ts), so a lock left by a dead process is taken over at once (an mtime-based lock
// such as proper-lockfile would make a resumed run wait out the staleness window, and could not say who holds it).
//
// Taking it is atomic with its content: the record is written whole to `<lock>.<pid>.tmp` and then link()ed to the
// lock path, which fails with EEXIST when anyone holds it; so every lock file that exists is complete. One that cannot
// be read (torn by an older samocode, or corrupted) is only taken over once it has not changed for TORN_STALE_MS.
// Taking over a stale lock is serialised by a second link()ed file, `<lock>.takeover`: only its holder may replace the
// stale lock (by rename, so the lock path is never empty on the way), and only after checking it is still the very
// file (inode) it judged stale.
//
// Beside it, `<lock>.agent` records the running agent's process group, so a run that takes over after a `kill -9`
// can stop an agent the dead orchestrator left behind (also done at once by the watchdog, agent/watchdog.ts). That
// file is written plainly: a torn or stale record is harmless, because processes are only killed when their
// environment carries the dead run's id.
import {
  closeSync,
  constants,
  linkSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionLockedError, SessionStateError } from '../errors.js';
import { readIfExists } from './read-if-exists.js';
import { openRegularFile, writeRegularFile } from './regular-file.js';
import { isAlive, isOurAgent, killGroupNow, stopRun } from './process-group.js';
import { commandLineOf, identityOf, sameProcess } from './process-identity.js';

export interface LockInfo {
  pid: number;
  host: string;
  runId: string;
  startedAt: string;
  /** The owner's start time in clock ticks since boot (Linux), to tell it from a later process given the same pid. */
  startTicks?: string | undefined;
  bootId?: string | undefined;
  /**
   * The queue job's lock token when a worker runs the session (SAMOCODE_JOB_LEASE): names the lease this run holds,
   * so whoever finds the lock after the job stalled knows which run of the job it belongs to.
   */
  lease?: string | undefined;
}

interface AgentRecord {
  pid: number;
  runId: string;
}

export interface Acquired {
  lock: SessionLock;
  /** Set when a lock left by an orchestrator that is gone was taken over; `why` says how we know it is gone. */
  tookOverFrom?: (LockInfo & { why: string }) | undefined;
  /** Set when an unreadable lock file was taken over: what it looked like. */
  tookOverUnreadable?: string | undefined;
  /** The pid of that dead orchestrator's agent, when it was still running and has been stopped. */
  killedLeftoverAgent?: number | undefined;
  /** How many processes still carrying the dead run's id were stopped. */
  stoppedLeftovers?: number | undefined;
}

/** A lock file that cannot be parsed is left alone while it may still be being written: this long after its last change. */
const TORN_STALE_MS = 5_000;
/** How long to wait for an unreadable lock to become readable (or old) before refusing. */
const TORN_WAIT_MS = 2_000;
const MAX_ROUNDS = 200;

type Holder =
  | { kind: 'gone' }
  | { kind: 'held'; info: LockInfo; seen: Seen }
  | { kind: 'unreadable'; seen: Seen; ageMs: number; text: string };

/** What a lock file was when it was judged: its inode and its text (an inode number alone may be reused). */
interface Seen {
  ino: number;
  text: string;
}

export class SessionLock {
  private constructor(
    readonly file: string,
    private readonly info: LockInfo,
  ) {}

  static async acquire(
    file: string,
    runId: string,
    now: Date,
    opts: { killGraceMs?: number; lease?: string | undefined } = {},
  ): Promise<Acquired> {
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      runId,
      startedAt: now.toISOString(),
      ...identityOf(process.pid),
      ...(opts.lease ? { lease: opts.lease } : {}),
    };
    const temp = `${file}.${process.pid}.tmp`;
    writeRegularFile(temp, Buffer.from(JSON.stringify(info)));
    try {
      const waitUntil = Date.now() + TORN_WAIT_MS;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        if (tryLink(temp, file)) return { lock: new SessionLock(file, info) };
        const holder = readHolder(file);
        if (holder.kind === 'gone') continue;
        if (holder.kind === 'unreadable' && holder.ageMs < TORN_STALE_MS) {
          // Possibly an older samocode still writing it: give it a moment, never take it from under its writer.
          if (Date.now() > waitUntil) {
            throw new SessionLockedError(
              `session is in use (or its lock is damaged): ${file} cannot be read (${describeText(holder.text)}) and was written ${Math.round(holder.ageMs)} ms ago, ` +
                `so its writer may still be at work. Run again in a few seconds; if it stays like this, and no orchestrator runs this session, delete ${file}.`,
            );
          }
          await sleep(50);
          continue;
        }
        let why: string | undefined;
        if (holder.kind === 'held') {
          why = staleBecause(holder.info);
          if (why === undefined) throw lockedError(file, holder.info);
        }
        // Stale. Whoever holds `<lock>.takeover` may remove it; everyone else waits for that and looks again.
        const claim = `${file}.takeover`;
        if (!tryLink(temp, claim)) {
          clearStaleClaim(claim);
          await sleep(10);
          continue;
        }
        try {
          // Ours put over it in one step (rename): were the stale lock removed first, a run that only link()s could
          // get in before ours, and the run that saw the dead one (and stops its leftovers) be refused. Only the
          // claim's holder replaces a lock, and a fresh one is link()ed only where none exists: if the file is still
          // the one judged stale, it is the one replaced.
          if (!isStill(file, holder.seen)) continue;
          renameSync(temp, file);
        } finally {
          unlinkQuietly(claim);
        }
        const acquired: Acquired = { lock: new SessionLock(file, info) };
        if (holder.kind === 'unreadable') acquired.tookOverUnreadable = describeText(holder.text);
        else {
          acquired.tookOverFrom = { ...holder.info, why: why! };
          await stopLeftovers(file, holder.info, acquired, opts.killGraceMs ?? 2_000);
        }
        return acquired;
      }
      throw new SessionLockedError(
        `could not take the session lock ${file}: other processes keep taking it, or ${file}.takeover is held by a process that does not finish. ` +
          `Try again; if it stays like this and no orchestrator runs this session, delete ${file}.takeover.`,
      );
    } finally {
      unlinkQuietly(temp);
    }
  }

  /**
   * Record the pid of the agent process group now running. Rewritten in place at one size (JSON padded with spaces),
   * never truncated: on ext4 a file truncated and written again has its blocks allocated at once (auto_da_alloc),
   * which cost ~0.5 ms at every spawn; a write over the same bytes does not.
   */
  setAgent(pid: number): void {
    const record: AgentRecord = { pid, runId: this.info.runId };
    const bytes = Buffer.from(JSON.stringify(record).padEnd(AGENT_RECORD_BYTES));
    const { fd } = openRegularFile(agentFile(this.file), constants.O_WRONLY | constants.O_CREAT, 0o644)!;
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at, at);
    } finally {
      closeSync(fd);
    }
  }

  /** Remove the lock if it is still ours. Synchronous so it also works from an exit handler. */
  release(): void {
    let holder: Holder;
    try {
      holder = readHolder(this.file);
    } catch {
      return; // not a lock file any more: not ours to remove
    }
    if (holder.kind === 'held' && holder.info.pid === this.info.pid && holder.info.runId === this.info.runId) {
      unlinkQuietly(agentFile(this.file));
      unlinkQuietly(this.file);
    }
  }
}

/** The live orchestrator holding the lock on this host, if any (without taking the lock). */
export function liveHolder(file: string): LockInfo | undefined {
  const holder = readHolderOrGone(file);
  return holder.kind === 'held' && holder.info.host === hostname() && staleBecause(holder.info) === undefined
    ? holder.info
    : undefined;
}

/**
 * Who holds the lock while it may still run: a live orchestrator on this host, or any lock of another host (which
 * samocode cannot check). Undefined when there is no lock, or its holder is certainly gone.
 */
export function heldBy(file: string): LockInfo | undefined {
  const holder = readHolderOrGone(file);
  return holder.kind === 'held' && staleBecause(holder.info) === undefined ? holder.info : undefined;
}

/** Why the holder of a readable lock is certainly gone, or undefined while it may still run (or runs elsewhere). */
function staleBecause(holder: LockInfo): string | undefined {
  if (holder.host !== hostname()) return undefined;
  if (!isAlive(holder.pid)) return 'which is no longer running';
  if (!sameProcess(holder.pid, holder)) {
    return `which is gone: pid ${holder.pid} now belongs to another process${describeProcess(holder.pid)}, started ${holder.bootId && holder.bootId !== identityOf(holder.pid).bootId ? 'after a reboot' : 'later'}`;
  }
  // A lock of an older samocode has no start time: a live pid whose command line shows no node at all is not ours.
  const command = holder.startTicks ? undefined : commandLineOf(holder.pid);
  if (command !== undefined && !/node|orchestrate|samocode/.test(command)) {
    return `which is gone: pid ${holder.pid} now runs "${command.slice(0, 80)}"`;
  }
  return undefined;
}

function lockedError(file: string, holder: LockInfo): SessionLockedError {
  if (holder.host !== hostname()) {
    return new SessionLockedError(
      `session is in use on another host: ${file} is held by orchestrator pid ${holder.pid} on host ${holder.host} (since ${holder.startedAt}). ` +
        `samocode cannot check a process on another machine: if that run is gone, delete ${file} and run again.`,
    );
  }
  return new SessionLockedError(
    `session is in use: ${file} is held by orchestrator pid ${holder.pid} (started ${holder.startedAt}). ` +
      `Wait for it to finish or stop it (kill ${holder.pid}); a lock left by a dead process is taken over automatically.`,
  );
}

/** After taking the lock of a dead run on this host: stop its agent group and whatever still carries its run id. */
async function stopLeftovers(file: string, holder: LockInfo, acquired: Acquired, graceMs: number): Promise<void> {
  const agent = readJson<AgentRecord>(agentFile(file));
  if (agent && agent.runId === holder.runId && isOurAgent(agent.pid, holder.runId)) {
    killGroupNow(agent.pid);
    acquired.killedLeftoverAgent = agent.pid;
  }
  const stopped = await stopRun(holder.runId, graceMs);
  if (stopped > 0) acquired.stoppedLeftovers = stopped;
}

/** Put `from`'s content at `to` unless `to` exists: link(2), atomic with the content. */
function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
  }
  // A file system without hard links: an exclusive create, then the write. A reader can meet it empty for a moment,
  // which is why an unreadable lock is never taken over while it is fresh.
  try {
    writeFileSync(to, readFileSync(from), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Remove a takeover claim only if it is still the file judged stale. Moved aside first, so the check and the removal are one step. */
function removeIfStill(file: string, judged: Seen): boolean {
  const aside = `${file}.stale-${process.pid}`;
  if (!isStill(file, judged)) return false;
  try {
    renameSync(file, aside);
  } catch {
    return false; // gone meanwhile: look again
  }
  // A fresh claim is only ever link()ed while none exists: the file moved aside is the stale one. Checked all the
  // same; a live claim moved by mistake is put back.
  if (!isStill(aside, judged)) {
    try {
      linkSync(aside, file);
    } catch {
      // another lock appeared meanwhile: it stands, and ours goes back to looking
    }
    unlinkQuietly(aside);
    return false;
  }
  unlinkQuietly(aside);
  return true;
}

/** A takeover claim whose taker died (it is held for microseconds): remove it so takeovers can go on. */
function clearStaleClaim(claim: string): void {
  const holder = readHolder(claim);
  if (holder.kind === 'gone') return;
  const dead =
    holder.kind === 'held'
      ? !isAlive(holder.info.pid) || !sameProcess(holder.info.pid, holder.info)
      : holder.ageMs > TORN_STALE_MS;
  if (dead) removeIfStill(claim, holder.seen);
}

/**
 * What the lock file says. Read without blocking: a FIFO or a device at its name (the session folder is the agent's
 * to write) is a SessionStateError that names it, never an open that waits forever.
 */
function readHolder(file: string): Holder {
  let text: string | undefined;
  let ino: number;
  let mtimeMs: number;
  try {
    const before = statSync(file);
    text = readIfExists(file);
    ({ ino, mtimeMs } = before);
  } catch (error) {
    if (error instanceof SessionStateError) throw error;
    return { kind: 'gone' };
  }
  if (text === undefined) return { kind: 'gone' };
  try {
    const value = JSON.parse(text) as LockInfo;
    if (typeof value.pid === 'number' && typeof value.host === 'string')
      return { kind: 'held', info: value, seen: { ino, text } };
  } catch {
    // not JSON: below
  }
  return { kind: 'unreadable', seen: { ino, text }, ageMs: Math.max(0, Date.now() - mtimeMs), text };
}

/** For a look that takes nothing: a lock path that is no file holds nobody (taking it names the problem). */
function readHolderOrGone(file: string): Holder {
  try {
    return readHolder(file);
  } catch {
    return { kind: 'gone' };
  }
}

function isStill(file: string, judged: Seen): boolean {
  try {
    return statSync(file).ino === judged.ino && readIfExists(file) === judged.text;
  } catch {
    return false;
  }
}

function describeText(text: string): string {
  if (text.length === 0) return 'it is empty';
  return `it holds ${text.length} bytes that are not a lock record`;
}

function describeProcess(pid: number): string {
  const command = commandLineOf(pid);
  return command ? ` ("${command.slice(0, 80)}")` : '';
}

/** The agent record's size: room for any pid and run id, so every record overwrites the whole of the last one. */
const AGENT_RECORD_BYTES = 128;

function agentFile(lockFile: string): string {
  return `${lockFile}.agent`;
}

function readJson<T extends { pid: number }>(file: string): T | undefined {
  try {
    const value = JSON.parse(readIfExists(file) ?? '') as T;
    return typeof value.pid === 'number' ? value : undefined;
  } catch {
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
