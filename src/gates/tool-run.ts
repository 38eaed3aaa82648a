// git and gh for the gates, through the supervised spawn the agent uses (a process group, a timeout, Ctrl-C stops
// it, nothing survives): a push that hangs on a dead remote cannot hold the session. Output goes to files (as the
// agent's does) and is read back bounded; what is shown to a person is scrubbed by the caller.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../io/run-process.js';

export interface ToolOptions {
  cwd: string;
  /** The complete environment (see toolEnv). */
  env: Record<string, string>;
  timeoutMs: number;
  killGraceMs: number;
  abort: AbortSignal;
  /** The child's stdout goes to this file and is not read back (an mbox); else it is read back, bounded. */
  stdoutFile?: string | undefined;
}

export interface ToolResult {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  cancelled: boolean;
  stdout: string;
  stderr: string;
  /** Why it did not run or did not finish, in words (spawn error, timeout, stopped). */
  failure?: string | undefined;
}

/** The most of a tool's stdout read back: a commit list, a numstat. */
const STDOUT_CAP = 4 * 1024 * 1024;
const STDERR_CAP = 16 * 1024;

export async function runTool(command: string, args: string[], opts: ToolOptions): Promise<ToolResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'samocode-tool-'));
  try {
    const stdoutFile = opts.stdoutFile ?? join(scratch, 'stdout');
    const stderrFile = join(scratch, 'stderr');
    const outcome = await runProcess({
      command,
      args,
      cwd: opts.cwd,
      env: opts.env,
      timeoutMs: opts.timeoutMs,
      killGraceMs: opts.killGraceMs,
      stdoutFile,
      stderrFile,
      abort: opts.abort,
    });
    const stdout = opts.stdoutFile ? '' : readCapped(stdoutFile, STDOUT_CAP, 'head');
    const stderr = readCapped(stderrFile, STDERR_CAP, 'tail').trim();
    const failure = outcome.spawnError
      ? `could not start ${command}: ${outcome.spawnError}`
      : outcome.timedOut
        ? `${command} took longer than ${Math.round(opts.timeoutMs / 1000)} s and was stopped`
        : outcome.cancelled
          ? `${command} was stopped (Ctrl-C / SIGTERM)`
          : undefined;
    return {
      ok: outcome.exitCode === 0 && !outcome.timedOut && !outcome.cancelled,
      exitCode: outcome.exitCode,
      timedOut: outcome.timedOut,
      cancelled: outcome.cancelled,
      stdout,
      stderr,
      failure,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function readCapped(file: string, cap: number, keep: 'head' | 'tail'): string {
  try {
    const size = statSync(file).size;
    const buffer = readFileSync(file);
    if (size <= cap) return buffer.toString('utf8');
    return (keep === 'head' ? buffer.subarray(0, cap) : buffer.subarray(size - cap)).toString('utf8');
  } catch {
    return '';
  }
}

/**
 * The environment for git and gh: the orchestrator's, without what samocode keeps to itself (TELEGRAM_*) or what
 * would point git elsewhere, never prompting (a push that wants a password fails at once instead of hanging).
 */
export function toolEnv(env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key.startsWith('TELEGRAM_')) continue;
    if (key === 'GIT_DIR' || key === 'GIT_WORK_TREE' || key === 'GIT_INDEX_FILE') continue;
    out[key] = value;
  }
  return { ...out, GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never', ...extra };
}

/** What a failed run said, in one line for a message: the failure, else the last lines of stderr. */
export function toolError(result: ToolResult): string {
  if (result.failure) return result.failure;
  const tail = result.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-3)
    .join(' / ');
  return `exit ${result.exitCode ?? 'none'}${tail ? `: ${tail}` : ''}`;
}
