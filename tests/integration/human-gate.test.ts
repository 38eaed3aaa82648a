// Waiting for the person, then resuming by itself in the same process: Q&A answered by an edit in place or by
// rename (as vim and VS Code save), partial answers, quick repeated saves, plan rejection and approval, a named file,
// `orchestrate resume` from another shell, --wait-on-blocked, Ctrl-C while waiting. Real CLI, real chokidar, real files.
import { readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reapLeftovers, sessionDirOf } from '../helpers/processes.js';
import {
  createProject,
  git,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type Project,
  type Step,
} from '../helpers/rig.js';

const WAIT_MS = 30_000;
const QA =
  '### Q1: Which library?\n- A) jose\n- B) jsonwebtoken\n**Suggestion:** A\n**Answer:** _waiting_\n\n### Q2: Where?\n- A) src/auth\n**Suggestion:** A\n**Answer:** _waiting_\n';
const PLAN = '# Plan\n\n1. Do it.\n\n**Approval:** _waiting_\n';
const askQuestions: Step = { sessionFiles: { '_qa.md': QA }, signal: sig.wait('qa_answers') };
const askApproval: Step = { sessionFiles: { '_plan.md': PLAN }, signal: sig.wait('plan_approval') };
const blockAtEnd = (why: string): Step => ({ signal: sig.block(why) });

/** Start a run that waits in this process, and wait until the session shows `status` (and the watcher is set up). */
async function startWaiting(project: Project, name: string, steps: Step[], extra: string[] = []) {
  reapLeftovers(project);
  const run = project.start(sessionArgs(project, name, project.scenario(steps), extra, { wait: true }));
  const dir = await waitFor(() => sessionDirOf(project, name), WAIT_MS, 'the session folder');
  return { run, dir };
}

async function untilWaitingForYou(output: () => string, count = 1): Promise<void> {
  await waitFor(
    () => (output().match(/waiting for you:/g) ?? []).length >= count,
    WAIT_MS,
    'the orchestrator to wait for the person',
  );
}

function collect(run: ReturnType<Project['start']>): () => string {
  let text = '';
  run.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

describe('Q&A answers resume the session in the same process', () => {
  test('a save with questions left does not resume and says which are left; the last answer resumes, once', async () => {
    const project = createProject();
    const { run, dir } = await startWaiting(project, 'qa', [
      { signal: sig.go('requirements') },
      askQuestions,
      { signal: sig.go('planning') },
      blockAtEnd('end of scenario'),
    ]);
    const output = collect(run);
    await untilWaitingForYou(output);
    expect(readOverview(dir).data).toMatchObject({ status: 'waiting', waitingFor: 'qa_answers' });

    const qa = join(dir, '_qa.md');
    writeFileSync(qa, readFileSync(qa, 'utf8').replace('**Answer:** _waiting_', '**Answer:** A'));
    await waitFor(
      () => output().includes('still waiting: 1 of 2 questions still unanswered in _qa.md: Q2'),
      WAIT_MS,
      'the partial-answer message',
    );
    expect(readOverview(dir).data.status).toBe('waiting');

    // Several quick saves of the final answer: one resume.
    const complete = readFileSync(qa, 'utf8').replace('**Answer:** _waiting_', '**Answer:** put it in src/auth');
    for (let i = 0; i < 3; i++) writeFileSync(qa, complete);
    const result = await run.result;
    expect(result.exitCode).toBe(4);
    const history = readHistory(dir);
    expect(history.filter((e) => e.event === 'resumed')).toEqual([
      expect.objectContaining({ from: 'waiting', how: 'all 2 answers in _qa.md', gatePassed: true }),
    ]);
    expect(history.filter((e) => e.event === 'iteration').map((e) => `${e.phase}>${e.phaseAfter}`)).toEqual([
      'investigation>requirements',
      'requirements>requirements',
      'requirements>planning',
      'planning>planning',
    ]);
  });

  test('an answer saved by rename (write a temp file, rename it over) resumes', async () => {
    const project = createProject();
    const { run, dir } = await startWaiting(project, 'rename', [
      { signal: sig.go('requirements') },
      askQuestions,
      blockAtEnd('resumed'),
    ]);
    const output = collect(run);
    await untilWaitingForYou(output);
    const qa = join(dir, '_qa.md');
    writeFileSync(`${qa}.swp`, readFileSync(qa, 'utf8').replaceAll('_waiting_', 'A'));
    renameSync(`${qa}.swp`, qa);
    expect((await run.result).exitCode).toBe(4);
    expect(readHistory(dir).filter((e) => e.event === 'resumed')).toHaveLength(1);
    expect(readOverview(dir).data).toMatchObject({ status: 'blocked', blockedReason: 'resumed', iterations: 3 });
  });
});

describe('a _qa.md that is still being written', () => {
  test('Q1 and Q2 answered, a pause longer than the settle window, then Q3: it resumes only with all 3, once', async () => {
    const project = createProject();
    const question = (n: number, answer: string) =>
      `### Q${n}: Question ${n}?\n- A) yes\n- B) no\n**Suggestion:** A\n**Answer:** ${answer}\n\n`;
    const asked = [1, 2, 3].map((n) => question(n, '_waiting_')).join('');
    const { run, dir } = await startWaiting(project, 'qa-parts', [
      { signal: sig.go('requirements') },
      { sessionFiles: { '_qa.md': asked }, signal: sig.wait('qa_answers') },
      blockAtEnd('resumed'),
    ]);
    const output = collect(run);
    await untilWaitingForYou(output);
    expect(readOverview(dir).data).toMatchObject({ status: 'waiting', waitingFor: 'qa_answers', waitQuestions: 3 });

    // A writer that rewrites the file in two goes: the first half is a complete-looking file with two questions.
    const qa = join(dir, '_qa.md');
    writeFileSync(qa, question(1, 'A') + question(2, 'B'));
    await waitFor(
      () => output().includes('still waiting: _qa.md has 2 answered questions, but it had 3 when the agent asked'),
      WAIT_MS,
      'the still-being-written message',
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(readOverview(dir).data.status).toBe('waiting');
    writeFileSync(qa, question(1, 'A') + question(2, 'B') + question(3, 'A'));

    expect((await run.result).exitCode).toBe(4);
    const history = readHistory(dir);
    expect(history.filter((e) => e.event === 'resumed').map((e) => [e.how, e.gatePassed])).toEqual([
      ['all 3 answers in _qa.md', true],
    ]);
    expect(history.find((e) => e.event === 'iteration' && e.statusAfter === 'waiting')).toMatchObject({
      waitQuestions: 3,
    });
  });
});

describe('plan approval', () => {
  test('a rejection goes back to planning with the feedback in the next prompt; an approval moves to implementation', async () => {
    const project = createProject();
    const { run, dir } = await startWaiting(project, 'plan', [
      { signal: sig.go('requirements') },
      askQuestions,
      { signal: sig.go('planning') },
      askApproval,
      askApproval,
      blockAtEnd('implementation reached'),
    ]);
    const output = collect(run);
    await untilWaitingForYou(output);
    const qa = join(dir, '_qa.md');
    writeFileSync(qa, readFileSync(qa, 'utf8').replaceAll('_waiting_', 'A'));

    await untilWaitingForYou(output, 2);
    const plan = join(dir, '_plan.md');
    writeFileSync(plan, readFileSync(plan, 'utf8').replace('_waiting_', 'rejected: add a migration step'));
    await untilWaitingForYou(output, 3);
    expect(readOverview(dir).data).toMatchObject({
      phase: 'planning',
      status: 'waiting',
      gatesPassed: ['requirements'],
    });
    writeFileSync(plan, readFileSync(plan, 'utf8').replace('_waiting_', 'approved'));

    expect((await run.result).exitCode).toBe(4);
    const history = readHistory(dir);
    const iterations = history.filter((e) => e.event === 'iteration');
    expect(iterations.map((e) => e.phase)).toEqual([
      'investigation',
      'requirements',
      'requirements',
      'planning',
      'planning',
      'implementation',
    ]);
    const prompt = (n: number) =>
      readFileSync(join(dir, iterations[n]!.run.log.replace('.jsonl', '.prompt.md')), 'utf8');
    expect(prompt(4)).toContain('## The person rejected the plan\nTheir feedback: add a migration step');
    expect(prompt(5)).not.toContain('rejected the plan');
    expect(prompt(5)).toContain(`Approved plan (the contract): ${dir}/_plan.md`);
    expect(
      history.filter((e) => e.event === 'resumed').map((e) => [e.how, e.gatePassed, e.phaseAfter ?? null]),
    ).toEqual([
      ['all 2 answers in _qa.md', true, null],
      ['plan rejected in _plan.md', false, null],
      ['plan approved in _plan.md', true, 'implementation'],
    ]);
    expect(readOverview(dir).data).toMatchObject({
      phase: 'implementation',
      approvedPlan: '_plan.md',
      gatesPassed: ['requirements', 'planning'],
    });
  });
});

describe('other waits and blocks', () => {
  test('file_update resumes on a save of the file the signal names', async () => {
    const project = createProject();
    const { run, dir } = await startWaiting(project, 'file', [
      {
        sessionFiles: { 'config-needed.md': 'DB_URL=\n' },
        signal: { ...sig.wait('file_update', 'fill in DB_URL in config-needed.md'), file: 'config-needed.md' },
      },
      blockAtEnd('resumed after the file was saved'),
    ]);
    const output = collect(run);
    await untilWaitingForYou(output);
    writeFileSync(join(dir, 'notes.md'), 'an unrelated file does not resume it\n');
    writeFileSync(join(dir, 'config-needed.md'), 'DB_URL=postgres://localhost/db\n');
    expect((await run.result).exitCode).toBe(4);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .map((e) => e.how),
    ).toEqual(['the file was saved']);
  });

  test('file_update on a file in the working dir resumes on its save', async () => {
    const project = createProject();
    const target = join(project.worktrees, 'wd-file', 'settings.env');
    const { run, dir } = await startWaiting(project, 'wd-file', [
      {
        files: { 'settings.env': 'PORT=\n' },
        signal: { ...sig.wait('file_update', 'set PORT in settings.env'), file: target },
      },
      blockAtEnd('resumed after the working-dir file was saved'),
    ]);
    const output = collect(run);
    await untilWaitingForYou(output);
    writeFileSync(target, 'PORT=8080\n');
    expect((await run.result).exitCode).toBe(4);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .map((e) => e.how),
    ).toEqual(['the file was saved']);
  });

  test.each([
    ['an absolute path elsewhere', () => '/etc/hostname'],
    ['a relative path that climbs out with ..', () => '../../outside.md'],
    [
      'a symlink in the working dir that points out',
      (project: Project) => join(project.worktrees, 'escape', 'hostname-link'),
    ],
  ])('file_update on %s is refused when judged (signal_invalid), not waited on', async (_what, file) => {
    const project = createProject();
    symlinkSync('/etc/hostname', join(project.repo, 'hostname-link'));
    git(project.repo, 'add', '-A');
    git(project.repo, 'commit', '-q', '-m', 'a symlink that leads out');
    const value = file(project);
    const scenario = project.scenario([{ signal: { ...sig.wait('file_update', 'edit it'), file: value } }]);
    const result = await project.run(sessionArgs(project, 'escape', scenario));
    expect(result.exitCode, result.stderr).toBe(4);
    const dir = project.sessionDir('escape');
    const [entry] = readHistory(dir);
    expect(entry).toMatchObject({ validation: 'signal_invalid', statusAfter: 'blocked' });
    expect(entry!.problem).toContain(
      `_signal.json: "file": ${JSON.stringify(value)} is outside the session folder and the working dir`,
    );
    expect(entry!.problem).toContain('Fix: name a file inside one of them');
    expect(readOverview(dir).data).toMatchObject({ status: 'blocked', blockedKind: 'signal_invalid' });
  });

  test('human_action resumes on `orchestrate resume` from another shell', async () => {
    const project = createProject();
    const { run, dir } = await startWaiting(project, 'action', [
      { signal: sig.wait('human_action', 'grant repo access') },
      blockAtEnd('resumed by command'),
    ]);
    const output = collect(run);
    await untilWaitingForYou(output);
    const resume = await project.run(['resume', '--config', project.configFile, '--session', 'action']);
    expect(resume.stderr).toContain(
      `asked the orchestrator running session ${dir.split('/').at(-1)} (pid ${run.pid}) to go on`,
    );
    expect(resume.exitCode).toBe(0);
    expect((await run.result).exitCode).toBe(4);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .map((e) => e.how),
    ).toEqual(['orchestrate resume']);
  });

  test('--wait-on-blocked waits for an edit of the session, then goes on in the same phase', async () => {
    const project = createProject();
    const { run, dir } = await startWaiting(
      project,
      'blocked',
      [{ signal: sig.block('no database', 'start postgres') }, { signal: sig.go('requirements') }, askQuestions],
      ['--no-wait', '--wait-on-blocked'],
    );
    const output = collect(run);
    await untilWaitingForYou(output);
    expect(readOverview(dir).data).toMatchObject({ status: 'blocked', blockedReason: 'no database' });
    writeFileSync(
      join(dir, '_overview.md'),
      `${readFileSync(join(dir, '_overview.md'), 'utf8')}\nPostgres is up on :5432.\n`,
    );
    const result = await run.result;
    // --no-wait still applies to waiting: the Q&A wait exits 5.
    expect(result.exitCode).toBe(5);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .map((e) => [e.from, e.how]),
    ).toEqual([['blocked', 'the session was edited']]);
  });

  test('Ctrl-C while waiting leaves the session waiting and resumable', async () => {
    const project = createProject();
    const { run, dir } = await startWaiting(project, 'ctrlc', [askQuestions, blockAtEnd('resumed')]);
    const output = collect(run);
    await untilWaitingForYou(output);
    run.kill('SIGINT');
    expect((await run.result).exitCode).toBe(130);
    expect(readOverview(dir).data).toMatchObject({ status: 'waiting', waitingFor: 'qa_answers' });
    // `resume` with nobody running resumes now, even with the questions unanswered.
    const resumed = await project.run([
      'resume',
      '--config',
      project.configFile,
      '--session',
      'ctrlc',
      '--script',
      join(project.root, 'scenario.json'),
    ]);
    expect(resumed.exitCode).toBe(4);
    expect(readHistory(dir).filter((e) => e.event === 'resumed')).toEqual([
      expect.objectContaining({ how: 'orchestrate resume (2 of 2 questions unanswered)', gatePassed: false }),
    ]);
  });
});
