// Sessions started together make their worktrees together, and `git worktree add` reads every other worktree's files:
// one another git is writing at that instant reads empty ("failed to read .git/worktrees/b/commondir: Success"), after
// git has already made the new branch. Played here with a worktree entry of MAIN_REPO left half-made (an empty
// commondir), through the real CLI and real git: a moment of it is waited out, for good it is a clear error.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { createProject, readHistory, sessionArgs, sig, waitFor, type Project } from '../helpers/rig.js';
import { worktreeBusy } from '../../src/core/worktree-add.js';

/** Another worktree of MAIN_REPO as git leaves it for a moment while making it: its commondir not written yet. */
function halfMadeWorktree(project: Project): string {
  const entry = join(project.repo, '.git', 'worktrees', 'other');
  mkdirSync(entry, { recursive: true });
  writeFileSync(join(entry, 'gitdir'), `${join(project.root, 'elsewhere', 'other')}/.git\n`);
  writeFileSync(join(entry, 'commondir'), '');
  return entry;
}

describe('git worktree add while another git makes a worktree of the same repository', () => {
  test('a moment of it is waited out: the session gets its worktree and new branch, and runs', async () => {
    const project = createProject();
    const entry = halfMadeWorktree(project);
    const child = project.start(
      sessionArgs(project, 'together', project.scenario([{ signal: sig.block('stop here') }])),
    );
    // Once the first try failed (it left the new branch behind, as git does), the other git is done with its worktree
    // (here: it takes it away again, as a failed one would). Then the next try must take the branch as it is.
    await waitFor(
      () => existsSync(join(project.repo, '.git', 'refs', 'heads', 'samocode', 'together')),
      20_000,
      'a try',
    );
    expect(existsSync(join(project.worktrees, 'together'))).toBe(false);
    rmSync(entry, { recursive: true, force: true });
    const result = await child.result;
    expect(result.exitCode, result.stderr).toBe(4);
    expect(readHistory(project.sessionDir('together')).map((e) => e.event)).toEqual(['iteration']);
    const branch = spawnSync('git', ['-C', join(project.worktrees, 'together'), 'branch', '--show-current'], {
      encoding: 'utf8',
    });
    expect(branch.stdout.trim()).toBe('samocode/together');
  });

  test('for good, it is a configuration error with git’s words and the tries, and nothing ran', async () => {
    const project = createProject();
    halfMadeWorktree(project);
    const result = await project.run(sessionArgs(project, 'stuck', project.scenario([{ signal: sig.block('no') }])));
    expect(result.exitCode).toBe(3);
    expect(readHistory(project.sessionDir('stuck'))).toEqual([]);
    expect(result.stderr).toMatch(
      /git worktree add .* failed in .*repo \(7 tries: another git was making a worktree of this repository\): [\s\S]*failed to read \.git\/worktrees\/other\/commondir/,
    );
  });
});

describe('worktreeBusy', () => {
  test("git's words for another git's half-made worktree or held lock, and nothing else", () => {
    expect(
      worktreeBusy(
        "Preparing worktree (new branch 'samocode/a')\nfatal: failed to read .git/worktrees/b/commondir: Success",
      ),
    ).toBe(true);
    expect(worktreeBusy("fatal: Unable to create '/r/.git/refs/heads/samocode/a.lock': File exists.")).toBe(true);
    expect(worktreeBusy("fatal: a branch named 'samocode/a' already exists")).toBe(false);
    expect(worktreeBusy('fatal: invalid reference: nope')).toBe(false);
    expect(worktreeBusy("fatal: '/w/a' already exists")).toBe(false);
  });
});
