// The package as a new user gets it: `npm pack`, then `npm install -g` of the tarball into a temp prefix, then the
// installed `orchestrate` run from a folder outside the checkout (where `npx orchestrate` would find an unrelated
// package). The tarball must hold what the README links and the license, no source map, and no install script.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'samocode-package-'));
afterAll(() => {
  if (!process.env.KEEP_OUTPUT) rmSync(work, { recursive: true, force: true });
});

/** The environment of a shell outside npm: no npm_* variables from `npm run` leaking into the child npm. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(npm_|SAMOCODE_|CLAUDE_|CODEX_|TELEGRAM_|VITEST)/i.test(key)) env[key] = value;
  return { ...env, NO_COLOR: '1', ...extra };
}

interface PackEntry {
  filename: string;
  files: { path: string; size: number }[];
}

test('npm pack → npm install -g → orchestrate --help and orchestrate demo from outside the checkout', () => {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: ROOT,
      env: cleanEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as PackEntry[];
  const files = packed[0]!.files.map((f) => f.path);
  expect(files).toEqual(
    expect.arrayContaining([
      'LICENSE',
      'README.md',
      'package.json',
      'dist/cli.js',
      'dist/package.json',
      'dist/samocode.cjs',
      'dist/script-agent.js',
      'docs/scenarios.md',
      'workflow.md',
      'scenarios/demo.json',
    ]),
  );
  expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.v8cache'))).toEqual([]);
  // Every file the README links into the repository ships (or is a link to a folder that does).
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const [, link] of readme.matchAll(/\]\(((?:docs|scenarios|agents|skills|commands)\/[^)#\s]+)\)/g))
    expect(files, `README links ${link}`).toContain(link);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    license: string;
  };
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
    expect(manifest.scripts[script], `package.json scripts.${script}`).toBeUndefined();
  expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain('MIT License');

  const tarball = join(work, packed[0]!.filename);
  const prefix = join(work, 'prefix');
  const install = spawnSync(
    'npm',
    ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
    { cwd: work, env: cleanEnv(), encoding: 'utf8' },
  );
  expect(install.stderr).not.toMatch(/npm (warn|error)/i);
  expect(install.status).toBe(0);

  const elsewhere = join(work, 'elsewhere');
  const temp = join(work, 'tmp');
  mkdirSync(elsewhere);
  mkdirSync(temp);
  const orchestrate = join(prefix, 'bin', 'orchestrate');
  const help = spawnSync(orchestrate, ['--help'], { cwd: elsewhere, env: cleanEnv(), encoding: 'utf8' });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('commands:');
  expect(
    spawnSync(orchestrate, ['--version'], { cwd: elsewhere, env: cleanEnv(), encoding: 'utf8' }).stdout.trim(),
  ).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

  // The launcher's code cache works in an installed copy: the first start wrote it, this one uses it.
  const cached = spawnSync(orchestrate, ['--version'], {
    cwd: elsewhere,
    env: cleanEnv({ SAMOCODE_CODE_CACHE: 'report' }),
    encoding: 'utf8',
  });
  expect(cached.stderr).toMatch(/^samocode code cache: used .*-run\.v8cache/m);

  const demo = spawnSync(orchestrate, ['demo'], {
    cwd: elsewhere,
    env: cleanEnv({ TMPDIR: temp }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(demo.stderr).toContain('is done after 9 iterations.');
  expect(demo.status).toBe(0);
  expect(readdirSync(temp)).toEqual([]);
  expect(readdirSync(elsewhere)).toEqual([]);
});
