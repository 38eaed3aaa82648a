// When `git worktree add` failed only because another git was making or changing a worktree of the same repository
// at that instant: it reads every worktree's files first (`.git/worktrees/<id>/commondir`, gitdir), and one being
// written reads empty ("failed to read .git/worktrees/b/commondir: Success"), or a lock of theirs is held. Sessions
// started together (a worker taking several jobs, two terminals) meet this; a moment later the same command works.

/** git's words for a worktree or lock of another git that was half-made when it looked. */
const BUSY = [
  /failed to read \S*worktrees\/[^/\s]+\//,
  /Unable to create '[^']*\.lock': File exists/,
  /could not lock/i,
];

export function worktreeBusy(gitError: string): boolean {
  return BUSY.some((pattern) => pattern.test(gitError));
}

/** The tries of `git worktree add` and the waits between them (ms): ~1.5 s in all, each jittered by up to half. */
export const WORKTREE_ADD_WAITS_MS = [25, 50, 100, 200, 400, 800];
