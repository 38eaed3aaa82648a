// Two orchestrators started at the same instant on one session: exactly one runs, the other exits 6 with the lock
// message. Each pair is launched by a tiny python launcher that sleeps until a shared absolute deadline and then
// execs the real CLI, so both reach the lock within the same millisecond or so. The suite runs 3 pairs of each kind;
// LOCK_RACE_TRIALS=50 runs 50 of each kind for the figure in the report.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  answerEverything,
  QA,
  createProject,
  readHistory,
  sessionArgs,
  sig,
  type CliResult,
  type Project,
} from '../helpers/rig.js';
import { reapLeftovers, startAt } from '../helpers/processes.js';

const TRIALS = Number(process.env.LOCK_RACE_TRIALS ?? '3');
const FAST = { SAMOCODE_KILL_GRACE: '0.5', SAMOCODE_RETRY_DELAY: '0' };

interface Pair {
  results: CliResult[];
}

/** Start the same command twice at one deadline (far enough ahead for both launchers to be up and asleep). */
async function race(project: Project, args: string[]): Promise<Pair> {
  const deadline = Date.now() / 1000 + 0.6;
  const children = [startAt(project, deadline, args, { env: FAST }), startAt(project, deadline, args, { env: FAST })];
  return { results: await Promise.all(children.map((c) => c.result)) };
}

/**
 * What went wrong in one trial, or undefined when exactly one ran (exit 5, waiting at the next gate) and the other was
 * refused by the lock (exit 6) before doing anything.
 */
function problemOf(pair: Pair, dir: string, iterationsBefore: number): string | undefined {
  const codes = pair.results.map((r) => r.exitCode).sort();
  const problems: string[] = [];
  if (codes.join() !== '5,6')
    problems.push(`exit codes ${codes.join(' and ')}${codes.join() === '5,5' ? ' (both ran)' : ''}`);
  const loser = pair.results.find((r) => r.exitCode === 6);
  if (loser && !(loser.stderr.includes(join(dir, '.lock')) && /session is in use/.test(loser.stderr)))
    problems.push('the refusal does not name the lock');
  if (pair.results.some((r) => r.stderr.includes('git worktree add'))) problems.push('git worktree add failed');
  const history = readHistory(dir);
  const seqs = history.map((e) => e.seq);
  if (seqs.join() !== seqs.map((_, i) => i + 1).join()) problems.push(`history seq ${seqs.join(',')}`);
  const iterations = history.filter((e) => e.event === 'iteration').map((e) => e.iteration);
  if (iterations.join() !== iterations.map((_, i) => i + 1).join() || iterations.length !== iterationsBefore + 1) {
    problems.push(`iterations ${iterations.join(',')}`);
  }
  if (existsSync(join(dir, '.lock'))) problems.push('the lock was left behind');
  if (problems.length === 0) return undefined;
  return `${problems.join('; ')}\n${pair.results.map((r) => `  exit ${r.exitCode}: ${r.stderr.slice(-400)}`).join('\n')}`;
}

function report(kind: string, problems: (string | undefined)[]): void {
  const failed = problems.flatMap((p, i) => (p ? [`trial ${i + 1}: ${p}`] : []));
  process.stderr.write(`lock race ${kind}: ${failed.length} of ${problems.length} trials went wrong\n`);
  expect(failed).toEqual([]);
}

describe('two orchestrators started at the same instant', () => {
  test(
    `on a new session: exactly one creates and runs it (${TRIALS} pairs)`,
    async () => {
      const project = createProject();
      reapLeftovers(project);
      // The agent takes a moment, so the loser certainly meets the winner's lock rather than a finished run.
      const scenario = project.scenario([{ delayMs: 800, sessionFiles: QA, signal: sig.wait('qa_answers') }]);
      const problems: (string | undefined)[] = [];
      for (let trial = 1; trial <= TRIALS; trial++) {
        const name = `new${trial}`;
        const pair = await race(project, sessionArgs(project, name, scenario));
        problems.push(problemOf(pair, project.sessionDir(name), 0));
      }
      report('on a new session', problems);
    },
    60_000 + TRIALS * 15_000,
  );

  test(
    `on an existing session: exactly one resumes it (${TRIALS} pairs)`,
    async () => {
      const project = createProject();
      reapLeftovers(project);
      const gate = { delayMs: 800, sessionFiles: QA, signal: sig.wait('qa_answers') };
      const scenario = project.scenario([{ sessionFiles: QA, signal: sig.wait('qa_answers') }, gate]);
      const problems: (string | undefined)[] = [];
      for (let trial = 1; trial <= TRIALS; trial++) {
        const args = sessionArgs(project, `old${trial}`, scenario);
        expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
        const dir = project.sessionDir(`old${trial}`);
        answerEverything(dir);
        problems.push(problemOf(await race(project, args), dir, 1));
      }
      report('on an existing session', problems);
    },
    60_000 + TRIALS * 20_000,
  );

  test(
    `on a session whose lock was left by a dead orchestrator: exactly one takes it over (${TRIALS} pairs)`,
    async () => {
      const project = createProject();
      reapLeftovers(project);
      const scenario = project.scenario([
        { sessionFiles: QA, signal: sig.wait('qa_answers') },
        { delayMs: 800, sessionFiles: QA, signal: sig.wait('qa_answers') },
      ]);
      const problems: (string | undefined)[] = [];
      for (let trial = 1; trial <= TRIALS; trial++) {
        const args = sessionArgs(project, `stale${trial}`, scenario);
        expect((await project.run(args, { env: FAST })).exitCode).toBe(5);
        const dir = project.sessionDir(`stale${trial}`);
        answerEverything(dir);
        const dead = spawnSync('true').pid;
        writeFileSync(
          join(dir, '.lock'),
          JSON.stringify({ pid: dead, host: hostname(), runId: 'dead-run', startedAt: new Date(0).toISOString() }),
        );
        const pair = await race(project, args);
        const problem = problemOf(pair, dir, 1);
        const tookOver = pair.results.filter((r) =>
          r.stderr.includes(`took over the lock of orchestrator pid ${dead}`),
        ).length;
        problems.push(problem ?? (tookOver === 1 ? undefined : `${tookOver} runs say they took the lock over`));
      }
      report('on a stale lock', problems);
    },
    60_000 + TRIALS * 20_000,
  );
});
