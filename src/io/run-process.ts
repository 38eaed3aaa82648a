// One supervised spawn: the agent, or a check samocode runs itself (src/gates/). The child writes its stdout/stderr
// straight into the log files (file descriptors, not pipes), so the orchestrator never holds the output in memory
// and never slows the child's writes; only a bounded tail is read back for messages. It runs as a process-group
// leader so a timeout, Ctrl-C or /stop reaches its whole tree; after every run, however it ended, whatever still
// carries the run id in its environment (`SAMOCODE_RUN_ID` in `env`: what left the group with setsid, a daemon) is
// stopped too. Always resolves to a result, never rejects (a failed spawn is a result too).
// Plain child_process.spawn, not execa: with every stream a file descriptor there is nothing for execa to do, and its
// result handling cost ~0.8 ms per spawn (bench: per-iteration overhead).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { ChildOutcome } from '../core/child-outcome.js';
import { APPEND, openRegularFile, readEnd } from './regular-file.js';
import { groupAlive, lastPidHandedOut, processCensus, stopRun, sweepScope, terminateGroup } from './process-group.js';

export interface ProcessRequest {
  command: string;
  args: string[];
  cwd: string;
  /** The complete environment: nothing is inherited implicitly. */
  env: Record<string, string>;
  timeoutMs: number;
  killGraceMs: number;
  stdoutFile: string;
  stderrFile: string;
  /** The child's stdin is this file (opened read-only and handed over as an fd); /dev/null without it. */
  stdinFile?: string | undefined;
  /** Aborting stops the whole process group (Ctrl-C, SIGTERM, /stop). */
  abort: AbortSignal;
  onSpawn?: (pid: number) => void;
  /** Stop the group when the agent has shown no sign of life (output) for `timeoutMs` while still running. */
  idle?: { timeoutMs: number; lastActivity: () => number } | undefined;
}

const TAIL_BYTES = 4096;

/** A monotonic clock in ms. Not `performance.now()`: Node 20 loads perf_hooks at its first use, ~1.5 ms of a start. */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

export async function runProcess(req: ProcessRequest): Promise<ChildOutcome> {
  const started = monotonicMs();
  // Appended to (io/log-cap.ts cuts them while the agent runs), never blocking on what an agent put at their names.
  const stdoutFd = openRegularFile(req.stdoutFile, APPEND, 0o666)!.fd;
  const stderrFd = openRegularFile(req.stderrFile, APPEND, 0o666)!.fd;
  // A file, not a pipe: a child that never reads its stdin cannot block us, nor make a write fail with EPIPE.
  const stdinFd = req.stdinFile === undefined ? undefined : openSync(req.stdinFile, 'r');
  let timedOut = false;
  let idle = false;
  let cancelled = false;
  let idleTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pid: number | undefined;
  const stop = () => {
    if (pid !== undefined && !stopping) stopping = terminateGroup(pid, req.killGraceMs);
  };
  const onAbort = () => {
    cancelled = true;
    stop();
  };

  // Where the pid counter stood before the spawn: the sweep after a short run reads only the newcomers' environments,
  // and none at all when the agent started nothing.
  const census = req.env.SAMOCODE_RUN_ID ? processCensus() : undefined;
  try {
    let child: ChildProcess;
    try {
      child = spawn(req.command, req.args, {
        cwd: req.cwd,
        env: req.env,
        detached: true,
        stdio: [stdinFd ?? 'ignore', stdoutFd, stderrFd],
      });
    } catch (error) {
      // Refused before any spawn (a NUL byte in an argument; E2BIG, which Node throws rather than emits): a failed
      // spawn is a result like any other.
      return {
        ...NOT_STARTED,
        spawnError: spawnFailure(error as NodeJS.ErrnoException, req),
        durationMs: Math.round(monotonicMs() - started),
      };
    }
    // ENOENT, EACCES, E2BIG … arrive as an 'error' event with no pid; otherwise 'exit' ends the run.
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>(
      (resolve) => {
        child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
        child.once('exit', (code, signal) => resolve({ code, signal }));
      },
    );
    pid = child.pid;
    if (pid !== undefined) {
      req.onSpawn?.(pid);
      timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, req.timeoutMs);
      const watchIdle = req.idle;
      if (watchIdle) {
        idleTimer = setInterval(
          () => {
            if (Date.now() - watchIdle.lastActivity() > watchIdle.timeoutMs) {
              idle = true;
              stop();
            }
          },
          Math.min(1000, watchIdle.timeoutMs),
        );
      }
      if (req.abort.aborted) onAbort();
      else req.abort.addEventListener('abort', onAbort, { once: true });
    }
    const result = await ended;
    // `none`: no process at all was started after this one (the pid counter has not moved), so its group held only
    // the leader, now gone, and nothing can carry the run id: no signal, no look at /proc.
    const scope = sweepScope(census, pid, monotonicMs() - started, census ? lastPidHandedOut() : undefined);
    // The leader is gone; anything it left behind in its group (a dev server, a watcher) goes too.
    if (pid !== undefined && !stopping && scope !== 'none' && groupAlive(pid)) stop();
    await stopping;
    // Nothing of this run may outlive its agent, not even what escaped the process group.
    const runId = req.env.SAMOCODE_RUN_ID;
    if (runId && scope !== 'none') await stopRun(runId, req.killGraceMs, scope === 'newcomers' ? census : undefined);
    const spawnError =
      pid === undefined || result.error || (result.code === null && !result.signal)
        ? spawnFailure(result.error, req)
        : undefined;
    return {
      exitCode: result.code,
      killSignal: result.signal,
      timedOut,
      idle,
      cancelled,
      spawnError,
      durationMs: Math.round(monotonicMs() - started),
    };
  } finally {
    clearTimeout(timer);
    clearInterval(idleTimer);
    req.abort.removeEventListener('abort', onAbort);
    closeSync(stdoutFd);
    closeSync(stderrFd);
    if (stdinFd !== undefined) closeSync(stdinFd);
  }
}

const NOT_STARTED: Omit<ChildOutcome, 'durationMs'> = {
  exitCode: null,
  killSignal: null,
  timedOut: false,
  idle: false,
  cancelled: false,
};

function spawnFailure(
  error: NodeJS.ErrnoException | undefined,
  req: Pick<ProcessRequest, 'command' | 'args' | 'env'>,
): string {
  // Node's message ("spawn claude ENOENT") names the command, not the whole line: for E2BIG add what was too long.
  if (error?.code === 'E2BIG') return `E2BIG: ${error.message}: ${tooLong(req)}`;
  const message = error?.message ?? `${req.command} could not be started`;
  return error?.code ? `${error.code}: ${message}` : message;
}

/** Linux refuses a single argument or environment string over 128 KiB (MAX_ARG_STRLEN), and all of them over ARG_MAX. */
const MAX_ARG_STRLEN = 128 * 1024;

/** Which part of a spawn was too big for the system: the longest argument, the largest variable, the totals. */
export function tooLong(req: Pick<ProcessRequest, 'command' | 'args' | 'env'>): string {
  const argBytes = req.args.map((arg) => Buffer.byteLength(arg) + 1);
  const envBytes = Object.entries(req.env).map(([name, value]) => ({
    name,
    bytes: Buffer.byteLength(name) + Buffer.byteLength(value) + 2,
  }));
  const longest = argBytes.reduce((best, bytes, index) => (bytes > (argBytes[best] ?? 0) ? index : best), 0);
  const largest = envBytes.reduce((best, entry) => (entry.bytes > best.bytes ? entry : best), { name: '', bytes: 0 });
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const total = argBytes.reduce((a, b) => a + b, 0) + envBytes.reduce((a, e) => a + e.bytes, 0);
  const parts: string[] = [];
  if ((argBytes[longest] ?? 0) > MAX_ARG_STRLEN) {
    const arg = req.args[longest] ?? '';
    parts.push(
      `argument ${longest + 1} (${JSON.stringify(arg.slice(0, 40))}${arg.length > 40 ? '…' : ''}) is ${kib(argBytes[longest] ?? 0)}, over the 128 KiB the system allows for one argument`,
    );
  }
  if (largest.bytes > MAX_ARG_STRLEN)
    parts.push(
      `environment variable ${largest.name} is ${kib(largest.bytes)}, over the 128 KiB the system allows for one variable`,
    );
  parts.push(`the arguments and environment are ${kib(total)} in all (the system's limit, ARG_MAX, is usually 2 MiB)`);
  return parts.join('; ');
}

/** The end of a log file; empty when it is missing or is not a regular file (an agent may put anything there). */
export async function readTail(file: string, bytes = TAIL_BYTES): Promise<string> {
  let opened;
  try {
    opened = openRegularFile(file);
  } catch {
    return '';
  }
  if (!opened) return '';
  try {
    return readEnd(opened, bytes).toString('utf8');
  } finally {
    closeSync(opened.fd);
  }
}
