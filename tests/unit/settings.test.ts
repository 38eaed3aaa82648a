import { describe, expect, test } from 'vitest';
import { resolveSettings, type RawValue } from '../../src/config/settings.js';

const FILE = '/proj/.samocode';
const fromFile = (value: string): RawValue => ({ value, source: FILE, baseDir: '/proj' });
const layers = (entries: Record<string, string | RawValue>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? fromFile(v) : v]));
const required = { MAIN_REPO: '.', WORKTREES: '~/wt', SESSIONS: 'sessions' };

describe('resolveSettings', () => {
  test('paths: ~ expands, relative resolves against the file folder; defaults apply', () => {
    const result = resolveSettings(layers(required), FILE, '/home/me');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      mainRepo: '/proj',
      worktrees: '/home/me/wt',
      sessions: '/proj/sessions',
      provider: 'claude',
      branchPrefix: 'samocode/',
      timeoutMs: 1_800_000,
      maxRetries: 2,
      retryDelayMs: 5000,
      telegram: undefined,
      secrets: [],
    });
    expect(result.config.phaseLimits.implementation).toBe(50);
  });

  test('every problem is reported at once, each with source, key, value and fix', () => {
    const result = resolveSettings(
      layers({
        SAMOCODE_TIMEOUT: 'abc',
        SAMOCODE_MAX_RETRIES: { value: '-1', source: 'environment SAMOCODE_MAX_RETRIES', baseDir: '/' },
        SAMOCODE_PROVIDER: 'gpt',
        SAMOCODE_PHASE_LIMITS: 'deploy=3',
      }),
      FILE,
      '/h',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byKey = Object.fromEntries(result.problems.map((p) => [p.key, p]));
    expect(Object.keys(byKey).sort()).toEqual([
      'MAIN_REPO',
      'SAMOCODE_MAX_RETRIES',
      'SAMOCODE_PHASE_LIMITS',
      'SAMOCODE_PROVIDER',
      'SAMOCODE_TIMEOUT',
      'SESSIONS',
      'WORKTREES',
    ]);
    expect(byKey.SAMOCODE_TIMEOUT).toMatchObject({
      source: FILE,
      value: 'abc',
      message: expect.stringContaining('seconds'),
      fix: expect.stringContaining('SAMOCODE_TIMEOUT=1800'),
    });
    expect(byKey.SAMOCODE_MAX_RETRIES).toMatchObject({ source: 'environment SAMOCODE_MAX_RETRIES', value: '-1' });
    expect(byKey.SAMOCODE_PROVIDER!.message).toContain('claude, codex, script');
    expect(byKey.SAMOCODE_PHASE_LIMITS!.message).toContain('"deploy"');
    expect(byKey.MAIN_REPO).toMatchObject({ message: 'is required', fix: expect.stringContaining(FILE) });
  });

  test('phase limits override the defaults one by one', () => {
    const result = resolveSettings(
      layers({ ...required, SAMOCODE_PHASE_LIMITS: 'implementation=80, testing=2' }),
      FILE,
      '/h',
    );
    expect(result.ok && result.config.phaseLimits).toMatchObject({ implementation: 80, testing: 2, planning: 10 });
  });

  test('telegram needs both settings, and the token is a secret never echoed', () => {
    const token = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc';
    const half = resolveSettings(layers({ ...required, TELEGRAM_BOT_TOKEN: token }), FILE, '/h');
    expect(!half.ok && half.problems.map((p) => p.key)).toEqual(['TELEGRAM_CHAT_ID']);
    const bad = resolveSettings(layers({ ...required, TELEGRAM_BOT_TOKEN: 'not-a-token-but-secret' }), FILE, '/h');
    expect(JSON.stringify(bad)).not.toContain('not-a-token-but-secret');
    const both = resolveSettings(
      layers({ ...required, TELEGRAM_BOT_TOKEN: token, TELEGRAM_CHAT_ID: '-1001234' }),
      FILE,
      '/h',
    );
    expect(both.ok && both.config.telegram).toEqual({ token, chatId: '-1001234' });
    expect(both.ok && both.config.secrets).toContain(token);
  });
});
