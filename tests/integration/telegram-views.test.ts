// Telegram keeps up, through the real CLI against the fake Bot API on 127.0.0.1: while an iteration runs, /sessions
// lists every session with its status, /log shows the running iteration's last actions, /stats the last 24 h across
// SESSIONS, /status the local queue, and the progress message comes every N minutes (here a second or so), silently.
// A Redis queue that cannot be reached is named in /status without its password, and with no setting there is no
// progress message. Secrets and markup the agent wrote reach the chat scrubbed and escaped.
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { htmlToPlain } from '../../src/telegram/html.js';
import { startFakeTelegram, type FakeTelegram, type SentMessage } from '../helpers/fake-telegram.js';
import { reapLeftovers, sessionDirOf } from '../helpers/processes.js';
import { ROOT, createProject, sessionArgs, sig, waitFor, type Project } from '../helpers/rig.js';

const TOKEN = '123456:TESTTOKENabcdefghijklmnopqrstuv';
const CHAT = '4242';
const WAIT_MS = 30_000;
const KEY = 'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o';

const fixture = (path: string) =>
  readFileSync(join(ROOT, 'tests', 'fixtures', path), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

/** A Claude stream with one Bash call whose command holds markup and a key, as an agent might print. */
const liveStream = [
  JSON.stringify({ type: 'system', subtype: 'init', session_id: 's', tools: ['Bash'], model: 'claude-sonnet-4-5' }),
  JSON.stringify({
    type: 'assistant',
    message: {
      id: 'm1',
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 't1', name: 'Bash', input: { command: `echo "<b>build</b>" && deploy --key ${KEY}` } },
      ],
    },
    session_id: 's',
  }),
];

let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function telegramEnv(url: string, extra: Record<string, string> = {}) {
  return {
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_CHAT_ID: CHAT,
    TELEGRAM_API_ROOT: url,
    SAMOCODE_SCRIPT_FORMAT: 'claude',
    ...extra,
  };
}

/** Send a message from the person and wait for the bot's reply to it; `seen` is what Telegram shows of its HTML. */
async function ask(text: string): Promise<SentMessage & { seen: string }> {
  const id = fake!.pushMessage({ chatId: CHAT, text });
  const reply = await waitFor(
    () => fake!.sent.find((m) => m.reply_to_message_id === id),
    WAIT_MS,
    `the reply to ${text}`,
  );
  return { ...reply, seen: htmlToPlain(reply.text) };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

/** A session that ran one iteration (a Claude stream with its cost and tokens) and is blocked. */
async function blockedSession(project: Project, name: string): Promise<void> {
  const scenario = project.scenario(
    [{ stdout: fixture('tool-failures/claude-bash-failed.jsonl'), signal: sig.block('needs a key') }],
    `${name}.json`,
  );
  const result = await project.run(sessionArgs(project, name, scenario), { env: { SAMOCODE_SCRIPT_FORMAT: 'claude' } });
  expect(result.exitCode, result.stderr).toBe(4);
}

/** Start `live` with its first iteration printing `liveStream`, then running until /stop. */
function startLive(project: Project, env: Record<string, string>) {
  const scenario = project.scenario(
    [{ stdout: liveStream, delayMs: 120_000, signal: sig.go('requirements') }],
    'live.json',
  );
  return project.start(sessionArgs(project, 'live', scenario), { env, timeoutMs: 90_000 });
}

describe('Telegram keeps up', () => {
  test('/sessions, /log, /stats, /status with the queue, /help, and the progress message while an iteration runs', async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    const project = createProject();
    reapLeftovers(project);
    await blockedSession(project, 'older');
    // A folder whose history is a directory: /stats says it left it out, and counts the others.
    mkdirSync(join(project.sessions, '26-01-01-broken', '_signal_history.jsonl'), { recursive: true });
    const queued = await project.run(['enqueue', '--config', project.configFile, '--session', 'later', '--task', 'x']);
    expect(queued.exitCode, queued.stderr).toBe(0);

    const run = startLive(project, telegramEnv(fake.url, { SAMOCODE_TELEGRAM_PROGRESS_MINUTES: '0.02' }));
    const sentText = () => fake!.sent.map((m) => m.text).join('\n---\n');
    await waitFor(() => sentText().includes('started'), WAIT_MS, 'the start message');

    // The progress message names the iteration and its last action, and is sent silently.
    const progress = await waitFor(
      () => fake!.sent.find((m) => m.text.startsWith('⏳') && m.text.includes('Bash')),
      WAIT_MS,
      'a progress message with the last action',
    );
    expect(htmlToPlain(progress.text).split('\n')).toEqual([
      expect.stringMatching(/^⏳ live · investigation · iteration 1, running for [\d.]+ s$/),
      'last action: Bash echo "<b>build</b>" && deploy --key [redacted]',
      'cost so far: none reported yet · /log for more',
    ]);
    // The agent's markup arrives escaped: Telegram shows it as text.
    expect(progress.text).toContain('echo "&lt;b&gt;build&lt;/b&gt;" &amp;&amp; deploy');
    expect(progress.disable_notification).toBe(true);
    expect(fake.sent.filter((m) => !m.text.startsWith('⏳')).every((m) => !m.disable_notification)).toBe(true);

    const sessions = await ask('/sessions');
    expect(sessions.seen).toMatch(/^📚 2 sessions, newest first:$/m);
    expect(sessions.seen).toMatch(/^• live · investigation · running \(pid \d+\) · 0 it\./m);
    expect(sessions.seen).toMatch(/^• older · investigation · blocked.*needs a key.* · 1 it\./m);

    const log = await ask('/log');
    expect(log.seen).toContain('live · iteration 1 (investigation), running, the last 1 action:');
    expect(log.seen).toMatch(/#1 investigation {2}Bash echo "<b>build<\/b>" && deploy --key \[redacted\]/);
    expect(log.parse_mode).toBe('HTML');

    const stats = await ask('/stats');
    expect(stats.seen.split('\n')).toEqual([
      '📊 the last 24 h: 1 of 2 sessions ran',
      'iterations: 1',
      'cost: $0.01',
      'tokens: 3000 in / 150 out',
      '(1 session left out: the history could not be read)',
    ]);

    const status = await ask('/status');
    expect(status.seen).toContain('session live (');
    expect(status.seen).toMatch(/\n\nQueue \(the queue\): 1 queued\n• queued: later$/);

    const help = await ask('/help');
    for (const command of ['/status', '/sessions', '/log', '/stats', '/resume', '/stop', '/approve'])
      expect(help.text).toContain(command);

    await ask('/stop');
    const result = await run.result;
    expect(result.exitCode, result.stderr).toBe(130);

    const all = sentText();
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(TOKEN.split(':')[1]);
    for (const file of allFiles(sessionDirOf(project, 'live')!))
      expect(readFileSync(file, 'utf8'), file).not.toContain(TOKEN.split(':')[1]);
  });

  test('a Redis queue that cannot be reached is named in /status without its password; no progress message by default', async () => {
    fake = await startFakeTelegram({ token: TOKEN });
    const project = createProject();
    reapLeftovers(project);
    const password = 'hunter2hunter2hunter2';
    const run = startLive(project, telegramEnv(fake.url, { SAMOCODE_QUEUE: `redis://:${password}@127.0.0.1:1` }));
    await waitFor(() => fake!.sent.some((m) => m.text.includes('started')), WAIT_MS, 'the start message');
    const dir = await waitFor(() => sessionDirOf(project, 'live'), WAIT_MS, 'the session folder');
    await waitFor(
      () => readdirSync(join(dir, '_logs')).some((f) => f.endsWith('.jsonl')),
      WAIT_MS,
      'the iteration to run',
    );

    const status = await ask('/status');
    expect(status.seen).toContain('Queue: the Redis queue could not be read: cannot reach the Redis queue at');
    expect(status.seen).not.toContain(password);
    // The iteration has run for seconds by now: without the setting, no progress message came.
    await ask('/log');
    expect(fake.sent.some((m) => m.text.startsWith('⏳'))).toBe(false);

    await ask('/stop');
    expect((await run.result).exitCode).toBe(130);
  });
});
