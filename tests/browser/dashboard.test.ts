// The dashboard in a real browser (Debian's Chromium, headless) against the real `orchestrate serve` and real runs of
// the scripted agent: the list shows a waiting session, answering its questions in the page resumes the run (its next
// iteration happens), the plan is approved from the page, and a request without the token is refused with how to get
// in. The screenshots of the README are taken here (docs/screenshots/ with SAMOCODE_UPDATE_SCREENSHOTS=1).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launchBrowser, newContext, pageErrors, screenshot } from '../helpers/browser.js';
import { reapLeftovers } from '../helpers/processes.js';
import { reviewSteps } from '../helpers/gate-sessions.js';
import { startServe } from '../helpers/serve.js';
import {
  answerEverything,
  createProject,
  PLAN,
  readHistory,
  readOverview,
  sig,
  tempDir,
  waitFor,
  type Project,
  type Step,
} from '../helpers/rig.js';

const WAIT_MS = 30_000;
/** The scripted agent prints Claude's stream: the actions, cost and tokens the page shows come from it. */
const CLAUDE = { SAMOCODE_SCRIPT_FORMAT: 'claude', SAMOCODE_RETRY_DELAY: '0' };

interface Tool {
  name: string;
  input: Record<string, unknown>;
  error?: string;
}

let ids = 0;
/** One agent run as Claude's stream-json prints it: its words, its tool calls (a failed one too), its cost. */
function claude(text: string, tools: Tool[], costUsd: number, tokens: number): string[] {
  const line = (value: object) => JSON.stringify(value);
  const lines = [line({ type: 'system', subtype: 'init', session_id: 'web' })];
  lines.push(line({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text }] } }));
  for (const tool of tools) {
    const id = `toolu_${++ids}`;
    lines.push(
      line({
        type: 'assistant',
        message: { role: 'assistant', content: [{ type: 'tool_use', id, name: tool.name, input: tool.input }] },
      }),
      line({
        type: 'user',
        message: {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: id, content: tool.error ?? 'ok', is_error: tool.error !== undefined },
          ],
        },
      }),
    );
  }
  lines.push(
    line({
      type: 'result',
      subtype: 'success',
      is_error: false,
      num_turns: tools.length + 1,
      total_cost_usd: costUsd,
      usage: {
        input_tokens: Math.round(tokens * 0.2),
        output_tokens: Math.round(tokens * 0.05),
        cache_read_input_tokens: Math.round(tokens * 0.75),
        cache_creation_input_tokens: 0,
      },
      permission_denials: [],
    }),
  );
  return lines;
}

const QUESTIONS =
  '# Questions\n\n### Q1: Which token library?\n- A) jose\n- B) jsonwebtoken\n**Suggestion:** A\n**Answer:** _waiting_\n\n' +
  '### Q2: Where do <b>refresh tokens</b> live? <img src=x onerror="window.__pwned=1">\n- A) in the database\n- B) in a signed cookie\n**Answer:** _waiting_\n';

const PLAN_TEXT =
  '# Plan: add JWT auth\n\n## Steps\n1. Add `jose` and a `verifyToken` helper in src/auth/jwt.ts\n2. Guard the `/api` routes with it\n' +
  '3. Tests: a good, an expired and a forged token\n\n## Files\n- src/auth/**\n- tests/auth/**\n\n**Approval:** _waiting_\n';

/** The run the person drives from the page: questions, then a plan, then work, then the end of the scenario. */
function authSteps(): Step[] {
  return [
    {
      stdout: claude(
        'Reading the routes and the existing session handling.',
        [
          { name: 'Read', input: { file_path: 'src/server.ts' } },
          { name: 'Grep', input: { pattern: 'session', path: 'src' } },
        ],
        0.042,
        18_000,
      ),
      signal: sig.go('requirements', 'mapped the routes and the session code'),
    },
    {
      stdout: claude(
        'Two decisions need the person.',
        [
          { name: 'Bash', input: { command: 'npm test -- auth' }, error: 'Error: no test files match "auth"' },
          { name: 'Write', input: { file_path: '_qa.md' } },
        ],
        0.021,
        9_000,
      ),
      sessionFiles: { '_qa.md': QUESTIONS },
      signal: sig.wait('qa_answers', 'answer Q1 and Q2 in _qa.md'),
    },
    {
      stdout: claude('Answers read: jsonwebtoken, refresh tokens in a signed cookie.', [], 0.018, 7_000),
      signal: sig.go('planning', 'requirements settled'),
    },
    {
      stdout: claude(
        'Writing the plan.',
        [
          { name: 'Read', input: { file_path: 'src/routes/api.ts' } },
          { name: 'Write', input: { file_path: '_plan.md' } },
        ],
        0.064,
        26_000,
      ),
      sessionFiles: { '_plan.md': PLAN_TEXT },
      signal: sig.wait('plan_approval', 'approve the plan in _plan.md'),
    },
    {
      stdout: claude(
        'Implementing the helper and the guard.',
        [
          { name: 'Edit', input: { file_path: 'src/auth/jwt.ts' } },
          { name: 'Bash', input: { command: 'npm test' } },
        ],
        0.093,
        41_000,
      ),
      files: {
        'src/auth/jwt.ts': 'export function verifyToken(token: string): boolean {\n  return token.length > 0;\n}\n',
      },
      commit: 'Add verifyToken',
      // Long enough for the page to show this iteration running, its actions as they come.
      delayMs: 2500,
      signal: sig.go('testing', 'helper and guard in place'),
    },
    { signal: sig.block('end of scenario') },
  ];
}

function runArgs(project: Project, name: string, task: string, steps: Step[], wait: boolean): string[] {
  return [
    '--config',
    project.configFile,
    '--session',
    name,
    '--task',
    task,
    '--script',
    project.scenario(steps, `${name}.json`),
    ...(wait ? [] : ['--no-wait']),
  ];
}

/** The text of the session's status badge in its header. */
const headerStatus = (page: Page) => page.locator('.session-header h1 .badge').textContent();

describe.skipIf(chromiumMissing())('the dashboard in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  test('the list shows a waiting session; its questions answered and its plan approved in the page, the run goes on', async () => {
    const project = createProject();
    reapLeftovers(project);
    const shots = tempDir('samocode-shots-');
    mkdirSync(shots, { recursive: true });
    // Two more sessions for the list, one blocked and one done, made side by side (each its own session).
    const blockedRun = project.run(
      runArgs(
        project,
        'bump-deps',
        'Bump the dependencies to their latest minor versions',
        [
          { stdout: claude('Checking the lockfile.', [], 0.012, 5_000), signal: sig.go('requirements') },
          { signal: sig.block('the registry refused the login: check NPM_TOKEN', 'a working registry login') },
        ],
        false,
      ),
      { env: CLAUDE },
    );
    const doneArgs = runArgs(
      project,
      'fix-flaky-test',
      'Make the retry test stop failing one run in ten',
      [
        { stdout: claude('Looking at the retry test.', [], 0.02, 8_000), signal: sig.go('requirements') },
        {
          sessionFiles: { '_qa.md': '### Q1: ok?\n- A) yes\n**Answer:** _waiting_\n' },
          signal: sig.wait('qa_answers'),
        },
        { signal: sig.go('planning') },
        { sessionFiles: PLAN, signal: sig.wait('plan_approval') },
        {
          stdout: claude('Fixing the clock in the test.', [], 0.05, 20_000),
          files: { 'retry.test.ts': 'it("retries", () => {});\n' },
          commit: 'Use a fake clock in the retry test',
          signal: sig.go('testing'),
        },
        { signal: sig.go('quality') },
        { signal: sig.go('done') },
        { signal: sig.done() },
      ],
      false,
    );
    const doneRun = (async () => {
      let done = await project.run(doneArgs, { env: CLAUDE });
      for (let i = 0; i < 3 && done.exitCode === 5; i++) {
        answerEverything(project.sessionDir('fix-flaky-test'));
        done = await project.run(doneArgs, { env: CLAUDE });
      }
      return done;
    })();
    // And one job in the local queue, for the list's queue panel.
    const enqueued = project.run([
      'enqueue',
      '--config',
      project.configFile,
      '--session',
      'rate-limit',
      '--task',
      'Rate-limit the login endpoint',
    ]);
    const [blocked, done, queued] = await Promise.all([blockedRun, doneRun, enqueued]);
    expect(blocked.exitCode, blocked.stderr).toBe(4);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(queued.exitCode, queued.stderr).toBe(0);

    const serve = await startServe(project);
    const run = project.start(runArgs(project, 'add-auth', 'Add JWT authentication to the API', authSteps(), true), {
      env: CLAUDE,
      timeoutMs: 120_000,
    });
    let runErr = '';
    run.stderr!.on('data', (chunk: Buffer) => (runErr += chunk.toString()));
    await waitFor(() => runErr.includes('waiting for you:'), WAIT_MS, 'the run to wait for its questions');

    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${serve.base}?token=${serve.token}`);
    // The token went into a cookie and out of the address bar.
    expect(page.url()).toBe(serve.base);
    const row = page.locator('tr[data-session="add-auth"]');
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: WAIT_MS }).toBe('waiting for qa_answers');
    await expect.poll(() => page.locator('tr[data-session]').count()).toBe(3);
    expect(await page.locator('tr[data-session="bump-deps"] .badge').textContent()).toContain('blocked');
    expect(await page.locator('tr[data-session="fix-flaky-test"] .badge').textContent()).toBe('done');
    expect(await row.textContent()).toContain('Add JWT authentication to the API');
    expect(await page.locator('#queue-title').textContent()).toContain('local: 1 queued');
    expect(await page.locator('table.queue').textContent()).toContain('rate-limit');
    await screenshot(page, 'sessions', shots);

    await row.locator('a.session-name').click();
    const q1 = page.locator('fieldset[data-question="Q1"]');
    await q1.waitFor();
    // The hostile question is text, not markup: no element made, no script run.
    const legend = await page.locator('fieldset[data-question="Q2"] legend').textContent();
    expect(legend).toContain('<img src=x onerror="window.__pwned=1">');
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // The last iteration's tool calls, the failed one marked.
    await expect.poll(() => page.locator('.action.failed').count(), { timeout: WAIT_MS }).toBeGreaterThan(0);

    await q1.locator('button[data-option="B"]').click();
    await page.locator('fieldset[data-question="Q2"] input').fill('in a signed cookie');
    await page.getByRole('button', { name: 'Send answers' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Sent 2 answers');

    // The run's next iteration happened (the page shows it live) and it now waits for the plan.
    await expect.poll(() => page.locator('table.history tr[data-iteration="3"]').count(), { timeout: WAIT_MS }).toBe(1);
    await expect.poll(() => headerStatus(page), { timeout: WAIT_MS }).toBe('waiting for plan_approval');
    const dir = project.sessionDir('add-auth');
    expect(readHistory(dir).find((e) => e.event === 'resumed')).toMatchObject({ from: 'waiting', gatePassed: true });
    await page.getByRole('button', { name: 'Approve the plan' }).waitFor();
    expect(await page.locator('.document').textContent()).toContain('Guard the /api routes with it');
    await expect.poll(() => page.locator('.chart rect.bar').count()).toBe(4);
    await screenshot(page, 'session', shots);

    // Reject needs feedback: the page says so and sends nothing.
    await page.getByRole('button', { name: 'Reject the plan' }).click();
    expect(await page.locator('.waiting .form-status').textContent()).toContain('Say what to change first');
    await page.getByRole('button', { name: 'Approve the plan' }).click();
    // Iteration 5 runs: its actions arrive live, before it ends.
    await expect
      .poll(() => page.locator('#actions-title').textContent(), { timeout: WAIT_MS })
      .toBe('Actions of iteration 5 (running)');
    await expect
      .poll(() => page.locator('.action .target').allTextContents(), { timeout: WAIT_MS })
      .toContain('src/auth/jwt.ts');
    expect(readHistory(dir).filter((e) => e.event === 'iteration')).toHaveLength(4);
    await expect.poll(() => page.locator('table.history tr[data-iteration="5"]').count(), { timeout: WAIT_MS }).toBe(1);
    const result = await run.result;
    expect(result.exitCode, result.stderr).toBe(4);
    expect(readOverview(dir).data.approvedPlan).toBeTruthy();
    await expect.poll(() => headerStatus(page), { timeout: WAIT_MS }).toContain('blocked');
    // The work of iteration 5 shows as the branch's diff.
    await expect.poll(() => page.locator('.diffstat').textContent(), { timeout: WAIT_MS }).toContain('src/auth/jwt.ts');

    // A done session shows its delivery, and its files download with the page's cookie.
    await page.getByRole('link', { name: '← All sessions' }).click();
    await page.locator('tr[data-session="fix-flaky-test"] a.session-name').click();
    const mbox = page.getByRole('link', { name: 'combined.mbox' });
    await mbox.waitFor({ timeout: WAIT_MS });
    const download = await page.request.get(new URL((await mbox.getAttribute('href'))!, serve.base).href);
    expect(download.status()).toBe(200);
    expect(await download.text()).toContain('Use a fake clock in the retry test');
    if (process.env.KEEP_OUTPUT) {
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'done-dark', shots);
    }

    expect(errors.filter((e) => e.startsWith('uncaught'))).toEqual([]);
    await context.close();
    expect((await serve.stop('SIGINT')).exitCode).toBe(0);
  }, 120_000);

  test('the review of the diff is rejected from the page with what to change; resume asks a new run; stop ends a run', async () => {
    const project = createProject();
    reapLeftovers(project);
    // Up to the review of a focused test; then, after the rejection, back in implementation, an agent that works
    // until it is stopped.
    const steps = reviewSteps(project);
    steps[7] = {
      stdout: claude(
        'Removing the it.only.',
        [{ name: 'Edit', input: { file_path: 'tests/math.test.ts' } }],
        0.01,
        4_000,
      ),
      hang: true,
    };
    const args = runArgs(project, 'focus', 'Speed up the math tests', steps, false);
    let result = await project.run(args);
    for (let i = 0; i < 3 && result.exitCode === 5 && /\((qa_answers|plan_approval)\)/.test(result.stderr); i++) {
      answerEverything(project.sessionDir('focus'));
      result = await project.run(args);
    }
    const dir = project.sessionDir('focus');
    expect(readOverview(dir).data, result.stderr).toMatchObject({ status: 'waiting', waitingFor: 'review' });

    const serve = await startServe(project);
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(`${serve.base}?token=${serve.token}#/session/focus`);
    await expect.poll(() => page.locator('.findings li').count(), { timeout: WAIT_MS }).toBeGreaterThan(0);
    expect(await page.locator('.findings').textContent()).toContain('tests/math.test.ts');
    await page.getByRole('textbox', { name: 'what to change in the review' }).fill('remove the it.only');
    await page.getByRole('button', { name: 'Reject the review' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Rejected the review.');
    expect(readFileSync(join(dir, '_review.md'), 'utf8')).toContain('**Decision:** rejected: remove the it.only');
    // No run waits for it: resume leaves the request for the next one.
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Asked the session to resume.');

    const run = project.start([...args.filter((a) => a !== '--no-wait')], { env: CLAUDE, timeoutMs: 120_000 });
    await expect.poll(() => headerStatus(page), { timeout: WAIT_MS }).toBe('running');
    await expect
      .poll(() => page.locator('.action .target').allTextContents(), { timeout: WAIT_MS })
      .toContain('tests/math.test.ts');
    expect(
      readHistory(dir)
        .filter((e) => e.event === 'resumed')
        .at(-1),
    ).toMatchObject({
      review: 'rejected',
      feedback: 'remove the it.only',
      phaseAfter: 'implementation',
    });
    await page.getByRole('button', { name: 'Stop' }).click();
    const stopped = await run.result;
    expect(stopped.exitCode, stopped.stderr).toBe(130);
    expect(readHistory(dir).at(-1)).toMatchObject({ event: 'interrupted' });
    await expect.poll(() => page.getByRole('button', { name: 'Stop' }).isDisabled(), { timeout: WAIT_MS }).toBe(true);

    expect(errors.filter((e) => e.startsWith('uncaught'))).toEqual([]);
    await context.close();
    expect((await serve.stop('SIGINT')).exitCode).toBe(0);
  }, 120_000);

  test('without the token the page refuses and says how to get in; a wrong token too; an unknown session is named', async () => {
    const project = createProject();
    reapLeftovers(project);
    const serve = await startServe(project);
    const context = await newContext(browser, { colorScheme: 'dark' });
    const page = await context.newPage();
    const bare = await page.goto(serve.base);
    expect(bare?.status()).toBe(401);
    const text = await page.locator('body').textContent();
    expect(text).toContain('orchestrate serve');
    expect(text).toContain('?token=');
    const wrong = await page.goto(`${serve.base}?token=not-the-token`);
    expect(wrong?.status()).toBe(401);
    const api = await page.goto(`${serve.base}api/sessions`);
    expect(api?.status()).toBe(401);
    expect(await page.locator('body').textContent()).not.toContain(serve.token);

    // With the token, an address naming no session says so, and stops asking.
    await page.goto(`${serve.base}?token=${serve.token}#/session/nope`);
    await expect.poll(() => page.locator('.notice.bad').textContent(), { timeout: WAIT_MS }).toContain('"nope"');
    await expect.poll(() => page.locator('#live').textContent(), { timeout: WAIT_MS }).toBe('no such session');
    await context.close();
    expect((await serve.stop('SIGINT')).exitCode).toBe(0);
  }, 60_000);
});
