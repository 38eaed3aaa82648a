import { describe, expect, test } from 'vitest';
import type { DiffFile, FileChange } from '../../src/core/review/diff.js';
import { scanDiffSecrets } from '../../src/core/review/secrets.js';
import { makeScrubber } from '../../src/core/secrets.js';

function file(path: string, added: string[] = [], change: FileChange = 'added', removed: string[] = []): DiffFile {
  return {
    path,
    change,
    binary: false,
    modeOnly: false,
    added: added.map((text, i) => ({ line: i + 1, text, hunk: 0 })),
    removed: removed.map((text, i) => ({ line: i + 1, text, hunk: 0 })),
  };
}

// Built at run time: no key-shaped literal in the repository.
const GITHUB = ['ghp', '_', 'R8xZq2Lm4Np6Tv8Wb0Yc2Ed4Fg6Hj8Kl0Mn2'].join('');
const AWS = ['AKIA', 'Q3EXAMPLE7ZK4WBA'].join('');
const DB_URL = ['postgres://admin:', 'S3cr3tPassw0rdXyz', '@db.internal:5432/app'].join('');

const scan = async (files: DiffFile[], scrub = makeScrubber([])) => (await scanDiffSecrets(files, { scrub })).findings;

describe('secrets in the diff', () => {
  test.each([
    ['.env', true],
    ['config/.env.production', true],
    ['.env.local', true],
    ['.env.example', false],
    ['.env.sample', false],
    ['home/.ssh/id_rsa', true],
    ['id_ed25519', true],
    ['id_ed25519.pub', false],
    ['certs/server.pem', true],
    ['tls/server.key', true],
    ['credentials.json', true],
    ['src/credentials.ts', false],
    ['keyboard.ts', false],
  ])('file name %s → %s', async (path, blocked) => {
    expect((await scan([file(path, ['X=1'])])).some((f) => f.rule.startsWith('secret_file'))).toBe(blocked);
  });

  test('.npmrc blocks with a token, not with an environment reference', async () => {
    const token = ['//registry.npmjs.org/:_authToken=', 'abc123def456'].join('');
    expect((await scan([file('.npmrc', [token])])).map((f) => [f.rule, f.line])).toContainEqual([
      'secret_file: .npmrc with a token',
      1,
    ]);
    expect(await scan([file('.npmrc', ['//registry.npmjs.org/:_authToken=${NPM_TOKEN}'])])).toEqual([]);
  });

  test('token shapes and secretlint rules name file, line and rule; the excerpt is always empty', async () => {
    const found = await scan([
      file('src/config.ts', [
        'const a = 1;',
        `const token = "${GITHUB}";`,
        `const key = "${AWS}";`,
        `db = "${DB_URL}"`,
      ]),
    ]);
    expect(found.every((f) => f.excerpt === '')).toBe(true);
    const rules = found.map((f) => `${f.line} ${f.rule}`);
    expect(rules).toContain('2 secret: GitHub token');
    expect(rules).toContain('3 secret: AWS access key id');
    expect(rules).toContain('4 secretlint: database-connection-string');
    expect(JSON.stringify(found)).not.toContain(GITHUB);
  });

  test('a value this machine knows to be secret is found even without a known shape', async () => {
    const known = 'plain-but-secret-value-42';
    const found = await scan([file('notes.txt', [`the password is ${known}`])], makeScrubber([known]));
    expect(found.map((f) => [f.file, f.line, f.rule])).toEqual([
      ['notes.txt', 1, 'secret: a value of this machine known to be secret'],
    ]);
  });

  test('removed lines and deleted files are not scanned (the secret is going away); ordinary code is clean', async () => {
    expect(await scan([file('src/a.ts', [], 'modified', [`const t = "${GITHUB}";`])])).toEqual([]);
    expect(await scan([file('.env', [], 'deleted')])).toEqual([]);
    const ordinary = ['const token = process.env.GITHUB_TOKEN;', 'export const createSessionAgentDeps = 1;'];
    expect(await scan([file('src/a.ts', ordinary)])).toEqual([]);
  });
});
