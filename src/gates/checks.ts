// One configured check, run by samocode itself: `sh -c <command>` in the working dir, supervised like the agent
// (io/run-process.ts: its own process group, the time limit, Ctrl-C, and every process carrying the run id stopped
// afterwards). Its output goes straight to one file under `_logs/`; only a bounded tail is read back, scrubbed, and
// classified for the next prompt.
import { join } from 'node:path';
import type { CheckRun, CheckSpec } from '../core/gates.js';
import { classifyCheckOutput } from '../core/check-output-standin.js';
import { withoutControls } from '../core/agent-text.js';
import { LOGS_DIR } from '../core/session-files.js';
import { capWhileRunning } from '../io/log-cap.js';
import { readTail, runProcess } from '../io/run-process.js';

export interface CheckContext {
  sessionDir: string;
  workingDir: string;
  /** The complete environment of the check (the agent's, without its per-attempt variables). */
  env: Record<string, string>;
  killGraceMs: number;
  logMaxBytes: number;
  scrub: (text: string) => string;
  abort: AbortSignal;
  /** The log file's name before `-check-<name>.log`: the time and the iteration, like the agent's logs. */
  logStem: string;
}

/** What is read back of a check's output: enough for the classifier, never the whole of a huge log. */
const TAIL_BYTES = 16 * 1024;

export async function runCheck(spec: CheckSpec, ctx: CheckContext): Promise<CheckRun> {
  const log = `${LOGS_DIR}/${ctx.logStem}-check-${spec.name}.log`;
  const file = join(ctx.sessionDir, log);
  const cap = capWhileRunning(file, ctx.logMaxBytes);
  const capTimer = setInterval(() => cap.check(), 1000);
  let outcome;
  try {
    outcome = await runProcess({
      command: 'sh',
      args: ['-c', spec.command],
      cwd: ctx.workingDir,
      env: ctx.env,
      timeoutMs: spec.timeoutMs,
      killGraceMs: ctx.killGraceMs,
      // One file for both, in the order the check printed them (O_APPEND on both descriptors).
      stdoutFile: file,
      stderrFile: file,
      abort: ctx.abort,
    });
  } finally {
    clearInterval(capTimer);
    cap.finish();
  }
  const run: CheckRun = {
    name: spec.name,
    command: spec.command,
    exitCode: outcome.exitCode,
    timedOut: outcome.timedOut,
    durationMs: outcome.durationMs,
    log,
  };
  if (run.exitCode === 0 && !run.timedOut) return run;
  const spawn = outcome.spawnError ? `samocode could not start it: ${outcome.spawnError}\n` : '';
  const output = ctx.scrub(withoutControls(spawn + (await readTail(file, TAIL_BYTES))));
  const classified = classifyCheckOutput(output, run);
  return {
    ...run,
    cls: classified.cls,
    hint: classified.hint ? ctx.scrub(classified.hint) : undefined,
    excerpt: classified.excerpt ? ctx.scrub(classified.excerpt) : undefined,
  };
}
