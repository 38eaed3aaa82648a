// `GET /api/sessions/<name>/diff`: what the session branch holds beyond its base (`git diff base...branch`), its
// diffstat and the diff itself cut at MAX_DIFF_BYTES. git runs in the session's worktree (or the main repository once
// the worktree is gone), with no pager, no external diff tool, no colour, and is stopped once enough was read.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Config } from '../../core/config.js';
import { sessionOf } from '../json/actions.js';
import { ApiError } from './http.js';

export const MAX_DIFF_BYTES = 1024 * 1024;
const GIT_TIMEOUT_MS = 30_000;

export interface DiffBody {
  base: string;
  branch: string;
  stat: string;
  diff: string;
  cut: boolean;
}

export async function sessionDiff(config: Config, name: string): Promise<DiffBody> {
  const session = sessionOf(config, { session: name });
  const state = session.state;
  if (!state?.branch || !state.baseBranch)
    throw new ApiError('not_found', `session "${name}" has no branch to compare (a standalone session, or not begun)`);
  const cwd = existsSync(state.workingDir) ? state.workingDir : config.mainRepo;
  const range = `${state.baseBranch}...${state.branch}`;
  const stat = await gitOutput(cwd, ['diff', '--stat', range], MAX_DIFF_BYTES);
  const diff = await gitOutput(cwd, ['diff', range], MAX_DIFF_BYTES);
  const failed = stat.error ?? diff.error;
  if (failed) throw new ApiError('not_found', `git diff ${range} in ${cwd} failed: ${failed}`);
  return {
    base: state.baseBranch,
    branch: state.branch,
    stat: stat.text,
    diff: diff.cut ? `${diff.text}\n[… the diff is longer than ${MAX_DIFF_BYTES} bytes: cut here]\n` : diff.text,
    cut: diff.cut,
  };
}

/** git's stdout, at most `max` bytes (then git is stopped); `error`: its stderr's first line when it failed. */
function gitOutput(cwd: string, args: string[], max: number): Promise<{ text: string; cut: boolean; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'git',
      ['--no-pager', '-c', 'core.quotepath=off', ...args.slice(0, 1), '--no-ext-diff', '--no-color', ...args.slice(1)],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat' } },
    );
    const parts: Buffer[] = [];
    let size = 0;
    let cut = false;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), GIT_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      if (cut) return;
      const room = max - size;
      parts.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (chunk.length > room) {
        cut = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    const done = (code: number | null, error?: string) => {
      clearTimeout(timer);
      const text = Buffer.concat(parts).toString('utf8');
      if (cut) resolve({ text, cut });
      else if (code === 0) resolve({ text, cut: false });
      else resolve({ text, cut: false, error: error ?? (stderr.trim().split('\n')[0] || `exit ${code}`) });
    };
    child.on('error', (error) => done(null, error.message));
    child.on('close', (code) => done(code));
  });
}
