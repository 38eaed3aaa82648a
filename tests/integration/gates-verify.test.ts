// samocode's own checks and done rules through the real CLI, with the scripted agent in real git repos: a failing
// check keeps the session in its phase and its output reaches the next prompt; the same failure three times blocks;
// done without a commit, or with a dirty tree, is refused; a check that hangs is killed with its whole group; Ctrl-C
// during a check leaves nothing running and the session resumes; an agent in a repo without a git identity commits.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  answerEverything,
  createProject,
  git,
  isRunning,
  PLAN,
  QA,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type CliResult,
  type Project,
  type Step,
} from '../helpers/rig.js';
import { reapLeftovers, tryRead } from '../helpers/processes.js';
import { ownFolders, treeState } from '../../src/gates/git-facts.js';
import { identityEnv } from '../../src/gates/git-identity.js';

/** Iterations 1–4: investigation → requirements (a wait) → planning (a wait); iteration 5 is the first of implementation. */
const TO_IMPLEMENTATION: Step[] = [
  { signal: sig.go('requirements') },
  { sessionFiles: QA, signal: sig.wait('qa_answers') },
  { signal: sig.go('planning') },
  { sessionFiles: PLAN, signal: sig.wait('plan_approval') },
];

/** The rig's project, with these lines added to its .samocode. */
function projectWith(lines: string[]): Project {
  const project = createProject();
  appendFileSync(project.configFile, lines.map((line) => `${line}\n`).join(''));
  return project;
}

/** Run, answering the two gates by editing the files as the person would, until the session is neither of them. */
async function runAnswering(project: Project, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  for (;;) {
    const result = await project.run(args, { env });
    if (result.exitCode !== 5 || !/qa_answers|plan_approval/.test(result.stderr)) return result;
    answerEverything(project.sessionDir(args[args.indexOf('--session') + 1]!));
  }
}

const iterations = (dir: string) => readHistory(dir).filter((e) => e.event === 'iteration');

describe('VERIFY checks', () => {
  test('a failing check keeps the session in its phase, and its output reaches the next prompt', async () => {
    const project = projectWith(['VERIFY=test -f fixed.txt || { echo "FAIL: fixed.txt is missing" >&2; exit 1; }']);
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { files: { 'feature.txt': 'x\n' }, commit: 'Add feature', signal: sig.go('testing') },
      { stdinFile: 'prompt-6.txt', files: { 'fixed.txt': 'ok\n' }, commit: 'Fix', signal: sig.go('testing') },
      { signal: sig.go('done') },
      { signal: sig.done() },
    ]);
    const result = await runAnswering(project, sessionArgs(project, 'fails', scenario));
    expect(result.stderr).toContain('is done after 8 iterations');
    expect(result.exitCode).toBe(0);
    // The rig's environment has an author and committer: no identity is given.
    expect(result.stderr).not.toContain('has no identity');
    const dir = project.sessionDir('fails');
    const entries = iterations(dir);
    const refused = entries[4]!;
    expect(refused).toMatchObject({
      phase: 'implementation',
      phaseAfter: 'implementation',
      statusAfter: 'running',
      validation: 'verify_failed',
      checks: [{ name: 'verify', exitCode: 1, timedOut: false, cls: 'exit_1' }],
    });
    expect(refused.checks[0].log).toMatch(/^_logs\/.*-005-check-verify\.log$/);
    expect(readFileSync(join(dir, refused.checks[0].log), 'utf8')).toContain('FAIL: fixed.txt is missing');
    const prompt = readFileSync(join(dir, 'prompt-6.txt'), 'utf8');
    expect(prompt).toContain(`samocode's check "verify" failed`);
    expect(prompt).toContain('test -f fixed.txt');
    expect(prompt).toContain('exit code 1');
    expect(prompt).toContain('FAIL: fixed.txt is missing');
    // The next move passes the check; testing → done and done itself find nothing changed and do not run it again.
    expect(entries[5]).toMatchObject({ phaseAfter: 'testing', validation: 'ok', checks: [{ exitCode: 0 }] });
    expect(entries[6]).toMatchObject({ phaseAfter: 'done', validation: 'ok', checks: [], checksUnchanged: true });
    expect(entries[7]).toMatchObject({ statusAfter: 'done', validation: 'ok', checksUnchanged: true });
    expect(readOverview(dir).data.gateFailure).toBeUndefined();
  });

  test('the same failure three times in a row blocks the session, with the output', async () => {
    const project = projectWith(['VERIFY=echo "error TS2304: Cannot find name foo" >&2; exit 2']);
    const stuck: Step = { files: { 'a.txt': 'a\n' }, commit: 'Try', signal: sig.go('testing') };
    const scenario = project.scenario([...TO_IMPLEMENTATION, stuck, stuck, stuck, stuck]);
    const result = await runAnswering(project, sessionArgs(project, 'stuck', scenario));
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('blocked in phase implementation (verify_failed)');
    expect(result.stderr).toContain('the same failure 3 times in a row (VERIFY_BLOCK_AFTER=3)');
    expect(result.stderr).toContain('error TS2304: Cannot find name foo');
    const dir = project.sessionDir('stuck');
    expect(iterations(dir).map((e) => [e.iteration, e.statusAfter, e.validation])).toEqual([
      [1, 'running', 'ok'],
      [2, 'waiting', 'ok'],
      [3, 'running', 'ok'],
      [4, 'waiting', 'ok'],
      [5, 'running', 'verify_failed'],
      [6, 'running', 'verify_failed'],
      [7, 'blocked', 'verify_failed'],
    ]);
    expect(readOverview(dir).data).toMatchObject({ status: 'blocked', blockedKind: 'verify_failed' });
    // Classified by core/check-output.ts: the class is what "the same failure" compares.
    expect(iterations(dir)[6]!.checks[0]).toMatchObject({ cls: 'typescript', exitCode: 2 });
    expect(iterations(dir)[6]!.checks[0].hint).toBeTruthy();
  });

  test('a check that hangs is stopped at VERIFY_TIMEOUT with its whole group, also what left it with setsid', async () => {
    const project = projectWith(['VERIFY_TIMEOUT=1', 'SAMOCODE_KILL_GRACE=0.2']);
    reapLeftovers(project);
    const pids = join(project.root, 'pids');
    const check = `sleep 300 & echo $! >> ${pids}; setsid sleep 301 & echo $! >> ${pids}; wait`;
    appendFileSync(project.configFile, `VERIFY=${check}\n`);
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { files: { 'a.txt': 'a\n' }, commit: 'Try', signal: sig.go('testing') },
      { signal: sig.block('enough') },
    ]);
    const result = await runAnswering(project, sessionArgs(project, 'hangs', scenario));
    expect(result.exitCode).toBe(4);
    const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(started).toHaveLength(2);
    for (const pid of started) expect(isRunning(pid)).toBe(false);
    const refused = iterations(project.sessionDir('hangs'))[4]!;
    expect(refused).toMatchObject({
      validation: 'verify_failed',
      checks: [{ timedOut: true, exitCode: null, cls: 'timeout' }],
    });
    expect(refused.problem).toContain('was stopped after its time limit');
  });

  test('Ctrl-C during a check stops it and everything it started; the same command resumes the session', async () => {
    const project = projectWith([]);
    reapLeftovers(project);
    const hang = join(project.root, 'hang');
    const pids = join(project.root, 'pids');
    writeFileSync(hang, '');
    const check = `if [ -f ${hang} ]; then sleep 300 & echo $! >> ${pids}; setsid sleep 301 & echo $! >> ${pids}; wait; fi`;
    appendFileSync(project.configFile, `VERIFY=${check}\n`);
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { files: { 'a.txt': 'a\n' }, commit: 'Work', signal: sig.go('testing') },
      { signal: sig.block('enough') },
    ]);
    const args = sessionArgs(project, 'ctrl-c', scenario);
    // Through the two waits (each run ends at one; the answers go in by file edits), then the run that checks.
    for (const wait of ['qa_answers', 'plan_approval']) {
      expect((await project.run(args)).stderr).toContain(wait);
      answerEverything(project.sessionDir('ctrl-c'));
    }
    const child = project.start(args);
    const started = await waitFor(
      () => {
        const lines = (tryRead(pids) ?? '').trim().split('\n').filter(Boolean);
        return lines.length === 2 && lines.map(Number);
      },
      20_000,
      'the check to start its two sleeps',
    );
    child.kill('SIGINT');
    const stopped = await child.result;
    expect(stopped.exitCode).toBe(130);
    for (const pid of started) expect(isRunning(pid)).toBe(false);
    const dir = project.sessionDir('ctrl-c');
    expect(readHistory(dir).at(-1)).toMatchObject({ event: 'interrupted', iteration: 5, signal: 'SIGINT' });
    expect(readOverview(dir).data).toMatchObject({ phase: 'implementation', status: 'running' });

    rmSync(hang);
    const resumed = await project.run(args);
    expect(resumed.exitCode).toBe(4);
    expect(
      iterations(dir)
        .map((e) => [e.iteration, e.phase, e.phaseAfter, e.validation])
        .slice(4),
    ).toEqual([
      [5, 'implementation', 'testing', 'ok'],
      [6, 'testing', 'testing', 'ok'],
    ]);
  });
});

describe('the done rules', () => {
  test('done without a commit beyond the base is refused (no_commits); a commit then passes', async () => {
    const project = projectWith([]);
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { signal: sig.go('testing') },
      { signal: sig.go('done') },
      { signal: sig.done() },
      { stdinFile: 'prompt-8.txt', files: { 'a.txt': 'a\n' }, commit: 'The work', signal: sig.done() },
    ]);
    const result = await runAnswering(project, sessionArgs(project, 'empty', scenario));
    expect(result.exitCode).toBe(0);
    const dir = project.sessionDir('empty');
    expect(iterations(dir)[6]).toMatchObject({ phase: 'done', statusAfter: 'running', validation: 'no_commits' });
    expect(iterations(dir)[6]!.problem).toContain('has no commit beyond main');
    expect(readFileSync(join(dir, 'prompt-8.txt'), 'utf8')).toContain('## samocode refused `done` (no_commits)');
    expect(iterations(dir)[7]).toMatchObject({ statusAfter: 'done', validation: 'ok' });
  });

  test('ALLOW_EMPTY_DONE=true lets a session end without a commit', async () => {
    const project = projectWith(['ALLOW_EMPTY_DONE=true']);
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { signal: sig.go('testing') },
      { signal: sig.go('done') },
      { signal: sig.done() },
    ]);
    const result = await runAnswering(project, sessionArgs(project, 'research', scenario));
    expect(result.stderr).toContain('is done after 7 iterations');
    expect(result.exitCode).toBe(0);
  });

  test('done with a dirty tree is refused (dirty_worktree), naming the files', async () => {
    const project = projectWith([]);
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { files: { 'a.txt': 'a\n' }, commit: 'The work', signal: sig.go('testing') },
      { signal: sig.go('done') },
      { files: { 'notes.txt': 'left behind\n', 'a.txt': 'changed\n' }, signal: sig.done() },
      { stdinFile: 'prompt-8.txt', commit: 'The rest', signal: sig.done() },
    ]);
    const result = await runAnswering(project, sessionArgs(project, 'dirty', scenario));
    expect(result.exitCode).toBe(0);
    const dir = project.sessionDir('dirty');
    const refused = iterations(dir)[6]!;
    expect(refused).toMatchObject({ statusAfter: 'running', validation: 'dirty_worktree' });
    expect(refused.problem).toContain(' M a.txt');
    expect(refused.problem).toContain('?? notes.txt');
    expect(readFileSync(join(dir, 'prompt-8.txt'), 'utf8')).toContain('?? notes.txt');
    expect(iterations(dir)[7]).toMatchObject({ statusAfter: 'done', validation: 'ok' });
  });
});

describe('git identity', () => {
  test('an agent in a repository without user.name/user.email commits as samocode, and done accepts it', async () => {
    const project = projectWith([]);
    // No identity anywhere: none in the environment, none in a global or system config.
    for (const key of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL'])
      delete project.env[key];
    Object.assign(project.env, { GIT_CONFIG_GLOBAL: join(project.root, 'no-gitconfig'), GIT_CONFIG_NOSYSTEM: '1' });
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { envFile: 'env.json', files: { 'a.txt': 'a\n' }, commit: 'By the agent', signal: sig.go('testing') },
      { signal: sig.go('done') },
      { signal: sig.done() },
    ]);
    const result = await runAnswering(project, sessionArgs(project, 'no-identity', scenario));
    expect(result.stderr).toContain('has no identity to commit with');
    expect(result.exitCode).toBe(0);
    const worktree = join(project.worktrees, 'no-identity');
    expect(git(worktree, 'log', '-1', '--format=%an <%ae> / %cn <%ce>')).toBe(
      'samocode <samocode@localhost> / samocode <samocode@localhost>',
    );
    // Through the environment only: the repository's config was not written.
    expect(() => git(worktree, 'config', '--local', 'user.name')).toThrow();
  });

  test('only what is missing is given: a configured user.name, an author already in the environment', async () => {
    const project = createProject();
    git(project.repo, 'config', 'user.name', 'Person');
    const env = { HOME: project.env.HOME, PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_EMAIL: 'a@b.c' };
    const fallback = { name: 'samocode', email: 'samocode@localhost' };
    expect(await identityEnv(project.repo, env, fallback)).toEqual({ GIT_COMMITTER_EMAIL: 'samocode@localhost' });
    git(project.repo, 'config', 'user.email', 'person@example.com');
    expect(await identityEnv(project.repo, env, fallback)).toEqual({});
  });

  test('an author and a committer both in the environment: git is not asked (a fork less on the way to a spawn)', async () => {
    const project = createProject();
    // A git on PATH that notes each call, then runs the real one.
    const bin = join(project.root, 'bin');
    const calls = join(project.root, 'git-calls.log');
    mkdirSync(bin);
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    const identity = {
      GIT_AUTHOR_NAME: 'A',
      GIT_AUTHOR_EMAIL: 'a@b.c',
      GIT_COMMITTER_NAME: 'C',
      GIT_COMMITTER_EMAIL: 'c@d.e',
    };
    const env = { HOME: project.env.HOME, PATH: `${bin}:${process.env.PATH}`, GIT_CONFIG_NOSYSTEM: '1', ...identity };
    const fallback = { name: 'samocode', email: 'samocode@localhost' };
    expect(await identityEnv(project.repo, env, fallback)).toEqual({});
    expect(existsSync(calls)).toBe(false);
    // One of the four missing: git is asked (the repository has no identity, so the fallback fills the gap).
    expect(await identityEnv(project.repo, { ...env, GIT_COMMITTER_EMAIL: '' }, fallback)).toEqual({
      GIT_COMMITTER_EMAIL: 'samocode@localhost',
    });
    expect(readFileSync(calls, 'utf8')).toContain('config --get-regexp');
  });
});

describe('where git cannot tell', () => {
  test('a standalone session (MAIN_REPO is no git repository): the checks run, the done rules do not apply', async () => {
    const project = createProject({ git: false });
    appendFileSync(project.configFile, 'VERIFY=test -f ok.txt\n');
    const scenario = project.scenario([
      ...TO_IMPLEMENTATION,
      { files: { 'a.txt': 'a\n' }, signal: sig.go('testing') },
      { files: { 'ok.txt': 'ok\n' }, signal: sig.go('testing') },
      { signal: sig.go('done') },
      { signal: sig.done() },
    ]);
    const result = await runAnswering(project, sessionArgs(project, 'plain', scenario));
    expect(result.exitCode).toBe(0);
    const entries = iterations(project.sessionDir('plain'));
    expect(entries.map((e) => e.validation).slice(4)).toEqual(['verify_failed', 'ok', 'ok', 'ok']);
    // Without git there is no fingerprint: each gate runs the checks again.
    expect(entries.slice(5).map((e) => e.checks.length)).toEqual([1, 1, 1]);
  });

  test("the session folder inside the working tree is not the agent's change", async () => {
    const project = createProject();
    const sessions = join(project.repo, 'sessions', '26-01-01-x');
    mkdirSync(sessions, { recursive: true });
    writeFileSync(join(sessions, '_overview.md'), 'x\n');
    writeFileSync(join(project.repo, 'work.txt'), 'w\n');
    const state = await treeState(
      project.repo,
      ownFolders(project.repo, [join(project.repo, 'sessions'), '/elsewhere']),
    );
    expect(state?.changes).toEqual(['?? work.txt']);
    expect(state?.head).toBe(git(project.repo, 'rev-parse', 'HEAD'));
  });
});
