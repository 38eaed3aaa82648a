import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createProject, fullSessionSteps, git, readHistory, readOverview, sessionArgs } from '../helpers/rig.js';

describe('a whole session through all eight phases', () => {
  test('runs, pauses at both gates for the person, resumes on a plain re-run, and finishes', async () => {
    const project = createProject();
    const scenario = project.scenario(fullSessionSteps());
    const args = sessionArgs(project, 'add-feature', scenario);

    const first = await project.run(args);
    expect(first.stderr).toContain('waiting for you (qa_answers)');
    expect(first.exitCode).toBe(5);
    const dir = project.sessionDir('add-feature');
    expect(readOverview(dir).data).toMatchObject({ phase: 'requirements', status: 'waiting', waitingFor: 'qa_answers', iterations: 2 });

    const qa = join(dir, '_qa.md');
    writeFileSync(qa, readFileSync(qa, 'utf8').replace('_waiting_', 'A'));
    const second = await project.run(args);
    expect(second.exitCode).toBe(5);
    expect(second.stderr).toContain('plan_approval');
    expect(readOverview(dir).data).toMatchObject({ phase: 'planning', status: 'waiting', gatesPassed: ['requirements'] });

    const third = await project.run(args);
    expect(third.stderr).toContain('is done after 9 iterations');
    expect(third.exitCode).toBe(0);

    const overview = readOverview(dir);
    expect(overview.data).toMatchObject({ phase: 'done', status: 'done', iterations: 9, gatesPassed: ['requirements', 'planning'] });
    const history = readHistory(dir);
    const iterations = history.filter((e) => e.event === 'iteration');
    expect(iterations.map((e) => `${e.phase}>${e.phaseAfter}`)).toEqual([
      'investigation>requirements',
      'requirements>requirements',
      'requirements>planning',
      'planning>planning',
      'planning>implementation',
      'implementation>testing',
      'testing>quality',
      'quality>done',
      'done>done',
    ]);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    expect(history.filter((e) => e.event === 'resumed').map((e) => e.how)).toEqual(['run again', 'run again']);
    for (const entry of iterations) expect(entry.run).toMatchObject({ exitCode: 0, attempts: 1, provider: 'script' });

    // The work happened in a worktree on the session branch, not in the main checkout.
    const worktree = join(project.worktrees, 'add-feature');
    expect(overview.data.workingDir).toBe(worktree);
    expect(git(worktree, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('samocode/add-feature');
    expect(git(worktree, 'log', '--format=%s')).toContain('Add feature');
    expect(git(project.repo, 'log', '--format=%s')).not.toContain('Add feature');
    // Every spawn left its prompt and its output in _logs.
    expect(readFileSync(join(dir, iterations[0]!.run.log.replace('.jsonl', '.prompt.md')), 'utf8')).toContain('## Task\ntest task');

    const again = await project.run(args);
    expect(again.exitCode).toBe(0);
    expect(readHistory(dir)).toHaveLength(history.length);
  });

  test('`orchestrate demo` runs the built-in scenario to done with no API key', async () => {
    const project = createProject();
    const result = await project.run(['demo'], { env: { TMPDIR: project.root } });
    expect(result.stderr).toContain('is done after 10 iterations');
    expect(result.exitCode).toBe(0);
    const folder = /session folder: (\S+)/.exec(result.stderr)?.[1];
    expect(folder).toBeDefined();
    expect(readOverview(folder!).data).toMatchObject({ phase: 'done', status: 'done' });
    expect(readFileSync(join(folder!, '_summary.md'), 'utf8')).toContain('greet(name)');
  });
});
