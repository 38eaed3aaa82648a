// Typed errors that end a run. Each carries the exit code the CLI maps it to; only src/cli.ts ends the process.
// Expected per-iteration failures (agent crash, bad signal) are values, not throws: see core/iteration.ts.
import { truncate } from './core/text.js';

/** Exit codes, documented in the README. Distinct so a wrapper script can tell the outcomes apart. */
export const EXIT_CODES = {
  done: 0,
  internal: 1,
  usage: 2,
  config: 3,
  blocked: 4,
  waiting: 5,
  locked: 6,
  agentFailed: 7,
  /** samocode could not write its own files (disk full, read-only, permission denied): an environment problem. */
  storage: 8,
  /** The Redis queue (SAMOCODE_QUEUE) cannot be reached, or went away mid-run: the sessions' files are intact. */
  queueUnavailable: 9,
  /** `orchestrate serve` cannot listen: the port is taken, or the address is not this machine's or not allowed. */
  cannotListen: 10,
  sigint: 130,
  sigterm: 143,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export class OrchestratorError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
    this.name = 'OrchestratorError';
  }
}

/** Wrong command line: unknown flag, missing --session, bad session name. */
export class UsageError extends OrchestratorError {
  constructor(message: string) {
    super(message, EXIT_CODES.usage);
    this.name = 'UsageError';
  }
}

/** One problem found while loading configuration; every problem is reported at once. */
export interface ConfigProblem {
  /** Where the value came from: a file path, "environment", or "--flag". */
  source: string;
  key: string;
  value: string | undefined;
  message: string;
  fix: string;
}

export class ConfigError extends OrchestratorError {
  readonly problems: ConfigProblem[];
  /** `warnings` (e.g. an unknown key with a did-you-mean) are shown too: they often explain the problems. */
  constructor(problems: ConfigProblem[], warnings: string[] = []) {
    super(formatConfigProblems(problems) + warnings.map((w) => `\n  warning: ${w}`).join(''), EXIT_CODES.config);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Another orchestrator holds the session lock. */
export class SessionLockedError extends OrchestratorError {
  constructor(message: string) {
    super(message, EXIT_CODES.locked);
    this.name = 'SessionLockedError';
  }
}

/** The session state on disk cannot be read (e.g. broken front matter); nothing is overwritten. */
export class SessionStateError extends OrchestratorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.config, options);
    this.name = 'SessionStateError';
  }
}

/** A git command the session needs failed: the worktree cannot be made or used as configured. */
export class GitError extends OrchestratorError {
  constructor(message: string) {
    super(message, EXIT_CODES.config);
    this.name = 'GitError';
  }
}

/** Installing could not finish: a file or folder could not be written, or the manifest is unreadable. */
export class InstallError extends OrchestratorError {
  constructor(message: string) {
    super(message, EXIT_CODES.config);
    this.name = 'InstallError';
  }
}

/**
 * A write of samocode's own (history, state, session.log, lock, `_logs/`, a folder it creates) failed for a reason
 * outside samocode: disk full, quota, read-only file system, permission. The message names the file, what was being
 * written, the errno in words, the space needed and the fix (io/storage-failure.ts builds it); no stack trace, because
 * it is not a bug. The session is left resumable: the same command goes on once the cause is fixed.
 */
export class StorageError extends OrchestratorError {
  readonly file: string;
  readonly code: string;
  constructor(message: string, file: string, code: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.storage, options);
    this.name = 'StorageError';
    this.file = file;
    this.code = code;
  }
}

/**
 * The BullMQ queue's Redis cannot be reached (at start) or went away (mid-run). The message names the URL (without
 * its password), what failed and the fix. Nothing of a session is lost: its files are the truth, and a session that
 * was running is stopped at a safe point and stays resumable.
 */
export class QueueUnavailableError extends OrchestratorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.queueUnavailable, options);
    this.name = 'QueueUnavailableError';
  }
}

/** `orchestrate serve` could not listen on the address and port asked for; the message says why and the fix. */
export class ListenError extends OrchestratorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.cannotListen, options);
    this.name = 'ListenError';
  }
}

export function formatConfigProblems(problems: ConfigProblem[]): string {
  const noun = problems.length === 1 ? 'problem' : 'problems';
  const lines = problems.map((p) => {
    const shown = p.value === undefined ? '(not set)' : JSON.stringify(truncate(p.value, 200));
    return `  ${p.source}: ${p.key}=${shown}: ${p.message}\n    fix: ${p.fix}`;
  });
  return `configuration has ${problems.length} ${noun}:\n${lines.join('\n')}`;
}
