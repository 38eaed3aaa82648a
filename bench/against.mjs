// The bench's A/B mode (`node bench/run.mjs --against REF`): REF's CLI, built in a temporary git worktree of this
// repository, measured alternately with this checkout's in the same run (bench/run.mjs runs the rounds). A change of
// 0.2 ms per iteration or 10 ms at start-up is below what one run's figures move on a shared machine; the same
// rounds, paired, show it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const git = (root, ...args) =>
  execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** REF's full commit hash, or undefined when this repository has no commit of that name. */
export function resolveCommit(root, ref) {
  try {
    return git(root, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`);
  } catch {
    return undefined;
  }
}

/** This checkout's HEAD, and whether its tracked files differ from it: its dist/ is built from the files. */
export function describeHead(root) {
  const head = git(root, 'rev-parse', '--short', 'HEAD');
  return git(root, 'status', '--porcelain', '--untracked-files=no') ? `${head} + uncommitted changes` : head;
}

/**
 * `commit` checked out (detached) at `dir`, with this checkout's node_modules: no install, so where the two lock
 * files differ, REF's build bundles this checkout's dependencies, not its own.
 */
export function addWorktree(root, commit, dir) {
  git(root, 'worktree', 'add', '--detach', '--quiet', dir, commit);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const lock = (at) => {
    const file = join(at, 'package-lock.json');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };
  return { cli: join(dir, 'dist', 'cli.js'), lockDiffers: lock(dir) !== lock(root) };
}

/** What `npm run build` runs, in `dir`: REF's own build.mjs. */
export function buildAt(dir) {
  return new Promise((resolve, reject) => {
    if (!existsSync(join(dir, 'build.mjs'))) throw new Error('it has no build.mjs (it predates the esbuild build)');
    const child = spawn(process.execPath, ['build.mjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0 && existsSync(join(dir, 'dist', 'cli.js'))) resolve();
      else
        reject(
          new Error(
            `node build.mjs in ${dir} ${code === 0 ? 'made no dist/cli.js' : `exited with ${code ?? signal}`}\n` +
              output.trimEnd().split('\n').slice(-20).join('\n'),
          ),
        );
    });
  });
}

/** Synchronous, so the signal handlers can call it; a second call finds nothing to do. */
export function removeWorktree(root, dir) {
  try {
    git(root, 'worktree', 'remove', '--force', dir);
  } catch {
    // never added, or half-made: the directory goes below and prune drops git's record of it
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  try {
    git(root, 'worktree', 'prune');
  } catch {
    // nothing more to do here; `git worktree list` shows what is left
  }
}
