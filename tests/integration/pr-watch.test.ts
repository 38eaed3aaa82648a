// After DELIVER=pr: the real worker watches the pull request with a fake `gh` on PATH that plays PR states from a
// script file (by how many times `gh pr create` ran, i.e. which delivery the PR shows) and reacts by the rules: CI
// failed → the session is continued with the failing job's log (scrubbed), changes requested → continued with the
// review, approved and green → the person is told (console, session.log, Telegram), merged → no longer watched.
// A restarted worker reacts to nothing twice: what was seen is in the history.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import {
  answerEverything,
  createProject,
  fullSessionSteps,
  git,
  readHistory,
  readOverview,
  sig,
  waitFor,
  type Project,
  type Step,
} from '../helpers/rig.js';

const PR_URL = 'https://github.com/acme/shop/pull/42';
/** A token-shaped secret the failing job's log prints: it must never reach the history, a prompt or the console. */
const LEAKED = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

interface PrState {
  /** gh pr view exits 1 with this on stderr instead (not logged in, say). */
  viewFails?: string;
  view?: Record<string, unknown>;
  checks?: Record<string, unknown>[];
  /** `gh run view <id> --log-failed` output, by run id. */
  logs?: Record<string, string>;
}

/**
 * The fake gh: `pr create` prints the URL the first time, then says the PR exists (as gh does); `pr view` and
 * `pr checks` answer with the state of the delivery the PR shows (the last one when there are fewer), its head the
 * session branch as pushed to the bare remote; `run view --log-failed` prints the state's log. Every call is
 * recorded, one JSON array a line.
 */
function fakeGh(
  project: Project,
  remote: string,
): { env: NodeJS.ProcessEnv; play(states: PrState[]): void; calls(): string[][] } {
  const bin = join(project.root, 'bin');
  const record = join(project.root, 'gh-record');
  const script = join(project.root, 'gh-states.json');
  mkdirSync(bin, { recursive: true });
  mkdirSync(record, { recursive: true });
  const source = `#!${process.execPath}
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const args = process.argv.slice(2);
const rec = process.env.GH_RECORD;
fs.appendFileSync(rec + '/calls', JSON.stringify(args) + '\\n');
const creates = () => (fs.existsSync(rec + '/creates') ? Number(fs.readFileSync(rec + '/creates', 'utf8')) : 0);
if (args[0] === 'pr' && args[1] === 'create') {
  const n = creates() + 1;
  fs.writeFileSync(rec + '/creates', String(n));
  fs.writeFileSync(rec + '/head', args[args.indexOf('--head') + 1]);
  if (n === 1) { console.log(${JSON.stringify(PR_URL)}); process.exit(0); }
  console.error('a pull request for branch "' + args[args.indexOf('--head') + 1] + '" into branch "main" already exists:\\n' + ${JSON.stringify(PR_URL)});
  process.exit(1);
}
const states = JSON.parse(fs.readFileSync(process.env.GH_STATES, 'utf8'));
const state = states[Math.max(0, Math.min(creates(), states.length) - 1)] || {};
if (args[0] === 'pr' && args[1] === 'view') {
  if (state.viewFails) { console.error(state.viewFails); process.exit(1); }
  const head = execFileSync('git', ['--git-dir', process.env.GH_REMOTE, 'rev-parse', fs.readFileSync(rec + '/head', 'utf8')]).toString().trim();
  console.log(JSON.stringify({ headRefOid: head, reviews: [], comments: [], reviewDecision: '', ...state.view }));
  process.exit(0);
}
if (args[0] === 'pr' && args[1] === 'checks') {
  const checks = state.checks || [];
  console.log(JSON.stringify(checks));
  process.exit(checks.some((c) => c.bucket === 'fail') ? 1 : checks.some((c) => c.bucket === 'pending') ? 8 : 0);
}
if (args[0] === 'run' && args[1] === 'view') {
  process.stdout.write((state.logs || {})[args[2]] || '');
  process.exit(0);
}
console.error('fake gh: unknown command ' + args.join(' '));
process.exit(2);
`;
  writeFileSync(join(bin, 'gh'), source);
  chmodSync(join(bin, 'gh'), 0o755);
  return {
    env: { PATH: `${bin}:${process.env.PATH}`, GH_RECORD: record, GH_STATES: script, GH_REMOTE: remote },
    play: (states) => writeFileSync(script, JSON.stringify(states)),
    calls: () =>
      existsSync(join(record, 'calls'))
        ? readFileSync(join(record, 'calls'), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as string[])
        : [],
  };
}

function prProject(steps: Step[], extra: string[]): { project: Project; remote: string } {
  const project = createProject();
  const remote = join(project.root, 'remote.git');
  git(project.root, 'init', '-q', '--bare', remote);
  git(project.repo, 'remote', 'add', 'origin', remote);
  git(project.repo, 'push', '-q', 'origin', 'main');
  writeFileSync(
    project.configFile,
    [
      'MAIN_REPO=./repo',
      'WORKTREES=./worktrees',
      'SESSIONS=./sessions',
      'PROVIDER=script',
      'SAMOCODE_RETRY_DELAY=0',
      'SAMOCODE_KILL_GRACE=1',
      `SAMOCODE_SCRIPT=${project.scenario(steps)}`,
      'DELIVER=pr',
      'PR_POLL=0.3',
      ...extra,
      '',
    ].join('\n'),
  );
  return { project, remote };
}

function jobState(project: Project, id: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(project.sessions, '.queue', `${id}.json`), 'utf8')) as { state: string })
      .state;
  } catch {
    return undefined;
  }
}

/** Enqueue the session and let the worker run it to done, answering its two gates in the files. */
async function deliveredByWorker(project: Project, id: string, env: NodeJS.ProcessEnv) {
  const enqueued = await project.run(
    ['enqueue', '--config', project.configFile, '--session', id, '--task', 'ship it'],
    {
      env,
    },
  );
  expect(enqueued.exitCode, enqueued.stderr).toBe(0);
  const worker = project.start(['worker', '--config', project.configFile], { env, timeoutMs: 170_000 });
  for (const gate of ['qa_answers', 'plan_approval']) {
    await waitFor(
      () => jobState(project, id) === 'waiting' && readOverview(project.sessionDir(id)).data.waitingFor === gate,
      60_000,
      `waiting for ${gate}`,
    );
    answerEverything(project.sessionDir(id));
  }
  return worker;
}

const reactions = (dir: string) => readHistory(dir).filter((e) => e.event === 'pr_reaction');

/** Cycle 1 is the whole session (iterations 1-8); each continuation from implementation plays three more. */
function threeCycles(): Step[] {
  const fix = (n: number, file: string): Step[] => [
    {
      stdinFile: `_prompt-${n}.md`,
      files: { [file]: `${file}\n` },
      commit: `Fix: ${file}`,
      signal: sig.go('testing'),
    },
    { signal: sig.go('done') },
    { signal: sig.done() },
  ];
  return [...fullSessionSteps(), ...fix(9, 'ci-fix.txt'), ...fix(12, 'review-fix.txt')];
}

let telegram: FakeTelegram | undefined;
afterEach(async () => {
  await telegram?.close();
  telegram = undefined;
});

describe('the worker watches the pull request', () => {
  test('CI failed → continued with the log; changes requested → continued with the review; approved → told; merged → no longer watched; a restart reacts to nothing twice', async () => {
    const token = '123456:PRWATCHTOKENabcdefghijklmnop';
    telegram = await startFakeTelegram({ token });
    const { project, remote } = prProject(threeCycles(), []);
    const gh = fakeGh(project, remote);
    const review = {
      id: 'PRR_1',
      author: { login: 'ann' },
      state: 'CHANGES_REQUESTED',
      body: 'Please rename the helper.',
      submittedAt: '2026-12-01T10:00:00Z',
    };
    gh.play([
      {
        view: { state: 'OPEN' },
        checks: [
          { name: 'lint', bucket: 'pass', workflow: 'CI', link: 'https://github.com/acme/shop/actions/runs/77/job/1' },
          {
            name: 'test',
            bucket: 'fail',
            workflow: 'CI',
            link: 'https://github.com/acme/shop/actions/runs/77/job/2',
            description: 'failed',
          },
        ],
        logs: {
          '77': `test\tRun tests\tsetting up with ${LEAKED}\ntest\tRun tests\tAssertionError: expected 1 to be 2\n`,
        },
      },
      {
        view: {
          state: 'OPEN',
          reviewDecision: 'CHANGES_REQUESTED',
          reviews: [review],
          comments: [{ author: { login: 'bob' }, body: 'And the docs, please.', createdAt: '2026-12-01T11:00:00Z' }],
        },
        checks: [{ name: 'test', bucket: 'pass', workflow: 'CI', link: '' }],
      },
      {
        view: {
          state: 'OPEN',
          reviewDecision: 'APPROVED',
          reviews: [review, { ...review, id: 'PRR_2', state: 'APPROVED' }],
        },
        checks: [{ name: 'test', bucket: 'pass', workflow: 'CI', link: '' }],
      },
    ]);
    const env = {
      ...gh.env,
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_CHAT_ID: '4242',
      TELEGRAM_API_ROOT: telegram.url,
      GH_TOKEN: LEAKED,
    };
    let worker = await deliveredByWorker(project, 'shop', env);
    const dir = project.sessionDir('shop');

    // Cycle 2: continued from implementation with the failing job's log, then delivered to the same PR.
    // The session is done before its delivery is recorded: wait for the third delivery.
    await waitFor(
      () => readHistory(dir).filter((e) => e.event === 'delivered').length === 3,
      150_000,
      'three cycles delivered',
    );
    const history = readHistory(dir);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    const [ci, changes] = reactions(dir) as [Record<string, any>, Record<string, any>];
    expect(ci).toMatchObject({ pr: PR_URL, seen: 'ci_failed', did: 'continue', attempt: 1, of: 3 });
    expect(ci.detail).toMatch(/CI failed on [0-9a-f]{7}: CI \/ test/);
    expect(changes).toMatchObject({
      pr: PR_URL,
      seen: 'changes_requested',
      key: 'changes_requested:PRR_1',
      did: 'continue',
      attempt: 1,
      of: 2,
    });
    const continued = history.filter((e) => e.event === 'continued');
    expect(continued.map((e) => [e.phaseAfter, e.cycle])).toEqual([
      ['implementation', 2],
      ['implementation', 3],
    ]);
    // Each reaction comes before the cycle it started, and each cycle delivered again to the one PR.
    expect(continued[0]!.seq).toBeGreaterThan(ci.seq);
    expect(continued[1]!.seq).toBeGreaterThan(changes.seq);
    const delivered = history.filter((e) => e.event === 'delivered');
    expect(delivered.map((e) => e.delivery.prUrl)).toEqual([PR_URL, PR_URL, PR_URL]);
    expect(readOverview(dir).data.delivery.prUrl).toBe(PR_URL);

    const ciPrompt = readFileSync(join(dir, '_prompt-9.md'), 'utf8');
    expect(ciPrompt).toContain('CI failed on the pull request');
    expect(ciPrompt).toContain('AssertionError: expected 1 to be 2');
    const reviewPrompt = readFileSync(join(dir, '_prompt-12.md'), 'utf8');
    expect(reviewPrompt).toContain('Please rename the helper.');
    expect(reviewPrompt).toContain('And the docs, please.');
    // The same PR checks were read once per look; the log of run 77 was read for the one reaction.
    expect(
      gh
        .calls()
        .filter((c) => c[0] === 'run')
        .map((c) => c.slice(0, 5)),
    ).toEqual([['run', 'view', '77', '--repo', 'acme/shop']]);

    // Approved and green on the third delivery: the person is told, once.
    await waitFor(() => reactions(dir).some((r) => r.seen === 'approved'), 30_000, 'the approval noticed');
    expect(reactions(dir).at(-1)).toMatchObject({ seen: 'approved', did: 'notify' });
    await waitFor(
      () => telegram!.sent.some((m) => m.text.includes('approved and green')),
      15_000,
      'the approval in Telegram',
    );
    worker.kill('SIGTERM');
    const first = await worker.result;
    expect(first.stderr).toMatch(
      /shop: pull request https:\/\/github\.com\/acme\/shop\/pull\/42: approved and green on [0-9a-f]{7}: ready for you to merge/,
    );
    expect(first.stderr).toMatch(/continuing the session with it \(1 of 3\)/);
    const sessionLog = readFileSync(join(dir, 'session.log'), 'utf8');
    expect(sessionLog).toMatch(/"source":"worker".*approved and green/);

    // A new worker: the same approval is in the history, so it is not told again.
    const views = () => gh.calls().filter((c) => c[0] === 'pr' && c[1] === 'view').length;
    const before = views();
    worker = project.start(['worker', '--config', project.configFile], { env, timeoutMs: 120_000 });
    await waitFor(() => views() >= before + 3, 30_000, 'the new worker looking at the PR three times');
    expect(reactions(dir).filter((r) => r.seen === 'approved')).toHaveLength(1);

    // Merged: recorded, told, and no longer watched.
    gh.play([{}, {}, { view: { state: 'MERGED', reviewDecision: 'APPROVED' } }]);
    await waitFor(() => reactions(dir).some((r) => r.seen === 'merged'), 30_000, 'the merge noticed');
    expect(reactions(dir).at(-1)).toMatchObject({ seen: 'merged', did: 'stop' });
    worker.kill('SIGTERM');
    const second = await worker.result;
    expect(second.stderr).toContain('the pull request was merged; no longer watched');
    expect(reactions(dir)).toHaveLength(4);
    expect(readOverview(dir).data.status).toBe('done');

    // No secret anywhere samocode wrote or said.
    for (const text of [
      readFileSync(join(dir, '_signal_history.jsonl'), 'utf8'),
      ciPrompt,
      readFileSync(join(dir, 'session.log'), 'utf8'),
      first.stderr,
      second.stderr,
      ...telegram.sent.map((m) => m.text),
    ])
      expect(text).not.toContain(LEAKED);
    expect(ciPrompt).toContain('setting up with [redacted');
  }, 240_000);

  test('gh refusing is said once and recorded nowhere; with PR_CI_RETRIES=0 a failure is only told, and the session stays done', async () => {
    const { project, remote } = prProject(fullSessionSteps(), ['PR_CI_RETRIES=0', 'PR_ON_APPROVED=off']);
    const gh = fakeGh(project, remote);
    gh.play([{ viewFails: 'To get started with GitHub CLI, please run:  gh auth login' }]);
    const worker = await deliveredByWorker(project, 'lib', gh.env);
    const dir = project.sessionDir('lib');
    await waitFor(() => jobState(project, 'lib') === 'done', 60_000, 'the session done');
    const views = () => gh.calls().filter((c) => c[0] === 'pr' && c[1] === 'view').length;
    await waitFor(() => views() >= 3, 30_000, 'three looks at the PR');
    expect(reactions(dir)).toEqual([]);

    gh.play([
      {
        view: { state: 'OPEN' },
        checks: [{ name: 'build', bucket: 'fail', workflow: 'build', link: 'https://ci.example.com/9' }],
      },
    ]);
    await waitFor(() => reactions(dir).length > 0, 30_000, 'the failure noticed');
    expect(reactions(dir)).toEqual([
      expect.objectContaining({ seen: 'ci_failed', did: 'notify', gaveUp: true, of: 0 }),
    ]);
    worker.kill('SIGTERM');
    const result = await worker.result;
    expect(
      result.stderr.match(/cannot look at it: gh pr view failed: exit 1: To get started with GitHub CLI/g),
    ).toHaveLength(1);
    expect(result.stderr).toMatch(
      /CI failed on [0-9a-f]{7}: build; the session was continued 0 time\(s\) for failed CI on this pull request already \(PR_CI_RETRIES=0\): over to you/,
    );
    expect(readHistory(dir).some((e) => e.event === 'continued')).toBe(false);
    const table = await project.run(['history', '--config', project.configFile, '--session', 'lib']);
    expect(table.stdout).toMatch(/» pull request .*ci_failed \/ notify/);
    expect(readOverview(dir).data.status).toBe('done');
    expect(jobState(project, 'lib')).toBe('done');
    // Nothing is ever merged or written to the PR: gh was only asked to create it, read it and read logs.
    expect(new Set(gh.calls().map((c) => `${c[0]} ${c[1]}`))).toEqual(new Set(['pr create', 'pr view', 'pr checks']));
  }, 180_000);

  test('a worker that died between recording a continuation and queueing it: the next worker queues it, once', async () => {
    const steps = [...fullSessionSteps(), { files: { 'fix.txt': 'fix\n' }, commit: 'Fix', signal: sig.go('testing') }];
    steps.push({ signal: sig.go('done') }, { signal: sig.done() });
    const { project, remote } = prProject(steps, []);
    const gh = fakeGh(project, remote);
    // Nothing to react to at first; after the second delivery, green.
    gh.play([{ view: { state: 'OPEN', reviewDecision: 'REVIEW_REQUIRED' } }, { view: { state: 'OPEN' } }]);
    const first = await deliveredByWorker(project, 'api', gh.env);
    const dir = project.sessionDir('api');
    await waitFor(() => jobState(project, 'api') === 'done', 60_000, 'the session done');
    first.kill('SIGTERM');
    await first.result;

    // As a worker leaves it that died right after the history append: the entry is there, the state not folded.
    const history = readHistory(dir);
    const head = git(remote, 'rev-parse', 'samocode/api');
    const instruction = 'CI failed on the pull request (recorded before the crash): fix the build.';
    writeFileSync(
      join(dir, '_signal_history.jsonl'),
      `${JSON.stringify({
        seq: history.at(-1)!.seq + 1,
        time: new Date().toISOString(),
        iteration: 8,
        phase: 'done',
        event: 'pr_reaction',
        pr: PR_URL,
        seen: 'ci_failed',
        key: `ci_failed:${head.slice(0, 12)}`,
        detail: 'CI failed',
        did: 'continue',
        attempt: 1,
        of: 3,
        instruction,
      })}\n`,
      { flag: 'a' },
    );
    const second = project.start(['worker', '--config', project.configFile], { env: gh.env, timeoutMs: 120_000 });
    await waitFor(
      () => readHistory(dir).filter((e) => e.event === 'delivered').length === 2,
      90_000,
      'the continuation delivered',
    );
    second.kill('SIGTERM');
    const result = await second.result;
    expect(result.stderr).toContain(`api: the continuation for ${PR_URL} (CI failed) is queued again`);
    const after = readHistory(dir);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    expect(after.filter((e) => e.event === 'continued').map((e) => e.instruction)).toEqual([instruction]);
    expect(reactions(dir)).toHaveLength(1);
    expect(readOverview(dir).data).toMatchObject({ status: 'done', cycle: 2 });
  }, 180_000);
});
