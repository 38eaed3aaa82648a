import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  answerEverything,
  createProject,
  fullSessionSteps,
  git,
  readHistory,
  readOverview,
  sessionArgs,
} from '../helpers/rig.js';

describe('a whole session through all eight phases', () => {
  test('with --no-wait: exits at each gate, and a plain re-run picks up the answers written in the files', async () => {
    const project = createProject();
    const scenario = project.scenario(fullSessionSteps());
    const args = sessionArgs(project, 'add-feature', scenario);

    const first = await project.run(args);
    expect(first.stderr).toContain('waiting for you (qa_answers)');
    expect(first.stderr).toContain('still open: 1 of 1 questions still unanswered in _qa.md: Q1');
    expect(first.exitCode).toBe(5);
    const dir = project.sessionDir('add-feature');
    expect(readOverview(dir).data).toMatchObject({
      phase: 'requirements',
      status: 'waiting',
      waitingFor: 'qa_answers',
      iterations: 2,
    });

    // Running again without answering changes nothing.
    const unanswered = await project.run(args);
    expect(unanswered.exitCode).toBe(5);
    expect(readHistory(dir)).toHaveLength(2);

    const qa = join(dir, '_qa.md');
    writeFileSync(qa, readFileSync(qa, 'utf8').replace('_waiting_', 'A'));
    const second = await project.run(args);
    expect(second.exitCode).toBe(5);
    expect(second.stderr).toContain('plan_approval');
    expect(readOverview(dir).data).toMatchObject({
      phase: 'planning',
      status: 'waiting',
      gatesPassed: ['requirements'],
    });

    answerEverything(dir);
    const third = await project.run(args);
    expect(third.stderr).toContain('is done after 8 iterations');
    expect(third.exitCode).toBe(0);

    const overview = readOverview(dir);
    expect(overview.data).toMatchObject({
      phase: 'done',
      status: 'done',
      iterations: 8,
      gatesPassed: ['requirements', 'planning'],
      approvedPlan: '_plan.md',
    });
    const history = readHistory(dir);
    const iterations = history.filter((e) => e.event === 'iteration');
    expect(iterations.map((e) => `${e.phase}>${e.phaseAfter}`)).toEqual([
      'investigation>requirements',
      'requirements>requirements',
      'requirements>planning',
      'planning>planning',
      'implementation>testing',
      'testing>quality',
      'quality>done',
      'done>done',
    ]);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    const resumed = history.filter((e) => e.event === 'resumed');
    expect(resumed.map((e) => [e.how, e.gatePassed, e.phaseAfter])).toEqual([
      ['all 1 answers in _qa.md', true, undefined],
      ['plan approved in _plan.md', true, 'implementation'],
    ]);
    for (const entry of iterations) expect(entry.run).toMatchObject({ exitCode: 0, attempts: 1, provider: 'script' });

    // The work happened in a worktree on the session branch, not in the main checkout.
    const worktree = join(project.worktrees, 'add-feature');
    expect(overview.data.workingDir).toBe(worktree);
    expect(git(worktree, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('samocode/add-feature');
    expect(git(worktree, 'log', '--format=%s')).toContain('Add feature');
    expect(git(project.repo, 'log', '--format=%s')).not.toContain('Add feature');
    // Every spawn left its prompt and its output in _logs; after approval the plan is named as the contract.
    const prompt = (entry: Record<string, any>) =>
      readFileSync(join(dir, entry.run.log.replace('.jsonl', '.prompt.md')), 'utf8');
    expect(prompt(iterations[0]!)).toContain('## Task\ntest task');
    expect(prompt(iterations[4]!)).toContain(`Approved plan (the contract): ${dir}/_plan.md`);
    expect(prompt(iterations[3]!)).not.toContain('Approved plan');

    const again = await project.run(args);
    expect(again.exitCode).toBe(0);
    expect(readHistory(dir)).toHaveLength(history.length);
  });

  test('`orchestrate demo --keep` runs the built-in scenario to done with no API key and says where it all is', async () => {
    const project = createProject();
    const result = await project.run(['demo', '--keep'], { env: { TMPDIR: project.root } });
    expect(result.stderr).toContain('is done after 9 iterations');
    expect(result.exitCode).toBe(0);
    const folder = /session folder: (\S+)/.exec(result.stderr)?.[1];
    expect(folder).toBeDefined();
    expect(readOverview(folder!).data).toMatchObject({ phase: 'done', status: 'done' });
    expect(readFileSync(join(folder!, '_summary.md'), 'utf8')).toContain('greet(name)');
    // samocode ran the tests itself (VERIFY=node --test) before it believed them, and delivered the branch.
    expect(result.stderr).toContain('check verify: passed');
    const checks = readHistory(folder!).flatMap((e) => e.checks ?? []);
    expect(checks).toContainEqual(expect.objectContaining({ name: 'verify', command: 'node --test', exitCode: 0 }));
    expect(readdirSync(join(folder!, '_delivery'))).toContain('combined.mbox');
  });
});
