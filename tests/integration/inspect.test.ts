// `orchestrate status | history | list`: a person checking in on sessions. Real CLI, real sessions made by real runs
// of the scripted agent; the inspection commands only read what those runs left.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { QA, PLAN, createProject, isRunning, sessionArgs, sig, waitFor, type Project } from '../helpers/rig.js';
import { readAgent, reapLeftovers, sessionDirOf } from '../helpers/processes.js';

function inspect(
  project: Project,
  command: 'status' | 'history' | 'list',
  session?: string,
  extra: string[] = [],
  env?: NodeJS.ProcessEnv,
) {
  const args = [
    command,
    '--config',
    project.configFile,
    ...(session === undefined ? [] : ['--session', session]),
    ...extra,
  ];
  return project.run(args, env ? { env } : {});
}

/** The table rows of `orchestrate history` (not the header, date lines or notes). */
function historyRows(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^\s*\d+\s+\d\d:\d\d:\d\d\s/.test(line));
}

describe('status and history of a session that waits for the person', () => {
  test('status says what it waits for and what to edit; history lists the iterations and the resume; a torn line is skipped', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { signal: sig.go('requirements') },
      { sessionFiles: QA, signal: sig.wait('qa_answers') },
      { signal: sig.go('planning') },
      { sessionFiles: PLAN, signal: sig.wait('plan_approval') },
    ]);
    const args = sessionArgs(project, 'add-feature', scenario, ['--no-wait']);
    expect((await project.run(args)).exitCode).toBe(5);
    const dir = project.sessionDir('add-feature');

    const status = await inspect(project, 'status', 'add-feature');
    expect(status.stderr).toBe('');
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/status: +waiting for qa_answers\n/);
    expect(status.stdout).toMatch(/needs: +answer please\n/);
    expect(status.stdout).toContain(`${join(dir, '_qa.md')}: 1 question unanswered (Q1), 0 answered`);
    expect(status.stdout).toMatch(/phase: +requirements: 1 iteration in this phase \(limit 10\), 2 in total/);
    expect(status.stdout).toMatch(/last signal: +iteration 2, .*waiting for qa_answers, stayed in requirements/);
    expect(status.stdout).toMatch(/updated: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(/);
    expect(status.stdout).toMatch(/working dir: +.*worktrees\/add-feature \(branch samocode\/add-feature/);
    expect(status.stdout).toContain(`--config ${project.configFile} --session add-feature`);
    for (const file of [
      dir,
      join(dir, '_overview.md'),
      join(dir, '_signal_history.jsonl'),
      join(dir, '_logs'),
      join(dir, 'session.log'),
    ]) {
      expect(status.stdout).toContain(file);
    }

    const json = await inspect(project, 'status', 'add-feature', ['--json']);
    expect(json.exitCode).toBe(0);
    const facts = JSON.parse(json.stdout) as Record<string, any>;
    expect(facts).toMatchObject({
      session: dir.split('/').at(-1),
      name: 'add-feature',
      overview: 'ok',
      phase: 'requirements',
      status: 'waiting',
      statusLine: 'waiting for qa_answers',
      orchestrator: null,
      waitingFor: 'qa_answers',
      needs: 'answer please',
      edit: { file: join(dir, '_qa.md'), exists: true, questions: 1, unanswered: ['Q1'] },
      iterations: { total: 2, inPhase: 1, phaseLimit: 10 },
      lastSignal: {
        iteration: 2,
        status: 'waiting',
        for: 'qa_answers',
        phase: 'requirements',
        phaseAfter: 'requirements',
        validation: 'ok',
      },
      workingDir: join(project.worktrees, 'add-feature'),
      branch: 'samocode/add-feature',
      paths: {
        folder: dir,
        history: join(dir, '_signal_history.jsonl'),
        logs: join(dir, '_logs'),
        sessionLog: join(dir, 'session.log'),
      },
    });
    expect(facts.totals.agentMs).toBeGreaterThan(0);

    // Answer, go on to the plan approval: the history shows the resume between the iterations.
    const qa = join(dir, '_qa.md');
    writeFileSync(qa, readFileSync(qa, 'utf8').replace('_waiting_', 'A'));
    expect((await project.run(args)).exitCode).toBe(5);

    const history = await inspect(project, 'history', 'add-feature');
    expect(history.exitCode).toBe(0);
    const rows = historyRows(history.stdout);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^\s*1\s.*\s1\s+iteration\s+(investigation|inv) → (requirements|req)\s+continue \/ ok\s/);
    expect(rows[1]).toMatch(/^\s*2\s.*\s2\s+iteration\s+(requirements|req) → (requirements|req)\s+waiting \/ ok\s/);
    expect(rows[2]).toMatch(/^\s*3\s.*\s2\s+» resumed\s+(requirements|req)\s+from waiting\s/);
    expect(rows[3]).toMatch(/^\s*4\s.*\s3\s+iteration\s+(requirements|req) → (planning|plan)\s+continue \/ ok\s/);
    expect(rows[4]).toMatch(/^\s*5\s.*\s4\s+iteration\s+(planning|plan) → (planning|plan)\s+waiting \/ ok\s/);
    expect(history.stdout).toMatch(/^-- \d{4}-\d\d-\d\d$/m);
    expect(history.stdout).toContain('5 entries, 4 iterations');
    expect(history.stdout).not.toContain('unreadable');
    // Piped, summaries are whole (issue 8): the width limit applies on a terminal (unit-tested in inspect-format).
    expect(rows[1]).toContain('waiting for qa_answers');

    const historyJson = JSON.parse((await inspect(project, 'history', 'add-feature', ['--json'])).stdout) as Record<
      string,
      any
    >[];
    expect(historyJson.map((e) => e.event)).toEqual(['iteration', 'iteration', 'resumed', 'iteration', 'iteration']);
    expect(historyJson.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(historyJson[0]).toMatchObject({
      phase: 'investigation',
      phaseAfter: 'requirements',
      run: { provider: 'script' },
    });

    // Now waiting at the plan: status reads the approval line.
    const planStatus = await inspect(project, 'status', 'add-feature');
    expect(planStatus.stdout).toMatch(/status: +waiting for plan_approval\n/);
    expect(planStatus.stdout).toContain(`${join(dir, '_plan.md')}: the approval line still says _waiting_`);

    // A crash mid-append leaves a torn last line: it is skipped, and said so.
    appendFileSync(join(dir, '_signal_history.jsonl'), '{"seq":6,"time":"2026-');
    const torn = await inspect(project, 'history', 'add-feature');
    expect(torn.exitCode).toBe(0);
    expect(historyRows(torn.stdout)).toHaveLength(5);
    expect(torn.stdout).toContain('1 unreadable line skipped (line 6)');
    expect(JSON.parse((await inspect(project, 'history', 'add-feature', ['--json'])).stdout)).toHaveLength(5);
    const tornStatus = await inspect(project, 'status', 'add-feature');
    expect(tornStatus.exitCode).toBe(0);
    expect(tornStatus.stdout).toMatch(/last signal: +iteration 4,/);
  });
});

describe('list, blocked sessions, unknown sessions', () => {
  test('list shows every session newest first; a blocked one gives reason and needs; an unknown name lists the real ones', async () => {
    const project = createProject();
    // list before anything exists: a friendly hint, not an error.
    const empty = await inspect(project, 'list');
    expect(empty.exitCode).toBe(0);
    expect(empty.stdout).toBe(
      `no sessions under ${project.sessions} yet; start one with orchestrate --config ${project.configFile} --session <name> --task "what to do"\n`,
    );

    const waits = project.scenario(
      [{ signal: sig.go('requirements') }, { sessionFiles: QA, signal: sig.wait('qa_answers') }],
      'waits.json',
    );
    expect((await project.run(sessionArgs(project, 'first', waits, ['--no-wait']))).exitCode).toBe(5);
    const blocks = project.scenario(
      [{ signal: sig.block('no database access', 'a DATABASE_URL in .env') }],
      'blocks.json',
    );
    expect((await project.run(sessionArgs(project, 'second', blocks))).exitCode).toBe(4);
    // A Python-era session and a folder that is not a session at all.
    mkdirSync(join(project.sessions, '20-01-01-old'));
    writeFileSync(
      join(project.sessions, '20-01-01-old', '_overview.md'),
      '# Session: old\n\n## Status\n- Phase: implementation\n- Iteration: 7\n',
    );
    mkdirSync(join(project.sessions, 'not-a-session'));

    // Inspection runs no agent: a missing agent binary does not matter (while a run would refuse to start).
    const noAgent = { SAMOCODE_PROVIDER: 'claude', CLAUDE_PATH: join(project.root, 'no-such-claude') };
    expect((await project.run(['--config', project.configFile, '--session', 'first'], { env: noAgent })).exitCode).toBe(
      3,
    );

    const list = await inspect(project, 'list', undefined, [], noAgent);
    expect(list.stderr).toBe('');
    expect(list.exitCode).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`sessions under ${project.sessions}, newest first:`);
    expect(lines[1]).toMatch(/^name +phase +status +iter +updated +folder$/);
    expect(lines[2]).toMatch(/^second +investigation +blocked: agent: no database access +1 +(.+ ago|just now) +/);
    expect(lines[2]).toMatch(/\d\d-\d\d-\d\d-second$/);
    expect(lines[3]).toMatch(/^first +requirements +waiting for qa_answers +2 +/);
    expect(lines[4]).toMatch(/^old +implementation +legacy format \(the next run migrates it\) +7 +\? +20-01-01-old$/);
    expect(lines[5]).toBe('');
    expect(lines[6]).toContain('3 sessions');
    expect(list.stdout).not.toContain('not-a-session');

    const listJson = JSON.parse((await inspect(project, 'list', undefined, ['--json'], noAgent)).stdout) as Record<
      string,
      any
    >[];
    expect(listJson.map((s) => s.name)).toEqual(['second', 'first', 'old']);
    expect(listJson[0]).toMatchObject({
      phase: 'investigation',
      status: 'blocked',
      live: false,
      iterations: 1,
      folder: project.sessionDir('second'),
    });
    expect(listJson[2]).toMatchObject({ overview: 'legacy', phase: 'implementation', iterations: 7, updatedAt: null });

    const blocked = await inspect(project, 'status', 'second', [], noAgent);
    expect(blocked.exitCode).toBe(0);
    expect(blocked.stdout).toMatch(/status: +blocked: agent: no database access\n/);
    expect(blocked.stdout).toMatch(/needs: +a DATABASE_URL in \.env\n/);
    expect(blocked.stdout).toContain(
      `fix the cause (notes for the agent go in ${join(project.sessionDir('second'), '_overview.md')}), then run: orchestrate --config`,
    );
    expect(JSON.parse((await inspect(project, 'status', 'second', ['--json'], noAgent)).stdout)).toMatchObject({
      status: 'blocked',
      blockedKind: 'agent',
      blockedReason: 'no database access',
      needs: 'a DATABASE_URL in .env',
      edit: null,
    });
    expect((await inspect(project, 'history', 'second', [], noAgent)).exitCode).toBe(0);

    const legacy = await inspect(project, 'status', 'old');
    expect(legacy.exitCode).toBe(0);
    expect(legacy.stdout).toMatch(
      /status: +legacy: .*_overview\.md is in the Python samocode format \(phase implementation, iteration 7\)/,
    );

    // A broken front matter: status shows the parse message instead of failing.
    const first = project.sessionDir('first');
    writeFileSync(
      join(first, '_overview.md'),
      readFileSync(join(first, '_overview.md'), 'utf8').replace(/^phase: .*$/m, 'phase: nowhere'),
    );
    const broken = await inspect(project, 'status', 'first');
    expect(broken.exitCode).toBe(0);
    expect(broken.stdout).toMatch(/status: +unreadable: .*phase="nowhere"/);
    expect((await inspect(project, 'list')).stdout).toMatch(/^first +\? +unreadable _overview\.md \(see status\)/m);

    for (const command of ['status', 'history'] as const) {
      const unknown = await inspect(project, command, 'nope');
      expect(unknown.exitCode).toBe(2);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toContain(
        `there is no session "nope" under ${project.sessions}; sessions there: first, old, second`,
      );
    }
  });
});

describe('a running session', () => {
  test('status and list show the live orchestrator and its agent; after Ctrl-C, status says nothing runs it', async () => {
    const project = createProject();
    reapLeftovers(project);
    const scenario = project.scenario([{ hang: true }]);
    const child = project.start(sessionArgs(project, 'busy', scenario), { env: { SAMOCODE_KILL_GRACE: '0.5' } });
    const agent = await waitFor(
      () => {
        const dir = sessionDirOf(project, 'busy');
        return dir ? readAgent(dir) : undefined;
      },
      30_000,
      'the agent pid in .lock.agent',
    );

    const status = await inspect(project, 'status', 'busy');
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`status: +running \\(pid ${child.pid}, agent pid ${agent}\\)\\n`));
    expect(status.stdout).toMatch(
      /phase: +investigation: 0 iterations in this phase \(limit 10\), 0 in total, iteration 1 is running/,
    );
    expect(JSON.parse((await inspect(project, 'status', 'busy', ['--json'])).stdout)).toMatchObject({
      status: 'running',
      orchestrator: { live: true, pid: child.pid, agentPid: agent },
    });
    expect((await inspect(project, 'list')).stdout).toMatch(
      new RegExp(`^busy +investigation +running \\(pid ${child.pid}\\) +0 `, 'm'),
    );

    child.kill('SIGINT');
    const result = await child.result;
    expect(result.exitCode).toBe(130);
    expect(isRunning(agent)).toBe(false);

    const after = await inspect(project, 'status', 'busy');
    expect(after.stdout).toMatch(
      /status: +running\? \(no orchestrator is running; last run stopped or crashed: run again to resume\)\n/,
    );
    expect(after.stdout).toMatch(/next: +run again to resume: orchestrate --config .* --session busy\n/);
    expect((await inspect(project, 'list')).stdout).toMatch(
      /^busy +investigation +running\? \(no orchestrator: run again to resume\)/m,
    );
    const rows = historyRows((await inspect(project, 'history', 'busy')).stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^\s*1\s.*\s1\s+! interrupted\s+investigation\s+SIGINT\s/);
  });
});
