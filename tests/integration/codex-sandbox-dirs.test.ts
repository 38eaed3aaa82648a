// Codex's workspace-write sandbox keeps git metadata read-only: in a worktree the agent could not commit. samocode adds
// the worktree's git dir and the shared objects, refs and logs with --add-dir. Checked on a real git worktree.
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { gitWritableDirs } from '../../src/agent/providers.js';
import { createProject, git } from '../helpers/rig.js';

test('the git dirs a commit in a worktree writes are the ones added for Codex', () => {
  const project = createProject();
  const worktree = join(project.root, 'wt');
  git(project.repo, 'worktree', 'add', '-q', '-b', 'feature', worktree);
  const common = join(project.repo, '.git');
  expect(gitWritableDirs(worktree)).toEqual([
    join(common, 'worktrees', 'wt'),
    join(common, 'objects'),
    join(common, 'refs'),
    join(common, 'logs'),
  ]);
  // A plain checkout (its .git is a folder inside the working dir) and a folder without git need nothing.
  expect(gitWritableDirs(project.repo)).toEqual([]);
  expect(gitWritableDirs(project.root)).toEqual([]);
});
