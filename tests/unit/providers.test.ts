import { describe, expect, test } from 'vitest';
import { agentEnvironment, invocation, type SpawnContext } from '../../src/agent/providers.js';
import { resolveSettings, SETTINGS } from '../../src/config/settings.js';
import type { Config } from '../../src/core/config.js';
import { PROVIDER_FACTS, PROVIDERS } from '../../src/core/provider-facts.js';
import { STREAM_PARSERS } from '../../src/agent/streams/index.js';

function config(extra: Record<string, string> = {}): Config {
  const layers = new Map(
    Object.entries({ MAIN_REPO: '/r', WORKTREES: '/w', SESSIONS: '/s', ...extra }).map(([k, v]) => [
      k,
      { value: v, source: 'f', baseDir: '/' },
    ]),
  );
  const resolved = resolveSettings(layers, '/f', '/h');
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.problems));
  return resolved.config;
}

const ctx: SpawnContext = {
  promptFile: '/s/p.md',
  sessionDir: '/s/x',
  workingDir: '/w/x',
  signalFile: '/s/x/_signal.json',
  phase: 'planning',
  iteration: 3,
  attempt: 1,
  runId: 'run',
};

describe('claude command line', () => {
  test('unattended by default, session folder added, model, max turns and extra args', () => {
    const call = invocation(
      config({
        CLAUDE_MODEL: 'claude-sonnet-4-5',
        CLAUDE_MAX_TURNS: '40',
        CLAUDE_ARGS: '--append-system-prompt "be brief"',
      }),
      'claude',
      ctx,
      {},
    );
    expect(call.command).toBe('claude');
    // The prompt is not in argv: `-p` alone reads it from stdin (the prompt file, see io/run-process.ts).
    expect(call.args).not.toContain('/s/p.md');
    expect(call.args).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
      '--add-dir',
      '/s/x',
      '--model',
      'claude-sonnet-4-5',
      '--max-turns',
      '40',
      '--append-system-prompt',
      'be brief',
    ]);
  });
  test('another permission mode replaces the bypass flag', () => {
    expect(invocation(config({ CLAUDE_PERMISSION_MODE: 'acceptEdits' }), 'claude', ctx, {}).args.slice(4, 8)).toEqual([
      '--permission-mode',
      'acceptEdits',
      '--add-dir',
      '/s/x',
    ]);
  });
  test('environment: our context in, Telegram out, Claude told to retry briefly (unless the person said otherwise)', () => {
    const env = agentEnvironment({ PATH: '/bin', TELEGRAM_BOT_TOKEN: 'secret', ANTHROPIC_API_KEY: 'k' }, ctx, 'claude');
    expect(env).toMatchObject({
      PATH: '/bin',
      ANTHROPIC_API_KEY: 'k',
      SAMOCODE_SESSION_PATH: '/s/x',
      SAMOCODE_PHASE: 'planning',
      SAMOCODE_ITERATION: '3',
      SAMOCODE_WORKING_DIR: '/w/x',
      CLAUDE_CODE_MAX_RETRIES: '2',
    });
    expect(env).not.toHaveProperty('TELEGRAM_BOT_TOKEN');
    expect(agentEnvironment({ CLAUDE_CODE_MAX_RETRIES: '5' }, ctx, 'claude').CLAUDE_CODE_MAX_RETRIES).toBe('5');
    if (process.getuid?.() === 0) expect(env.IS_SANDBOX).toBe('1');
  });
});

describe('codex command line', () => {
  test('exec --json in the working dir, sandbox with the session folder, extra -c overrides before `-` (the prompt on stdin)', () => {
    const call = invocation(
      config({ CODEX_MODEL: 'gpt-5.5', CODEX_ARGS: '-c model_reasoning_effort=high' }),
      'codex',
      ctx,
      {},
    );
    expect(call.args).toEqual([
      'exec',
      '--json',
      '--skip-git-repo-check',
      '-s',
      'workspace-write',
      '--add-dir',
      '/s/x',
      '-C',
      '/w/x',
      '-m',
      'gpt-5.5',
      '-c',
      'model_reasoning_effort=high',
      '-',
    ]);
    expect(call.args).not.toContain('--full-auto');
  });
  test('danger-full-access bypasses the sandbox', () => {
    expect(invocation(config({ CODEX_SANDBOX: 'danger-full-access' }), 'codex', ctx, {}).args.slice(3, 5)).toEqual([
      '--dangerously-bypass-approvals-and-sandbox',
      '-C',
    ]);
  });
  test('an unclosed quote in the extra arguments is a configuration problem', () => {
    const layers = new Map(
      Object.entries({ MAIN_REPO: '/r', WORKTREES: '/w', SESSIONS: '/s', CODEX_ARGS: '-c "x' }).map(([k, v]) => [
        k,
        { value: v, source: 'f', baseDir: '/' },
      ]),
    );
    expect(resolveSettings(layers, '/f', '/h')).toMatchObject({
      ok: false,
      problems: [{ key: 'CODEX_ARGS', message: 'has an unclosed quote' }],
    });
  });
});

describe('the provider facts table', () => {
  test.each(PROVIDERS)('%s: its settings exist, and its stream has a parser', (provider) => {
    const facts = PROVIDER_FACTS[provider];
    if (facts.cli) {
      expect(SETTINGS).toHaveProperty(facts.cli.binarySetting);
      expect(SETTINGS).toHaveProperty(facts.cli.argsSetting);
    }
    if (facts.stream) expect(STREAM_PARSERS[facts.stream]).toBeTypeOf('function');
  });
});
