// Test rig: a throwaway project per test (git repo, .samocode, scenario), the real CLI run as a child process,
// and readers for what a session leaves on disk. Temp dirs go away when the test ends (KEEP_OUTPUT=1 keeps them).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onTestFinished } from 'vitest';
import matter from 'gray-matter';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist', 'cli.js');

export type Step = Record<string, unknown>;

export interface Project {
  root: string;
  repo: string;
  configFile: string;
  sessions: string;
  worktrees: string;
  env: NodeJS.ProcessEnv;
  /** Write a scenario file and return its path. */
  scenario(steps: Step[], name?: string): string;
  /** The folder of the (single) session named `name`. */
  sessionDir(name: string): string;
  run(args: string[], opts?: RunOpts): Promise<CliResult>;
  start(args: string[], opts?: RunOpts): ChildProcess & { result: Promise<CliResult> };
}

export interface RunOpts {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface CliResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

export function tempDir(prefix = 'samocode-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (!process.env.KEEP_OUTPUT) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: gitEnv(process.env) }).trim();
}

function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.invalid',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.invalid',
  };
}

export function createProject(opts: { git?: boolean; config?: string[] } = {}): Project {
  const root = tempDir();
  const repo = join(root, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'README.md'), '# test repo\n');
  if (opts.git !== false) {
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'init');
  }
  const configFile = join(root, '.samocode');
  const lines = opts.config ?? [
    'MAIN_REPO=./repo',
    'WORKTREES=./worktrees',
    'SESSIONS=./sessions',
    'PROVIDER=script',
    'SAMOCODE_RETRY_DELAY=0',
  ];
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  const home = join(root, 'home');
  mkdirSync(home);
  // A clean environment: nothing from the developer's shell that samocode reads, a private HOME.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(SAMOCODE_|TELEGRAM_|CLAUDE_|CODEX_|VITEST|NODE_OPTIONS)/.test(key)) env[key] = value;
  }
  Object.assign(env, gitEnv({}), { HOME: home, NO_COLOR: '1' });
  const project: Project = {
    root,
    repo,
    configFile,
    sessions: join(root, 'sessions'),
    worktrees: join(root, 'worktrees'),
    env,
    scenario(steps, name = 'scenario.json') {
      const file = join(root, name);
      writeFileSync(file, JSON.stringify({ steps }, null, 2));
      return file;
    },
    sessionDir(name) {
      const match = readdirSync(project.sessions).filter((d) => d === name || d.endsWith(`-${name}`));
      if (match.length !== 1)
        throw new Error(`expected one session folder for ${name}, found ${match.join(', ') || 'none'}`);
      return join(project.sessions, match[0]!);
    },
    run(args, runOpts = {}) {
      return project.start(args, runOpts).result;
    },
    start(args, runOpts = {}) {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: root,
        env: { ...env, ...runOpts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }) as ChildProcess & { result: Promise<CliResult> };
      children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timeout = setTimeout(() => child.kill('SIGKILL'), runOpts.timeoutMs ?? 45_000);
      child.result = new Promise((done) => {
        child.on('close', (exitCode, signal) => {
          clearTimeout(timeout);
          children.delete(child);
          done({ exitCode, signal, stdout, stderr });
        });
      });
      return child;
    },
  };
  return project;
}

/**
 * `orchestrate --config … --session …` plus the scenario, as most tests run it: with --no-wait, so a session that
 * waits for the person exits 5 (tests of the in-process wait pass `{ wait: true }`).
 */
export function sessionArgs(
  project: Project,
  session: string,
  scenario: string,
  extra: string[] = [],
  opts: { wait?: boolean } = {},
): string[] {
  return [
    '--config',
    project.configFile,
    '--session',
    session,
    '--task',
    'test task',
    '--script',
    scenario,
    ...(opts.wait ? [] : ['--no-wait']),
    ...extra,
  ];
}

/** Answer every open question in `_qa.md` with A and approve `_plan.md`, as the person would by editing them. */
export function answerEverything(sessionDir: string): void {
  for (const [file, from, to] of [
    ['_qa.md', /\*\*Answer:\*\* _waiting_/g, '**Answer:** A'],
    ['_plan.md', /\*\*Approval:\*\* _waiting_/g, '**Approval:** approved'],
  ] as const) {
    const path = join(sessionDir, file);
    if (existsSync(path)) writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
  }
}

export function readHistory(sessionDir: string): Record<string, any>[] {
  const file = join(sessionDir, '_signal_history.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
}

export function readOverview(sessionDir: string): { data: Record<string, any>; body: string; text: string } {
  const text = readFileSync(join(sessionDir, '_overview.md'), 'utf8');
  const parsed = matter(text, { language: 'yaml' });
  return { data: parsed.data, body: parsed.content, text };
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Signals that carry the usual meaning in scenarios. */
export const sig = {
  go: (phase: string, summary = `to ${phase}`) => ({ status: 'continue', phase, summary }),
  stay: (phase: string, summary = `more ${phase}`) => ({ status: 'continue', phase, summary }),
  wait: (what: string, needs = 'answer please') => ({
    status: 'waiting',
    for: what,
    needs,
    summary: `waiting for ${what}`,
  }),
  block: (reason: string, needs?: string) => ({ status: 'blocked', reason, ...(needs ? { needs } : {}) }),
  done: () => ({ status: 'done', phase: 'done', summary: 'all done' }),
};

/** The session files of a qa_answers wait: the smallest `_qa.md` the gate accepts (one question, not answered yet). */
export const QA = { '_qa.md': '### Q1: ok?\n- A) yes\n**Suggestion:** A\n**Answer:** _waiting_\n' };
/** The session files of a plan_approval wait: a `_plan.md` not approved yet. */
export const PLAN = { '_plan.md': '1. do it\n\n**Approval:** _waiting_\n' };

/** A whole session through all eight phases (two waits; the approval itself moves planning → implementation). */
export function fullSessionSteps(): Step[] {
  return [
    { signal: sig.go('requirements') },
    { sessionFiles: QA, signal: sig.wait('qa_answers') },
    { signal: sig.go('planning') },
    { sessionFiles: PLAN, signal: sig.wait('plan_approval') },
    { files: { 'feature.txt': 'feature\n' }, commit: 'Add feature', signal: sig.go('testing') },
    { signal: sig.go('quality') },
    { signal: sig.go('done') },
    { signal: sig.done() },
  ];
}
