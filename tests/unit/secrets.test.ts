// The scrubber: which variables hold secrets, which shapes are secrets anywhere, every spelling of a known value,
// and what must stay as it is (samocode's own log lines, paths, times, numbers).
import { describe, expect, test } from 'vitest';
import {
  REDACTED,
  SECRET_SHAPES,
  isSecretName,
  makeScrubber,
  scrubStrings,
  secretValues,
} from '../../src/core/secrets.js';
import { redactRanges, scanSecrets } from '../../src/core/secret-scan.js';

describe('isSecretName', () => {
  test.each([
    ['ANTHROPIC_API_KEY', true],
    ['OPENAI_API_KEY', true],
    ['CODEX_API_KEY', true],
    ['TELEGRAM_BOT_TOKEN', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['AWS_ACCESS_KEY_ID', true],
    ['GH_PAT', true],
    ['DB_PASSWORD', true],
    ['MYSQL_PWD', true],
    ['SMTP_PASS', true],
    ['GOOGLE_CREDENTIALS', true],
    ['NPM_AUTH', true],
    ['SENTRY_DSN', true],
    ['SESSION_COOKIE', true],
    ['STRIPE_APIKEY', true],
    ['github_token', true],
    ['PWD', false],
    ['OLDPWD', false],
    ['SSH_AUTH_SOCK', false],
    ['GIT_AUTHOR_NAME', false],
    ['GOOGLE_APPLICATION_CREDENTIALS_FILE', false],
    ['SAMOCODE_TIMEOUT', false],
    ['HOME', false],
    ['PATH', false],
  ])('%s → %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });
});

describe('secretValues', () => {
  test('by name, by shape, and the password inside a URL of any variable', () => {
    const values = secretValues([
      ['GH_PAT', 'patvalue-Zq8v31xLm0pRt6Ws'],
      ['AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMIq7K7MDENGrbPxRfiCYzq9EXAMPLE'],
      ['DATABASE_URL', 'postgres://app:Pw9d%40Secret@db.internal:5432/app'],
      ['SOME_SETTING', 'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o'],
      ['HOME', '/root'],
      ['LANG', 'C.UTF-8'],
    ]);
    expect(values.sort()).toEqual(
      [
        'Pw9d%40Secret',
        'Pw9d@Secret',
        'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o',
        'patvalue-Zq8v31xLm0pRt6Ws',
        'wJalrXUtnFEMIq7K7MDENGrbPxRfiCYzq9EXAMPLE',
      ].sort(),
    );
  });

  test('trivial values under a secret name are not secrets: they would be cut out of every line', () => {
    expect(
      secretValues([
        ['FEATURE_AUTH', 'true'],
        ['USE_TOKEN', '1'],
        ['API_KEY', 'short'],
        ['SSH_KEY_PATH', '/root/.ssh/id_ed25519'],
        ['ANTHROPIC_API_KEY', ''],
        ['X_TOKEN', undefined],
        ['MAX_TOKENS', '20000'],
      ]),
    ).toEqual([]);
  });
});

describe('makeScrubber', () => {
  const token = '7300418123:AAFq3xZt9LmQpVw2RsYbNcKe8HjUo5IgDvT';
  const secret = 'p@ss"w<rd>&Zq8v31';
  const scrub = makeScrubber([token, secret]);

  test('a known value in every spelling a sink gives it', () => {
    for (const text of [
      token,
      encodeURIComponent(token),
      token.slice(token.indexOf(':') + 1),
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      'p@ss"w&lt;rd&gt;&amp;Zq8v31',
      'p@ss&quot;w&lt;rd&gt;&amp;Zq8v31',
    ]) {
      expect(scrub(`before ${text} after`)).toBe(`before ${REDACTED} after`);
    }
  });

  test.each([
    ['Anthropic key', 'key sk-ant-api03-Qm7Rt2Vx9Lp4Kd8Wz1Ny6Hs3Bf5Jc0Ga end', `key ${REDACTED} end`],
    ['OpenAI project key', 'sk-proj-Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5', REDACTED],
    ['GitHub PAT', 'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o', REDACTED],
    ['GitHub fine-grained PAT', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', REDACTED],
    ['AWS access key id', 'id AKIAQ3EGRT7WXZK5NPLM.', `id ${REDACTED}.`],
    ['AWS temporary key id', 'ASIAQ3EGRT7WXZK5NPLM', REDACTED],
    ['Slack bot token', 'xoxb-2048123456-4096123456789-Tq8Wz3Lp6Rv9Xs2Nb5Mc7Kd', REDACTED],
    ['Telegram bot token', 'bot 5120934876:AAGz8Xw2Vq4Tn6Lm0Pk9Rj3Hs5Fd7Bc1Nq', `bot ${REDACTED}`],
    ['npm token', 'npm_abcdefghijklmnopqrstuvwxyz0123456789', REDACTED],
    ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', REDACTED],
    [
      'URL credentials',
      'postgres://app:pw@db/app and redis://:hunter2@cache:6379',
      `postgres://app:${REDACTED}@db/app and redis://:${REDACTED}@cache:6379`,
    ],
    ['bearer header', 'Authorization: Bearer abcdefghijklmnop0123', `Authorization: Bearer ${REDACTED}`],
    [
      'assignment',
      'export AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMIq7K7MDENGrbPxRfiCYzq9EXAMPLE"',
      `export AWS_SECRET_ACCESS_KEY="${REDACTED}"`,
    ],
    ['assignment of a PAT', 'GH_PAT=patvalue-Zq8v31xLm0pRt6Ws gh auth login', `GH_PAT=${REDACTED} gh auth login`],
    [
      'private key block',
      'x -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V8z8Q0c\n-----END RSA PRIVATE KEY----- y',
      `x ${REDACTED} y`,
    ],
    [
      'private key in a JSON line',
      '{"msg":"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXk\\n-----END OPENSSH PRIVATE KEY-----"}',
      `{"msg":"${REDACTED}"}`,
    ],
  ])('shape: %s', (_name, text, expected) => {
    expect(makeScrubber([])(text)).toBe(expected);
  });

  // A shape's regular expression only runs on a text that holds one of its hints: each hint must be in every match.
  test('every match of every shape holds one of its hints', () => {
    const samples = [
      'sk-ant-api03-Qm7Rt2Vx9Lp4Kd8Wz1Ny6Hs3Bf5Jc0Ga sk-proj-Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5',
      'ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o gho_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'AKIAQ3EGRT7WXZK5NPLM ASIAQ3EGRT7WXZK5NPLM ABIAQ3EGRT7WXZK5NPLM ACCAQ3EGRT7WXZK5NPLM',
      'xoxb-2048123456-4096123456789-Tq8Wz3Lp6Rv9Xs2Nb5Mc7Kd xoxp-2048123456-409612',
      '5120934876:AAGz8Xw2Vq4Tn6Lm0Pk9Rj3Hs5Fd7Bc1Nq npm_abcdefghijklmnopqrstuvwxyz0123456789',
      'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY sk_live_4eC39HqLyjWDarjtT1zdp7dc rk_test_4eC39HqLyjWDarjtT1zdp7dc',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'postgres://app:pw@db/app redis://:hunter2@cache:6379',
      'Authorization: Bearer abcdefghijklmnop0123 Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
      'export AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMIq7K7MDENGrbPxRfiCYzq9EXAMPLE" GH_PAT=patvalue-Zq8v31xLm0pRt6Ws',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V8z8Q0c\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN OPENSSH PRIVATE KEY BLOCK-----\nb3BlbnNzaC1rZXk',
    ];
    const matched = new Set<string>();
    for (const shape of SECRET_SHAPES) {
      for (const text of samples) {
        for (const match of text.matchAll(new RegExp(shape.pattern.source, 'g'))) {
          matched.add(shape.name);
          expect(
            shape.hints.some((hint) => match[0].includes(hint)),
            `${shape.name}: ${match[0]}`,
          ).toBe(true);
        }
      }
    }
    expect([...matched].sort()).toEqual(SECRET_SHAPES.map((shape) => shape.name).sort());
  });

  test.each([
    '[01:02:03] INFO: #7 impl  stays in implementation (28.1 s, 12 turns, $0.0841, 48.2k in / 1.9k out tokens): phase 2 done',
    '{"level":30,"time":1764581208123,"pid":4242,"msg":"session 26-12-01-add-auth: implementation, running, iteration 3"}',
    '_logs/2026-12-01T09-26-48-123Z-001-investigation.jsonl at 2026-12-01T09:26:48.123Z',
    'SAMOCODE_MAX_TOKENS=20000000 and SAMOCODE_TIMEOUT=1800',
    '.samocode: CLAUDE_PATH="/nonexistent/claude": is not an executable file',
    'environment TELEGRAM_BOT_TOKEN: TELEGRAM_CHAT_ID is needed too',
    'PASSWORD_POLICY_FILE=/etc/policy and DB_PWD_LENGTH=12',
    '.samocode: TELEGRAM_BOT_TOKEN="(hidden)": does not look like a bot token; fix: set it like TELEGRAM_BOT_TOKEN=123456:ABC…',
    'run 3f2c1a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60 in /work/wt/secrets/src/core/secrets.ts',
    'the task-management-system-design-document is done',
    'session sk-learn-migration-to-version-two on branch samocode/sk-learn-migration-to-version-two',
    'git@github.com:org/repo.git and https://github.com/org/repo',
  ])('leaves alone: %s', (text) => {
    expect(makeScrubber(['Zq8v31xLm0pRt6Ws'])(text)).toBe(text);
  });

  test('scrubStrings reaches every string of plain data', () => {
    const scrubbed = scrubStrings(
      { a: 'x Zq8v31xLm0pRt6Ws', b: ['Zq8v31xLm0pRt6Ws', 3], c: { d: null, e: true } },
      makeScrubber(['Zq8v31xLm0pRt6Ws']),
    );
    expect(scrubbed).toEqual({ a: `x ${REDACTED}`, b: [REDACTED, 3], c: { d: null, e: true } });
  });
});

describe('secretlint over agent text', () => {
  test('finds what the shape table does not know, and leaves plain text alone without loading it', async () => {
    const sendgrid = `SG.${'a1B2c3D4e5F6g7H8i9J0kL'}.${'m1N2o3P4q5R6s7T8u9V0w1X2y3Z4a5B6c7D8e9F0g1H'}`;
    const shopify = 'shpat_0123456789abcdef0123456789abcdef';
    expect(makeScrubber([])(`keys ${sendgrid} ${shopify}`)).toContain(shopify);
    expect(await scanSecrets(`keys ${sendgrid} and ${shopify} end`)).toBe(`keys ${REDACTED} and ${REDACTED} end`);
    expect(await scanSecrets('tests pass; next: the CLI')).toBe('tests pass; next: the CLI');
  });

  test('redactRanges merges overlapping spans and keeps a span the first net already redacted', () => {
    expect(
      redactRanges('abcdefghij', [
        [1, 4],
        [3, 6],
        [8, 9],
      ]),
    ).toBe(`a${REDACTED}gh${REDACTED}j`);
    const url = `postgres://u:${REDACTED}@db/app`;
    expect(redactRanges(`x ${url}`, [[2, 2 + url.length]])).toBe(`x ${url}`);
  });
});
