// `orchestrate continue`: a done session gets a new cycle on the same branch (the instruction in every prompt, the
// history and counters going on, the earlier delivery kept), and a session that is not done is refused as it is.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  answerEverything,
  createProject,
  fullSessionSteps,
  git,
  PLAN,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  type Project,
} from '../helpers/rig.js';
import { runToDone } from '../helpers/done-session.js';

function continueArgs(project: Project, name: string, scenario: string, extra: string[]): string[] {
  return ['continue', '--config', project.configFile, '--session', name, '--script', scenario, '--no-wait', ...extra];
}

describe('orchestrate continue', () => {
  test('reopens a done session: a new cycle from planning, the instruction in every prompt, history and delivery kept', async () => {
    const project = createProject();
    const steps = [
      ...fullSessionSteps(),
      // Cycle 2, from planning: the plan gate again, then implementation to done.
      { stdinFile: '_prompt-9.md', sessionFiles: PLAN, signal: sig.wait('plan_approval') },
      {
        stdinFile: '_prompt-10.md',
        files: { 'refresh.txt': 'refresh\n' },
        commit: 'Add refresh',
        signal: sig.go('testing'),
      },
      { signal: sig.go('done') },
      { stdinFile: '_prompt-12.md', signal: sig.done() },
    ];
    const scenario = project.scenario(steps);
    const dir = await runToDone(project, 'auth', scenario);
    const before = readOverview(dir).data;
    expect(before).toMatchObject({ status: 'done', iterations: 8 });
    // The delivery of cycle 1: kept, not overwritten, by the new cycle.
    const firstSummary = readFileSync(join(dir, '_delivery', 'summary.md'), 'utf8');
    expect(firstSummary).toContain('Add feature');
    const historyBefore = readHistory(dir);

    const first = await project.run(
      continueArgs(project, 'auth', scenario, ['--instruction', 'Also refresh tokens', '--from', 'planning']),
    );
    expect(first.exitCode, first.stderr).toBe(5);
    expect(first.stderr).toContain('waiting for you (plan_approval)');
    const history = readHistory(dir);
    // Append-only: the first cycle's lines stay as they were, then the continued entry, then cycle 2.
    expect(history.slice(0, historyBefore.length)).toEqual(historyBefore);
    expect(history[historyBefore.length]).toMatchObject({
      seq: historyBefore.length + 1,
      event: 'continued',
      phase: 'done',
      phaseAfter: 'planning',
      instruction: 'Also refresh tokens',
      cycle: 2,
      iteration: 8,
      deliveryKept: '_delivery-1',
    });
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    expect(readFileSync(join(dir, '_delivery-1', 'summary.md'), 'utf8')).toBe(firstSummary);
    expect(existsSync(join(dir, '_delivery'))).toBe(false);
    expect(readOverview(dir).data).toMatchObject({
      phase: 'planning',
      status: 'waiting',
      iterations: 9,
      cycle: 2,
      instruction: 'Also refresh tokens',
      task: 'test task',
    });
    expect(readOverview(dir).data.totals.agentMs).toBeGreaterThan(before.totals.agentMs);
    expect(readFileSync(join(dir, '_prompt-9.md'), 'utf8')).toContain('Also refresh tokens');

    answerEverything(dir);
    const second = await project.run(sessionArgs(project, 'auth', scenario));
    expect(second.exitCode, second.stderr).toBe(0);
    for (const prompt of ['_prompt-10.md', '_prompt-12.md'])
      expect(readFileSync(join(dir, prompt), 'utf8')).toContain('Also refresh tokens');
    expect(readOverview(dir).data).toMatchObject({ status: 'done', iterations: 12, cycle: 2 });
    // Cycle 2 delivers again, beside cycle 1's.
    expect(readFileSync(join(dir, '_delivery', 'summary.md'), 'utf8')).toContain('Add refresh');
    expect(readFileSync(join(dir, '_delivery-1', 'summary.md'), 'utf8')).toBe(firstSummary);
    // The same branch: cycle 1's commit and cycle 2's on it.
    const log = git(readOverview(dir).data.workingDir, 'log', '--format=%s');
    expect(log).toContain('Add feature');
    expect(log).toContain('Add refresh');
  });

  test('refuses a session that is not done, with the exit code of what it is, and changes nothing', async () => {
    const project = createProject();
    const scenario = project.scenario([{ signal: sig.block('need a key', 'set API_URL') }]);
    const blocked = await project.run(sessionArgs(project, 'stuck', scenario));
    expect(blocked.exitCode).toBe(4);
    const dir = project.sessionDir('stuck');
    const history = readFileSync(join(dir, '_signal_history.jsonl'), 'utf8');
    const overview = readFileSync(join(dir, '_overview.md'), 'utf8');

    const refused = await project.run(continueArgs(project, 'stuck', scenario, ['--instruction', 'more']));
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toContain('session');
    expect(refused.stderr).toMatch(/is not done, so there is nothing to continue: it is blocked in investigation/);
    expect(readFileSync(join(dir, '_signal_history.jsonl'), 'utf8')).toBe(history);
    expect(readFileSync(join(dir, '_overview.md'), 'utf8')).toBe(overview);
    expect(existsSync(join(dir, '.lock'))).toBe(false);

    const waitingScenario = project.scenario([{ sessionFiles: PLAN, signal: sig.wait('human_action') }], 'w.json');
    expect((await project.run(sessionArgs(project, 'asks', waitingScenario))).exitCode).toBe(5);
    const waiting = await project.run(continueArgs(project, 'asks', waitingScenario, ['--instruction', 'more']));
    expect(waiting.exitCode).toBe(5);
    expect(waiting.stderr).toMatch(/it is waiting for you \(human_action\)/);
  });

  test('usage: --instruction is required, --from only investigation, planning or implementation', async () => {
    const project = createProject();
    const none = await project.run(['continue', '--config', project.configFile, '--session', 'x']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('--instruction is required');
    const bad = await project.run([
      'continue',
      '--config',
      project.configFile,
      '--session',
      'x',
      '--instruction',
      'y',
      '--from',
      'testing',
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('fix: --from investigation or --from planning or --from implementation');
  });
});
