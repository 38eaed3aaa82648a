// The Telegram link against a fake Bot API on 127.0.0.1 and a real session folder: notifications out in order,
// commands and answers in (edited into the files exactly as a person would), and Telegram failing or hanging
// without ever holding up the caller or flooding the log. Never touches the network.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import { tokenCleaner } from '../../src/telegram/failures.js';
import { connectTelegram, type TelegramDeps, type TelegramLink } from '../../src/telegram/link.js';
import { startFakeTelegram, type FakeTelegram, type SentMessage } from '../helpers/fake-telegram.js';
import { fakeState } from '../helpers/fake-state.js';
import { tempDir, waitFor } from '../helpers/rig.js';

const TOKEN = '123456789:AAHfakeSecretTokenValue_abcdefghijk';
const SECRET = 'AAHfakeSecretTokenValue_abcdefghijk';
const CHAT = '4242';
const STATUS = 'add-auth: phase <testing>, iteration 7 & counting';

const QA = [
  '# Questions',
  '',
  '### Q1: Which database?',
  '- A) Postgres',
  '- B) SQLite',
  '**Suggestion:** A',
  '**Answer:** _waiting_',
  '',
  '### Q2: Session storage?',
  '- A) cookies',
  '- B) localStorage',
  '- C) server-side',
  '**Answer:** _waiting_',
  '',
  '### Q3: Anything else to know?',
  '**Answer:** _waiting_',
  '',
].join('\n');

const PLAN = '# Plan\n\n1. Add the users table\n2. Add login\n\n**Approval:** _waiting_\n';

interface Rig {
  server: FakeTelegram;
  dir: string;
  link: TelegramLink;
  stops: () => number;
  logs: () => string;
  /** Send a message from the person and wait for the bot's reply to it. */
  ask: (text: string) => Promise<SentMessage>;
}

async function rig(over: Partial<TelegramDeps> = {}, server?: FakeTelegram): Promise<Rig> {
  const fake = server ?? (await startFakeTelegram({ token: TOKEN }));
  const dir = tempDir('samocode-telegram-');
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  let stops = 0;
  const link = connectTelegram({
    token: TOKEN,
    chatId: CHAT,
    apiRoot: fake.url,
    sessionDir: dir,
    sessionName: 'add-auth',
    log,
    // The app's scrubber would hide the token too; the identity here proves the link removes it itself.
    scrub: (text) => text,
    onStop: () => void (stops += 1),
    statusText: () => STATUS,
    requestTimeoutMs: 500,
    pollTimeoutSec: 2,
    rerunCommand: 'orchestrate --config ./.samocode --session add-auth',
    ...over,
  });
  onTestFinished(async () => {
    await link.close();
    await fake.close();
    const all = lines.join('');
    expect(all).not.toContain(SECRET);
  });
  const ask = async (text: string) => {
    const id = fake.pushMessage({ chatId: CHAT, text });
    return waitFor(() => fake.sent.find((m) => m.reply_to_message_id === id), 10_000, `the reply to "${text}"`);
  };
  return { server: fake, dir, link, stops: () => stops, logs: () => lines.join(''), ask };
}

const failureLines = (logs: string, operation: string) =>
  logs.split('\n').filter((l) => l.includes(`telegram: ${operation} failed`));

describe('notifications', () => {
  test('arrive in order, in HTML, in the configured chat', async () => {
    const { server, dir, link } = await rig();
    writeFileSync(join(dir, '_qa.md'), QA);
    link.notifyStarted(fakeState({ phase: 'investigation' }));
    link.notifier.notify({ type: 'iteration-start', state: fakeState(), iteration: 1, attempt: 1 });
    link.notifier.notify({
      type: 'waiting',
      state: fakeState({ phase: 'requirements', status: 'waiting', waitingFor: 'qa_answers' }),
    });
    link.notifier.notify({
      type: 'blocked',
      state: fakeState({ phase: 'testing', status: 'blocked', blockedReason: 'needs <db> & *more*' }),
    });
    link.notifier.notify({ type: 'done', state: fakeState({ phase: 'done', status: 'done', iterations: 9 }) });
    await link.flush(10_000);
    expect(server.sent.map((m) => m.text.split('\n')[0])).toEqual([
      '🚀 <b>add-auth</b> · investigation · started',
      '❓ <b>add-auth</b> · requirements · 3 questions for you',
      '⛔ <b>add-auth</b> · testing · blocked',
      '✅ <b>add-auth</b> · done · finished',
    ]);
    for (const message of server.sent) {
      expect(message.parse_mode).toBe('HTML');
      expect(message.chat_id).toBe(CHAT);
      expect(message.reply_to_message_id).toBeUndefined();
    }
    expect(server.sent[1]!.text).toContain('<b>Q2: Session storage?</b>');
    expect(server.sent[2]!.text).toContain('needs &lt;db&gt; &amp; *more*');
  });
});

describe('answers and commands', () => {
  test('a reply "1A 2C" edits the Answer lines exactly and says what is still open', async () => {
    const { dir, ask } = await rig();
    writeFileSync(join(dir, '_qa.md'), QA);
    const reply = await ask('1A 2C');
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toBe(
      QA.replace('**Suggestion:** A\n**Answer:** _waiting_', '**Suggestion:** A\n**Answer:** A').replace(
        '- C) server-side\n**Answer:** _waiting_',
        '- C) server-side\n**Answer:** C',
      ),
    );
    expect(reply.text).toContain('Q1: A');
    expect(reply.text).toContain('Q2: C');
    expect(reply.text).toContain('<b>Still open:</b> Q3 (Anything else to know?)');
    expect(reply.parse_mode).toBe('HTML');
  });

  test('"Q3: free text" answers with text; once all are answered the reply says the session goes on', async () => {
    const { dir, ask } = await rig();
    writeFileSync(
      join(dir, '_qa.md'),
      QA.replace(/\*\*Answer:\*\* _waiting_/g, '**Answer:** A').replace(/(Q3[^]*\*\*Answer:\*\*) A/, '$1 _waiting_'),
    );
    const before = readFileSync(join(dir, '_qa.md'), 'utf8');
    const reply = await ask('Q3: use <JWT> & keep_it simple');
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toBe(
      before.replace(/(Q3[^]*\*\*Answer:\*\*) _waiting_/, '$1 use <JWT> & keep_it simple'),
    );
    expect(reply.text).toContain('Q3: use &lt;JWT&gt; &amp; keep_it simple');
    expect(reply.text).toContain('All questions are answered');
  });

  test('a reply that cannot be read changes nothing and says why', async () => {
    const { dir, ask } = await rig();
    writeFileSync(join(dir, '_qa.md'), QA);
    const reply = await ask('1Z 7B');
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toBe(QA);
    expect(reply.text).toContain('Nothing recorded');
    expect(reply.text).toContain('Q1 has no option Z');
    expect(reply.text).toContain('there is no question Q7');
  });

  test('/approve and /reject <feedback> rewrite the approval line; /reject alone explains itself', async () => {
    const { dir, ask } = await rig();
    const plan = join(dir, '_plan.md');
    writeFileSync(plan, PLAN);
    expect((await ask('/approve')).text).toContain('Plan approved');
    expect(readFileSync(plan, 'utf8')).toBe(PLAN.replace('_waiting_', 'approved'));

    writeFileSync(plan, PLAN);
    expect((await ask('/reject')).text).toContain('Usage: <code>/reject &lt;what to change&gt;</code>');
    expect(readFileSync(plan, 'utf8')).toBe(PLAN);

    const rejected = await ask('/reject more tests');
    expect(readFileSync(plan, 'utf8')).toBe(PLAN.replace('_waiting_', 'rejected: more tests'));
    expect(rejected.text).toContain('more tests');
  });

  test('/resume writes the resume request; /status replies with the status text; /stop stops the run', async () => {
    const { dir, ask, stops } = await rig();
    const resumed = await ask('/resume');
    expect(resumed.text).toContain('resume requested');
    expect(JSON.parse(readFileSync(join(dir, '_resume.json'), 'utf8'))).toMatchObject({ how: 'telegram /resume' });

    expect((await ask('/status')).text).toBe('add-auth: phase &lt;testing&gt;, iteration 7 &amp; counting');

    expect(stops()).toBe(0);
    const stopped = await ask('/stop@fake_bot');
    expect(stops()).toBe(1);
    expect(stopped.text).toContain('resumable');
    expect(stopped.text).toContain('orchestrate --config ./.samocode --session add-auth');
  });

  test('after close() the handled commands are confirmed: the next run is not handed the same /stop', async () => {
    const first = await rig();
    await first.ask('/stop');
    expect(first.stops()).toBe(1);
    await first.link.close();
    const second = await rig({}, first.server);
    await second.ask('/status');
    expect(second.stops()).toBe(0);
    expect(first.server.sent.filter((m) => m.text.includes('stopping this run'))).toHaveLength(1);
  });

  test('messages from another chat are ignored and logged once; the configured chat still works', async () => {
    const { server, dir, ask, logs } = await rig();
    writeFileSync(join(dir, '_qa.md'), QA);
    const foreign = [
      server.pushMessage({ chatId: 999, text: '1B 2B' }),
      server.pushMessage({ chatId: 999, text: '/stop' }),
    ];
    await ask('/status'); // handled after the foreign ones: they have been seen by now
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toBe(QA);
    expect(server.sent.filter((m) => m.chat_id !== CHAT || foreign.includes(m.reply_to_message_id ?? -1))).toEqual([]);
    expect(
      logs()
        .split('\n')
        .filter((l) => l.includes('ignored a message from chat 999')),
    ).toHaveLength(1);
  });

  test('messages sent before the run started are not acted on', async () => {
    const { server, dir } = await rig();
    writeFileSync(join(dir, '_qa.md'), QA);
    const id = server.pushMessage({ chatId: CHAT, text: '1A 2A 3A', date: Math.floor(Date.now() / 1000) - 3600 });
    const reply = await waitFor(() => server.sent.find((m) => m.reply_to_message_id === id), 10_000, 'the reply');
    expect(reply.text).toContain('sent before this run started');
    expect(readFileSync(join(dir, '_qa.md'), 'utf8')).toBe(QA);
    expect(existsSync(join(dir, '_resume.json'))).toBe(false);
  });
});

describe('when Telegram fails', () => {
  test('HTTP 500: notify returns at once, a burst is logged once, and everything arrives in order afterwards', async () => {
    const { server, link, logs } = await rig();
    server.failNext(Number.POSITIVE_INFINITY, 500, 'sendMessage');
    const started = performance.now();
    for (let i = 1; i <= 20; i++) {
      link.notifier.notify({ type: 'resumed', state: fakeState({ phase: 'testing' }), how: `burst ${i}` });
    }
    expect(performance.now() - started).toBeLessThan(100);
    await waitFor(
      () => server.calls.filter((c) => c.method === 'sendMessage').length >= 3,
      20_000,
      'retries of the first message',
    );
    expect(failureLines(logs(), 'sendMessage').length).toBeGreaterThanOrEqual(1);
    expect(failureLines(logs(), 'sendMessage').length).toBeLessThanOrEqual(2);
    expect(server.sent).toHaveLength(0);

    server.failNext(0);
    await waitFor(() => server.sent.length === 20, 40_000, 'all 20 messages after recovery');
    expect(server.sent.map((m) => /burst (\d+)/.exec(m.text)![1])).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
    expect(logs()).toContain('telegram: sendMessage works again');
    expect(failureLines(logs(), 'sendMessage').length).toBeLessThanOrEqual(2);
  });

  test('a hanging server: notify and flush stay bounded, timeouts are logged once, close() ends it', async () => {
    const { server, link, logs } = await rig();
    server.setDown(true);
    const started = performance.now();
    for (let i = 1; i <= 20; i++) link.notifier.notify({ type: 'resumed', state: fakeState(), how: `hang ${i}` });
    expect(performance.now() - started).toBeLessThan(100);
    await waitFor(
      () => server.calls.filter((c) => c.method === 'sendMessage').length >= 2,
      20_000,
      'a retry after the first timeout',
    );
    const flushStart = performance.now();
    await link.flush(300);
    expect(performance.now() - flushStart).toBeLessThan(5_000);
    expect(failureLines(logs(), 'sendMessage')).toHaveLength(1);
    expect(failureLines(logs(), 'sendMessage')[0]).toContain('no answer within 500 ms');
    await link.close();
    expect(server.sent).toHaveLength(0);
  });

  test('more than 50 pending: the oldest are dropped, with one log line', async () => {
    const { server, link, logs } = await rig();
    server.failNext(Number.POSITIVE_INFINITY, 502, 'sendMessage');
    for (let i = 1; i <= 60; i++) link.notifier.notify({ type: 'resumed', state: fakeState(), how: `n${i}` });
    server.failNext(0);
    await waitFor(() => server.sent.some((m) => m.text.includes('(n60)')), 30_000, 'the newest message');
    await link.flush(10_000);
    const numbers = server.sent.map((m) => Number(/\(n(\d+)\)/.exec(m.text)![1]));
    expect(numbers.length).toBeLessThanOrEqual(51);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(numbers.at(-1)).toBe(60);
    expect(
      logs()
        .split('\n')
        .filter((l) => l.includes('dropping the oldest')),
    ).toHaveLength(1);
  });

  test('a wrong token or an unreachable server is logged without the token', async () => {
    const wrong = await startFakeTelegram({ token: '999:someOtherTokenEntirely' });
    const { link, logs } = await rig({}, wrong);
    link.notifier.notify({ type: 'done', state: fakeState({ phase: 'done', status: 'done' }) });
    await waitFor(
      () => failureLines(logs(), 'sendMessage').length > 0 && failureLines(logs(), 'getUpdates').length > 0,
      20_000,
      'the 401s',
    );
    expect(logs()).toContain('401 Unauthorized: check TELEGRAM_BOT_TOKEN');

    const closed = await startFakeTelegram();
    const url = closed.url;
    await closed.close();
    const unreachable = await rig({ apiRoot: `${url}/` }, await startFakeTelegram());
    unreachable.link.notifier.notify({ type: 'done', state: fakeState({ phase: 'done', status: 'done' }) });
    await waitFor(() => failureLines(unreachable.logs(), 'sendMessage').length > 0, 20_000, 'the connection failure');
    expect(unreachable.logs()).toMatch(/ECONNREFUSED/);
    for (const text of [logs(), unreachable.logs()]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(encodeURIComponent(TOKEN));
    }
  });
});

describe('tokenCleaner', () => {
  test('removes the token in every spelling, then applies the app scrubber', () => {
    const clean = tokenCleaner(TOKEN, (text) => text.replace('hunter2', '[app]'));
    const url = `http://x/bot${TOKEN}/getMe http://x/bot${encodeURIComponent(TOKEN)}/getMe ${SECRET} hunter2`;
    expect(clean(url)).toBe('http://x/bot[redacted]/getMe http://x/bot[redacted]/getMe [redacted] [app]');
  });
});
