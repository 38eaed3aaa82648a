// `orchestrate prune` with real git: the worktree (and with --branches the branch) of a done session older than the
// retention goes; a waiting session, a freshly done one and one whose lock is held keep theirs; --dry-run changes
// nothing; the session folders stay.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runToDone } from '../helpers/done-session.js';
import {
  createProject,
  fullSessionSteps,
  git,
  PLAN,
  readOverview,
  sessionArgs,
  sig,
  type Project,
} from '../helpers/rig.js';

/** Make a done session look finished `days` ago (its last state change). */
function age(dir: string, days: number): void {
  const file = join(dir, '_overview.md');
  const when = new Date(Date.now() - days * 86_400_000).toISOString();
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^updatedAt: .*$/m, `updatedAt: '${when}'`));
}

function branches(project: Project): string[] {
  return git(project.repo, 'branch', '--format=%(refname:short)').split('\n');
}

describe('orchestrate prune', () => {
  test('removes old done worktrees (and branches), keeps waiting, fresh and locked ones; --dry-run changes nothing', async () => {
    const project = createProject();
    const scenario = project.scenario([
      ...fullSessionSteps(),
      { sessionFiles: PLAN, signal: sig.wait('plan_approval') },
    ]);
    const old = await runToDone(project, 'old', scenario);
    const fresh = await runToDone(project, 'fresh', scenario);
    expect((await project.run(sessionArgs(project, 'asks', scenario))).exitCode).toBe(5);
    const asks = project.sessionDir('asks');
    age(old, 10);
    age(asks, 30);
    const worktree = (dir: string) => readOverview(dir).data.workingDir as string;
    const prune = (...extra: string[]) => project.run(['prune', '--config', project.configFile, ...extra]);

    const dry = await prune('--branches', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would remove worktree ${worktree(old)} and branch samocode/old of `);
    expect(dry.stdout).toMatch(/kept \S+-fresh: done \d+ min ago, within the retention/);
    expect(dry.stdout).toMatch(/kept \S+-asks: waiting \(only done sessions are pruned\)/);
    expect(dry.stdout).toContain('would prune 1 session (KEEP_DONE_DAYS=7, with branches)');
    for (const dir of [old, fresh, asks]) expect(existsSync(worktree(dir))).toBe(true);
    expect(branches(project)).toEqual(
      expect.arrayContaining(['main', 'samocode/old', 'samocode/fresh', 'samocode/asks']),
    );

    // A lock held elsewhere (samocode cannot check another host): kept.
    const lock = join(old, '.lock');
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'elsewhere', runId: 'r', startedAt: new Date().toISOString() }));
    const locked = await prune();
    expect(locked.stdout).toMatch(/kept \S+-old: its lock is held by pid 1 on elsewhere/);
    expect(existsSync(worktree(old))).toBe(true);
    rmSync(lock);

    const done = await prune('--branches');
    expect(done.exitCode, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toContain(`removed worktree ${worktree(old)} and branch samocode/old of `);
    expect(existsSync(worktree(old))).toBe(false);
    expect(branches(project)).not.toContain('samocode/old');
    expect(branches(project)).toEqual(expect.arrayContaining(['main', 'samocode/fresh', 'samocode/asks']));
    for (const dir of [fresh, asks]) expect(existsSync(worktree(dir))).toBe(true);
    // The session folder stays, with its history.
    expect(existsSync(join(old, '_signal_history.jsonl'))).toBe(true);
    expect(readOverview(old).data).toMatchObject({ status: 'done' });

    // --older-than overrides the retention: the fresh one goes too, but not its branch without --branches.
    const all = await prune('--older-than', '0m');
    expect(all.stdout).toContain(`removed worktree ${worktree(fresh)} of `);
    expect(branches(project)).toContain('samocode/fresh');
    expect(existsSync(worktree(asks))).toBe(true);

    // `orchestrate continue` makes a pruned worktree again, from the branch that stayed.
    const again = await project.run([
      'continue',
      '--config',
      project.configFile,
      '--session',
      'fresh',
      '--script',
      scenario,
      '--no-wait',
      '--instruction',
      'one more thing',
      '--from',
      'planning',
    ]);
    expect(again.exitCode, again.stderr).toBe(5);
    expect(git(worktree(fresh), 'log', '--format=%s')).toContain('Add feature');
  });

  test('a worktree with uncommitted work is kept, and a bad --older-than is a usage error', async () => {
    const project = createProject();
    const dir = await runToDone(project, 'dirty', project.scenario(fullSessionSteps()));
    age(dir, 10);
    const tree = readOverview(dir).data.workingDir as string;
    writeFileSync(join(tree, 'unsaved.txt'), 'work in progress\n');
    const result = await project.run(['prune', '--config', project.configFile, '--branches']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(/could not prune \S+-dirty: git worktree remove .* \(the worktree is kept\)/);
    expect(existsSync(join(tree, 'unsaved.txt'))).toBe(true);
    expect(branches(project)).toContain('samocode/dirty');

    const bad = await project.run(['prune', '--config', project.configFile, '--older-than', 'a week']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--older-than "a week" is not an age');
  });
});
