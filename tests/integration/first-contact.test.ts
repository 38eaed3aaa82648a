// What a new user trips on, through the real CLI: help per command, argument errors in our own words, the check
// order (usage before configuration) and who is blamed for a value, a task that must not vanish, --task on an
// existing session, IS_SANDBOX for Claude as root, and the demo's flags and clean-up.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startFakeTelegram } from '../helpers/fake-telegram.js';
import {
  createProject,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  fullSessionSteps,
  answerEverything,
  type Project,
} from '../helpers/rig.js';

const BASE = ['MAIN_REPO=./repo', 'WORKTREES=./worktrees', 'SESSIONS=./sessions', 'SAMOCODE_RETRY_DELAY=0'];
/** A PATH with node and git but surely no `claude` or `codex`. */
const NO_AGENT_PATH = [dirname(process.execPath), '/usr/bin', '/bin'].join(':');

function nothingStarted(project: Project): void {
  expect(existsSync(project.sessions) ? readdirSync(project.sessions) : []).toEqual([]);
  expect(existsSync(project.worktrees)).toBe(false);
}

function promptOf(dir: string, pattern: RegExp): string {
  const file = readdirSync(join(dir, '_logs')).find((f) => pattern.test(f));
  expect(file, `a prompt file matching ${pattern}`).toBeDefined();
  const text = readFileSync(join(dir, '_logs', file!), 'utf8');
  // workflow.md shows "## Task" as an example heading: look at the Session context block only.
  return text.slice(text.indexOf('\n## Session context\n'));
}

describe('help', () => {
  test.each([
    [['help'], 'commands:'],
    [['--help'], 'commands:'],
    [['help', 'status'], 'orchestrate status: '],
    [['status', '--help'], 'orchestrate status: '],
    [['history', '-h'], 'orchestrate history: '],
    [['demo', '--help'], 'orchestrate demo: '],
    [['help', 'run'], 'orchestrate run: '],
  ])('orchestrate %j prints the help (exit 0)', async (args, first) => {
    const project = createProject();
    const result = await project.run(args);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.startsWith(first) || result.stdout.includes(`\n${first}`)).toBe(true);
  });

  test("a command's help has its usage, every flag it takes with its meaning, and examples", async () => {
    const project = createProject();
    const status = (await project.run(['help', 'status'])).stdout;
    expect(status).toContain('usage:\n  orchestrate status --config <.samocode> --session <name> [--json]\n');
    expect(status).toMatch(/\n {2}--config <file> +the project's \.samocode file/);
    expect(status).toMatch(/\n {2}--json +machine-readable output/);
    expect(status).toContain('examples:\n  orchestrate status --config ~/proj/.samocode --session add-auth\n');
    expect(status).not.toContain('--task <');
    const demo = (await project.run(['demo', '--help'])).stdout;
    for (const flag of ['--keep', '--quiet', '--log-format <f>', '--timeout <seconds>'])
      expect(demo).toContain(`  ${flag} `);
    const general = (await project.run(['help'])).stdout;
    for (const command of ['run', 'resume', 'status', 'history', 'list', 'demo', 'install', 'uninstall'])
      expect(general).toMatch(new RegExp(`\\n {2}${command} +\\S`));
    expect(general).toContain('exit codes: 0 done, 1 internal error, 2 usage, 3 configuration');
  });

  test.each([
    { args: ['status', 'a', 'b'], message: 'status takes no positional argument: got "a b"' },
    { args: ['help', 'frobnicate'], message: 'there is no command "frobnicate"' },
    {
      args: ['status', '--config', 'x', '--session', 's', '--task', 't'],
      message: 'status does not take --task; its flags: --config, --session, --json (orchestrate help status)',
    },
    {
      args: ['demo', '--provider', 'codex'],
      message: 'demo does not take --provider; its flags: --keep, --quiet, --log-format, --timeout',
    },
    { args: ['--config', 'x', '--session'], message: '--session needs a value: --session <name>' },
    {
      args: ['--config', 'x', '--session', '--task', 't'],
      message: '--session needs a value, and "--task" is not one',
    },
    {
      args: ['--config', 'x', '--task', '-x', '--session', 's'],
      message:
        '--task needs a value, and "-x" looks like a flag; fix: --task <text>, or, if the value really starts with "-", --task=-x',
    },
    { args: ['--quiet=yes'], message: '--quiet takes no value (it is a switch)' },
  ])('$args: $message (exit 2)', async ({ args, message }) => {
    const project = createProject();
    const result = await project.run(args);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('ERR_PARSE_ARGS');
    expect(result.exitCode).toBe(2);
  });
});

describe('check order and blame', () => {
  test('a bad session name is a usage error (exit 2) even when the agent binary is missing too', async () => {
    const project = createProject({ config: [...BASE, 'PROVIDER=claude'] });
    const result = await project.run(['--config', project.configFile, '--session', '../x', '--task', 't'], {
      env: { PATH: NO_AGENT_PATH },
    });
    expect(result.stderr).toContain('--session "../x" contains a path separator');
    expect(result.stderr).not.toContain('CLAUDE_PATH');
    expect(result.exitCode).toBe(2);
    nothingStarted(project);
  });

  test('a default CLAUDE_PATH that is not on PATH is reported as the default, not blamed on the .samocode', async () => {
    const project = createProject({ config: [...BASE, 'PROVIDER=claude'] });
    const result = await project.run(['--config', project.configFile, '--session', 's', '--task', 't'], {
      env: { PATH: NO_AGENT_PATH },
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(
      `  default (CLAUDE_PATH is not set in ${project.configFile}, .env or the environment): CLAUDE_PATH="claude": is not found on PATH\n` +
        `    fix: install it (npm install -g @anthropic-ai/claude-code) or set CLAUDE_PATH=<the binary's full path> in ${project.configFile}`,
    );
    expect(result.stderr).not.toContain(`${project.configFile}: CLAUDE_PATH`);
    nothingStarted(project);
  });

  test('CLAUDE_PATH from the environment is blamed on the environment', async () => {
    const project = createProject({ config: [...BASE, 'PROVIDER=claude'] });
    const result = await project.run(['--config', project.configFile, '--session', 's', '--task', 't'], {
      env: { PATH: NO_AGENT_PATH, CLAUDE_PATH: 'my-claude' },
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('  environment CLAUDE_PATH: CLAUDE_PATH="my-claude": is not found on PATH\n');
  });

  test('a missing MAIN_REPO folder is reported together with the other problems', async () => {
    const project = createProject({
      config: ['MAIN_REPO=./no-such-repo', ...BASE.slice(1), 'PROVIDER=claude', 'SAMOCODE_TIMEOUT=abc'],
    });
    const result = await project.run(['--config', project.configFile, '--session', 's', '--task', 't'], {
      env: { PATH: NO_AGENT_PATH },
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('configuration has 3 problems:');
    expect(result.stderr).toContain(`${project.configFile}: SAMOCODE_TIMEOUT="abc": is not a number of seconds`);
    expect(result.stderr).toContain(
      `${project.configFile}: MAIN_REPO=${JSON.stringify(join(project.root, 'no-such-repo'))}: folder does not exist`,
    );
    expect(result.stderr).toContain('CLAUDE_PATH="claude": is not found on PATH');
    nothingStarted(project);
  });

  test('a done session re-run needs no agent binary; --task on it is a warning and the message says how to start new work', async () => {
    const project = createProject({ config: [...BASE, 'PROVIDER=script'] });
    const scenario = project.scenario(fullSessionSteps());
    const args = sessionArgs(project, 'finished', scenario);
    expect((await project.run(args)).exitCode).toBe(5);
    const dir = project.sessionDir('finished');
    answerEverything(dir);
    expect((await project.run(args)).exitCode).toBe(5);
    answerEverything(dir);
    expect((await project.run(args)).exitCode).toBe(0);

    const again = await project.run(
      ['--config', project.configFile, '--session', 'finished', '--task', 'something else'],
      {
        env: { PATH: NO_AGENT_PATH, SAMOCODE_PROVIDER: 'claude' },
      },
    );
    expect(again.stderr).not.toContain('configuration has');
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(
      /WARN: --task is not used: session \S+-finished already has its task \("test task", in _overview\.md\) and is done\. To work on a new task, start a new session: use a new --session name with --task\./,
    );
    expect(again.stderr).toMatch(
      /was already done \(after \d+ iterations\) before this run: nothing was run and --task was not used\./,
    );
    expect(again.stderr).toContain(
      `to start new work, use a new --session name: orchestrate --config ${project.configFile} --session <new-name> --task "…"`,
    );
    expect(readOverview(dir).data.task).toBe('test task');
  });
});

describe('session names that git would refuse are refused up front (exit 2), leaving nothing behind', () => {
  test.each([
    ['x.lock', 'ends with ".lock"', 'x-lock'],
    ['a.lock', 'ends with ".lock"', 'a-lock'],
    ['x.', 'ends with "."', 'x'],
  ])('--session %j', async (name, rule, suggestion) => {
    const project = createProject();
    const result = await project.run(
      sessionArgs(project, name, project.scenario([{ signal: sig.block('should not run') }])),
    );
    expect(result.stderr).toContain(`--session ${JSON.stringify(name)} ${rule}, which git refuses in a branch name`);
    expect(result.stderr).toContain(`(e.g. --session ${suggestion})`);
    expect(result.exitCode).toBe(2);
    nothingStarted(project);
  });

  test('--session -rf gets our own message, with the fix', async () => {
    const project = createProject();
    const result = await project.run([
      '--config',
      project.configFile,
      '--session',
      '-rf',
      '--task',
      't',
      '--script',
      project.scenario([]),
    ]);
    expect(result.stderr).toContain(
      '--session needs a value, and "-rf" is not one: a session name cannot start with "-"',
    );
    expect(result.stderr).toContain('(e.g. --session rf)');
    expect(result.stderr).not.toContain('ambiguous');
    expect(result.exitCode).toBe(2);
    nothingStarted(project);
  });

  test('a BRANCH_PREFIX that cannot make a branch is a configuration problem', async () => {
    const project = createProject({ config: [...BASE, 'PROVIDER=script', 'BRANCH_PREFIX=bad..prefix/'] });
    const result = await project.run(sessionArgs(project, 'ok', project.scenario([])));
    expect(result.stderr).toContain(
      `${project.configFile}: BRANCH_PREFIX="bad..prefix/": does not make a valid git branch name: "bad..prefix/<session>" contains ".."`,
    );
    expect(result.exitCode).toBe(3);
    nothingStarted(project);
  });
});

describe('the task and dive stay in the prompt while the session investigates', () => {
  test('iteration 1 fails before the agent did anything: the next investigation prompt still has ## Task and ## Dive focus', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { exitCode: 1, stderr: ['cannot start'] },
      { signal: sig.stay('investigation', 'looked') },
      { signal: sig.go('requirements') },
      { signal: sig.block('stop') },
    ]);
    const args = [...sessionArgs(project, 'vanish', scenario), '--dive', 'the auth module', '--max-retries', '0'];
    const failed = await project.run(args);
    expect(failed.exitCode).toBe(7);
    const dir = project.sessionDir('vanish');
    const rerun = await project.run([
      '--config',
      project.configFile,
      '--session',
      'vanish',
      '--script',
      scenario,
      '--no-wait',
    ]);
    expect(rerun.exitCode).toBe(4);
    const iterations = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(iterations.map((e) => e.phaseAfter)).toEqual([
      'investigation',
      'investigation',
      'requirements',
      'requirements',
    ]);
    for (const pattern of [/-002-investigation\.prompt\.md$/, /-003-investigation\.prompt\.md$/]) {
      const context = promptOf(dir, pattern);
      expect(context).toContain('\n## Task\ntest task\n');
      expect(context).toContain('\n## Dive focus\nthe auth module\n');
    }
    expect(promptOf(dir, /-004-requirements\.prompt\.md$/)).not.toContain('## Task');
  });
});

describe('--task on an existing session', () => {
  test('is a warning that says what to do instead, and the session goes on with its own task', async () => {
    const project = createProject();
    const scenario = project.scenario([{ signal: sig.block('first stop') }, { signal: sig.block('second stop') }]);
    expect((await project.run(sessionArgs(project, 'keepit', scenario))).exitCode).toBe(4);
    const result = await project.run([
      '--config',
      project.configFile,
      '--session',
      'keepit',
      '--task',
      'a different task',
      '--script',
      scenario,
    ]);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toMatch(
      /WARN: --task is not used: session \S+-keepit already has its task \("test task", in _overview\.md\) and goes on with it in investigation\. To work on a new task, start a new session: use a new --session name with --task\./,
    );
    expect(result.stderr).not.toMatch(/INFO: --task is ignored/);
    expect(readOverview(project.sessionDir('keepit')).data.task).toBe('test task');
  });
});

describe('IS_SANDBOX for Claude as root', () => {
  /** A fake `claude` that refuses the bypass flag as root unless IS_SANDBOX=1 (as Claude Code 2.1 does); else it signals blocked. */
  function fakeClaude(project: Project, alwaysRefuse = false): string {
    const bin = join(project.root, 'bin');
    mkdirSync(bin, { recursive: true });
    const file = join(bin, 'claude');
    writeFileSync(
      file,
      [
        '#!/bin/sh',
        `if ${alwaysRefuse ? 'true' : '[ "$IS_SANDBOX" != "1" ]'}; then`,
        '  echo "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons" >&2',
        '  exit 1',
        'fi',
        `printf '%s' '{"status":"blocked","reason":"fake claude ran"}' > "$SAMOCODE_SIGNAL_FILE"`,
        '',
      ].join('\n'),
    );
    chmodSync(file, 0o755);
    return file;
  }

  test.runIf(process.getuid?.() === 0)(
    'IS_SANDBOX=yes in the environment: samocode still gives Claude IS_SANDBOX=1, and it runs',
    async () => {
      const project = createProject({ config: [...BASE, 'PROVIDER=claude', 'SAMOCODE_MAX_RETRIES=0'] });
      const claude = fakeClaude(project);
      const result = await project.run(
        ['--config', project.configFile, '--session', 'root', '--task', 't', '--no-wait'],
        {
          env: { IS_SANDBOX: 'yes', PATH: `${dirname(claude)}:${NO_AGENT_PATH}` },
        },
      );
      expect(result.stderr).not.toContain('root_refused');
      expect(result.stderr).toContain('reason: fake claude ran');
      expect(result.exitCode).toBe(4);
    },
  );

  test('when Claude still refuses as root, the fix names IS_SANDBOX and the value the agent got', async () => {
    const project = createProject({ config: [...BASE, 'PROVIDER=claude', 'SAMOCODE_MAX_RETRIES=0'] });
    const claude = fakeClaude(project, true);
    const result = await project.run(
      ['--config', project.configFile, '--session', 'refuses', '--task', 't', '--no-wait'],
      {
        env: { IS_SANDBOX: 'yes', PATH: `${dirname(claude)}:${NO_AGENT_PATH}` },
      },
    );
    expect(result.exitCode).toBe(7);
    const seen = process.getuid?.() === 0 ? '"1"' : '"yes"';
    expect(result.stderr).toContain(
      `Claude Code skips its root check only with IS_SANDBOX=1 (or CLAUDE_CODE_BUBBLEWRAP set); the agent ran with IS_SANDBOX=${seen}.`,
    );
    const entry = readHistory(project.sessionDir('refuses')).find((e) => e.event === 'iteration');
    expect(entry?.run?.failure).toBe('root_refused');
  });
});

describe('orchestrate demo', () => {
  test('removes its temp folder unless --keep, and does not point at folders it removed', async () => {
    const project = createProject();
    const tmp = join(project.root, 'tmp');
    mkdirSync(tmp);
    const result = await project.run(['demo'], { env: { TMPDIR: tmp } });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('is done after 9 iterations.');
    expect(readdirSync(tmp)).toEqual([]);
    expect(result.stderr).not.toContain('session folder:');
    expect(result.stderr).toContain('orchestrate demo --keep');
  });

  test('--quiet shows no progress lines; --log-format json prints pino JSON lines on stdout', async () => {
    const project = createProject();
    const tmp = join(project.root, 'tmp');
    mkdirSync(tmp);
    const quiet = await project.run(['demo', '--quiet'], { env: { TMPDIR: tmp } });
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stderr).not.toContain('INFO');
    expect(quiet.stderr).not.toContain('demo: answering');
    expect(quiet.stderr).toContain('is done after 9 iterations.');

    const json = await project.run(['demo', '--log-format', 'json'], { env: { TMPDIR: tmp } });
    expect(json.exitCode).toBe(0);
    const lines = json.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(9);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('level');
    expect(json.stderr).not.toContain('INFO');
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('costs computed from CODEX_PRICE are shown as estimates', () => {
  const streams = join(import.meta.dirname, '..', 'fixtures', 'streams');
  const stream = (file: string) =>
    readFileSync(join(streams, file), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');

  test('console iteration line, history, totals, status and the budget message say "~$… est."; a reported Claude cost does not', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { stdout: stream('codex-apply-patch-success.jsonl'), signal: sig.stay('investigation', 'looked around') },
      { stdout: stream('codex-apply-patch-success.jsonl'), signal: sig.block('end') },
    ]);
    // A tiny cost limit, so the second iteration is stopped by the budget and its message shows the estimate too.
    const result = await project.run(sessionArgs(project, 'codex-cost', scenario), {
      env: { SAMOCODE_SCRIPT_FORMAT: 'codex', CODEX_PRICE: '1000,500,10000', SAMOCODE_MAX_COST: '0.01' },
    });
    expect(result.exitCode).toBe(4);
    const dir = project.sessionDir('codex-cost');
    const [first] = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(first!.run).toMatchObject({ costEstimated: true });
    const cost = first!.run.costUsd as number;
    expect(result.stderr).toContain(`, ~$${cost.toFixed(4)} est., `);
    expect(readOverview(dir).data.totals).toMatchObject({ costUsd: cost, costEstimated: true });
    expect(result.stderr).toContain(`~$${cost.toFixed(2)} est. of $0.01`);

    const status = await project.run(['status', '--config', project.configFile, '--session', 'codex-cost']);
    expect(status.stdout).toContain(`cost ~$${cost < 0.01 ? cost.toFixed(4) : cost.toFixed(2)} est.`);

    const claude = createProject();
    const claudeScenario = claude.scenario([
      { stdout: stream('claude-stream-example.jsonl'), signal: sig.block('end') },
    ]);
    const reported = await claude.run(sessionArgs(claude, 'claude-cost', claudeScenario), {
      env: { SAMOCODE_SCRIPT_FORMAT: 'claude' },
    });
    expect(reported.exitCode).toBe(4);
    expect(reported.stderr).toMatch(/, \$\d+\.\d{4}, /);
    expect(reported.stderr).not.toContain('est.');
    const [entry] = readHistory(claude.sessionDir('claude-cost')).filter((e) => e.event === 'iteration');
    expect(entry!.run.costEstimated).toBeUndefined();
  });
});

describe('the Telegram done message', () => {
  test('shows a cost computed from CODEX_PRICE as an estimate', async () => {
    const token = '123456:TESTTOKENabcdefghijklmnopqrstuv';
    const fake = await startFakeTelegram({ token });
    try {
      const project = createProject();
      const codex = readFileSync(
        join(import.meta.dirname, '..', 'fixtures', 'streams', 'codex-apply-patch-success.jsonl'),
        'utf8',
      )
        .split('\n')
        .filter((l) => l.trim() !== '');
      const steps = fullSessionSteps();
      steps[0] = { ...steps[0], stdout: codex };
      const args = sessionArgs(project, 'tg-cost', project.scenario(steps));
      const env = { SAMOCODE_SCRIPT_FORMAT: 'codex', CODEX_PRICE: '1000,500,10000' };
      expect((await project.run(args, { env })).exitCode).toBe(5);
      answerEverything(project.sessionDir('tg-cost'));
      expect((await project.run(args, { env })).exitCode).toBe(5);
      answerEverything(project.sessionDir('tg-cost'));
      const last = await project.run(args, {
        env: { ...env, TELEGRAM_BOT_TOKEN: token, TELEGRAM_CHAT_ID: '4242', TELEGRAM_API_ROOT: fake.url },
      });
      expect(last.exitCode).toBe(0);
      const totals = readOverview(project.sessionDir('tg-cost')).data.totals as {
        costUsd: number;
        costEstimated: boolean;
      };
      expect(totals.costEstimated).toBe(true);
      const done = fake.sent.map((m) => m.text).find((text) => text.includes('finished'));
      expect(done).toContain(`cost ~$${totals.costUsd.toFixed(2)} est.`);
    } finally {
      await fake.close();
    }
  });
});

describe('orchestrate history, piped', () => {
  test('prints every summary whole (a terminal gets them fitted to its width)', async () => {
    const project = createProject();
    const long = `Mapped the repository: ${'every module, its tests and how they fit together; '.repeat(4)}the end`;
    const scenario = project.scenario([{ signal: sig.stay('investigation', long) }, { signal: sig.block('stop') }]);
    expect((await project.run(sessionArgs(project, 'wide', scenario))).exitCode).toBe(4);
    const history = await project.run(['history', '--config', project.configFile, '--session', 'wide']);
    expect(history.exitCode).toBe(0);
    expect(history.stdout).toContain(long);
  });
});

describe('usage before the agent configuration', () => {
  test('a new session without --task is a usage error (exit 2) even when the agent binary is missing', async () => {
    const project = createProject({ config: [...BASE, 'PROVIDER=claude'] });
    const result = await project.run(['--config', project.configFile, '--session', 'fresh'], {
      env: { PATH: NO_AGENT_PATH },
    });
    expect(result.stderr).toMatch(/there is no session "fresh" under .*; start one with --task "what to do"/);
    expect(result.stderr).not.toContain('CLAUDE_PATH');
    expect(result.exitCode).toBe(2);
    nothingStarted(project);
  });
});
