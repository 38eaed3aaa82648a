// A run's logger is made once its first agent runs (log/later-log.ts keeps the lines until then): a run that never
// gets that far must still leave every line of its start in session.log, in order.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLI, createProject, sig } from '../helpers/rig.js';

function sessionLogMessages(dir: string): string[] {
  return readFileSync(join(dir, 'session.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

describe('session.log of a start that runs no agent', () => {
  test('an agent that cannot be started: the start is logged, then the failure, in that order', () => {
    const project = createProject();
    // An executable whose interpreter does not exist: the spawn itself fails (ENOENT), no agent ever runs.
    const agent = join(project.root, 'claude');
    writeFileSync(agent, '#!/nonexistent/interpreter\n');
    chmodSync(agent, 0o755);
    writeFileSync(
      project.configFile,
      [
        'MAIN_REPO=./repo',
        'WORKTREES=./worktrees',
        'SESSIONS=./sessions',
        'PROVIDER=claude',
        `CLAUDE_PATH=${agent}`,
        'SAMOCODE_RETRY_DELAY=0',
        '',
      ].join('\n'),
    );
    const run = spawnSync(
      process.execPath,
      [CLI, '--config', project.configFile, '--session', 's', '--task', 'a task', '--no-wait'],
      {
        env: project.env,
        encoding: 'utf8',
        timeout: 45_000,
      },
    );
    expect(run.status, run.stderr).not.toBe(0);
    const messages = sessionLogMessages(project.sessionDir('s'));
    const created = messages.findIndex((m) => m.startsWith('created session'));
    const opened = messages.findIndex((m) => /^session 26-|^session \d\d-\d\d-\d\d-s: /.test(m));
    const failed = messages.findIndex((m) => /spawn|ENOENT|cannot start|could not start/i.test(m));
    expect(created, messages.join('\n')).toBeGreaterThan(-1);
    expect(opened, messages.join('\n')).toBeGreaterThan(created);
    expect(failed, messages.join('\n')).toBeGreaterThan(opened);
  });

  test('a session that is done already: its start is logged though no agent runs', () => {
    const project = createProject();
    const scenario = project.scenario([{ signal: sig.block('one') }]);
    const args = ['--config', project.configFile, '--session', 's', '--script', scenario, '--no-wait'];
    const first = spawnSync(process.execPath, [CLI, ...args, '--task', 'a task'], {
      env: project.env,
      encoding: 'utf8',
    });
    expect(first.status, first.stderr).toBe(4);
    const dir = project.sessionDir('s');
    // Marked done by hand (as a finished session's file reads): the next start only reports, it spawns nothing.
    const overview = join(dir, '_overview.md');
    writeFileSync(
      overview,
      readFileSync(overview, 'utf8')
        .replace(/^phase: .*$/m, 'phase: done')
        .replace(/^status: .*$/m, 'status: done'),
    );
    const before = sessionLogMessages(dir).length;
    const again = spawnSync(process.execPath, [CLI, ...args], { env: project.env, encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    const added = sessionLogMessages(dir).slice(before);
    expect(
      added.some((m) => /^session .*: done, done/.test(m)),
      added.join('\n'),
    ).toBe(true);
  });
});
