// One short git call whose output we read: child_process.execFile, not execa (the bench's per-iteration overhead; a
// `git status` probe runs every iteration in which the stream showed no sign of progress). Never rejects.
import { execFile } from 'node:child_process';

export interface GitResult {
  ok: boolean;
  /** stdout, trailing whitespace trimmed. */
  out: string;
  err: string;
}

/** A status of a big tree may be many MB: far above execFile's 1 MB default, still bounded. */
const MAX_OUTPUT = 256 * 1024 * 1024;

export function git(cwd: string, args: string[], env?: Record<string, string>): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      args,
      { cwd, encoding: 'utf8', maxBuffer: MAX_OUTPUT, ...(env ? { env } : {}) },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : undefined) : 0;
        const err = stderr.trim() || (exitCode === undefined && error ? error.message : '');
        resolve({ ok: exitCode === 0, out: stdout.trimEnd(), err });
      },
    );
    // git reads nothing here; a closed stdin makes sure it never waits for a terminal.
    child.stdin?.end();
  });
}
