// Configuration and the command line, through the real CLI: every problem is reported at once with where it came
// from (file, file:line, environment, --flag), the key, the value and a fix; exit 3 for configuration, 2 for usage.
// Precedence is flags > process env > .env beside the .samocode > .samocode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import {
  CLI,
  createProject,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  type CliResult,
  type Project,
} from '../helpers/rig.js';

const BASE = [
  'MAIN_REPO=./repo',
  'WORKTREES=./worktrees',
  'SESSIONS=./sessions',
  'PROVIDER=script',
  'SAMOCODE_RETRY_DELAY=0',
];
const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';
const TOKEN_SECRET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';

/** One problem line of a ConfigError, exactly as the CLI prints it. */
function problemText(source: string, key: string, value: string | undefined, message: string, fix: string): string {
  return `  ${source}: ${key}=${value === undefined ? '(not set)' : JSON.stringify(value)}: ${message}\n    fix: ${fix}`;
}

/** A configuration failure: exit 3, no stack trace, nothing created under SESSIONS. */
function expectConfigError(project: Project, result: CliResult, count: number): void {
  expect(result.stderr).toContain(`orchestrate: configuration has ${count} problem${count === 1 ? '' : 's'}:`);
  expect(result.exitCode).toBe(3);
  expect(result.stderr).not.toContain('    at ');
  expect(result.stderr).not.toContain('internal error');
  expect(existsSync(project.sessions)).toBe(false);
}

/** Run the CLI from another working directory (the rig always runs it from the project root). */
function runFrom(project: Project, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...project.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timeout = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((done) => {
    child.on('close', (exitCode, signal) => {
      clearTimeout(timeout);
      done({ exitCode, signal, stdout, stderr });
    });
  });
}

function firstPrompt(dir: string): string {
  const file = readdirSync(join(dir, '_logs')).find((f) => /-001-investigation\.prompt\.md$/.test(f));
  expect(file).toBeDefined();
  return readFileSync(join(dir, '_logs', file!), 'utf8');
}

describe('configuration problems (exit 3)', () => {
  test('--config pointing at a missing file names the path and says how to fix it', async () => {
    const project = createProject();
    const missing = join(project.root, 'nowhere', '.samocode');
    const result = await project.run([
      '--config',
      'nowhere/.samocode',
      '--session',
      's',
      '--task',
      't',
      '--script',
      project.scenario([]),
    ]);
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      problemText(
        '--config',
        'path',
        missing,
        'file not found',
        'point --config at your .samocode file (KEY=VALUE lines with MAIN_REPO, WORKTREES, SESSIONS); see README "Configuration"',
      ),
    );
  });

  test('a FIFO or a folder at the --config path or at the .env beside it is named at once, never waited on', async () => {
    const project = createProject({ config: BASE });
    const dotEnv = join(project.root, '.env');
    expect(spawnSync('mkfifo', [dotEnv]).status).toBe(0);
    const args = sessionArgs(project, 's', project.scenario([{ signal: sig.block('one') }]));
    const withFifo = await project.run(args, { timeoutMs: 20_000 });
    expectConfigError(project, withFifo, 1);
    expect(withFifo.stderr).toContain(
      problemText(
        dotEnv,
        '.env',
        undefined,
        'is a FIFO (named pipe), not a file',
        `make ${dotEnv} a file of KEY=VALUE lines, or move it away (it is optional)`,
      ),
    );
    rmSync(dotEnv);
    mkdirSync(dotEnv);
    expect((await project.run(args, { timeoutMs: 20_000 })).stderr).toContain(
      `${dotEnv}: .env=(not set): is a folder, not a file`,
    );
    rmSync(dotEnv, { recursive: true });

    const fifoConfig = join(project.root, 'fifo.samocode');
    expect(spawnSync('mkfifo', [fifoConfig]).status).toBe(0);
    const atConfig = await project.run(['--config', fifoConfig, '--session', 's', '--task', 't'], {
      timeoutMs: 20_000,
    });
    expectConfigError(project, atConfig, 1);
    expect(atConfig.stderr).toContain(
      `--config: path=${JSON.stringify(fifoConfig)}: is a FIFO (named pipe), not a file`,
    );
  });

  test('a .samocode without MAIN_REPO, WORKTREES and SESSIONS reports all three at once', async () => {
    const project = createProject({ config: ['PROVIDER=script', '# nothing else'] });
    const result = await project.run(sessionArgs(project, 's', project.scenario([{ signal: sig.block('x') }])));
    expectConfigError(project, result, 3);
    const file = project.configFile;
    expect(result.stderr).toContain(
      problemText(file, 'MAIN_REPO', undefined, 'is required', `add a line MAIN_REPO=~/proj to ${file}`),
    );
    expect(result.stderr).toContain(
      problemText(file, 'WORKTREES', undefined, 'is required', `add a line WORKTREES=~/proj-worktrees to ${file}`),
    );
    expect(result.stderr).toContain(
      problemText(
        file,
        'SESSIONS',
        undefined,
        'is required',
        `add a line SESSIONS=~/proj/.samocode-sessions to ${file}`,
      ),
    );
  });

  test('bad values from the .samocode, the environment and a junk line are reported together', async () => {
    const project = createProject({
      config: [
        ...BASE.filter((l) => !l.startsWith('PROVIDER=')),
        'SAMOCODE_TIMEOUT=abc',
        'this is not a setting',
        'PROVIDER=gpt',
      ],
    });
    const result = await project.run(sessionArgs(project, 's', project.scenario([])), {
      env: { SAMOCODE_MAX_RETRIES: '-1' },
    });
    expectConfigError(project, result, 4);
    const file = project.configFile;
    expect(result.stderr).toContain(
      problemText(
        file,
        'SAMOCODE_TIMEOUT',
        'abc',
        'is not a number of seconds ≥ 0.1',
        'set it like SAMOCODE_TIMEOUT=1800',
      ),
    );
    expect(result.stderr).toContain(
      problemText(
        'environment SAMOCODE_MAX_RETRIES',
        'SAMOCODE_MAX_RETRIES',
        '-1',
        'is not a whole number ≥ 0',
        'set it like SAMOCODE_MAX_RETRIES=2',
      ),
    );
    expect(result.stderr).toContain(
      problemText(
        `${file}:6`,
        '(line)',
        'this is not a setting',
        'is not a KEY=VALUE line',
        'write one KEY=VALUE per line; start comments with #',
      ),
    );
    expect(result.stderr).toContain(
      problemText(
        file,
        'SAMOCODE_PROVIDER',
        'gpt',
        'is not one of claude, codex, script',
        'set it like SAMOCODE_PROVIDER=claude',
      ),
    );
  });

  test('a bad --timeout flag is reported as coming from --timeout', async () => {
    const project = createProject();
    const result = await project.run(sessionArgs(project, 's', project.scenario([]), ['--timeout', 'xyz']));
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      problemText(
        '--timeout',
        'SAMOCODE_TIMEOUT',
        'xyz',
        'is not a number of seconds ≥ 0.1',
        'set it like SAMOCODE_TIMEOUT=1800',
      ),
    );
  });

  test('MAIN_REPO pointing at a folder that does not exist', async () => {
    const project = createProject({ config: ['MAIN_REPO=./no-such-repo', ...BASE.slice(1)] });
    const result = await project.run(sessionArgs(project, 's', project.scenario([])));
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      problemText(
        project.configFile,
        'MAIN_REPO',
        join(project.root, 'no-such-repo'),
        'folder does not exist',
        "point MAIN_REPO at your repository's folder",
      ),
    );
  });

  test('PROVIDER=claude with a CLAUDE_PATH that does not exist suggests installing Claude Code', async () => {
    const project = createProject({
      config: [...BASE.slice(0, 3), 'PROVIDER=claude', 'CLAUDE_PATH=/nonexistent/claude'],
    });
    const result = await project.run(['--config', project.configFile, '--session', 's', '--task', 't']);
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      problemText(
        project.configFile,
        'CLAUDE_PATH',
        '/nonexistent/claude',
        'is not an executable file',
        "install it (npm install -g @anthropic-ai/claude-code) or set CLAUDE_PATH to the binary's full path",
      ),
    );
  });

  test('the script provider with a scenario file that does not exist', async () => {
    const project = createProject();
    const result = await project.run([
      '--config',
      project.configFile,
      '--session',
      's',
      '--task',
      't',
      '--script',
      'missing-scenario.json',
    ]);
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      problemText(
        '--script',
        'SAMOCODE_SCRIPT',
        join(project.root, 'missing-scenario.json'),
        'scenario file not found',
        'point SAMOCODE_SCRIPT (or --script) at a scenario JSON file; see docs/scenarios.md',
      ),
    );
  });

  test('the script provider with no scenario at all', async () => {
    const project = createProject();
    const result = await project.run(['--config', project.configFile, '--session', 's', '--task', 't']);
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      problemText(
        project.configFile,
        'SAMOCODE_SCRIPT',
        undefined,
        'is required when the provider is script',
        'pass --script <scenario.json> or set SAMOCODE_SCRIPT',
      ),
    );
  });
});

describe('where values come from', () => {
  test('precedence: flags > process env > .env beside the .samocode > .samocode', async () => {
    const project = createProject({
      config: [...BASE, 'SAMOCODE_TIMEOUT=100', 'SAMOCODE_PHASE_LIMITS=investigation=11'],
    });
    const dotEnv = join(project.root, '.env');
    // A project's .env holds other variables too: they are ignored without a warning.
    writeFileSync(dotEnv, 'SAMOCODE_TIMEOUT=200\nSAMOCODE_PHASE_LIMITS=investigation=12\nDATABASE_URL=postgres://x\n');
    const scenario = project.scenario([{ signal: sig.block('enough') }]);
    const processEnv = { SAMOCODE_TIMEOUT: '300', SAMOCODE_PHASE_LIMITS: 'investigation=13' };

    const check = async (
      session: string,
      extra: string[],
      env: NodeJS.ProcessEnv,
      limitLine: string,
      phaseLimit: number,
    ) => {
      const result = await project.run(sessionArgs(project, session, scenario, extra), { env });
      expect(result.stderr).not.toContain('DATABASE_URL');
      expect(result.exitCode).toBe(4);
      const prompt = firstPrompt(project.sessionDir(session));
      expect(prompt).toContain(`- Time limit for this iteration: ${limitLine}\n`);
      expect(prompt).toContain(`- Phase: investigation (iteration 1 of at most ${phaseLimit} in this phase;`);
    };

    await check('flag-wins', ['--timeout', '400'], processEnv, '6 min 40 s', 13);
    // Aliases such as PROVIDER are only read from files, never from the shell's environment.
    await check('env-wins', [], { ...processEnv, PROVIDER: 'gpt', PHASE_LIMITS: 'investigation=99' }, '5 min', 13);
    await check('dotenv-wins', [], {}, '3 min 20 s', 12);
    rmSync(dotEnv);
    await check('samocode-only', [], {}, '1 min 40 s', 11);
  });

  test('a phase limit from the environment beats the .samocode one and is enforced', async () => {
    const project = createProject({ config: [...BASE, 'PHASE_LIMITS=investigation=1'] });
    const scenario = project.scenario([
      { signal: sig.stay('investigation') },
      { signal: sig.stay('investigation') },
      { signal: sig.stay('investigation') },
    ]);
    const result = await project.run(sessionArgs(project, 'limits', scenario), {
      env: { SAMOCODE_PHASE_LIMITS: 'investigation=2' },
    });
    expect(result.stderr).toContain('(phase_limit)');
    expect(result.exitCode).toBe(4);
    const history = readHistory(project.sessionDir('limits')).filter((e) => e.event === 'iteration');
    expect(history.map((e) => e.validation)).toEqual(['ok', 'phase_limit']);
    expect(history[1]!.problem).toContain('reached its limit of 2 iterations');
  });

  test('~ expands to HOME and relative paths resolve against the .samocode folder, not the cwd', async () => {
    const project = createProject({ config: [] });
    const confDir = join(project.root, 'conf');
    const elsewhere = join(project.root, 'elsewhere');
    mkdirSync(confDir);
    mkdirSync(elsewhere);
    writeFileSync(
      join(confDir, '.samocode'),
      [
        'MAIN_REPO=../repo',
        'WORKTREES=~/wt',
        'SESSIONS=sessions',
        'PROVIDER=script',
        'SAMOCODE_RETRY_DELAY=0',
        '',
      ].join('\n'),
    );
    // A flag's relative path resolves against the cwd.
    writeFileSync(
      join(elsewhere, 'scen.json'),
      JSON.stringify({ steps: [{ files: { 'made-here.txt': 'x\n' }, signal: sig.block('stop') }] }),
    );

    const result = await runFrom(project, elsewhere, [
      '--config',
      '../conf/.samocode',
      '--session',
      'tilde',
      '--task',
      't',
      '--script',
      'scen.json',
    ]);
    expect(result.stderr).toContain('is blocked in phase investigation (agent)');
    expect(result.exitCode).toBe(4);

    const home = project.env.HOME!;
    const sessions = join(confDir, 'sessions');
    const folders = readdirSync(sessions);
    expect(folders).toHaveLength(1);
    expect(folders[0]).toMatch(/^\d{2}-\d{2}-\d{2}-tilde$/);
    const worktree = join(home, 'wt', 'tilde');
    expect(readOverview(join(sessions, folders[0]!)).data).toMatchObject({
      workingDir: worktree,
      standalone: false,
      branch: 'samocode/tilde',
    });
    expect(readFileSync(join(worktree, 'made-here.txt'), 'utf8')).toBe('x\n');
    expect(existsSync(join(elsewhere, 'sessions'))).toBe(false);
    expect(existsSync(join(elsewhere, 'repo'))).toBe(false);
    expect(existsSync(join(project.root, 'sessions'))).toBe(false);
    expect(existsSync(join(confDir, '~'))).toBe(false);
  });

  test('an unknown key in .samocode is warned about by name and the run goes on', async () => {
    const project = createProject({ config: [...BASE, 'FROBNICATE_LEVEL=9'] });
    const result = await project.run(
      sessionArgs(project, 'unknown', project.scenario([{ signal: sig.block('stop') }])),
    );
    expect(result.stderr).toContain(`${project.configFile}: unknown key FROBNICATE_LEVEL is ignored`);
    expect(result.exitCode).toBe(4);
    expect(readOverview(project.sessionDir('unknown')).data.blockedKind).toBe('agent');
  });

  test('a typo such as SESIONS gets a did-you-mean warning, and the missing SESSIONS is still an error', async () => {
    const project = createProject({
      config: ['MAIN_REPO=./repo', 'WORKTREES=./worktrees', 'SESIONS=./sessions', 'PROVIDER=script'],
    });
    const result = await project.run(sessionArgs(project, 's', project.scenario([])));
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      problemText(
        project.configFile,
        'SESSIONS',
        undefined,
        'is required',
        `add a line SESSIONS=~/proj/.samocode-sessions to ${project.configFile}`,
      ),
    );
    expect(result.stderr).toContain('unknown key SESIONS is ignored (did you mean SESSIONS?)');
  });
});

describe('usage errors (exit 2)', () => {
  const cases: { name: string; args: (p: Project, scenario: string) => string[]; message: string | RegExp }[] = [
    {
      name: 'an unknown flag',
      args: (p, s) => [...sessionArgs(p, 'u', s), '--bogus'],
      message: "Unknown option '--bogus'",
    },
    {
      name: 'missing --config',
      args: (_p, s) => ['--session', 'u', '--task', 't', '--script', s],
      message: "--config is required: the path of your project's .samocode file",
    },
    {
      name: 'missing --session',
      args: (p, s) => ['--config', p.configFile, '--task', 't', '--script', s],
      message: '--session is required',
    },
    {
      name: '--session ../x',
      args: (p, s) => sessionArgs(p, '../x', s),
      message: '--session "../x" contains a path separator; a session is a name, not a path',
    },
    {
      name: '--session a/b',
      args: (p, s) => sessionArgs(p, 'a/b', s),
      message: '--session "a/b" contains a path separator',
    },
    {
      name: '--session /abs',
      args: (p, s) => sessionArgs(p, '/abs', s),
      message: '--session "/abs" contains a path separator',
    },
    { name: "--session ''", args: (p, s) => sessionArgs(p, '', s), message: /--session is (required|empty)/ },
    { name: '--session ..', args: (p, s) => sessionArgs(p, '..', s), message: '--session ".." contains ".."' },
    {
      name: 'a new session without --task',
      args: (p, s) => ['--config', p.configFile, '--session', 'no-task', '--script', s],
      message: /there is no session "no-task" under .*; start one with --task "what to do"/,
    },
    {
      name: 'an unknown command word',
      args: (p, s) => ['frobnicate', ...sessionArgs(p, 'u', s)],
      message:
        'unknown command "frobnicate"; commands: run, resume, continue, status, history, list, log, json, serve, enqueue, worker, queue, prune, demo, install, uninstall (run is the default)',
    },
  ];

  test.each(cases)('$name', async ({ args, message }) => {
    const project = createProject();
    const result = await project.run(args(project, project.scenario([{ signal: sig.block('should not run') }])));
    if (typeof message === 'string') expect(result.stderr).toContain(message);
    else expect(result.stderr).toMatch(message);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).not.toContain('    at ');
    // Nothing was started: no session folder anywhere, no worktree, nothing escaped the sessions folder.
    const sessions = existsSync(project.sessions) ? readdirSync(project.sessions) : [];
    expect(sessions).toEqual([]);
    expect(existsSync(project.worktrees)).toBe(false);
    expect(existsSync(join(project.root, 'x'))).toBe(false);
    expect(existsSync('/abs')).toBe(false);
  });
});

describe('Telegram settings', () => {
  test('a token without TELEGRAM_CHAT_ID: exit 3 naming TELEGRAM_CHAT_ID, and the token is never printed', async () => {
    const project = createProject();
    const result = await project.run(sessionArgs(project, 's', project.scenario([])), {
      env: { TELEGRAM_BOT_TOKEN: TOKEN },
    });
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      problemText(
        'environment TELEGRAM_BOT_TOKEN',
        'TELEGRAM_CHAT_ID',
        undefined,
        'is needed too: Telegram needs both the token and the chat id',
        'set TELEGRAM_CHAT_ID, or remove the other TELEGRAM_ setting',
      ),
    );
    for (const out of [result.stdout, result.stderr]) {
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain(TOKEN_SECRET);
    }
  });

  test('a malformed token in .samocode is reported without its value', async () => {
    const project = createProject({
      config: [...BASE, 'TELEGRAM_BOT_TOKEN=123456:short-secret-xyz', 'TELEGRAM_CHAT_ID=42'],
    });
    const result = await project.run(sessionArgs(project, 's', project.scenario([])));
    expectConfigError(project, result, 1);
    expect(result.stderr).toContain(
      `${project.configFile}: TELEGRAM_BOT_TOKEN="(hidden)": does not look like a bot token`,
    );
    expect(result.stderr + result.stdout).not.toContain('short-secret-xyz');
  });
});
