// What a session leaves on disk and where: the dated session folder, `_overview.md` (front matter ours, body the
// agent's, kept byte for byte; Python-era files migrated), the worktree or standalone working dir, the agent's
// environment (no Telegram secrets), and the prompt files in `_logs/`.
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createProject, git, readHistory, readOverview, sessionArgs, sig } from '../helpers/rig.js';

const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';
const TOKEN_SECRET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';

function datePrefix(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(now.getFullYear() % 100)}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

/** The exact bytes after the closing `---` line of the front matter. */
function rawBody(text: string): string {
  expect(text.startsWith('---\n')).toBe(true);
  const close = text.indexOf('\n---\n', 3);
  expect(close).toBeGreaterThan(0);
  return text.slice(close + '\n---\n'.length);
}

function overviewText(dir: string): string {
  return readFileSync(join(dir, '_overview.md'), 'utf8');
}

function promptFile(dir: string, pattern: RegExp): string {
  const files = readdirSync(join(dir, '_logs')).filter((f) => pattern.test(f));
  expect(files).toHaveLength(1);
  return readFileSync(join(dir, '_logs', files[0]!), 'utf8');
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

/** `git worktree list --porcelain` as [{path, branch}]. */
function worktrees(repo: string): { path: string; branch?: string; head: string }[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const lines = block.split('\n');
      const value = (key: string) => lines.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1);
      return { path: value('worktree')!, head: value('HEAD')!, branch: value('branch')?.replace(/^refs\/heads\//, '') };
    });
}

function configWith(extra: string[]): string[] {
  return [
    'MAIN_REPO=./repo',
    'WORKTREES=./worktrees',
    'SESSIONS=./sessions',
    'PROVIDER=script',
    'SAMOCODE_RETRY_DELAY=0',
    ...extra,
  ];
}

describe('session folders', () => {
  test('a new session gets YY-MM-DD-<name>; later runs find it by the short or the full name', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { signal: sig.block('one') },
      { signal: sig.block('two') },
      { signal: sig.block('three') },
    ]);
    const before = datePrefix(new Date());
    const first = await project.run(sessionArgs(project, 'naming', scenario));
    const after = datePrefix(new Date());
    expect(first.exitCode).toBe(4);
    const folders = readdirSync(project.sessions);
    expect(folders).toHaveLength(1);
    expect([`${before}-naming`, `${after}-naming`]).toContain(folders[0]);
    const folder = folders[0]!;
    const dir = join(project.sessions, folder);
    expect(first.stderr).toContain(`created session ${folder}`);
    expect(readOverview(dir).data).toMatchObject({ session: folder, name: 'naming', task: 'test task' });

    // Short name, no --task: the existing session resumes.
    const second = await project.run(['--config', project.configFile, '--session', 'naming', '--script', scenario]);
    expect(second.exitCode).toBe(4);
    expect(second.stderr).toContain('reason: two');
    // The full dated folder name works too.
    const third = await project.run(['--config', project.configFile, '--session', folder, '--script', scenario]);
    expect(third.exitCode).toBe(4);
    expect(third.stderr).toContain('reason: three');

    expect(readdirSync(project.sessions)).toEqual([folder]);
    const history = readHistory(dir);
    expect(history.filter((e) => e.event === 'iteration').map((e) => e.iteration)).toEqual([1, 2, 3]);
    expect(history.filter((e) => e.event === 'resumed')).toHaveLength(2);
    expect(readOverview(dir).data).toMatchObject({
      session: folder,
      name: 'naming',
      iterations: 3,
      blockedReason: 'three',
    });
    // Still one worktree for the session, under its short name.
    expect(readdirSync(project.worktrees)).toEqual(['naming']);
  });

  test('two dated folders for the same short name: exit 2 listing both', async () => {
    const project = createProject();
    mkdirSync(join(project.sessions, '24-01-02-dup'), { recursive: true });
    mkdirSync(join(project.sessions, '25-03-04-dup'), { recursive: true });
    const result = await project.run(sessionArgs(project, 'dup', project.scenario([{ signal: sig.block('never') }])));
    expect(result.stderr).toContain(
      `--session dup matches 2 sessions under ${project.sessions}: 24-01-02-dup, 25-03-04-dup`,
    );
    expect(result.stderr).toContain('Pass the full folder name, e.g. --session 25-03-04-dup');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toContain('    at ');
    expect(readdirSync(project.sessions).sort()).toEqual(['24-01-02-dup', '25-03-04-dup']);
    expect(readdirSync(join(project.sessions, '24-01-02-dup'))).toEqual([]);
    expect(readdirSync(join(project.sessions, '25-03-04-dup'))).toEqual([]);
  });
});

describe('_overview.md', () => {
  test('a Python-era _overview.md is migrated: front matter added, iterations continue, text kept byte for byte', async () => {
    const project = createProject();
    const dir = join(project.sessions, '24-01-02-legacy');
    mkdirSync(dir, { recursive: true });
    const legacy = [
      '# Session: legacy',
      '',
      'Started by the Python samocode — ünïcode ✓ 日本語 and trailing spaces   ',
      '',
      '## Status',
      'Phase: implementation',
      'Iteration: 7',
      '',
      '## Findings',
      '- the parser is in `src/parse.py`\t(tab)',
      '',
      '---',
      '',
      '## Notes',
      'last line without a newline  ',
    ].join('\n');
    writeFileSync(join(dir, '_overview.md'), legacy);
    // Steps 1-7 belong to the Python era; iteration 8 is the first one this run plays.
    const steps = [
      ...Array.from({ length: 7 }, () => ({ signal: sig.block('wrong step played') })),
      { signal: sig.block('migrated fine') },
    ];
    const result = await project.run(sessionArgs(project, 'legacy', project.scenario(steps)));
    expect(result.stderr).toContain(
      'migrated _overview.md from the Python samocode format (phase implementation, iteration 7)',
    );
    expect(result.stderr).toContain('reason: migrated fine');
    expect(result.exitCode).toBe(4);

    expect(readdirSync(project.sessions)).toEqual(['24-01-02-legacy']);
    const text = overviewText(dir);
    expect(rawBody(text)).toBe(legacy);
    expect(text.endsWith(`\n---\n${legacy}`)).toBe(true);
    expect(readOverview(dir).data).toMatchObject({
      session: '24-01-02-legacy',
      name: 'legacy',
      phase: 'implementation',
      status: 'blocked',
      iterations: 8,
      phaseIterations: 1,
      workingDir: join(project.worktrees, 'legacy'),
    });
    const iterations = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(iterations).toHaveLength(1);
    expect(iterations[0]).toMatchObject({ iteration: 8, phase: 'implementation', validation: 'ok' });
    expect(readdirSync(join(dir, '_logs')).some((f) => /-008-implementation\.prompt\.md$/.test(f))).toBe(true);
  });

  test("the agent's body edits are kept byte for byte across iterations and runs", async () => {
    const project = createProject();
    const notes = [
      '## Progress 1: ünïcode ✓ 日本語 🚀 with trailing spaces   \n\ttabbed line\t',
      '---\nnot: front matter\n---\nline after a rule  ',
      'Windows line\r\nand a lone CR\rthen the end   \n\n\n',
      '## Last note — done   ',
    ];
    const scenario = project.scenario([
      { signal: sig.block('look at the body') },
      { appendOverview: notes[0], signal: sig.stay('investigation') },
      { appendOverview: notes[1], signal: sig.stay('investigation') },
      { appendOverview: notes[2], signal: sig.go('requirements') },
      { appendOverview: notes[3], signal: sig.block('stop') },
    ]);
    const args = sessionArgs(project, 'body', scenario);
    const first = await project.run(args);
    expect(first.exitCode).toBe(4);
    const dir = project.sessionDir('body');
    const initial = rawBody(overviewText(dir));
    expect(initial).toContain('## Task\ntest task\n');

    const second = await project.run(args);
    expect(second.stderr).toContain('reason: stop');
    expect(second.exitCode).toBe(4);
    const text = overviewText(dir);
    expect(rawBody(text)).toBe(initial + notes.map((n) => `${n}\n`).join(''));
    expect(readOverview(dir).data).toMatchObject({
      phase: 'requirements',
      status: 'blocked',
      iterations: 5,
      blockedReason: 'stop',
    });
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'iteration')
        .map((e) => e.validation),
    ).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  test.each([
    {
      what: 'invalid YAML',
      text: '---\nsession: [unclosed\nphase: investigation\n---\n\n# My notes ✓\n',
      message: 'the front matter between the --- lines is not valid YAML',
      fix: 'Restore it (it is written by samocode, not by hand) or move the file away to start the session afresh.',
    },
    {
      what: 'a front matter field with a bad value',
      text: '---\nsession: 24-01-02-broken\nname: broken\ntask: t\nphase: deploy\nstatus: running\nphaseIterations: 0\niterations: 3\nstartedAt: "2024-01-02T00:00:00.000Z"\nupdatedAt: "2024-01-02T00:00:00.000Z"\nworkingDir: /tmp/x\n---\n\n# My notes\n',
      message: 'front matter field phase="deploy"',
      fix: 'These fields are written by samocode; restore them',
    },
  ])(
    'broken front matter ($what): exit 3 naming the file, and the file is left untouched',
    async ({ text, message, fix }) => {
      const project = createProject();
      const dir = join(project.sessions, '24-01-02-broken');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, '_overview.md');
      writeFileSync(file, text);
      const before = readFileSync(file);
      const result = await project.run(
        sessionArgs(project, 'broken', project.scenario([{ signal: sig.block('never') }])),
      );
      expect(result.stderr).toContain(`orchestrate: ${file}: ${message}`);
      expect(result.stderr).toContain(fix);
      expect(result.exitCode).toBe(3);
      expect(result.stderr).not.toContain('    at ');
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(existsSync(join(dir, '_signal_history.jsonl'))).toBe(false);
      expect(existsSync(join(dir, '.lock'))).toBe(false);
      expect(existsSync(join(dir, '_logs')) ? readdirSync(join(dir, '_logs')) : []).toEqual([]);
      expect(existsSync(project.worktrees)).toBe(false);
    },
  );
});

describe('where the agent works', () => {
  test('standalone: MAIN_REPO is a plain folder, the agent works in it directly', async () => {
    const project = createProject({ git: false });
    const scenario = project.scenario([{ files: { 'made-by-agent.txt': 'hello\n' }, signal: sig.block('stop') }]);
    const result = await project.run(sessionArgs(project, 'solo', scenario));
    expect(result.stderr).toContain(`MAIN_REPO ${project.repo} is not a git repository: standalone session`);
    expect(result.exitCode).toBe(4);
    const dir = project.sessionDir('solo');
    const data = readOverview(dir).data;
    expect(data).toMatchObject({ standalone: true, workingDir: project.repo });
    expect(data.branch).toBeUndefined();
    expect(readFileSync(join(project.repo, 'made-by-agent.txt'), 'utf8')).toBe('hello\n');
    expect(existsSync(project.worktrees)).toBe(false);
    expect(existsSync(join(project.repo, '.git'))).toBe(false);
    expect(promptFile(dir, /-001-investigation\.prompt\.md$/)).toContain(
      `- Working dir: ${project.repo} (standalone: MAIN_REPO is not a git repository, so there is no worktree or session branch)`,
    );
  });

  test('a second run reuses the worktree <WORKTREES>/<name> on branch samocode/<name>', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { files: { 'one.txt': '1\n' }, commit: 'iteration one', signal: sig.block('first') },
      { files: { 'two.txt': '2\n' }, commit: 'iteration two', signal: sig.block('second') },
    ]);
    const args = sessionArgs(project, 'reuse', scenario);
    const first = await project.run(args);
    expect(first.exitCode).toBe(4);
    const second = await project.run(args);
    const path = join(project.worktrees, 'reuse');
    expect(second.stderr).toContain('reason: second');
    expect(second.exitCode).toBe(4);

    const list = worktrees(project.repo);
    expect(list).toHaveLength(2);
    expect(realpathSync(list[0]!.path)).toBe(realpathSync(project.repo));
    expect(list[0]!.branch).toBe('main');
    expect(realpathSync(list[1]!.path)).toBe(realpathSync(path));
    expect(list[1]!.branch).toBe('samocode/reuse');
    expect(git(path, 'log', '--format=%s')).toBe('iteration two\niteration one\ninit');
    expect(git(project.repo, 'log', '--format=%s')).toBe('init');
    expect(readOverview(project.sessionDir('reuse')).data).toMatchObject({
      workingDir: path,
      branch: 'samocode/reuse',
      baseBranch: 'main',
      iterations: 2,
    });
    expect(readdirSync(project.worktrees)).toEqual(['reuse']);
  });

  test('BRANCH_PREFIX=feat/ names the session branch feat/<name>', async () => {
    const project = createProject({ config: configWith(['BRANCH_PREFIX=feat/']) });
    const result = await project.run(
      sessionArgs(project, 'prefixed', project.scenario([{ signal: sig.block('stop') }])),
    );
    expect(result.stderr).toContain('on new branch feat/prefixed from main');
    expect(result.exitCode).toBe(4);
    const path = join(project.worktrees, 'prefixed');
    expect(git(path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('feat/prefixed');
    expect(git(project.repo, 'branch', '--list', 'samocode/*')).toBe('');
    expect(readOverview(project.sessionDir('prefixed')).data).toMatchObject({
      branch: 'feat/prefixed',
      workingDir: path,
    });
  });

  test('BASE_BRANCH=dev starts the worktree from the dev branch', async () => {
    const project = createProject({ config: configWith(['BASE_BRANCH=dev']) });
    git(project.repo, 'checkout', '-q', '-b', 'dev');
    writeFileSync(join(project.repo, 'dev-only.txt'), 'dev\n');
    git(project.repo, 'add', '-A');
    git(project.repo, 'commit', '-q', '-m', 'dev commit');
    const devCommit = git(project.repo, 'rev-parse', 'dev');
    git(project.repo, 'checkout', '-q', 'main');
    expect(git(project.repo, 'rev-parse', 'main')).not.toBe(devCommit);

    const result = await project.run(
      sessionArgs(project, 'from-dev', project.scenario([{ signal: sig.block('stop') }])),
    );
    expect(result.stderr).toContain('on new branch samocode/from-dev from dev');
    expect(result.exitCode).toBe(4);
    const path = join(project.worktrees, 'from-dev');
    expect(git(path, 'rev-parse', 'HEAD')).toBe(devCommit);
    expect(readFileSync(join(path, 'dev-only.txt'), 'utf8')).toBe('dev\n');
    expect(readOverview(project.sessionDir('from-dev')).data).toMatchObject({
      baseBranch: 'dev',
      branch: 'samocode/from-dev',
    });
  });

  test('a MAIN_REPO git repository with no commits: exit 3, saying to make a first commit', async () => {
    const project = createProject({ git: false });
    git(project.repo, 'init', '-q', '-b', 'main');
    const result = await project.run(sessionArgs(project, 'empty', project.scenario([{ signal: sig.block('never') }])));
    expect(result.stderr).toContain(
      `${project.repo} has no commits yet, so no worktree can be made from it. Make a first commit (git commit --allow-empty -m init), then run again.`,
    );
    expect(result.exitCode).toBe(3);
    expect(result.stderr).not.toContain('    at ');
    expect(existsSync(project.worktrees)).toBe(false);
    const sessions = existsSync(project.sessions) ? readdirSync(project.sessions) : [];
    for (const folder of sessions) {
      expect(existsSync(join(project.sessions, folder, '_overview.md'))).toBe(false);
      expect(existsSync(join(project.sessions, folder, '.lock'))).toBe(false);
    }
  });
});

describe('what reaches the agent', () => {
  test('the agent gets the session variables and never the Telegram token, which appears nowhere', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { envFile: 'env-1.json', stdout: ['iteration one output'], signal: sig.go('requirements', 'looked around') },
      { envFile: 'env-2.json', signal: sig.block('stop', 'nothing') },
    ]);
    const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: '123456789', SAMOCODE_LOG_LEVEL: 'debug' };
    const result = await project.run(sessionArgs(project, 'secrets', scenario), { env });
    expect(result.stderr).toContain('reason: stop');
    expect(result.exitCode).toBe(4);
    const dir = project.sessionDir('secrets');
    const worktree = join(project.worktrees, 'secrets');

    const env1 = JSON.parse(readFileSync(join(dir, 'env-1.json'), 'utf8')) as Record<string, string>;
    const env2 = JSON.parse(readFileSync(join(dir, 'env-2.json'), 'utf8')) as Record<string, string>;
    expect(env1).toMatchObject({
      SAMOCODE_SESSION_PATH: dir,
      SAMOCODE_WORKING_DIR: worktree,
      SAMOCODE_PHASE: 'investigation',
      SAMOCODE_ITERATION: '1',
      SAMOCODE_ATTEMPT: '1',
    });
    expect(env1.SAMOCODE_SIGNAL_FILE).toBe(join(dir, '_signal.json'));
    expect(env2).toMatchObject({
      SAMOCODE_SESSION_PATH: dir,
      SAMOCODE_WORKING_DIR: worktree,
      SAMOCODE_PHASE: 'requirements',
      SAMOCODE_ITERATION: '2',
    });
    for (const agentEnv of [env1, env2]) {
      expect(Object.keys(agentEnv).filter((k) => k.startsWith('TELEGRAM_'))).toEqual([]);
      expect(JSON.stringify(agentEnv)).not.toContain(TOKEN_SECRET);
    }

    const checked = allFiles(dir);
    expect(checked).toContain(join(dir, 'session.log'));
    expect(checked).toContain(join(dir, '_signal_history.jsonl'));
    expect(checked).toContain(join(dir, '_overview.md'));
    expect(checked.filter((f) => f.includes(`${join(dir, '_logs')}/`)).length).toBeGreaterThanOrEqual(6);
    for (const file of checked) {
      const content = readFileSync(file, 'utf8');
      expect(content, file).not.toContain(TOKEN);
      expect(content, file).not.toContain(TOKEN_SECRET);
    }
    // session.log really has the run in it (debug level), so the absence above means something.
    expect(readFileSync(join(dir, 'session.log'), 'utf8')).toContain('looked around');
    for (const out of [result.stdout, result.stderr]) {
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain(TOKEN_SECRET);
    }
  });

  test('the first prompt has workflow, phase agent, session context, task and dive; the second has no task block', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { signal: sig.go('requirements', 'found the server') },
      { signal: sig.block('stop') },
    ]);
    const task = 'Add a /greet endpoint — ünïcode ✓';
    const dive = 'look at src/server.ts first';
    const result = await project.run([
      '--config',
      project.configFile,
      '--session',
      'prompts',
      '--task',
      task,
      '--dive',
      dive,
      '--script',
      scenario,
    ]);
    expect(result.exitCode).toBe(4);
    const dir = project.sessionDir('prompts');
    const worktree = join(project.worktrees, 'prompts');

    const first = promptFile(dir, /-001-investigation\.prompt\.md$/);
    expect(first.startsWith('# samocode workflow\n')).toBe(true);
    expect(first).toContain('\n# Investigation agent\n');
    expect(first).toContain('\n## Session context\n');
    expect(first).toContain(`- Session folder: ${dir}\n`);
    expect(first).toContain(`- Working dir: ${worktree} (git worktree on branch samocode/prompts, from main)\n`);
    expect(first).toContain(
      '- Phase: investigation (iteration 1 of at most 10 in this phase; iteration 1 of the session)\n',
    );
    expect(first).toContain(`- Signal file: ${join(dir, '_signal.json')}\n`);
    // workflow.md itself shows "## Task" as an example heading: look at the Session context block only.
    const context1 = first.slice(first.indexOf('\n## Session context\n'));
    expect(context1).toContain(`\n## Task\n${task}\n`);
    expect(context1).toContain(`\n## Dive focus\n${dive}\n`);
    expect(first.indexOf('# Investigation agent')).toBeLessThan(first.indexOf('\n## Session context\n'));

    const second = promptFile(dir, /-002-requirements\.prompt\.md$/);
    expect(second.startsWith('# samocode workflow\n')).toBe(true);
    expect(second).toContain('\n# Requirements agent\n');
    expect(second).not.toContain('# Investigation agent');
    expect(second).toContain(
      '- Phase: requirements (iteration 1 of at most 10 in this phase; iteration 2 of the session)\n',
    );
    expect(second).toContain("- Last iteration's summary: found the server\n");
    const context2 = second.slice(second.indexOf('\n## Session context\n'));
    expect(context2).toContain(`- Session folder: ${dir}\n`);
    expect(context2).not.toContain('## Task');
    expect(context2).not.toContain('## Dive focus');
    expect(second).not.toContain(task);
    expect(second).not.toContain(dive);
    // The task is still on record in the overview.
    expect(readOverview(dir).data).toMatchObject({ task, dive });
  });
});
