// Budgets and stall detection through the real loop with the scripted agent: the 80% warning comes once (also
// across runs), the limit blocks with budget_exceeded and what was spent, a restart keeps the counters; an agent that
// keeps "continuing" without changing anything is blocked as stalled, with the evidence.
import { describe, expect, test } from 'vitest';
import { createProject, readHistory, readOverview, sessionArgs, sig, type Step } from '../helpers/rig.js';

const working = (i: number): Step => ({ files: { [`file-${i}.txt`]: `${i}\n` }, signal: sig.stay('implementation') });

describe('budgets', () => {
  test('iterations: warned once at 80%, blocked at the limit, counters kept across runs', async () => {
    const project = createProject();
    // Stay in investigation, changing a file each time (so it is progress, not a stall).
    const scenario = project.scenario(
      Array.from({ length: 12 }, (_, i) => ({ files: { [`f${i}.txt`]: 'x' }, signal: sig.stay('investigation') })),
    );
    const args = sessionArgs(project, 'iter', scenario, ['--max-iterations', '5']);

    const first = await project.run(args);
    expect(first.exitCode).toBe(4);
    expect(first.stderr).toContain('budget_exceeded: 5 iterations of 5 iterations (100%, SAMOCODE_MAX_ITERATIONS)');
    const dir = project.sessionDir('iter');
    expect(readOverview(dir).data).toMatchObject({
      status: 'blocked',
      blockedKind: 'budget_exceeded',
      iterations: 5,
      budgetWarned: ['iterations'],
    });
    const budgetEntries = readHistory(dir).filter((e) => e.event === 'budget');
    expect(budgetEntries.map((e) => [e.level, e.kind, e.used, e.limit])).toEqual([
      ['warning', 'iterations', 4, 5],
      ['exceeded', 'iterations', 5, 5],
    ]);

    // Raising the limit goes on from where it was, and does not warn again for the same kind… until it is exceeded.
    const second = await project.run(sessionArgs(project, 'iter', scenario, ['--max-iterations', '7']));
    expect(second.exitCode).toBe(4);
    expect(readOverview(dir).data).toMatchObject({ iterations: 7, blockedKind: 'budget_exceeded' });
    expect(readHistory(dir).filter((e) => e.event === 'budget' && e.level === 'warning')).toHaveLength(1);
    // The same limit again: blocked at once, no iteration runs.
    const third = await project.run(sessionArgs(project, 'iter', scenario, ['--max-iterations', '7']));
    expect(third.exitCode).toBe(4);
    expect(readOverview(dir).data.iterations).toBe(7);
  });

  test('hours: time in iterations counts (SAMOCODE_MAX_HOURS), and a bad value is a config error', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { delayMs: 400, files: { 'a.txt': 'a' }, signal: sig.stay('investigation') },
      { files: { 'b.txt': 'b' }, signal: sig.stay('investigation') },
    ]);
    // 0.0001 h = 360 ms: the first iteration alone spends it.
    const result = await project.run(sessionArgs(project, 'hours', scenario), {
      env: { SAMOCODE_MAX_HOURS: '0.0001' },
    });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toMatch(/budget_exceeded: 0\.00 h of 0\.00 h \(\d+%, SAMOCODE_MAX_HOURS\)/);
    expect(readOverview(project.sessionDir('hours')).data.iterations).toBe(1);
    const bad = await project.run(sessionArgs(project, 'hours2', scenario), { env: { SAMOCODE_MAX_HOURS: 'soon' } });
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toContain('SAMOCODE_MAX_HOURS="soon": is not a number > 0 (or "none")');
  });
});

describe('stall detection', () => {
  test('an agent that keeps continuing without changing anything is blocked as stalled, with the evidence', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { signal: sig.go('requirements') },
      { sessionFiles: { '_qa.md': '### Q1: ok?\n- A) yes\n**Answer:** A\n' }, signal: sig.wait('qa_answers') },
      { signal: sig.go('planning') },
      { sessionFiles: { '_plan.md': '1. x\n**Approval:** approved\n' }, signal: sig.wait('plan_approval') },
      working(1),
      working(2),
      { signal: { status: 'continue', phase: 'implementation', summary: 'retrying the flaky test' } },
      { signal: { status: 'continue', phase: 'implementation', summary: 'retrying the flaky test' } },
      { signal: { status: 'continue', phase: 'implementation', summary: 'retrying the flaky test' } },
      working(3),
    ]);
    const result = await project.run(sessionArgs(project, 'stuck', scenario, [], { wait: true }), {
      env: { SAMOCODE_STALL_LIMIT: '3' },
    });
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('stalled: 3 iterations in a row in implementation changed nothing');
    const dir = project.sessionDir('stuck');
    const iterations = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(iterations.map((e) => [e.iteration, e.changed ?? null, e.stalled ?? false])).toEqual([
      // The first iteration of a run has no "before"; the tree is only looked at when a stall is possible.
      [1, null, false],
      [2, true, false],
      [3, null, false],
      [4, true, false],
      [5, null, false],
      [6, true, false],
      [7, false, true],
      [8, false, true],
      [9, false, true],
    ]);
    expect(iterations.at(-1)).toMatchObject({ validation: 'stalled', statusAfter: 'blocked' });
    expect(readOverview(dir).data).toMatchObject({ status: 'blocked', blockedKind: 'stalled', stallCount: 3 });
  });

  test('SAMOCODE_STALL_LIMIT=0 turns it off', async () => {
    const project = createProject();
    const scenario = project.scenario([
      ...Array.from({ length: 5 }, () => ({ signal: sig.stay('investigation') })),
      { signal: sig.block('end') },
    ]);
    const result = await project.run(sessionArgs(project, 'off', scenario), { env: { SAMOCODE_STALL_LIMIT: '0' } });
    expect(result.exitCode).toBe(4);
    expect(readOverview(project.sessionDir('off')).data).toMatchObject({ blockedKind: 'agent', iterations: 6 });
  });
});
