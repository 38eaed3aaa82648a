// Sessions brought to one of the person's gates by the scripted agent, as tests of the ways to answer them need one
// (orchestrate json, orchestrate serve): up to the plan's approval, up to the review of a focused test, or a run that
// waits in its own process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import {
  answerEverything,
  git,
  PLAN,
  QA,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type CliResult,
  type Project,
  type Step,
} from './rig.js';
import type { ChildProcess } from 'node:child_process';

const WAIT_MS = 30_000;

/** Questions, then a plan to approve, then blocked (the end of the scenario). */
export function planSteps(): Step[] {
  return [
    { signal: sig.go('requirements') },
    { sessionFiles: QA, signal: sig.wait('qa_answers') },
    { signal: sig.go('planning') },
    { sessionFiles: PLAN, signal: sig.wait('plan_approval') },
    { signal: sig.block('end of scenario') },
  ];
}

/** Two --no-wait runs, the questions answered in the file between them: the session waits for its plan's approval. */
export async function runToPlanWait(project: Project, name: string, scenario: string): Promise<string> {
  expect((await project.run(sessionArgs(project, name, scenario))).exitCode).toBe(5);
  const dir = project.sessionDir(name);
  answerEverything(dir);
  expect((await project.run(sessionArgs(project, name, scenario))).exitCode).toBe(5);
  expect(readOverview(dir).data.waitingFor).toBe('plan_approval');
  return dir;
}

/**
 * The repository gets a test; the session focuses it (`it.only`), which the review of the diff finds after done.
 * Returns the steps: questions, plan, the commit, done, then blocked.
 */
export function reviewSteps(project: Project): Step[] {
  const test = "it('adds', () => {\n  expect(1 + 1).toBe(2);\n});\n";
  mkdirSync(dirname(join(project.repo, 'tests/math.test.ts')), { recursive: true });
  writeFileSync(join(project.repo, 'tests/math.test.ts'), test);
  git(project.repo, 'add', '-A');
  git(project.repo, 'commit', '-q', '-m', 'a test');
  return [
    { signal: sig.go('requirements') },
    { sessionFiles: QA, signal: sig.wait('qa_answers') },
    { signal: sig.go('planning') },
    { sessionFiles: PLAN, signal: sig.wait('plan_approval') },
    {
      files: { 'tests/math.test.ts': test.replace("it('adds',", "it.only('adds',") },
      commit: 'Focus',
      signal: sig.go('testing'),
    },
    { signal: sig.go('done') },
    { signal: sig.done() },
    { signal: sig.block('end of scenario') },
  ];
}

/** A run that waits for the person in its own process (no --no-wait), once it says so. */
export async function startWaitingRun(
  project: Project,
  name: string,
  steps: Step[],
  file: string,
): Promise<ChildProcess & { result: Promise<CliResult> }> {
  const run = project.start(sessionArgs(project, name, project.scenario(steps, file), [], { wait: true }));
  let stderr = '';
  run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => stderr.includes('waiting for you:'), WAIT_MS, 'the run to wait');
  return run;
}
