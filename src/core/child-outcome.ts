// What one run of a child process produced, however it ended: one shape for every outcome, as execa has one result
// for a success, a failure, a timeout and a spawn that never happened. io/run-process.ts returns it, the failure
// classifier reads it, the attempt result carries it, and the history entry is built from it (core/iteration.ts).

export interface ChildOutcome {
  exitCode: number | null;
  /** The POSIX signal that ended the process (SIGTERM, SIGKILL …), if one did. */
  killSignal: string | null;
  /** Killed by samocode's run timeout. */
  timedOut: boolean;
  /** Killed by samocode because it printed nothing for the idle timeout. */
  idle: boolean;
  /** Stopped because the run was aborted (Ctrl-C, SIGTERM, /stop). */
  cancelled: boolean;
  /** The process could not be started at all (e.g. "ENOENT: spawn claude ENOENT", E2BIG). */
  spawnError?: string | undefined;
  durationMs: number;
}
