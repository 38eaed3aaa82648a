// Secrets never leave through samocode. The agent (scripted) puts every kind of secret samocode can know into what it
// writes: API keys from the environment, the bot token, variables whose names only hint at a secret (GH_PAT,
// AWS_SECRET_ACCESS_KEY), the password inside DATABASE_URL, and token shapes that are in no variable at all. They go
// into a summary, its last words in the stream, a tool call, a broken signal (quoted back in the corrective prompt),
// a _qa.md question, the waiting `needs`, and a blocked `reason`/`needs`. None of them may reach Telegram, the CLI's
// output, session.log, the history, _overview.md, a prompt, status/history/list (text and JSON), or any other file
// samocode writes; only the agent's own files and its raw stream in _logs/ keep what the agent wrote.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import {
  answerEverything,
  createProject,
  readHistory,
  readOverview,
  sessionArgs,
  type CliResult,
  type Project,
  type Step,
} from '../helpers/rig.js';

const BOT_TOKEN = '7300418123:AAFq3xZt9LmQpVw2RsYbNcKe8HjUo5IgDvT';
const ENV_SECRETS = {
  ANTHROPIC_API_KEY: `sk-ant-api03-Qm7Rt2Vx9Lp4Kd8Wz1Ny6Hs3Bf5Jc0Ga-${'Xe4Ui7Oq2'.repeat(8)}AA`,
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMIq7K7MDENGrbPxRfiCYzq9EXAMPLE',
  GH_PAT: 'patvalue-Zq8v31xLm0pRt6Ws',
  DATABASE_URL: 'postgres://app:Pw9dbSecretXk@db.internal:5432/app',
};
const DB_PASSWORD = 'Pw9dbSecretXk';
// Shapes that are in no variable: caught by their form alone. The tool call's command (a console line, scrubbed
// synchronously) carries only what the shape table knows.
const SHAPES = {
  anthropic: `sk-ant-api03-Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7-${'Hq2Jw4Lr6'.repeat(8)}AA`,
  github: 'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o',
  aws: 'AKIAQ3EGRT7WXZK5NPLM',
  slack: 'xoxb-2048123456-4096123456789-Tq8Wz3Lp6Rv9Xs2Nb5Mc7Kd',
  bot: '5120934876:AAGz8Xw2Vq4Tn6Lm0Pk9Rj3Hs5Fd7Bc1Nq',
  // Known to secretlint's rules only (core/secret-scan.ts), not to the shape table.
  shopify: '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',
};
const ALL = [
  BOT_TOKEN,
  ...Object.values(ENV_SECRETS).filter((v) => !v.startsWith('postgres')),
  DB_PASSWORD,
  ...Object.values(SHAPES),
];
const EVERY_SECRET = ALL.join(' ');
// What the synchronous scrubber alone knows: status/history/list reading an older run's files have only that.
const KNOWN = ALL.filter((secret) => secret !== SHAPES.shopify);
const EVERY_KNOWN = KNOWN.join(' ');
const CHAT = '4242';

let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Each secret, and a piece of its middle (a secret cut short must not leak either). */
function leaks(text: string, secrets = ALL): string[] {
  return secrets.flatMap((secret) => [secret, secret.slice(6, 20)]).filter((piece) => text.includes(piece));
}

function claudeLine(content: unknown[]): string {
  return JSON.stringify({
    type: 'assistant',
    message: { role: 'assistant', content, usage: { input_tokens: 10, output_tokens: 1 } },
  });
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

/** The files samocode wrote: not the agent's own, not its raw stream (which holds what it printed, secrets and all). */
function samocodeFiles(dir: string): string[] {
  const agentFiles = new Set(['_qa.md', '_plan.md', '_signal.json']);
  return allFiles(dir).filter((file) => {
    const name = relative(dir, file);
    return !agentFiles.has(name) && !/^_logs\/.*\.(jsonl|stderr\.log)$/.test(name);
  });
}

function steps(): Step[] {
  return [
    {
      stdout: [
        claudeLine([
          {
            type: 'tool_use',
            id: 't1',
            name: 'Bash',
            input: {
              command: `export GH_PAT=${ENV_SECRETS.GH_PAT} && curl -H "Authorization: Bearer ${SHAPES.github}"`,
            },
          },
        ]),
        claudeLine([{ type: 'text', text: `I found these in the repo: ${EVERY_SECRET}` }]),
        JSON.stringify({
          type: 'result',
          subtype: 'success',
          is_error: false,
          num_turns: 2,
          result: `Last words: ${EVERY_SECRET}`,
          total_cost_usd: 0.01,
          usage: { input_tokens: 10, output_tokens: 2 },
        }),
      ],
      // A broken signal first: its text is quoted in the corrective prompt and the history.
      attempts: [{ signal: `not json, but it mentions ${EVERY_SECRET}` }, {}],
      signal: {
        status: 'continue',
        phase: 'requirements',
        summary: `Mapped the code; credentials seen: ${EVERY_SECRET}`,
      },
    },
    {
      sessionFiles: {
        '_qa.md': `### Q1: Which key should the deploy use: ${SHAPES.anthropic} or ${ENV_SECRETS.ANTHROPIC_API_KEY}?\n- A) the first ${SHAPES.github}\n- B) the bot's ${BOT_TOKEN}\n**Suggestion:** A (${SHAPES.aws})\n**Answer:** _waiting_\n`,
      },
      signal: {
        status: 'waiting',
        for: 'qa_answers',
        needs: `answer Q1; the db is ${ENV_SECRETS.DATABASE_URL}, slack ${SHAPES.slack}`,
        summary: `asked about ${SHAPES.bot}`,
      },
    },
    {
      signal: {
        status: 'blocked',
        reason: `cannot log in with ${ENV_SECRETS.AWS_SECRET_ACCESS_KEY} or ${ENV_SECRETS.GH_PAT}: ${EVERY_SECRET}`,
        needs: `a new key instead of ${ENV_SECRETS.ANTHROPIC_API_KEY} (db password ${DB_PASSWORD})`,
      },
    },
  ];
}

async function inspectAll(project: Project, env: NodeJS.ProcessEnv): Promise<CliResult[]> {
  const runs: CliResult[] = [];
  for (const json of [[], ['--json']]) {
    runs.push(await project.run(['status', '--config', project.configFile, '--session', 'sec', ...json], { env }));
    runs.push(await project.run(['history', '--config', project.configFile, '--session', 'sec', ...json], { env }));
    runs.push(await project.run(['list', '--config', project.configFile, ...json], { env }));
  }
  return runs;
}

describe('secrets', () => {
  test('no secret the agent writes reaches Telegram, the console, the session files, prompts or status/history/list', async () => {
    fake = await startFakeTelegram({ token: BOT_TOKEN });
    const project = createProject();
    const env = {
      ...ENV_SECRETS,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_API_ROOT: fake.url,
      SAMOCODE_SCRIPT_FORMAT: 'claude',
    };
    const args = sessionArgs(project, 'sec', project.scenario(steps()));

    const waiting = await project.run(args, { env });
    expect(waiting.exitCode, waiting.stderr).toBe(5);
    const dir = project.sessionDir('sec');
    answerEverything(dir);
    const blocked = await project.run(args, { env });
    expect(blocked.exitCode, blocked.stderr).toBe(4);

    const sent = fake.sent.map((m) => m.text).join('\n---\n');
    // The messages were sent, with the agent's words in them, minus the secrets.
    expect(leaks(sent), sent).toEqual([]);
    expect(sent).toContain('Which key should the deploy use');
    expect(sent).toContain('cannot log in with');
    expect(sent).toContain('[redacted]');

    for (const run of [waiting, blocked]) expect(leaks(run.stdout + run.stderr), run.stderr).toEqual([]);
    expect(blocked.stderr).toContain('reason: cannot log in with [redacted]');

    const history = readHistory(dir);
    expect(history.some((e) => e.signal?.summary?.startsWith('Mapped the code; credentials seen: [redacted]'))).toBe(
      true,
    );
    expect(readOverview(dir).data).toMatchObject({
      status: 'blocked',
      blockedReason: expect.stringContaining('[redacted]'),
    });
    // The corrective re-run quoted the broken signal, scrubbed.
    const prompts = allFiles(join(dir, '_logs')).filter((f) => f.endsWith('.prompt.md'));
    expect(prompts.some((f) => readFileSync(f, 'utf8').includes('not json, but it mentions [redacted]'))).toBe(true);
    expect(
      prompts.some((f) => readFileSync(f, 'utf8').includes("Last iteration's summary: asked about [redacted]")),
    ).toBe(true);

    for (const file of samocodeFiles(dir)) expect(leaks(readFileSync(file, 'utf8')), file).toEqual([]);
    // The raw stream is the agent's, kept as it printed it (README: what `_logs/` holds).
    const raw = allFiles(join(dir, '_logs'))
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
    expect(raw).toContain(SHAPES.github);

    for (const run of await inspectAll(project, env)) {
      expect(run.exitCode, run.stderr).toBe(0);
      expect(leaks(run.stdout + run.stderr), run.stdout).toEqual([]);
    }
  });

  test('status, history and list scrub what an older run left unscrubbed in the session files', async () => {
    const project = createProject();
    const env = { ...ENV_SECRETS };
    const result = await project.run(
      sessionArgs(project, 'sec', project.scenario([{ signal: { status: 'blocked', reason: 'stuck' } }])),
      { env },
    );
    expect(result.exitCode, result.stderr).toBe(4);
    const dir = project.sessionDir('sec');
    // As samocode before the scrubber wrote them: the secrets verbatim in the front matter and the history.
    const overview = readFileSync(join(dir, '_overview.md'), 'utf8').replace(
      'blockedReason: stuck',
      `blockedReason: "stuck on ${EVERY_KNOWN}"`,
    );
    writeFileSync(
      join(dir, '_overview.md'),
      overview.replace(/lastSummary: .*/, `lastSummary: "${SHAPES.slack} ${ENV_SECRETS.GH_PAT}"`),
    );
    const history = readFileSync(join(dir, '_signal_history.jsonl'), 'utf8').replace(
      '"reason":"stuck"',
      `"reason":${JSON.stringify(`stuck on ${EVERY_KNOWN}`)}`,
    );
    writeFileSync(join(dir, '_signal_history.jsonl'), history);
    expect(leaks(readFileSync(join(dir, '_overview.md'), 'utf8'), KNOWN).length).toBeGreaterThan(0);

    const runs = await inspectAll(project, env);
    expect(runs.map((r) => r.stdout).join('')).toContain('stuck on [redacted]');
    for (const run of runs) {
      expect(run.exitCode, run.stderr).toBe(0);
      expect(leaks(run.stdout + run.stderr, KNOWN), run.stdout).toEqual([]);
    }
  });
});
