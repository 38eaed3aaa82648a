// samocode's own checks and done rules through the real CLI, with the scripted agent in real git repos: a failing
// check keeps the session in its phase and its output reaches the next prompt; the same failure three times blocks;
// done without a commit, or with a dirty tree, is refused; a check that hangs is killed with its whole group; Ctrl-C
// during a check leaves nothing running and the session resumes; an agent in a repo without a git identity commits.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  answerEverything,
  createProject,
  git,
  isRunning,
  PLAN,
  QA,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type CliResult,
  type Project,
  type Step,
} from '../helpers/rig.js';
import { reapLeftovers, tryRead } from '../helpers/processes.js';

/** Iterations 1–4: investigation → requirements (a wait) → planning (a wait); iteration 5 is the first of implementation. */
const TO_IMPLEMENTATION: Step[] = [
  { signal: sig.go('requirements') },
  { sessionFiles: QA, signal: sig.wait('qa_answers') },
  { signal: sig.go('planning') },
  { sessionFiles: PLAN, signal: sig.wait('plan_approval') },
];

function projectWith(config: string[]): Project {
  return createProject({
    config: [
      'MAIN_REPO=./repo',
      'WORKTREES=./worktrees',
      'SESSIONS=./sessions',
      'PROVIDER=script',
      'SAMOCODE_RETRY_DELAY=0',
      ...config,
    ],
  });
}

/** Run, answering the two gates by editing the files as the person would, until the session is neither of them. */
async function runAnswering(project: Project, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  for (;;) {
    const result = await project.run(args, { env });
    if (result.exitCode !== 5 || !/qa_answers|plan_approval/.test(result.stderr)) return result;
    answerEverything(project.sessionDir(args[args.indexOf('--session') + 1]!));
  }
}

const iterations = (dir: string) => readHistory(dir).filter((e) => e.event === 'iteration');

describe('VERIFY checks', () => {
  test('a failing check keeps the session in its phase, and its output reaches the next prompt', async () => {
    const project = projectWith(['VERIFY=test -f fixed.txt || { echo "FAIL: fixed.txt is missing" >&2; exit 1; }']);
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { files: { 'feature.txt': 'x\n' }, commit: 'Add feature', signal: sig.go('testing') },
      { stdinFile: 'prompt-6.txt', files: { 'fixed.txt': 'ok\n' }, commit: 'Fix', signal: sig.go('testing') },
      { signal: sig.go('done') },
      { signal: sig.done() },
    ]);
    const result = await runAnswering(project, sessionArgs(project, 'fails', scenario));
    expect(result.stderr).toContain('is done after 8 iterations');
    expect(result.exitCode).toBe(0);
    const dir = project.sessionDir('fails');
    const entries = iterations(dir);
    const refused = entries[4]!;
    expect(refused).toMatchObject({
      phase: 'implementation',
      phaseAfter: 'implementation',
      statusAfter: 'running',
      validation: 'verify_failed',
      checks: [{ name: 'verify', exitCode: 1, timedOut: false, cls: 'exit_1' }],
    });
    expect(refused.checks[0].log).toMatch(/^_logs\/.*-005-check-verify\.log$/);
    expect(readFileSync(join(dir, refused.checks[0].log), 'utf8')).toContain('FAIL: fixed.txt is missing');
    const prompt = readFileSync(join(dir, 'prompt-6.txt'), 'utf8');
    expect(prompt).toContain(`samocode's check "verify" failed`);
    expect(prompt).toContain('test -f fixed.txt');
    expect(prompt).toContain('exit code 1');
    expect(prompt).toContain('FAIL: fixed.txt is missing');
    // The next move passes the check; testing → done and done itself find nothing changed and do not run it again.
    expect(entries[5]).toMatchObject({ phaseAfter: 'testing', validation: 'ok', checks: [{ exitCode: 0 }] });
    expect(entries[6]).toMatchObject({ phaseAfter: 'done', validation: 'ok', checks: [], checksUnchanged: true });
    expect(entries[7]).toMatchObject({ statusAfter: 'done', validation: 'ok', checksUnchanged: true });
    expect(readOverview(dir).data.gateFailure).toBeUndefined();
  });
});
