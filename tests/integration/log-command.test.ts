// `orchestrate log` through the real CLI: the scripted agent plays real Claude / Codex streams (SAMOCODE_SCRIPT_FORMAT),
// the log reads them back from `_logs/` with the run's own stream parsers. A failed call is marked, a secret in a tool's
// error and an escape sequence never reach the output, --iteration and --json select and shape, and --follow prints
// the running iteration's lines as they are written and ends when the session waits.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reapLeftovers, sessionDirOf } from '../helpers/processes.js';
import { CLI, ROOT, createProject, sessionArgs, sig, waitFor, QA, type Project } from '../helpers/rig.js';
import { spawn } from 'node:child_process';

const fixture = (path: string) =>
  readFileSync(join(ROOT, 'tests', 'fixtures', path), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

const KEY = 'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o';

function logArgs(project: Project, extra: string[] = []): string[] {
  return ['log', '--config', project.configFile, '--session', 'view', ...extra];
}

async function finishedSession(): Promise<Project> {
  const project = createProject();
  reapLeftovers(project);
  const failing = fixture('tool-failures/claude-bash-failed.jsonl').map((line) =>
    line.replaceAll("ls: cannot access '/no/such/dir-for-samocode'", `curl: token ${KEY} \\u001b[31mrejected`),
  );
  const scenario = project.scenario([
    { stdout: failing, signal: sig.go('requirements') },
    { stdout: fixture('streams/claude-stream-example.jsonl'), signal: sig.block('end of scenario') },
  ]);
  const run = await project.run(sessionArgs(project, 'view', scenario), {
    env: { SAMOCODE_SCRIPT_FORMAT: 'claude' },
  });
  expect(run.exitCode, run.stderr).toBe(4);
  return project;
}

describe('orchestrate log', () => {
  test('prints the actions of every iteration, a failure marked, a secret scrubbed, no escape sequence', async () => {
    const project = await finishedSession();
    const result = await project.run(logArgs(project));
    expect(result.exitCode, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^\d\d:\d\d:\d\d #1 investigation {2}Bash ls \/no\/such\/dir-for-samocode$/m);
    expect(out).toMatch(
      /#1 investigation {2}✗ Bash ls \/no\/such\/dir-for-samocode: Exit code 2: curl: token \[redacted\] rejected/,
    );
    expect(out).toMatch(/#1 investigation {2}→ requirements running/);
    expect(out).toMatch(/#2 requirements {2}→ requirements blocked.*end of scenario/);
    // The iteration's actions come before its end.
    expect(out.indexOf('✗ Bash')).toBeLessThan(out.indexOf('→ requirements running'));
    expect(out).not.toContain(KEY);
    expect(out).not.toContain('\u001b');
  });

  test('--iteration shows one iteration; --json prints one object a line', async () => {
    const project = await finishedSession();
    const two = await project.run(logArgs(project, ['--iteration', '2']));
    expect(two.exitCode, two.stderr).toBe(0);
    expect(two.stdout).not.toContain('#1 ');
    expect(two.stdout).toContain('#2 requirements');

    const json = await project.run(logArgs(project, ['--json', '--iteration', '1']));
    expect(json.exitCode, json.stderr).toBe(0);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => l.iteration === 1)).toBe(true);
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'tool',
        tool: 'Bash',
        target: 'ls /no/such/dir-for-samocode',
        phase: 'investigation',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: 'tool_failed', failure: expect.stringContaining('[redacted]') }),
    );
    expect(lines.at(-1)).toMatchObject({ kind: 'iteration', phaseAfter: 'requirements', status: 'running' });
    expect(json.stdout).not.toContain(KEY);

    const bad = await project.run(logArgs(project, ['--iteration', 'two']));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--iteration');
  });

  test('--follow prints the running iteration as it goes and ends when the session waits', async () => {
    const project = createProject();
    reapLeftovers(project);
    const stream = fixture('streams/claude-stream-example.jsonl');
    const scenario = project.scenario([
      // The first half of the stream, a pause long enough to look, then the rest.
      { stdout: stream, delayMs: 4000, signal: sig.go('requirements') },
      { stdout: fixture('tool-failures/claude-bash-failed.jsonl'), sessionFiles: QA, signal: sig.wait('qa_answers') },
    ]);
    const run = project.start(sessionArgs(project, 'view', scenario, [], { wait: true }), {
      env: { SAMOCODE_SCRIPT_FORMAT: 'claude' },
    });
    const dir = await waitFor(() => sessionDirOf(project, 'view'), 30_000, 'the session folder');
    // The first iteration's log exists: the run is under way.
    await waitFor(
      () => existsSync(join(dir, '_logs')) && readdirSync(join(dir, '_logs')).some((f) => f.endsWith('.jsonl')),
      30_000,
      'the first log',
    );
    const follow = spawn(process.execPath, [CLI, ...logArgs(project, ['--follow'])], {
      env: project.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    follow.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => follow.on('close', resolve));
    // Lines of iteration 1 while it still runs (its end is not in the history yet).
    await waitFor(() => /#1 investigation {2}\S/.test(out), 30_000, 'a line of the running iteration');
    expect(out).not.toContain('→ requirements');
    // Then iteration 2's failure, and the follow ends by itself once the session waits.
    expect(await ended).toBe(0);
    expect(out).toMatch(/#1 investigation {2}→ requirements running/);
    expect(out).toMatch(/#2 requirements {2}✗ Bash ls \/no\/such\/dir-for-samocode/);
    expect(out).toMatch(/#2 requirements {2}→ requirements waiting/);
    run.kill('SIGINT');
    await run.result;
  }, 90_000);
});
