// Telegram end to end: the real CLI against a fake Bot API on 127.0.0.1. The person answers the Q&A by replying,
// approves the plan with /approve, and the session runs on; a message from another chat changes nothing; Telegram
// being down does not stall the loop. The token never shows up in anything the session writes.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import { reapLeftovers, sessionDirOf } from '../helpers/processes.js';
import { createProject, readHistory, readOverview, sessionArgs, sig, waitFor, type Step } from '../helpers/rig.js';

const TOKEN = '123456:TESTTOKENabcdefghijklmnopqrstuv';
const CHAT = '4242';
const WAIT_MS = 30_000;
const QA =
  '### Q1: Which library?\n- A) jose\n- B) jsonwebtoken\n**Suggestion:** A\n**Answer:** _waiting_\n\n### Q2: Tests?\n- A) yes\n- B) no\n**Suggestion:** A\n**Answer:** _waiting_\n';
const steps: Step[] = [
  { signal: sig.go('requirements') },
  { sessionFiles: { '_qa.md': QA }, signal: sig.wait('qa_answers') },
  { signal: sig.go('planning') },
  { sessionFiles: { '_plan.md': '1. Do it.\n\n**Approval:** _waiting_\n' }, signal: sig.wait('plan_approval') },
  { files: { 'feature.txt': 'done\n' }, commit: 'Add feature', signal: sig.go('testing') },
  { signal: sig.go('quality') },
  { signal: sig.go('done') },
  { signal: { status: 'done', phase: 'done', summary: 'feature shipped' } },
];

let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function telegramEnv(url: string) {
  return { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: CHAT, TELEGRAM_API_ROOT: url };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

describe('Telegram', () => {
  test('answers by reply and /approve resume the session, which runs on to done; other chats are ignored; the token stays secret', async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    const project = createProject();
    reapLeftovers(project);
    const run = project.start(sessionArgs(project, 'tg', project.scenario(steps), [], { wait: true }), {
      env: telegramEnv(fake.url),
    });
    const sentText = () => fake!.sent.map((m) => m.text).join('\n---\n');

    await waitFor(() => sentText().includes('Which library?'), WAIT_MS, 'the questions to be sent to Telegram');
    const dir = sessionDirOf(project, 'tg')!;
    expect(fake.sent.every((m) => m.chat_id === CHAT && m.parse_mode === 'HTML')).toBe(true);

    const before = readFileSync(join(dir, '_qa.md'), 'utf8');
    fake.pushMessage({ chatId: '999', text: '1A 2A' });
    fake.pushMessage({ chatId: CHAT, text: '1B' });
    await waitFor(
      () => readFileSync(join(dir, '_qa.md'), 'utf8') !== before,
      WAIT_MS,
      'the first answer to reach _qa.md',
    );
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toBe(before.replace('**Answer:** _waiting_', '**Answer:** B'));
    expect(readOverview(dir).data.status).toBe('waiting');

    fake.pushMessage({ chatId: CHAT, text: 'Q2: yes, unit and e2e' });
    await waitFor(
      () => sentText().includes('_plan.md') && readOverview(dir).data.waitingFor === 'plan_approval',
      WAIT_MS,
      'the plan approval request',
    );
    fake.pushMessage({ chatId: CHAT, text: '/approve' });

    const result = await run.result;
    expect(result.exitCode).toBe(0);
    const history = readHistory(dir);
    expect(history.filter((e) => e.event === 'resumed').map((e) => e.how)).toEqual([
      'all 2 answers in _qa.md',
      'plan approved in _plan.md',
    ]);
    expect(readOverview(dir).data).toMatchObject({ phase: 'done', status: 'done', iterations: 8 });
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toContain('**Answer:** yes, unit and e2e');
    // Nothing was answered from the other chat, and nothing was sent to it.
    expect(fake.sent.some((m) => m.chat_id === '999')).toBe(false);
    expect(readFileSync(join(dir, 'session.log'), 'utf8')).toMatch(/999/);
    // The done message arrived, with the summary.
    expect(sentText()).toContain('feature shipped');

    for (const file of allFiles(dir)) expect(readFileSync(file, 'utf8'), file).not.toContain(TOKEN.split(':')[1]);
    expect(result.stdout + result.stderr).not.toContain(TOKEN.split(':')[1]);
  });

  test.each(['hanging', 'failing'] as const)(
    'Telegram %s does not stall the loop, and failures are logged once per kind, not per message',
    async (mode) => {
      fake = await startFakeTelegram({ token: TOKEN });
      if (mode === 'hanging') fake.setDown(true);
      else fake.failNext(1000, 500);
      const project = createProject();
      reapLeftovers(project);
      // Each iteration changes a file, so none of them counts toward a stall.
      const scenario = project.scenario([
        ...Array.from({ length: 5 }, (_, i) => ({
          files: { 'notes.txt': `${i}\n` },
          signal: sig.stay('investigation'),
        })),
        { signal: sig.block('end') },
      ]);
      const result = await project.run(sessionArgs(project, 'down', scenario), { env: telegramEnv(fake.url) });
      expect(result.exitCode).toBe(4);
      const dir = project.sessionDir('down');
      expect(readHistory(dir).filter((e) => e.event === 'iteration')).toHaveLength(6);
      const log = readFileSync(join(dir, 'session.log'), 'utf8');
      const failures = log.split('\n').filter((line) => /telegram/i.test(line) && /(fail|no answer|error)/i.test(line));
      if (mode === 'failing') expect(failures.length).toBeGreaterThan(0);
      expect(failures.length).toBeLessThanOrEqual(3);
      expect(log).not.toContain(TOKEN.split(':')[1]);
    },
  );
  test('control characters the agent put into _qa.md (escape sequences, NUL) reach neither Telegram nor `status`', async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    const project = createProject();
    const hostile =
      '### Q1: Which \u001b[31mlibrary\u001b]0;pwned\u0007?\u0000\n- A) jose\n- B) jsonwebtoken\n**Answer:** _waiting_\n';
    const scenario = project.scenario([
      { signal: sig.go('requirements') },
      {
        sessionFiles: { '_qa.md': hostile },
        signal: { ...sig.wait('qa_answers'), summary: 'asked \u001b[2Jthe person' },
      },
    ]);
    const result = await project.run(sessionArgs(project, 'ctl', scenario), { env: telegramEnv(fake.url) });
    expect(result.exitCode).toBe(5);
    await waitFor(() => fake!.sent.some((m) => m.text.includes('library')), WAIT_MS, 'the question to be sent');
    const sent = fake.sent.map((m) => m.text).join('\n');
    expect(sent).toContain('Which library?');
    expect(sent).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);

    // An older samocode stored agent text as written: status shows it without its escape sequences.
    const dir = sessionDirOf(project, 'ctl')!;
    const overview = join(dir, '_overview.md');
    writeFileSync(
      overview,
      readFileSync(overview, 'utf8').replace(/^lastSummary: .*$/m, 'lastSummary: "old \\e[31mred\\e[0m summary"'),
    );
    const status = await project.run(['status', '--config', project.configFile, '--session', 'ctl']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toContain('red');
    expect(status.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});
