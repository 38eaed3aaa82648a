// The review of the diff through the real CLI, with the scripted agent in real git repos: a diff made to trip every
// rule family waits on `_review.md` with each finding; a clean one passes silently to done; approve and reject by
// editing the file and from Telegram; a committed fake key blocks, and its value appears in nothing samocode wrote.
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import { reapLeftovers } from '../helpers/processes.js';
import {
  answerEverything,
  createProject,
  git,
  QA,
  readHistory,
  readOverview,
  sessionArgs,
  sig,
  waitFor,
  type CliResult,
  type Project,
  type Step,
} from '../helpers/rig.js';

const TOKEN = '123456:TESTTOKENabcdefghijklmnopqrstuv';
const CHAT = '4242';
const WAIT_MS = 30_000;

/** The repository the sessions start from: a test file to weaken, one to delete, a test script, some code. */
const BASE_FILES: Record<string, string> = {
  'package.json': '{\n  "name": "demo",\n  "scripts": {\n    "test": "vitest run"\n  }\n}\n',
  'src/math.ts': 'export const add = (a: number, b: number) => a + b;\n',
  'tests/math.test.ts': [
    "import { add } from '../src/math';",
    "it('adds', () => {",
    '  expect(add(1, 2)).toBe(3);',
    '});',
    "it('adds negatives', () => {",
    '  expect(add(-1, -2)).toBe(-3);',
    '});',
    '',
  ].join('\n'),
  'tests/old.test.ts': "it('works', () => {\n  expect(1).toBe(1);\n});\n",
};

/** A project whose main branch has BASE_FILES. */
function projectWith(): Project {
  const project = createProject();
  for (const [path, content] of Object.entries(BASE_FILES)) {
    mkdirSync(dirname(join(project.repo, path)), { recursive: true });
    writeFileSync(join(project.repo, path), content);
  }
  git(project.repo, 'add', '-A');
  git(project.repo, 'commit', '-q', '-m', 'base files');
  return project;
}

/** A plan with a `## Files` section, as the planning agent is asked to write. */
const PLAN_WITH_FILES = {
  '_plan.md':
    '# Plan\n\n1. Change the math.\n\n## Files\n\n- `src/**`\n- `tests/**`\n- package.json\n\n**Approval:** _waiting_\n',
};

/** Iterations 1–4 (investigation → requirements wait → planning wait); iteration 5 is the first of implementation. */
const TO_IMPLEMENTATION: Step[] = [
  { signal: sig.go('requirements') },
  { sessionFiles: QA, signal: sig.wait('qa_answers') },
  { signal: sig.go('planning') },
  { sessionFiles: PLAN_WITH_FILES, signal: sig.wait('plan_approval') },
];
const TO_DONE: Step[] = [{ signal: sig.go('testing') }, { signal: sig.go('done') }, { signal: sig.done() }];

/** Every rule family at once: reward hacking (several rules), scope, size (large and binary). */
const VIOLATIONS: Step = {
  files: {
    'tests/math.test.ts': [
      "import { add } from '../src/math';",
      "it.skip('adds', () => {",
      '  expect(add(1, 2)).toBeDefined();',
      '});',
      '',
    ].join('\n'),
    'package.json': '{\n  "name": "demo",\n  "scripts": {\n    "test": "echo ok"\n  }\n}\n',
    'src/math.ts': '// @ts-ignore\nexport const add = (a: number, b: number) => a + b;\n',
    '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
    'assets/big.txt': `${'x'.repeat(1100 * 1024)}\n`,
  },
  filesBase64: { 'assets/logo.bin': Buffer.from([0, 1, 2, 0, 255, 0, 7]).toString('base64') },
  removeFiles: ['tests/old.test.ts'],
  commit: 'Make the tests pass',
  signal: sig.go('testing'),
};

/** Run, answering the Q&A and the plan by file edits, until the session stops for something else. */
async function runAnswering(project: Project, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  for (;;) {
    const result = await project.run(args, { env });
    if (result.exitCode !== 5 || !/\((qa_answers|plan_approval)\)/.test(result.stderr)) return result;
    answerEverything(project.sessionDir(args[args.indexOf('--session') + 1]!));
  }
}

function decide(dir: string, value: string): void {
  const file = join(dir, '_review.md');
  writeFileSync(file, readFileSync(file, 'utf8').replace('**Decision:** _waiting_', `**Decision:** ${value}`));
}

const iterations = (dir: string) => readHistory(dir).filter((e) => e.event === 'iteration');

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('the review of the diff', () => {
  test('a diff with a violation of every rule family waits on _review.md listing each; approved by a file edit, the session is done without another agent run', async () => {
    const project = projectWith();
    const scenario = project.scenario([...TO_IMPLEMENTATION, VIOLATIONS, ...TO_DONE]);
    const args = sessionArgs(project, 'cheat', scenario);
    const waiting = await runAnswering(project, args);
    expect(waiting.exitCode).toBe(5);
    expect(waiting.stderr).toContain('is waiting for you (review) in phase done');
    expect(waiting.stderr).toMatch(/waiting for your review: \d+ findings in _review\.md/);
    const dir = project.sessionDir('cheat');
    const review = readFileSync(join(dir, '_review.md'), 'utf8');
    for (const line of [
      "`tests/math.test.ts:2` `it.skip('adds', () => {`",
      '`tests/math.test.ts:3` `expect(add(1, 2)).toBeDefined();`',
      '`tests/math.test.ts:6` `expect(add(-1, -2)).toBe(-3);`', // assertion_removed (old line 6)
      '`tests/old.test.ts`',
      '`package.json:4`',
      '`src/math.ts:1` `// @ts-ignore`',
      '`.github/workflows/ci.yml:1`',
      '`assets/big.txt` `1.1 MB`',
      '`assets/logo.bin` `added`',
    ])
      expect(review).toContain(line);
    for (const rule of [
      'skip_marker',
      'assertion_weakened',
      'assertion_removed',
      'test_removed',
      'test_file_deleted',
      'test_config_changed',
      'suppression_added',
      'out_of_scope',
      'large_file',
      'binary_file',
    ])
      expect(review).toContain(`### ${rule}:`);
    // .github/ and assets/ are outside the plan's ## Files.
    const scope = review.slice(review.indexOf('### out_of_scope'), review.indexOf('## Large'));
    expect(scope.split('\n').filter((line) => line.startsWith('- '))).toEqual([
      '- `.github/workflows/ci.yml` `added`',
      '- `assets/big.txt` `added`',
      '- `assets/logo.bin` `added`',
    ]);
    expect(review.trimEnd().endsWith('**Decision:** _waiting_')).toBe(true);
    const last = iterations(dir).at(-1)!;
    expect(last).toMatchObject({ phase: 'done', statusAfter: 'waiting', review: { file: '_review.md' } });
    expect(readOverview(dir).data).toMatchObject({
      status: 'waiting',
      waitingFor: 'review',
      waitingFile: '_review.md',
      reviewFindings: last.review.findings,
    });

    const status = await project.run(['status', '--config', project.configFile, '--session', 'cheat']);
    expect(status.stdout).toContain(
      `${last.review.findings} findings of the review of the diff: read them, then replace "**Decision:** _waiting_"`,
    );

    // Still waiting: a run that finds no decision says what to write.
    const again = await project.run(args);
    expect(again.exitCode).toBe(5);
    expect(again.stderr).toContain('_review.md still says "**Decision:** _waiting_"');

    decide(dir, 'approved');
    const done = await project.run(args);
    expect(done.stderr).toContain('is done after 8 iterations');
    expect(done.exitCode).toBe(0);
    const history = readHistory(dir);
    // The approval finishes the session; the delivery follows it.
    expect(history.at(-1)).toMatchObject({ event: 'delivered' });
    expect(history.at(-2)).toMatchObject({
      event: 'resumed',
      review: 'approved',
      how: 'review approved in _review.md',
    });
    expect(iterations(dir)).toHaveLength(8);
    expect(readOverview(dir).data.status).toBe('done');
  });

  test('a clean diff passes silently to done: no _review.md, no wait', async () => {
    const project = projectWith();
    const clean: Step = {
      files: { 'src/math.ts': 'export const add = (a: number, b: number): number => a + b;\n' },
      commit: 'Type the result',
      signal: sig.go('testing'),
    };
    const result = await runAnswering(
      project,
      sessionArgs(project, 'clean', project.scenario([...TO_IMPLEMENTATION, clean, ...TO_DONE])),
    );
    expect(result.stderr).toContain('is done after 8 iterations');
    expect(result.exitCode).toBe(0);
    const dir = project.sessionDir('clean');
    expect(readdirSync(dir)).not.toContain('_review.md');
    expect(iterations(dir).filter((e) => e.review)).toEqual([]);
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .map((e) => e.review),
    ).toEqual([undefined, undefined]);
  });

  test('rejected by a file edit: back to implementation with the feedback in the next prompt; the fixed diff then passes', async () => {
    const project = projectWith();
    const skip: Step = {
      files: { 'tests/math.test.ts': BASE_FILES['tests/math.test.ts']!.replace("it('adds',", "it.only('adds',") },
      commit: 'Focus',
      signal: sig.go('testing'),
    };
    const fix: Step = {
      stdinFile: 'prompt-9.txt',
      files: { 'tests/math.test.ts': BASE_FILES['tests/math.test.ts']! },
      commit: 'Unfocus',
      signal: sig.go('testing'),
    };
    const scenario = project.scenario([...TO_IMPLEMENTATION, skip, ...TO_DONE, fix, ...TO_DONE]);
    const args = sessionArgs(project, 'reject', scenario);
    expect((await runAnswering(project, args)).exitCode).toBe(5);
    const dir = project.sessionDir('reject');

    decide(dir, 'rejected');
    const unclear = await project.run(args);
    expect(unclear.exitCode).toBe(5);
    expect(unclear.stderr).toContain('_review.md says rejected but not what to change');

    writeFileSync(
      join(dir, '_review.md'),
      readFileSync(join(dir, '_review.md'), 'utf8').replace(
        '**Decision:** rejected',
        '**Decision:** rejected: remove the it.only',
      ),
    );
    const result = await project.run(args);
    expect(result.stderr).toContain('is done after 12 iterations');
    expect(result.exitCode).toBe(0);
    const resumed = readHistory(dir).find((e) => e.event === 'resumed' && e.review);
    expect(resumed).toMatchObject({ review: 'rejected', feedback: 'remove the it.only', phaseAfter: 'implementation' });
    const prompt = readFileSync(join(dir, 'prompt-9.txt'), 'utf8');
    expect(prompt).toContain('Phase: implementation');
    expect(prompt).toContain("## The person rejected the review of the session's changes");
    expect(prompt).toContain('Their feedback: remove the it.only');
    expect(readOverview(dir).data.reviewFeedback).toBeUndefined();
  });

  test('from Telegram: the waiting message names the findings and the file; /reject sends it back, /approve finishes', async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    const project = projectWith();
    reapLeftovers(project);
    const skip: Step = {
      files: { 'tests/math.test.ts': BASE_FILES['tests/math.test.ts']!.replace("it('adds',", "it.skip('adds',") },
      commit: 'Skip',
      signal: sig.go('testing'),
    };
    const still: Step = { files: { 'src/extra.ts': '// @ts-nocheck\n' }, commit: 'More', signal: sig.go('testing') };
    const scenario = project.scenario([...TO_IMPLEMENTATION, skip, ...TO_DONE, still, ...TO_DONE]);
    const name = 'tg-review';
    // To the review wait without Telegram (the two earlier gates by file edits), then a run that waits in-process.
    expect((await runAnswering(project, sessionArgs(project, name, scenario))).exitCode).toBe(5);
    const dir = project.sessionDir(name);
    const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: CHAT, TELEGRAM_API_ROOT: fake.url };
    const run = project.start(sessionArgs(project, name, scenario, [], { wait: true }), { env });
    const sentText = () => fake!.sent.map((m) => m.text).join('\n---\n');

    await waitFor(() => sentText().includes('run started again'), WAIT_MS, 'the run to start');
    fake.pushMessage({ chatId: CHAT, text: '/reject un-skip the adds test' });
    await waitFor(() => sentText().includes('Review rejected in _review.md'), WAIT_MS, 'the reject reply').catch(
      (e) => {
        console.log(sentText());
        throw e;
      },
    );
    await waitFor(
      () => readOverview(dir).data.waitingFor === 'review' && readOverview(dir).data.iterations === 12,
      WAIT_MS,
      'the second review wait',
    );
    // The skip is still in the branch's diff, and now a suppression too.
    await waitFor(
      () => sentText().includes('the review of the diff has 2 findings for you'),
      WAIT_MS,
      'the review message',
    ).catch((e) => {
      console.log(sentText());
      throw e;
    });
    expect(sentText()).toContain(`${dir}/_review.md`);
    expect(sentText()).toContain('src/extra.ts:1');
    fake.pushMessage({ chatId: CHAT, text: '/approve' });
    const result = await run.result;
    expect(result.exitCode).toBe(0);
    expect(sentText()).toContain('Review approved in _review.md');
    const decisions = readHistory(dir).filter((e) => e.event === 'resumed' && e.review);
    expect(decisions.map((e) => [e.review, e.feedback])).toEqual([
      ['rejected', 'un-skip the adds test'],
      ['approved', undefined],
    ]);
    expect(readOverview(dir).data.status).toBe('done');
  });
});

describe('secrets in the diff', () => {
  test('a committed fake key blocks with file:line:rule, and its value appears in nothing samocode wrote or sent', async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    const project = projectWith();
    reapLeftovers(project);
    // Built here, never a literal in the repository.
    const key = ['ghp', '_', 'Zk29XwQ7LmN4pR8sT1vB6yC3dF5gH0jK2aE9'].join('');
    const leak: Step = {
      files: { 'src/config.ts': `export const token = "${key}";\n`, '.env': `API_TOKEN=${key}\n` },
      commit: 'Config',
      signal: sig.go('testing', `added config with ${key}`),
    };
    const scenario = project.scenario([...TO_IMPLEMENTATION, leak, ...TO_DONE]);
    const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: CHAT, TELEGRAM_API_ROOT: fake.url };
    const result = await runAnswering(project, sessionArgs(project, 'leak', scenario), env);
    expect(result.exitCode).toBe(4);
    expect(result.stderr).toContain('(secret_in_diff)');
    expect(result.stderr).toContain('src/config.ts:1 (secret: GitHub token)');
    expect(result.stderr).toContain('.env (secret_file: .env)');
    const dir = project.sessionDir('leak');
    expect(readOverview(dir).data).toMatchObject({ status: 'blocked', blockedKind: 'secret_in_diff' });
    expect(readdirSync(dir)).not.toContain('_review.md');
    await waitFor(() => fake!.sent.some((m) => m.text.includes('secret_in_diff')), WAIT_MS, 'the blocked message');

    const outputs = [result.stdout, result.stderr, ...fake.sent.map((m) => m.text)];
    for (const file of allFiles(dir)) outputs.push(readFileSync(file, 'utf8'));
    expect(outputs.length).toBeGreaterThan(5);
    for (const text of outputs) expect(text).not.toContain(key);
  });
});
