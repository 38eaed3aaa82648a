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

describe('checks: VERIFY and VERIFY_<NAME>', () => {
  const resolved = (entries: Record<string, string | RawValue>) =>
    resolveSettings(layers({ ...required, ...entries }), FILE, '/h');
  test('VERIFY first, then the named ones by name; names in lower case with - for _; own and common time limits', () => {
    const result = resolved({
      VERIFY_TYPE_CHECK: 'npm run typecheck',
      VERIFY: 'npm test',
      VERIFY_LINT: 'npm run lint',
      VERIFY_TIMEOUT: '60',
      VERIFY_TIMEOUT_LINT: '5',
      VERIFY_OFF: '  ',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.verify).toEqual({
      checks: [
        { name: 'verify', command: 'npm test', timeoutMs: 60_000 },
        { name: 'lint', command: 'npm run lint', timeoutMs: 5000 },
        { name: 'type-check', command: 'npm run typecheck', timeoutMs: 60_000 },
      ],
      blockAfter: 3,
      allowEmptyDone: false,
    });
    expect(result.config.gitIdentity).toEqual({ name: 'samocode', email: 'samocode@localhost' });
  });

  test('defaults: no checks, 10 minutes, 3 in a row; bad values are named with the fix', () => {
    const plain = resolved({});
    expect(plain.ok && plain.config.verify).toEqual({ checks: [], blockAfter: 3, allowEmptyDone: false });
    const bad = resolved({
      VERIFY_BLOCK_AFTER: '0',
      ALLOW_EMPTY_DONE: 'maybe',
      VERIFY_TIMEOUT_NOPE: '5',
      SAMOCODE_GIT_EMAIL: 'not an address',
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map((p) => `${p.key}: ${p.message}`)).toEqual([
      'VERIFY_BLOCK_AFTER: is not a whole number ≥ 1',
      'ALLOW_EMPTY_DONE: is not true or false',
      'SAMOCODE_GIT_EMAIL: is not an e-mail address (name@host, no spaces or <>)',
      'VERIFY_TIMEOUT_NOPE: is the time limit of check VERIFY_NOPE, which is not set',
    ]);
    const yes = resolved({ ALLOW_EMPTY_DONE: 'true' });
    expect(yes.ok && yes.config.verify.allowEmptyDone).toBe(true);
    const one = resolved({ VERIFY: 'x' });
    expect(one.ok && one.config.verify.checks).toEqual([{ name: 'verify', command: 'x', timeoutMs: 600_000 }]);
  });
});

describe('delivery: DELIVER, DELIVER_REMOTE, DELIVER_TIMEOUT', () => {
  test('defaults: patch to origin, 5 minutes a call; any case of the mode; a URL is a remote too', () => {
    const defaults = resolveSettings(layers(required), FILE, '/h');
    expect(defaults.ok && defaults.config.delivery).toEqual({ mode: 'patch', remote: 'origin', timeoutMs: 300_000 });
    const set = resolveSettings(
      layers({ ...required, DELIVER: 'PR', DELIVER_REMOTE: 'https://git.example/r.git', DELIVER_TIMEOUT: '30' }),
      FILE,
      '/h',
    );
    expect(set.ok && set.config.delivery).toEqual({
      mode: 'pr',
      remote: 'https://git.example/r.git',
      timeoutMs: 30_000,
    });
  });

  test('a mode that is none of them, a remote git would read as an option or two words, no time: named', () => {
    for (const [key, value, message] of [
      ['DELIVER', 'merge', 'is not one of patch, push, pr'],
      ['DELIVER_REMOTE', '--force', 'starts with "-"'],
      ['DELIVER_REMOTE', 'origin main', 'has a space in it'],
      ['DELIVER_TIMEOUT', '0', 'seconds ≥ 1'],
    ] as const) {
      const result = resolveSettings(layers({ ...required, [key]: value }), FILE, '/h');
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems).toEqual([
        expect.objectContaining({ key, value, message: expect.stringContaining(message), fix: expect.any(String) }),
      ]);
    }
  });
});

describe('SAMOCODE_TELEGRAM_PROGRESS_MINUTES', () => {
  const telegram = { TELEGRAM_BOT_TOKEN: '123456:ABCdefghijklmnopqrstuvwxyz012345', TELEGRAM_CHAT_ID: '42' };
  const progressOf = (value: string | undefined) => {
    const result = resolveSettings(
      layers({
        ...required,
        ...telegram,
        ...(value === undefined ? {} : { SAMOCODE_TELEGRAM_PROGRESS_MINUTES: value }),
      }),
      FILE,
      '/h',
    );
    return result.ok ? { ms: result.config.telegram?.progressMs } : { problem: result.problems[0] };
  };

  test.each([
    [undefined, undefined],
    ['off', undefined],
    ['0', undefined],
    ['10', 600_000],
    ['0.5', 30_000],
    ['0.02', 1_200],
  ])('%s → %s ms', (value, ms) => {
    expect(progressOf(value)).toEqual({ ms });
  });

  test.each(['0.01', '-3', 'soon', '5m'])('%s is refused with the fix', (value) => {
    expect(progressOf(value)).toEqual({
      problem: expect.objectContaining({
        key: 'SAMOCODE_TELEGRAM_PROGRESS_MINUTES',
        value,
        message: expect.stringContaining('minutes'),
        fix: expect.stringContaining('SAMOCODE_TELEGRAM_PROGRESS_MINUTES=10'),
      }),
    });
  });
});
