// The signal protocol end to end: the real CLI, the scripted agent writing good and bad `_signal.json` files.
// Every problem is named (history `validation`, `_overview.md` front matter, stderr) and blocks with exit code 4;
// only a missing or unreadable signal earns one corrective re-run.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  createProject,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  type CliResult,
  type Project,
  type Step,
} from '../helpers/rig.js';

const SESSION = 'proto';

interface Ran {
  project: Project;
  dir: string;
  result: CliResult;
  history: Record<string, any>[];
  iterations: Record<string, any>[];
  overview: ReturnType<typeof readOverview>;
}

async function runSteps(steps: Step[], opts: { env?: NodeJS.ProcessEnv; config?: string[] } = {}): Promise<Ran> {
  const project = createProject(opts.config ? { config: opts.config } : {});
  const scenario = project.scenario(steps);
  const result = await project.run(sessionArgs(project, SESSION, scenario), { env: opts.env });
  const dir = project.sessionDir(SESSION);
  const history = readHistory(dir);
  return {
    project,
    dir,
    result,
    history,
    iterations: history.filter((e) => e.event === 'iteration'),
    overview: readOverview(dir),
  };
}

/** The session ended blocked by `kind` in `phase` at `iteration`: history, front matter and stderr all say so. */
function expectBlocked(ran: Ran, kind: string, phase: string, iteration: number): Record<string, any> {
  const { result, iterations, overview } = ran;
  expect(result.stderr).toContain(`is blocked in phase ${phase} (${kind})`);
  expect(result.exitCode).toBe(4);
  const last = iterations.at(-1)!;
  expect(last).toMatchObject({ iteration, phase, phaseAfter: phase, statusAfter: 'blocked', validation: kind });
  expect(typeof last.problem).toBe('string');
  expect(overview.data).toMatchObject({
    status: 'blocked',
    phase,
    blockedKind: kind,
    blockedReason: last.problem,
    iterations: iteration,
  });
  // The reason is shown to the person as well, on the "reason:" line.
  expect(result.stderr).toContain(`reason: ${last.problem}`);
  expect(result.stderr).not.toContain('    at ');
  return last;
}

function logFiles(dir: string): string[] {
  return readdirSync(join(dir, '_logs')).sort();
}

describe('corrective re-run for a missing or unreadable signal', () => {
  test('a missing signal once, then a good one: the iteration succeeds on attempt 2 with the problem stated in its prompt', async () => {
    const ran = await runSteps([
      { signal: sig.go('requirements', 'investigated'), attempts: [{ signal: null }, {}] },
      { signal: sig.block('stop here') },
    ]);
    const [first] = ran.iterations;
    expect(first).toMatchObject({
      iteration: 1,
      phase: 'investigation',
      phaseAfter: 'requirements',
      statusAfter: 'running',
      validation: 'ok',
    });
    expect(first!.run).toMatchObject({ attempts: 2, corrective: true, exitCode: 0 });
    expect(first!.problem).toBeUndefined();
    expect(ran.overview.data).toMatchObject({
      phase: 'requirements',
      status: 'blocked',
      blockedKind: 'agent',
      iterations: 2,
    });
    expect(ran.result.stderr).toContain('signal_missing: re-running once with the problem stated');

    const files = logFiles(ran.dir);
    const a1 = files.filter((f) => /-001-investigation\.prompt\.md$/.test(f));
    const a2 = files.filter((f) => /-001-investigation-a2\.prompt\.md$/.test(f));
    expect(a1).toHaveLength(1);
    expect(a2).toHaveLength(1);
    const corrective = readFileSync(join(ran.dir, '_logs', a2[0]!), 'utf8');
    expect(corrective).toContain(
      '## Correction: your previous attempt at this iteration did not produce a valid signal',
    );
    expect(corrective).toContain(`Problem (signal_missing): ${join(ran.dir, '_signal.json')} was not written`);
    // The first attempt had nothing to correct.
    expect(readFileSync(join(ran.dir, '_logs', a1[0]!), 'utf8')).not.toContain('## Correction');
  });

  test('a signal missing twice blocks with signal_missing after exactly one corrective re-run', async () => {
    const ran = await runSteps([{ stdout: ['working…'] }]);
    const last = expectBlocked(ran, 'signal_missing', 'investigation', 1);
    expect(last.problem).toContain('was not written');
    expect(last.signal).toBeNull();
    expect(last.run).toMatchObject({ attempts: 2, corrective: true });
    expect(logFiles(ran.dir).filter((f) => f.endsWith('.prompt.md'))).toHaveLength(2);
  });

  test('an empty signal file twice blocks with signal_empty', async () => {
    const ran = await runSteps([{ signal: '' }]);
    const last = expectBlocked(ran, 'signal_empty', 'investigation', 1);
    expect(last.problem).toContain('_signal.json is empty');
    expect(last.run).toMatchObject({ attempts: 2, corrective: true });
    const a2 = logFiles(ran.dir).find((f) => f.endsWith('-a2.prompt.md'))!;
    expect(readFileSync(join(ran.dir, '_logs', a2), 'utf8')).toContain('Problem (signal_empty)');
  });

  test('a signal that is not JSON twice blocks with signal_not_json, quoting what was written', async () => {
    const ran = await runSteps([{ signal: '{oops' }]);
    const last = expectBlocked(ran, 'signal_not_json', 'investigation', 1);
    expect(last.problem).toContain('is not valid JSON');
    expect(last.problem).toContain('"{oops"');
    expect(last.run).toMatchObject({ attempts: 2, corrective: true });
    const a2 = logFiles(ran.dir).find((f) => f.endsWith('-a2.prompt.md'))!;
    expect(readFileSync(join(ran.dir, '_logs', a2), 'utf8')).toContain('Problem (signal_not_json)');
  });
});

describe('problems that block at once, without a corrective re-run', () => {
  test('unknown status', async () => {
    const ran = await runSteps([{ signal: { status: 'finished', summary: 'all good' } }]);
    const last = expectBlocked(ran, 'unknown_status', 'investigation', 1);
    expect(last.problem).toContain(
      'status="finished" is not a known status; use one of continue, done, blocked, waiting',
    );
    expect(last.run).toMatchObject({ attempts: 1, corrective: false });
    expect(logFiles(ran.dir).filter((f) => f.includes('-a2'))).toEqual([]);
  });

  test('unknown phase', async () => {
    const ran = await runSteps([{ signal: { status: 'continue', phase: 'deploy', summary: 'ship it' } }]);
    const last = expectBlocked(ran, 'unknown_phase', 'investigation', 1);
    expect(last.problem).toContain('phase="deploy" is not a known phase');
    expect(last.run).toMatchObject({ attempts: 1, corrective: false });
  });

  test('a status not allowed in the phase (done in investigation)', async () => {
    const ran = await runSteps([{ signal: { status: 'done', summary: 'nothing to do' } }]);
    const last = expectBlocked(ran, 'status_not_allowed', 'investigation', 1);
    expect(last.problem).toContain(
      'status "done" is not allowed in phase investigation; allowed here: continue, waiting, blocked',
    );
    expect(last.signal).toMatchObject({ status: 'done', summary: 'nothing to do' });
    expect(last.run).toMatchObject({ attempts: 1, corrective: false });
  });

  test('an illegal transition (investigation → planning)', async () => {
    const ran = await runSteps([{ signal: sig.go('planning') }]);
    const last = expectBlocked(ran, 'illegal_transition', 'investigation', 1);
    expect(last.problem).toContain('phase investigation → planning is not an allowed transition');
    expect(last.problem).toContain('investigation or requirements');
    expect(last.run).toMatchObject({ attempts: 1, corrective: false });
  });

  test('a skipped gate (requirements → planning without waiting for the person)', async () => {
    const ran = await runSteps([{ signal: sig.go('requirements') }, { signal: sig.go('planning') }]);
    const last = expectBlocked(ran, 'gate_skipped', 'requirements', 2);
    expect(last.problem).toContain(
      'phase requirements must wait for the person (status "waiting") before moving to planning',
    );
    expect(ran.overview.data.gatesPassed).toEqual([]);
    expect(ran.iterations).toHaveLength(2);
  });

  test('the phase limit (SAMOCODE_PHASE_LIMITS=investigation=2 in the environment) blocks at iteration 2', async () => {
    const ran = await runSteps(
      [
        { signal: sig.stay('investigation') },
        { signal: sig.stay('investigation') },
        { signal: sig.stay('investigation') },
      ],
      { env: { SAMOCODE_PHASE_LIMITS: 'investigation=2' } },
    );
    const last = expectBlocked(ran, 'phase_limit', 'investigation', 2);
    expect(last.problem).toContain('phase investigation reached its limit of 2 iterations');
    expect(last.problem).toContain('raise PHASE_LIMITS (e.g. investigation=4)');
    expect(ran.iterations.map((e) => e.validation)).toEqual(['ok', 'phase_limit']);
  });

  test('the phase limit set by a .samocode line blocks the same way', async () => {
    const ran = await runSteps([{ signal: sig.stay('investigation') }, { signal: sig.stay('investigation') }], {
      config: [
        'MAIN_REPO=./repo',
        'WORKTREES=./worktrees',
        'SESSIONS=./sessions',
        'PROVIDER=script',
        'SAMOCODE_RETRY_DELAY=0',
        'PHASE_LIMITS=investigation=1',
      ],
    });
    const last = expectBlocked(ran, 'phase_limit', 'investigation', 1);
    expect(last.problem).toContain('reached its limit of 1 iterations');
  });

  test('a waiting signal without "for" is signal_invalid', async () => {
    const ran = await runSteps([{ signal: { status: 'waiting', needs: 'an answer', summary: 'questions' } }]);
    const last = expectBlocked(ran, 'signal_invalid', 'investigation', 1);
    expect(last.problem).toContain('status "waiting" needs "for"');
    expect(last.run).toMatchObject({ attempts: 1, corrective: false });
    expect(ran.overview.data.waitingFor).toBeUndefined();
  });

  test('a blocked signal without a reason is signal_invalid', async () => {
    const ran = await runSteps([{ signal: { status: 'blocked', needs: 'something' } }]);
    const last = expectBlocked(ran, 'signal_invalid', 'investigation', 1);
    expect(last.problem).toContain('status "blocked" needs a "reason"');
  });
});

describe('blocked by the agent, and resuming', () => {
  test('the agent blocks: exit 4, stderr shows reason, needs and the re-run command', async () => {
    const ran = await runSteps([{ signal: sig.block('no db', 'start postgres') }]);
    const { result, iterations, overview, project } = ran;
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('is blocked in phase investigation (agent)');
    expect(result.stderr).toContain('reason: no db');
    expect(result.stderr).toContain('needs: start postgres');
    expect(result.stderr).toContain(`then run: orchestrate --config ${project.configFile} --session ${SESSION}`);
    expect(iterations).toHaveLength(1);
    expect(iterations[0]).toMatchObject({
      validation: 'ok',
      statusAfter: 'blocked',
      signal: { status: 'blocked', reason: 'no db', needs: 'start postgres' },
    });
    expect(overview.data).toMatchObject({
      status: 'blocked',
      blockedKind: 'agent',
      blockedReason: 'no db',
      needs: 'start postgres',
      phase: 'investigation',
    });
  });

  test('a plain re-run resumes a blocked session and runs the next iteration in the same phase', async () => {
    const project = createProject();
    const scenario = project.scenario([
      { signal: { status: 'finished' } },
      { signal: sig.go('requirements', 'recovered') },
      { signal: sig.wait('qa_answers') },
    ]);
    const args = sessionArgs(project, SESSION, scenario);
    const first = await project.run(args);
    expect(first.exitCode).toBe(4);
    const dir = project.sessionDir(SESSION);
    expect(readOverview(dir).data).toMatchObject({
      status: 'blocked',
      blockedKind: 'unknown_status',
      phase: 'investigation',
    });

    const second = await project.run(args);
    expect(second.stderr).toContain('resumed in investigation (run again)');
    expect(second.stderr).toContain('waiting for you (qa_answers)');
    expect(second.exitCode).toBe(5);
    const history = readHistory(dir);
    expect(history.map((e) => e.event)).toEqual(['iteration', 'resumed', 'iteration', 'iteration']);
    expect(history[1]).toMatchObject({
      event: 'resumed',
      from: 'blocked',
      how: 'run again',
      phase: 'investigation',
      iteration: 1,
    });
    expect(history[2]).toMatchObject({
      event: 'iteration',
      iteration: 2,
      phase: 'investigation',
      phaseAfter: 'requirements',
      validation: 'ok',
    });
    expect(history.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const overview = readOverview(dir).data;
    expect(overview).toMatchObject({
      status: 'waiting',
      phase: 'requirements',
      waitingFor: 'qa_answers',
      iterations: 3,
    });
    expect(overview.blockedKind).toBeUndefined();
    expect(overview.blockedReason).toBeUndefined();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });
});
