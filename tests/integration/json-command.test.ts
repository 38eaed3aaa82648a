// `orchestrate json` through the real CLI, with the scripted agent in real git repos: the views, the answers, the
// plan and review decisions, resume and stop, each the same file edit or signal as by hand or from Telegram, so a
// waiting run goes on by itself. Hostile lines (not JSON, NUL bytes, 2 MB, an array) are error responses and the
// next good request is still answered; EOF ends the process with 0.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { planSteps, reviewSteps, runToPlanWait, startWaitingRun } from '../helpers/gate-sessions.js';
import { reapLeftovers, sessionDirOf } from '../helpers/processes.js';
import {
  CLI,
  answerEverything,
  createProject,
  QA,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type Project,
  type Step,
} from '../helpers/rig.js';

const WAIT_MS = 30_000;
type Reply = Record<string, any>;

/** One `orchestrate json` process fed `lines` (objects as JSON, strings as they are), then EOF. */
async function ask(project: Project, lines: (object | string)[]): Promise<{ code: number | null; replies: Reply[] }> {
  const child = spawn(process.execPath, [CLI, 'json', '--config', project.configFile], {
    env: project.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (const line of lines) child.stdin.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
  child.stdin.end();
  const code = await closed;
  expect(err).toBe('');
  return {
    code,
    replies:
      out.trim() === ''
        ? []
        : out
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as Reply),
  };
}

const v1 = (action: string, rest: object = {}) => ({ version: 'v1', action, ...rest });

/** Until the session waits for `what` (a run with --no-wait that exits 5), answering nothing else. */
async function runUntilWaiting(project: Project, name: string, steps: Step[]): Promise<string> {
  const result = await project.run(sessionArgs(project, name, project.scenario(steps)));
  expect(result.exitCode, result.stderr).toBe(5);
  return project.sessionDir(name);
}

describe('orchestrate json', () => {
  test('capabilities, list, status, history; errors with stable codes; garbage lines never stop it', async () => {
    const project = createProject();
    reapLeftovers(project);
    const dir = await runUntilWaiting(project, 'view', [
      { signal: sig.go('requirements') },
      { sessionFiles: QA, signal: sig.wait('qa_answers') },
    ]);
    const { code, replies } = await ask(project, [
      v1('capabilities'),
      v1('list'),
      { ...v1('status', { session: 'view' }), id: 'a1' },
      v1('history', { session: 'view' }),
      v1('status', { session: 'nope' }),
      'not json at all',
      '{"action":"list"\u0000}',
      `{"action":"list","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`,
      '[1,2]',
      v1('launch'),
      { version: 'v9', action: 'list' },
      v1('answer', { session: 'view', answers: { Q1: 'A\u0000' } }),
      v1('status', { session: 'view' }),
    ]);
    expect(code).toBe(0);
    expect(replies).toHaveLength(13);
    const [caps, list, status, history, unknown, ...rest] = replies;
    expect(caps).toMatchObject({ ok: true, version: 'v1', action: 'capabilities' });
    expect(Object.keys(caps!.result.actions)).toEqual([
      'capabilities',
      'list',
      'status',
      'history',
      'answer',
      'plan',
      'review',
      'resume',
      'stop',
    ]);
    expect(caps!.result.actions.answer.params).toHaveProperty('answers');
    expect(list!.result).toEqual([expect.objectContaining({ name: 'view', status: 'waiting' })]);
    expect(status).toMatchObject({
      ok: true,
      id: 'a1',
      result: { name: 'view', status: 'waiting', waitingFor: 'qa_answers' },
    });
    expect(history!.result.filter((e: Reply) => e.event === 'iteration')).toHaveLength(2);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_session' } });
    expect(unknown!.error.message).toContain('"nope"');
    expect(rest.map((r) => r.error?.code ?? 'ok')).toEqual([
      'bad_json',
      'bad_json',
      'line_too_long',
      'bad_json',
      'unknown_action',
      'unsupported_version',
      'bad_request',
      'ok',
    ]);
    // Nothing was written by the refused answer.
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toContain('**Answer:** _waiting_');
  });

  test('answer: an unknown question is refused whole; the answers resume the run that waits, by itself', async () => {
    const project = createProject();
    reapLeftovers(project);
    const two =
      '### Q1: Which library?\n- A) jose\n- B) jsonwebtoken\n**Suggestion:** A\n**Answer:** _waiting_\n\n### Q2: Where?\n**Answer:** _waiting_\n';
    const steps: Step[] = [
      { signal: sig.go('requirements') },
      { sessionFiles: { '_qa.md': two }, signal: sig.wait('qa_answers') },
      { signal: sig.block('end of scenario') },
    ];
    const run = project.start(sessionArgs(project, 'qa', project.scenario(steps), [], { wait: true }));
    let stderr = '';
    run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const dir = await waitFor(() => sessionDirOf(project, 'qa'), WAIT_MS, 'the session folder');
    await waitFor(() => stderr.includes('waiting for you:'), WAIT_MS, 'the run to wait');

    const { replies } = await ask(project, [
      v1('answer', { session: 'qa', answers: { Q1: 'b', Q9: 'A' } }),
      v1('plan', { session: 'qa', decision: 'approve' }),
      v1('answer', { session: 'qa', answers: { Q1: 'b', Q2: 'in src/auth' } }),
    ]);
    expect(replies[0]).toMatchObject({ ok: false, error: { code: 'unknown_question' } });
    expect(replies[0]!.error.message).toContain('Q9');
    expect(replies[1]).toMatchObject({ ok: false, error: { code: 'nothing_waiting' } });
    expect(replies[2]).toMatchObject({ ok: true, result: { answered: ['Q1', 'Q2'], open: [], complete: true } });
    const qa = readFileSync(join(dir, '_qa.md'), 'utf8');
    expect(qa).toContain('**Answer:** B\n');
    expect(qa).toContain('**Answer:** in src/auth\n');

    const result = await run.result;
    expect(result.exitCode, result.stderr).toBe(4);
    expect(readHistory(dir).filter((e) => e.event === 'resumed')).toEqual([
      expect.objectContaining({ from: 'waiting', gatePassed: true }),
    ]);
  }, 90_000);

  test('plan approve; stop ends the run that waits as Ctrl-C would; resume without a run says so', async () => {
    const project = createProject();
    reapLeftovers(project);
    const steps = planSteps();
    const scenario = project.scenario(steps);
    const dir = await runToPlanWait(project, 'plan', scenario);

    const first = await ask(project, [
      v1('plan', { session: 'plan', decision: 'reject' }),
      v1('resume', { session: 'plan' }),
      v1('plan', { session: 'plan', decision: 'approve' }),
    ]);
    expect(first.replies[0]).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(first.replies[1]).toMatchObject({ ok: true, result: { requested: true, running: false } });
    expect(first.replies[2]).toMatchObject({ ok: true, result: { decision: 'approved' } });
    expect(readFileSync(join(dir, '_plan.md'), 'utf8')).toContain('**Approval:** approved');
    const next = await project.run(sessionArgs(project, 'plan', scenario));
    expect(next.exitCode, next.stderr).toBe(4);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .at(-1),
    ).toMatchObject({ gatePassed: true });
    expect(readOverview(dir).data.phase).toBe('implementation');

    // stop: a second session waits in its process; the request ends that run, resumable.
    const waiting = await startWaitingRun(project, 'stopme', steps.slice(0, 2), 'stop.json');
    const stop = await ask(project, [v1('stop', { session: 'stopme' })]);
    expect(stop.replies[0]).toMatchObject({ ok: true, result: { stopping: true, pid: waiting.pid } });
    expect((await waiting.result).exitCode).toBe(130);
    const again = await ask(project, [v1('stop', { session: 'stopme' })]);
    expect(again.replies[0]).toMatchObject({ ok: false, error: { code: 'not_running' } });
  }, 90_000);

  test('review reject: the feedback is written in _review.md and the session goes back to implementation', async () => {
    const project = createProject();
    reapLeftovers(project);
    const steps = reviewSteps(project);
    const scenario = project.scenario(steps);
    const args = sessionArgs(project, 'review', scenario);
    let result = await project.run(args);
    for (let i = 0; i < 3 && result.exitCode === 5 && /\((qa_answers|plan_approval)\)/.test(result.stderr); i++) {
      answerEverything(project.sessionDir('review'));
      result = await project.run(args);
    }
    const dir = project.sessionDir('review');
    expect(readOverview(dir).data, result.stderr).toMatchObject({ status: 'waiting', waitingFor: 'review' });

    const { replies } = await ask(project, [
      v1('review', { session: 'review', decision: 'reject', feedback: 'remove the it.only' }),
    ]);
    expect(replies[0]).toMatchObject({ ok: true, result: { decision: 'rejected', file: join(dir, '_review.md') } });
    expect(readFileSync(join(dir, '_review.md'), 'utf8')).toContain('**Decision:** rejected: remove the it.only');
    await project.run(args);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .at(-1),
    ).toMatchObject({
      review: 'rejected',
      feedback: 'remove the it.only',
      phaseAfter: 'implementation',
    });
  }, 120_000);
});
