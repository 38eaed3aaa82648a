// The prompt reaches the agent on stdin (a file, not a pipe, not argv), so no prompt size and no character in it can
// break a spawn; a spawn the system still refuses as too long (E2BIG) is named as such, not "claude was not found".
// A fake `claude` on the command line plays the scripted agent: samocode starts it exactly as it starts Claude Code.
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT, createProject, readHistory, sessionArgs, sig, type Project, type Step } from '../helpers/rig.js';

const SESSION = 'stdin';

/** A `claude` that records its arguments (one per line, in argv.txt beside it) and its stdin (stdin-is.txt), and plays `scenario` with the scripted agent. */
function fakeClaude(project: Project, scenario: string): string {
  const fake = join(project.root, 'claude');
  writeFileSync(
    fake,
    `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(join(project.root, 'argv.txt'))}\nreadlink /proc/$$/fd/0 > ${JSON.stringify(join(project.root, 'stdin-is.txt'))}\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'dist', 'script-agent.js'))} ${JSON.stringify(scenario)}\n`,
  );
  chmodSync(fake, 0o755);
  return fake;
}

function promptFiles(dir: string): string[] {
  return readdirSync(join(dir, '_logs'))
    .filter((f) => f.endsWith('.prompt.md'))
    .sort();
}

async function runClaude(steps: Step[], opts: { task?: string; config?: string[] } = {}) {
  const project = createProject(opts.config ? { config: opts.config } : {});
  const scenario = project.scenario(steps);
  const fake = fakeClaude(project, scenario);
  const args = sessionArgs(project, SESSION, scenario, ['--provider', 'claude']);
  if (opts.task !== undefined) args[args.indexOf('--task') + 1] = opts.task;
  const result = await project.run(args, { env: { CLAUDE_PATH: fake, SAMOCODE_RETRY_DELAY: '0' } });
  return { project, result, dir: project.sessionDir(SESSION) };
}

describe('the prompt on stdin', () => {
  test('the agent reads exactly the prompt file on stdin; the prompt is not in argv', async () => {
    const { result, dir, project } = await runClaude([{ stdinFile: 'stdin.txt', signal: sig.wait('qa_answers') }]);
    expect(result.exitCode).toBe(5);
    const argv = readFileSync(join(project.root, 'argv.txt'), 'utf8').split('\n');
    expect(argv.slice(0, 4)).toEqual(['-p', '--output-format', 'stream-json', '--verbose']);
    expect(argv.join('\n')).not.toContain('test task');
    const [prompt] = promptFiles(dir);
    const sent = readFileSync(join(dir, '_logs', prompt!), 'utf8');
    expect(readFileSync(join(dir, 'stdin.txt'), 'utf8')).toBe(sent);
    expect(sent).toContain('## Task\ntest task');
    // Stdin is the prompt file itself: no pipe that a child which never reads could fill, or break with EPIPE.
    expect(readFileSync(join(project.root, 'stdin-is.txt'), 'utf8').trim()).toBe(join(dir, '_logs', prompt!));
  });

  test('a 120 KB task (a prompt over the 128 KiB argv limit) reaches claude whole', async () => {
    const task = `big task ${'t'.repeat(120_000)}`;
    const { result, dir } = await runClaude([{ stdinFile: 'stdin.txt', signal: sig.wait('qa_answers') }], { task });
    expect(result.exitCode).toBe(5);
    const stdin = readFileSync(join(dir, 'stdin.txt'), 'utf8');
    expect(stdin.length).toBeGreaterThan(128 * 1024);
    expect(stdin).toContain(task);
  });

  test('a NUL byte in a summary does not poison the next spawn', async () => {
    const { result, dir } = await runClaude([
      { signal: sig.go('requirements', 'before\u0000after') },
      { stdinFile: 'stdin.txt', signal: sig.wait('qa_answers') },
    ]);
    expect(result.stderr).not.toContain('internal error');
    expect(result.exitCode).toBe(5);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'iteration')
        .map((e) => e.validation),
    ).toEqual(['ok', 'ok']);
    expect(readFileSync(join(dir, 'stdin.txt'), 'utf8')).toContain("- Last iteration's summary: beforeafter\n");
  });

  test('a 60 KB summary is cut to 4 KB, with a note, in the history and the next prompt', async () => {
    const summary = `long ${'s'.repeat(60_000)}`;
    const { result, dir } = await runClaude([
      { signal: sig.go('requirements', summary) },
      { stdinFile: 'stdin.txt', signal: sig.wait('qa_answers') },
    ]);
    expect(result.exitCode).toBe(5);
    const cut = `${summary.slice(0, 4096)}… (cut: ${summary.length - 4096} more characters)`;
    expect(readHistory(dir).find((e) => e.event === 'iteration')!.signal.summary).toBe(cut);
    expect(readFileSync(join(dir, 'stdin.txt'), 'utf8')).toContain(`- Last iteration's summary: ${cut}\n`);
  });

  test('a 140 KB summary is refused as signal_too_large, and the next spawn works', async () => {
    const huge = sig.go('requirements', `huge ${'s'.repeat(140_000)}`);
    const { result, dir } = await runClaude([
      { signal: sig.go('requirements', 'short'), attempts: [{ signal: huge }, {}] },
      { stdinFile: 'stdin.txt', signal: sig.wait('qa_answers') },
    ]);
    expect(result.stderr).not.toContain('was not found');
    expect(result.exitCode).toBe(5);
    const [first, second] = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(first).toMatchObject({
      validation: 'ok',
      signal: { summary: 'short' },
      run: { attempts: 2, corrective: true },
    });
    expect(second).toMatchObject({ validation: 'ok', statusAfter: 'waiting' });
    expect(result.stderr).toContain('signal_too_large: re-running once with the problem stated');
  });
});

describe('a spawn the system refuses as too long (E2BIG)', () => {
  test('a 200 KB value in CLAUDE_ARGS blocks at once as args_too_long, naming the argument and the limit', async () => {
    const project = createProject({
      config: [
        'MAIN_REPO=./repo',
        'WORKTREES=./worktrees',
        'SESSIONS=./sessions',
        'PROVIDER=script',
        'SAMOCODE_RETRY_DELAY=0',
        `CLAUDE_ARGS=--append-system-prompt ${'x'.repeat(200_000)}`,
      ],
    });
    const scenario = project.scenario([{ signal: sig.wait('qa_answers') }]);
    const fake = fakeClaude(project, scenario);
    const result = await project.run(
      sessionArgs(project, SESSION, scenario, ['--provider', 'claude', '--max-retries', '2']),
      { env: { CLAUDE_PATH: fake } },
    );
    expect(result.exitCode).toBe(7);
    expect(result.stderr).not.toContain('was not found');
    expect(result.stderr).not.toContain('x'.repeat(1000));
    const dir = project.sessionDir(SESSION);
    const [entry] = readHistory(dir).filter((e) => e.event === 'iteration');
    expect(entry).toMatchObject({
      validation: 'agent_failed',
      statusAfter: 'blocked',
      run: { attempts: 1, failure: 'args_too_long' },
    });
    expect(entry!.problem).toContain('agent command line too long: claude could not be started');
    expect(entry!.problem).toMatch(
      /argument \d+ \("x{40}"…\) is 195\.3 KiB, over the 128 KiB the system allows for one argument/,
    );
    expect(entry!.problem).toContain('Fix: shorten CLAUDE_ARGS');
    expect(entry!.problem.length).toBeLessThan(2000);
  });
});
