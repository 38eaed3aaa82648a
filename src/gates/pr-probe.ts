// What a pull request shows, read with gh through the supervised spawn (tool-run.ts: its own process group, a time
// limit, stopped with the worker): `gh pr view` and `gh pr checks` for the PR, `gh run view --log-failed` for the log
// of a failing Actions job. Read only: nothing here writes to the PR. What gh prints is parsed in core/pr-watch.ts;
// the logs are scrubbed here, before anything else sees them.
import { actionsRunOf, parsePrChecks, parsePrView, repoOfPr, type PrCheck, type PrFacts } from '../core/pr-watch.js';
import type { Scrub } from '../core/secrets.js';
import { oneLine } from '../core/text.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTail } from '../io/run-process.js';
import { runTool, toolEnv, toolError, type ToolResult } from './tool-run.js';

/** The most of a failed job's log read back: its end (core/pr-watch.ts keeps less of it still). */
const LOG_READ = 64 * 1024;

export interface PrProbeOptions {
  /** Where gh runs (the main checkout: gh needs no repository for a PR URL, but reads its config from there). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  killGraceMs: number;
  scrub: Scrub;
}

export type PrLook = { ok: true; facts: PrFacts } | { ok: false; problem: string };

export interface PrProbe {
  look(url: string, abort: AbortSignal): Promise<PrLook>;
  /** The failed steps' log of each failing check that is an Actions job (at most `max` runs), scrubbed. */
  failedLogs(
    url: string,
    failing: readonly PrCheck[],
    abort: AbortSignal,
    max?: number,
  ): Promise<{ name: string; log: string }[]>;
}

const VIEW_FIELDS = 'state,reviewDecision,headRefOid,reviews,comments';
const CHECK_FIELDS = 'name,bucket,workflow,link,description';

export function createPrProbe(opts: PrProbeOptions): PrProbe {
  const gh = (args: string[], abort: AbortSignal, stdoutFile?: string): Promise<ToolResult> =>
    runTool('gh', args, {
      cwd: opts.cwd,
      env: toolEnv(opts.env, { GH_PROMPT_DISABLED: '1', NO_COLOR: '1', GH_NO_UPDATE_NOTIFIER: '1' }),
      timeoutMs: opts.timeoutMs,
      killGraceMs: opts.killGraceMs,
      abort,
      stdoutFile,
    });
  const failed = (what: string, result: ToolResult) =>
    opts.scrub(
      `gh ${what} failed: ${result.failure?.includes('ENOENT') ? 'gh is not installed (not found on PATH)' : oneLine(toolError(result), 400)}`,
    );

  return {
    async look(url, abort) {
      const view = await gh(['pr', 'view', url, '--json', VIEW_FIELDS], abort);
      if (!view.ok) return { ok: false, problem: failed('pr view', view) };
      const parsedView = parsePrView(view.stdout);
      if (!parsedView.ok) return { ok: false, problem: opts.scrub(`gh pr view ${parsedView.problem}`) };
      // `gh pr checks` exits 8 while checks are pending and 1 when one failed, with the JSON all the same.
      const checks = await gh(['pr', 'checks', url, '--json', CHECK_FIELDS], abort);
      if (checks.failure) return { ok: false, problem: failed('pr checks', checks) };
      const parsedChecks = parsePrChecks(checks.stdout, checks.stderr);
      if (!parsedChecks.ok)
        return {
          ok: false,
          problem: checks.ok ? opts.scrub(`gh pr checks ${parsedChecks.problem}`) : failed('pr checks', checks),
        };
      return { ok: true, facts: { url, ...parsedView.value, checks: parsedChecks.value } };
    },

    async failedLogs(url, failing, abort, max = 2) {
      const repo = repoOfPr(url);
      const runs = new Map<string, string[]>();
      for (const check of failing) {
        const run = actionsRunOf(check.link);
        if (run) runs.set(run.run, [...(runs.get(run.run) ?? []), check.name]);
      }
      const out: { name: string; log: string }[] = [];
      for (const [run, names] of [...runs].slice(0, max)) {
        // A job's log can be huge and its end is what matters: to a file, and only its tail read back.
        const scratch = mkdtempSync(join(tmpdir(), 'samocode-prlog-'));
        let log = '';
        try {
          const file = join(scratch, 'log');
          const result = await gh(['run', 'view', run, ...(repo ? ['--repo', repo] : []), '--log-failed'], abort, file);
          if (result.ok) log = await readTail(file, LOG_READ);
        } finally {
          rmSync(scratch, { recursive: true, force: true });
        }
        // One run's log holds all of its failed jobs: it goes with each of them.
        for (const name of names) out.push({ name, log: opts.scrub(log) });
      }
      return out;
    },
  };
}
