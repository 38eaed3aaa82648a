// `orchestrate serve` over real HTTP on 127.0.0.1: the built CLI as a child process, sessions made by the scripted
// agent in real git repositories. The token (header, cookie, query → cookie) and the Host guard, the read-only mode,
// every GET on a real session, the live streams while a real run goes on, the writes (answers resume a waiting run,
// plan, review, resume, stop) with their error codes, traversal attempts, a secret in the session files, one watcher
// for 50 sessions, a taken port, and SIGTERM ending the streams with exit 0.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reapLeftovers, sessionDirOf } from '../helpers/processes.js';
import {
  answerEverything,
  createProject,
  fullSessionSteps,
  git,
  PLAN,
  QA,
  readHistory,
  readOverview,
  ROOT,
  sessionArgs,
  sig,
  waitFor,
  type Project,
  type Step,
} from '../helpers/rig.js';
import { planSteps, reviewSteps, runToPlanWait, startWaitingRun } from '../helpers/gate-sessions.js';
import { redisMissing, startRedis } from '../helpers/redis.js';
import { openEvents, startServe } from '../helpers/serve.js';

const WAIT_MS = 30_000;
/** A secret the configuration knows (its name says so), and one known by its shape alone. */
const PAT = 'patvalue-Zq8v31xLm0pRt6Ws';
const GITHUB = 'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o';
const SECRET_ENV = { GH_PAT: PAT };

const fixture = (path: string) =>
  readFileSync(join(ROOT, 'tests', 'fixtures', path), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

/** One Claude stream-json tool call, as the scripted agent plays it (SAMOCODE_SCRIPT_FORMAT=claude). */
function toolCall(command: string): string {
  return JSON.stringify({
    type: 'assistant',
    message: { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command } }] },
  });
}

async function waitingProject(): Promise<{ project: Project; dir: string }> {
  const project = createProject();
  reapLeftovers(project);
  const run = await project.run(
    sessionArgs(
      project,
      'view',
      project.scenario([{ signal: sig.go('requirements') }, { sessionFiles: QA, signal: sig.wait('qa_answers') }]),
    ),
  );
  expect(run.exitCode, run.stderr).toBe(5);
  return { project, dir: project.sessionDir('view') };
}

describe('orchestrate serve: who may ask', () => {
  test('token by header, cookie or ?token=; Host guard; POST needs the header; read-only; record; SIGTERM', async () => {
    const { project, dir } = await waitingProject();
    const served = await startServe(project);
    expect(served.stdout().trim().split('\n')).toEqual([`${served.base}?token=${served.token}`]);
    expect(served.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const record = JSON.parse(readFileSync(join(project.sessions, '_serve.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ pid: served.child.pid, url: served.base });
    expect(JSON.stringify(record)).not.toContain(served.token);

    // No token, a wrong one: refused; the page says how to get in.
    const none = await served.api('GET', '/api/sessions', { noToken: true });
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const wrong = await served.api('GET', '/api/sessions', { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const page = await served.api('GET', '/', { noToken: true });
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('orchestrate serve');
    expect((await served.api('GET', `/?token=wrong${served.token}`, { noToken: true })).status).toBe(401);
    expect((await served.api('GET', '/assets/app.js', { noToken: true })).status).toBe(401);

    // The header works; ?token= sets the cookie and sends the browser to a URL without the token; the cookie works.
    const byHeader = await served.api('GET', '/api/sessions');
    expect(byHeader.status).toBe(200);
    expect(byHeader.json).toEqual({
      sessions: [expect.objectContaining({ name: 'view', status: 'waiting' })],
      queue: null,
    });
    const login = await served.api('GET', `/?token=${served.token}`, { noToken: true });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^samocode_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const jar = { Cookie: cookie.split(';')[0]! };
    expect((await served.api('GET', '/api/sessions/view', { noToken: true, headers: jar })).status).toBe(200);
    const home = await served.api('GET', '/', { noToken: true, headers: jar });
    expect(home.status).toBe(200);
    expect(home.text).toContain(`<meta name="samocode-token" content="${served.token}">`);
    expect(home.headers['content-security-policy']).toContain("default-src 'none'");

    // The cookie alone never writes (another site's form would carry it); nothing was written.
    const forged = await served.api('POST', '/api/sessions/view/answers', {
      noToken: true,
      headers: jar,
      body: { answers: { Q1: 'A' } },
    });
    expect(forged.status).toBe(403);
    expect(forged.json.error.code).toBe('forbidden');
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toContain('**Answer:** _waiting_');

    // A page on another name (DNS rebinding) is refused, with the right token too.
    for (const host of ['evil.example:80', `evil.example:${served.port}`, '127.0.0.1', ''])
      expect((await served.api('GET', '/api/sessions', { headers: { Host: host } })).status, host).toBe(403);
    expect((await served.api('GET', '/api/sessions', { headers: { Host: `localhost:${served.port}` } })).status).toBe(
      200,
    );

    // Methods, media types and sizes.
    const method = await served.api('DELETE', '/api/sessions/view');
    expect([method.status, method.json.error.code, method.headers.allow]).toEqual([405, 'method', 'GET']);
    expect((await served.api('GET', '/api/sessions/view/answers')).status).toBe(405);
    const text = await served.api('POST', '/api/sessions/view/answers', {
      body: 'answers=Q1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect([text.status, text.json.error.code]).toEqual([415, 'unsupported_media_type']);
    const big = await served.api('POST', '/api/sessions/view/answers', {
      body: { answers: { Q1: 'x'.repeat(70 * 1024) } },
    });
    expect([big.status, big.json.error.code]).toEqual([413, 'too_large']);
    const broken = await served.api('POST', '/api/sessions/view/answers', {
      body: '{"answers":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect([broken.status, broken.json.error.code]).toEqual([400, 'bad_request']);
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toContain('**Answer:** _waiting_');

    // SIGTERM: the open streams end, the record goes, exit 0.
    const stream = await openEvents(served, '/api/events');
    await stream.next('sessions');
    const result = await served.stop('SIGTERM');
    await stream.ended;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(join(project.sessions, '_serve.json'))).toBe(false);
    expect(result.stderr).not.toContain(served.token);

    // --read-only: every write is refused, the views still answer.
    const readOnly = await startServe(project, ['--read-only']);
    const refused = await readOnly.api('POST', '/api/sessions/view/answers', { body: { answers: { Q1: 'A' } } });
    expect([refused.status, refused.json.error.code]).toEqual([403, 'read_only']);
    expect((await readOnly.api('POST', '/api/sessions/view/stop')).status).toBe(403);
    expect((await readOnly.api('GET', '/api/sessions/view')).status).toBe(200);
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toContain('**Answer:** _waiting_');
    expect((await readOnly.stop('SIGINT')).exitCode).toBe(0);
  }, 90_000);

  test('a taken --port is exit code 10 with the fix; a bad --port is a usage error; --host 0.0.0.0 warns', async () => {
    const project = createProject();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const result = await project.run(['serve', '--config', project.configFile, '--port', String(port)]);
      expect(result.exitCode, result.stderr).toBe(10);
      expect(result.stderr).toContain(`port ${port} is taken`);
      expect(result.stderr).toContain('Fix: --port <another>');
      expect(result.stdout).toBe('');
      expect(existsSync(join(project.sessions, '_serve.json'))).toBe(false);
    } finally {
      taken.close();
    }
    const bad = await project.run(['serve', '--config', project.configFile, '--port', 'eighty']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--port takes a port number');

    // Every address: a warning says so; the loopback names still answer, another name still does not.
    const open = await startServe(project, ['--host', '0.0.0.0']);
    await waitFor(() => open.stderr().includes('is not a loopback address'), WAIT_MS, 'the warning');
    expect(open.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await open.api('GET', '/api/sessions')).status).toBe(200);
    expect((await open.api('GET', '/api/sessions', { headers: { Host: `evil.example:${open.port}` } })).status).toBe(
      403,
    );
    expect((await open.stop()).exitCode).toBe(0);
  });
});

describe('orchestrate serve: the views', () => {
  test('every GET on a done session; traversal attempts read nothing outside; a secret is never served', async () => {
    const project = createProject();
    reapLeftovers(project);
    const steps = fullSessionSteps();
    // The agent writes both secrets into what the dashboard shows: the plan, a question, a committed file, its stream.
    steps[1] = {
      sessionFiles: { '_qa.md': `### Q1: use ${PAT} or ${GITHUB}?\n- A) yes\n**Answer:** _waiting_\n` },
      signal: sig.wait('qa_answers'),
    };
    steps[3] = {
      sessionFiles: { '_plan.md': `1. deploy with ${PAT}\n2. and ${GITHUB}\n\n**Approval:** _waiting_\n` },
      signal: sig.wait('plan_approval'),
    };
    steps[0] = {
      stdout: [toolCall(`curl -H "Authorization: token ${GITHUB}" -u ${PAT}`)],
      signal: sig.go('requirements'),
    };
    const scenario = project.scenario(steps);
    const args = sessionArgs(project, 'done', scenario);
    // Two runs up to the two waits, the person answering in the files between, then the rest to done.
    for (const expected of [5, 5, 0]) {
      const result = await project.run(args, { env: { ...SECRET_ENV, SAMOCODE_SCRIPT_FORMAT: 'claude' } });
      expect(result.exitCode, result.stderr).toBe(expected);
      answerEverything(project.sessionDir('done'));
    }
    const dir = project.sessionDir('done');
    const served = await startServe(project, [], SECRET_ENV);
    const bodies: string[] = [];
    const get = async (path: string, status = 200) => {
      const reply = await served.api('GET', path);
      expect(reply.status, `${path}: ${reply.text}`).toBe(status);
      bodies.push(reply.text);
      return reply;
    };

    const list = await get('/api/sessions');
    expect(list.json.sessions).toEqual([expect.objectContaining({ name: 'done', status: 'done' })]);
    const one = await get('/api/sessions/done');
    expect(one.json.status).toMatchObject({ name: 'done', status: 'done' });
    expect(one.json.history.filter((e: any) => e.event === 'iteration')).toHaveLength(8);
    expect(one.json.waiting).toBeNull();
    const byFolder = await get(`/api/sessions/${encodeURIComponent(dir.split('/').at(-1)!)}`);
    expect(byFolder.json.status.name).toBe('done');

    const last = await get('/api/sessions/done/log');
    expect(last.json.iteration).toBe(8);
    expect(last.json.actions.at(-1)).toMatchObject({ kind: 'iteration', iteration: 8, status: 'done' });
    const first = await get('/api/sessions/done/log?iteration=1');
    expect(first.json.actions.every((a: any) => a.iteration === 1)).toBe(true);
    expect(first.json.actions[0]).toMatchObject({ kind: 'tool', tool: 'Bash' });
    expect(first.json.actions.at(-1)).toMatchObject({ kind: 'iteration', phaseAfter: 'requirements' });
    expect((await get('/api/sessions/done/log?iteration=0', 400)).json.error.code).toBe('bad_request');
    await get('/api/sessions/done/log?iteration=x', 400);

    const diff = await get('/api/sessions/done/diff');
    expect(diff.json).toMatchObject({ base: 'main', branch: 'samocode/done', cut: false });
    expect(diff.json.stat).toContain('feature.txt');
    expect(diff.json.diff).toContain('+feature');
    // Samocode never delivers a secret in the diff, but the branch may get one after: the diff view scrubs it.
    const worktree = readOverview(dir).data.workingDir as string;
    writeFileSync(join(worktree, 'leak.txt'), `token=${GITHUB}\nalso ${PAT}\n`);
    git(worktree, 'add', 'leak.txt');
    git(worktree, 'commit', '-q', '-m', 'leak');
    const leaked = await get('/api/sessions/done/diff');
    expect(leaked.json.diff).toContain('+++ b/leak.txt');
    expect(leaked.json.diff).toContain('[redacted]');

    const delivery = await get('/api/sessions/done/delivery');
    expect(delivery.json.summary).toContain('#');
    expect(delivery.json.files).toContain('combined.mbox');
    expect(delivery.json.files.some((f: string) => /^0001-.*\.patch$/.test(f))).toBe(true);
    const mbox = await get('/api/sessions/done/delivery/combined.mbox');
    expect(mbox.headers['content-type']).toMatch(/^text\/plain/);
    expect(mbox.text).toContain('Add feature');
    expect(mbox.text).toContain('+feature');

    // Traversal: a name is never a path, and a file is served only from the listing.
    writeFileSync(join(project.root, 'outside.txt'), 'OUTSIDE-THE-SESSIONS\n');
    symlinkSync(join(project.root, 'outside.txt'), join(dir, '_delivery', 'link.patch'));
    for (const [path, status] of [
      ['/api/sessions/..%2F..', 400],
      ['/api/sessions/..', 400],
      ['/api/sessions/%2E%2E/log', 400],
      ['/api/sessions/done%2F..%2F..%2Foutside.txt', 400],
      ['/api/sessions/done/delivery/..%2F..%2F..%2Foutside.txt', 404],
      ['/api/sessions/done/delivery/../../../outside.txt', 404],
      ['/api/sessions/done/delivery/..', 404],
      ['/api/sessions/done/delivery/link.patch', 404],
      ['/api/sessions/done/delivery/_overview.md', 404],
      ['/assets/../outside.txt', 404],
      ['/assets/..%2F..%2Foutside.txt', 404],
      ['/assets/index.html', 404],
      ['/api/sessions/%E0%A4%A', 400],
      ['/api/sessions/nope', 404],
      ['/api/nothing', 404],
    ] as const) {
      const reply = await served.api('GET', path);
      expect(reply.status, `${path}: ${reply.text}`).toBe(status);
      expect(reply.text).not.toContain('OUTSIDE-THE-SESSIONS');
      expect(reply.json.error.code).toMatch(/^(bad_request|not_found|unknown_session)$/);
    }
    expect(readlinkSync(join(dir, '_delivery', 'link.patch'))).toContain('outside.txt');
    expect((await get('/api/sessions/done/delivery')).json.files).not.toContain('link.patch');
    expect((await served.api('GET', '/api/sessions/nope')).json.error.code).toBe('unknown_session');

    // FIFOs where a session's history and a log should be (an agent may put them there): read as empty, never a hang.
    const fifo = join(project.sessions, dir.split('/').at(-1)!.replace(/done$/, 'fifo'));
    mkdirSync(join(fifo, '_logs'), { recursive: true });
    cpSync(join(dir, '_overview.md'), join(fifo, '_overview.md'));
    for (const file of ['_signal_history.jsonl', '_logs/2026-12-01T10-00-00-000Z-1-investigation.jsonl'])
      expect(spawnSync('mkfifo', [join(fifo, file)]).status).toBe(0);
    expect((await get('/api/sessions/fifo')).json.history).toEqual([]);
    expect((await get('/api/sessions/fifo/log')).json.actions).toEqual([]);
    expect((await get('/api/sessions')).json.sessions).toHaveLength(2);
    const followed = await openEvents(served, '/api/sessions/fifo/events');
    expect((await followed.next('state')).data.status.name).toBe('fifo');
    followed.close();

    // The secrets were in the session's files, the diff and the delivery: never in an answer.
    for (const body of bodies) {
      expect(body).not.toContain(PAT);
      expect(body).not.toContain(GITHUB);
    }
    expect(bodies.join('\n')).toContain('[redacted]');
    expect(readFileSync(join(dir, '_plan.md'), 'utf8')).toContain(PAT);
    expect((await served.stop()).exitCode).toBe(0);
  }, 120_000);

  test('a waiting session: its questions, its plan, its review findings, as the page needs them', async () => {
    const project = createProject();
    reapLeftovers(project);
    const two =
      '### Q1: Which library?\n- A) jose\n- B) jsonwebtoken\n**Suggestion:** A\n**Answer:** _waiting_\n\n### Q2: Where?\n**Answer:** _waiting_\n';
    const steps = reviewSteps(project);
    steps[1] = { sessionFiles: { '_qa.md': two }, signal: sig.wait('qa_answers') };
    const args = sessionArgs(project, 'gate', project.scenario(steps));
    expect((await project.run(args)).exitCode).toBe(5);
    const served = await startServe(project);
    const qa = await served.api('GET', '/api/sessions/gate');
    expect(qa.json.waiting).toEqual({
      for: 'qa_answers',
      file: '_qa.md',
      questions: [
        {
          id: 'Q1',
          number: 1,
          text: 'Which library?',
          options: { A: 'jose', B: 'jsonwebtoken' },
          suggestion: 'A',
          answered: false,
        },
        { id: 'Q2', number: 2, text: 'Where?', options: {}, answered: false },
      ],
    });
    const dir = project.sessionDir('gate');
    answerEverything(dir);
    expect((await project.run(args)).exitCode).toBe(5);
    const plan = await served.api('GET', '/api/sessions/gate');
    expect(plan.json.waiting).toEqual({ for: 'plan_approval', file: '_plan.md', plan: PLAN['_plan.md'] });
    answerEverything(dir);
    expect((await project.run(args)).exitCode).toBe(5);
    const review = await served.api('GET', '/api/sessions/gate');
    expect(review.json.waiting).toMatchObject({ for: 'review', file: '_review.md' });
    expect(review.json.waiting.text).toContain('**Decision:** _waiting_');
    expect(review.json.waiting.findings).toContainEqual(
      expect.objectContaining({ file: 'tests/math.test.ts', line: 1, rule: expect.any(String) }),
    );

    // The review decided from the dashboard; the run that follows takes it.
    const approved = await served.api('POST', '/api/sessions/gate/review', { body: { decision: 'approve' } });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json).toMatchObject({ session: 'gate', decision: 'approved' });
    expect(readFileSync(join(dir, '_review.md'), 'utf8')).toContain('**Decision:** approved');
    await project.run(args);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .at(-1),
    ).toMatchObject({ review: 'approved' });
    expect((await served.stop()).exitCode).toBe(0);
  }, 120_000);
});

describe('orchestrate serve: live', () => {
  test('a session stream gives state, then actions and iterations as a real run goes on; a POSTed answer resumes it', async () => {
    const project = createProject();
    reapLeftovers(project);
    const tool = fixture('tool-failures/claude-bash-failed.jsonl');
    const steps: Step[] = [
      { stdout: tool, delayMs: 1500, signal: sig.go('requirements') },
      { stdout: tool, delayMs: 4000, sessionFiles: QA, signal: sig.wait('qa_answers') },
      { signal: sig.block('end of scenario') },
    ];
    const served = await startServe(project);
    const list = await openEvents(served, '/api/events');
    expect((await list.next('sessions')).data).toEqual({ sessions: [], queue: null });
    const run = project.start(sessionArgs(project, 'live', project.scenario(steps), [], { wait: true }), {
      env: { SAMOCODE_SCRIPT_FORMAT: 'claude' },
    });
    // The list stream tells of the new session without being asked.
    await list.next('sessions', (e) => e.data.sessions.some((s: any) => s.name === 'live'));
    const dir = await waitFor(
      () => {
        const found = sessionDirOf(project, 'live');
        return found && existsSync(join(found, '_overview.md')) ? found : undefined;
      },
      WAIT_MS,
      'the session to begin',
    );

    const stream = await openEvents(served, '/api/sessions/live/events');
    const first = await stream.next('state');
    expect(stream.events[0]!.event).toBe('state');
    expect(first.data.status.name).toBe('live');
    const action = await stream.next('action', (e) => e.data.kind === 'tool' && e.data.tool === 'Bash');
    expect(action.data).toMatchObject({ target: 'ls /no/such/dir-for-samocode' });
    await stream.next('action', (e) => e.data.kind === 'tool_failed');
    const ended = await stream.next('iteration', (e) => e.data.event === 'iteration');
    expect(ended.data).toMatchObject({ phase: expect.any(String), run: expect.any(Object) });
    // A page that connects once iteration 2's tool calls are written gets them too (the iteration so far), once.
    await stream.next('action', (e) => e.data.iteration === 2 && e.data.kind === 'tool');
    const late = await openEvents(served, '/api/sessions/live/events');
    await late.next('state');
    await late.next('action', (e) => e.data.iteration === 2 && e.data.kind === 'tool');
    expect(late.events[0]!.event).toBe('state');
    // Iteration 2 waits for the answers; the state says so.
    const waiting = await stream.next('state', (e) => e.data.waiting?.for === 'qa_answers', WAIT_MS);
    expect(waiting.data.waiting.questions).toEqual([expect.objectContaining({ id: 'Q1', answered: false })]);
    await late.next('state', (e) => e.data.waiting?.for === 'qa_answers', WAIT_MS);
    const second = (events: typeof stream.events) =>
      events.filter((e) => e.event === 'action' && e.data.iteration === 2).map((e) => e.raw);
    expect(second(late.events)).toEqual(second(stream.events));
    expect(second(stream.events).length).toBeGreaterThan(2);
    late.close();

    // Error codes of a write, then the answer that resumes the run waiting in its process.
    const unknown = await served.api('POST', '/api/sessions/live/answers', { body: { answers: { Q7: 'A' } } });
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'unknown_question']);
    const plan = await served.api('POST', '/api/sessions/live/plan', { body: { decision: 'approve' } });
    expect([plan.status, plan.json.error.code]).toEqual([409, 'nothing_waiting']);
    const empty = await served.api('POST', '/api/sessions/live/answers', { body: {} });
    expect([empty.status, empty.json.error.code]).toEqual([400, 'bad_request']);
    const nobody = await served.api('POST', '/api/sessions/ghost/answers', { body: { answers: { Q1: 'A' } } });
    expect([nobody.status, nobody.json.error.code]).toEqual([404, 'unknown_session']);
    const answered = await served.api('POST', '/api/sessions/live/answers', { body: { answers: { Q1: 'A' } } });
    expect(answered.status, answered.text).toBe(200);
    expect(answered.json).toMatchObject({ answered: ['Q1'], open: [], complete: true });
    await stream.next('iteration', (e) => e.data.event === 'resumed', WAIT_MS);
    await stream.next('iteration', (e) => e.data.event === 'iteration' && e.data.iteration === 3, WAIT_MS);
    const result = await run.result;
    expect(result.exitCode, result.stderr).toBe(4);
    expect(readHistory(dir).filter((e) => e.event === 'resumed')).toEqual([
      expect.objectContaining({ from: 'waiting', gatePassed: true }),
    ]);
    stream.close();
    list.close();
    expect((await served.stop()).exitCode).toBe(0);
  }, 120_000);

  test('plan reject and approve, resume without a run, stop a waiting run (interrupted, resumable)', async () => {
    const project = createProject();
    reapLeftovers(project);
    const steps = planSteps();
    const scenario = project.scenario(steps);
    const dir = await runToPlanWait(project, 'plan', scenario);
    const served = await startServe(project);

    // The plan is the agent's file: made a link to a file outside, the page gets nothing of that file.
    const plan = join(dir, '_plan.md');
    const kept = readFileSync(plan, 'utf8');
    writeFileSync(join(project.root, 'outside.md'), 'OUTSIDE-THE-SESSION\n');
    rmSync(plan);
    symlinkSync(join(project.root, 'outside.md'), plan);
    const linked = await served.api('GET', '/api/sessions/plan');
    expect(linked.json.waiting).toEqual({ for: 'plan_approval', file: '_plan.md', plan: '' });
    expect(linked.text).not.toContain('OUTSIDE-THE-SESSION');
    rmSync(plan);
    writeFileSync(plan, kept);
    expect((await served.api('GET', '/api/sessions/plan')).json.waiting.plan).toBe(kept);

    const noFeedback = await served.api('POST', '/api/sessions/plan/plan', { body: { decision: 'reject' } });
    expect([noFeedback.status, noFeedback.json.error.code]).toEqual([400, 'bad_request']);
    const rejected = await served.api('POST', '/api/sessions/plan/plan', {
      body: { decision: 'reject', feedback: 'split step 1' },
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.json).toMatchObject({ decision: 'rejected' });
    expect(readFileSync(join(dir, '_plan.md'), 'utf8')).toContain('**Approval:** rejected: split step 1');
    const approved = await served.api('POST', '/api/sessions/plan/plan', { body: { decision: 'approve' } });
    expect(approved.json).toMatchObject({ decision: 'approved' });
    const resume = await served.api('POST', '/api/sessions/plan/resume');
    expect(resume.status, resume.text).toBe(200);
    expect(resume.json).toMatchObject({ requested: true, running: false });
    const next = await project.run(sessionArgs(project, 'plan', scenario));
    expect(next.exitCode, next.stderr).toBe(4);
    expect(readOverview(dir).data.phase).toBe('implementation');
    const blockedStop = await served.api('POST', '/api/sessions/plan/stop');
    expect([blockedStop.status, blockedStop.json.error.code]).toEqual([409, 'not_running']);

    // A second session waits in its process: stop ends that run as Ctrl-C would, and it stays resumable.
    const waiting = await startWaitingRun(project, 'stopme', steps.slice(0, 2), 'stop.json');
    const stop = await served.api('POST', '/api/sessions/stopme/stop');
    expect(stop.status, stop.text).toBe(200);
    expect(stop.json).toMatchObject({ stopping: true, pid: waiting.pid });
    expect((await waiting.result).exitCode).toBe(130);
    const stopDir = project.sessionDir('stopme');
    expect(readOverview(stopDir).data.status).toBe('waiting');
    expect((await served.api('POST', '/api/sessions/stopme/stop')).json.error.code).toBe('not_running');
    expect((await served.stop()).exitCode).toBe(0);
  }, 120_000);

  test('50 sessions: one watcher (its inotify watches do not grow with the pages), one tail per followed session', async () => {
    const { project, dir } = await waitingProject();
    const folder = dir.split('/').at(-1)!;
    for (let i = 1; i < 50; i++)
      cpSync(dir, join(project.sessions, folder.replace(/view$/, `s${i}`)), { recursive: true });
    const served = await startServe(project);
    const pid = served.child.pid!;
    const all = await served.api('GET', '/api/sessions');
    expect(all.json.sessions).toHaveLength(50);
    // The watcher is ready once it reports a change: wait for that before counting.
    const probe = await openEvents(served, '/api/events');
    await probe.next('sessions');
    writeFileSync(
      join(project.sessions, folder.replace(/view$/, 's7'), '_overview.md'),
      readFileSync(join(dir, '_overview.md')),
    );
    await probe.next('sessions');
    const before = inotifyWatches(pid);
    // A session folder holds ~10 files and folders; only the ones the API shows are watched.
    expect(before).toBeGreaterThanOrEqual(50);
    expect(before).toBeLessThanOrEqual(51 + 50 * 4);

    const streams = [];
    for (let i = 1; i < 50; i++) streams.push(await openEvents(served, `/api/sessions/s${i}/events`));
    for (let i = 0; i < 10; i++) streams.push(await openEvents(served, '/api/sessions/s3/events'));
    await Promise.all(streams.map((s) => s.next('state')));
    const lists = [];
    for (let i = 0; i < 5; i++) lists.push(await openEvents(served, '/api/events'));
    await Promise.all(lists.map((s) => s.next('sessions')));
    expect(inotifyWatches(pid)).toBe(before);
    // 49 sessions followed (s3 by 11 pages): 49 tails, each with the session's history open once.
    expect(openHistories(pid)).toBe(49);
    // A change reaches every page that follows that session, and only those.
    const s3 = streams.slice(49, 59);
    writeFileSync(
      join(project.sessions, folder.replace(/view$/, 's3'), '_qa.md'),
      QA['_qa.md'].replace('ok?', 'still ok?'),
    );
    await Promise.all(s3.map((s) => s.next('state', (e) => e.data.waiting.questions[0].text === 'still ok?')));
    expect(streams[10]!.events.filter((e) => e.event === 'state')).toHaveLength(1);
    // The local queue is watched too: a job added shows in the list stream.
    const enqueued = await project.run([
      'enqueue',
      '--config',
      project.configFile,
      '--session',
      'later',
      '--task',
      'x',
    ]);
    expect(enqueued.exitCode, enqueued.stderr).toBe(0);
    const queued = await probe.next('sessions', (e) => e.data.queue !== null);
    expect(queued.data.queue).toEqual({
      backend: 'local',
      jobs: [expect.objectContaining({ id: 'later', state: 'queued' })],
    });
    for (const stream of [...streams, ...lists]) stream.close();
    probe.close();
    await waitFor(() => openHistories(pid) === 0, WAIT_MS, 'the tails to close with their last page');
    expect((await served.stop()).exitCode).toBe(0);
  }, 120_000);
});

/** How many inotify watches the process holds (each fs.watch of a path is one; libuv shares them). */
function inotifyWatches(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    count += info.split('\n').filter((line) => line.startsWith('inotify wd:')).length;
  }
  return count;
}

/** How many of the process's open files are a session's history (each session tail holds its one). */
function openHistories(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith('/_signal_history.jsonl')) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

describe.skipIf(redisMissing() !== undefined)('orchestrate serve: the Redis queue', () => {
  test('its jobs are in the list; with Redis gone the list still answers, saying so', async () => {
    const redis = await startRedis();
    try {
      const project = createProject({
        config: [
          'MAIN_REPO=./repo',
          'WORKTREES=./worktrees',
          'SESSIONS=./sessions',
          'PROVIDER=script',
          `SAMOCODE_QUEUE_NAME=serve-${process.pid}`,
        ],
      });
      const env = { SAMOCODE_QUEUE: redis.url };
      const added = await project.run(['enqueue', '--config', project.configFile, '--session', 'r1', '--task', 'x'], {
        env,
      });
      expect(added.exitCode, added.stderr).toBe(0);
      const served = await startServe(project, [], env);
      const up = await served.api('GET', '/api/sessions');
      expect(up.json.queue).toEqual({
        backend: 'redis',
        jobs: [expect.objectContaining({ id: 'r1', state: 'queued' })],
      });
      await redis.stop();
      const down = await served.api('GET', '/api/sessions');
      expect(down.status).toBe(200);
      expect(down.json.queue).toMatchObject({ backend: 'redis', jobs: [], error: expect.stringContaining('Redis') });
      expect((await served.stop()).exitCode).toBe(0);
    } finally {
      await redis.stop();
    }
  }, 90_000);
});
