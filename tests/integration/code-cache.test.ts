// The launcher (dist/cli.js, src/launcher/) compiles the CLI bundle with V8's code cache of an earlier start. Each
// test runs a private copy of the built launcher and bundle (the checkout's dist/ is shared by every test), with
// SAMOCODE_CODE_CACHE=report so the launcher says what it did. A missing, corrupt, foreign or unwritable cache must
// only cost speed: every start here still answers.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createProject, ROOT, sig, tempDir } from '../helpers/rig.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const isRoot = process.getuid?.() === 0;

interface Copy {
  dist: string;
  home: string;
  caches(dir?: string): string[];
}

/** dist/cli.js, dist/samocode.cjs (and dist/package.json: dist/ is CommonJS) and package.json in a temp folder: a package of its own, with a private HOME. */
function privateCopy(): Copy {
  const root = tempDir('samocode-cache-');
  const dist = join(root, 'pkg', 'dist');
  const home = join(root, 'home');
  mkdirSync(dist, { recursive: true });
  mkdirSync(home);
  for (const file of ['cli.js', 'package.json', 'samocode.cjs', 'pretty-bundle.cjs', 'script-agent.js'])
    copyFileSync(join(ROOT, 'dist', file), join(dist, file));
  copyFileSync(join(ROOT, 'package.json'), join(root, 'pkg', 'package.json'));
  // What a run reads of the package besides dist/: the phase prompts.
  for (const path of ['workflow.md', 'agents', 'skills', 'commands'])
    cpSync(join(ROOT, path), join(root, 'pkg', path), { recursive: true });
  chmodSync(dist, 0o755);
  const caches = (dir = dist) => {
    try {
      return readdirSync(dir).filter((name) => name.endsWith('.v8cache'));
    } catch {
      return [];
    }
  };
  return {
    dist,
    home,
    caches,
  };
}

describe('the code cache', () => {
  test('the first start writes it beside the bundle, the second uses it', () => {
    const copy = privateCopy();
    const first = run(copy);
    expect(first.stdout).toBe(`${VERSION}\n`);
    expect(first.report).toMatch(/none yet for run/);
    expect(first.report).toMatch(/wrote .*\/pkg\/dist\/samocode-[0-9a-f]{16}-node[\d.]+-\w+-run\.v8cache \(partial\)/);
    expect(copy.caches()).toHaveLength(1);
    const second = run(copy);
    expect(second.stdout).toBe(`${VERSION}\n`);
    expect(second.report).toMatch(/used .*-run\.v8cache \(partial\)/);
    expect(second.report).not.toMatch(/wrote|rejected/);
  });

  test('a cache written once the agent ran (the heap flags set then) is used by the next start, not rejected', () => {
    // The launcher sets V8's heap flags at the first agent spawn; V8 keys caches by its flags, so the cache is made
    // with them back at their defaults for that instant (launcher/heap-flags.ts), as the next start compiles.
    const copy = privateCopy();
    const project = createProject();
    const scenario = project.scenario([{ signal: sig.block('one') }, { signal: sig.block('two') }]);
    const args = ['--config', project.configFile, '--session', 's', '--script', scenario, '--no-wait'];
    const first = run(copy, project.env, [...args, '--task', 'a task'], 4);
    expect(first.report).toMatch(/wrote .*-run-new\.v8cache/);
    const second = run(copy, project.env, [...args, '--task', 'a task'], 4);
    expect(second.report).toMatch(/used .*-run-new\.v8cache/);
    expect(second.report).not.toMatch(/rejected/);
  });

  test("a run's complete cache is written at its first agent spawn: it holds the way there, not what came after", () => {
    // The agent's spawn ends the start. What a start deserialises is all its cache holds, so the code that runs
    // after the spawn (the signal read, the next iterations, the session's end) is left out of it.
    const copy = privateCopy();
    const project = createProject();
    const steps = ['one', 'two', 'three'].map((summary) => ({ signal: sig.stay('investigation', summary) }));
    const scenario = project.scenario([...steps, { signal: sig.block('the end') }]);
    const args = ['--config', project.configFile, '--session', 's', '--script', scenario, '--no-wait'];
    const first = spawnNode(copy, project.env, [...args, '--task', 'a task']);
    expect(first.status, first.stderr).toBe(4);
    const wrote = first.stderr.search(/samocode code cache: wrote .*-run-new\.v8cache\n/);
    expect(wrote, first.stderr).toBeGreaterThan(-1);
    // Before the first iteration's end is told: right after its agent started, not as the run exits.
    const firstEnd = first.stderr.search(/#1 .*one/);
    expect(firstEnd, first.stderr).toBeGreaterThan(wrote);
    const other = ['--config', project.configFile, '--session', 't', '--script', scenario, '--no-wait'];
    const second = run(copy, project.env, [...other, '--task', 'a task'], 4);
    expect(second.report).toMatch(/used .*-run-new\.v8cache$/);
    expect(second.report).not.toMatch(/wrote|partial/);
  });

  test("a new session's start and a resumed one's keep a cache each: neither takes the other's", () => {
    const copy = privateCopy();
    const project = createProject();
    const scenario = project.scenario(['one', 'two', 'three', 'four'].map((why) => ({ signal: sig.block(why) })));
    const args = ['--config', project.configFile, '--session', 's', '--script', scenario, '--no-wait'];
    expect(run(copy, project.env, [...args, '--task', 'a task'], 4).report).toMatch(/wrote .*-run-new\.v8cache/);
    const resumed = run(copy, project.env, args, 4);
    expect(resumed.report).toMatch(/none yet for run\n.*wrote .*-run\.v8cache/);
    expect(run(copy, project.env, args, 4).report).toMatch(/used .*-run\.v8cache/);
    expect(run(copy, project.env, [...args, '--task=again'], 4).report).toMatch(/used .*-run-new\.v8cache/);
    expect(copy.caches().sort()).toEqual([
      expect.stringMatching(/-run-new\.v8cache$/),
      expect.stringMatching(/-run\.v8cache$/),
    ]);
  });

  test('each command has its own; a mistyped command writes none', () => {
    const copy = privateCopy();
    run(copy, {}, ['status', '--help']);
    expect(copy.caches()).toEqual([expect.stringMatching(/-status\.v8cache$/)]);
    const typo = run(copy, {}, ['stauts'], 2);
    expect(typo.report).toMatch(/none yet for stauts/);
    expect(copy.caches()).toHaveLength(1);
  });

  test('a corrupt cache file (not ours, or data V8 refuses) still starts, and is replaced', () => {
    const copy = privateCopy();
    run(copy);
    const [name] = copy.caches();
    const file = join(copy.dist, name!);
    writeFileSync(file, 'garbage, not a cache', { mode: 0o600 });
    const garbage = run(copy);
    expect(garbage.stdout).toBe(`${VERSION}\n`);
    expect(garbage.report).toMatch(/none yet for run/);
    expect(garbage.report).toMatch(/wrote /);
    // Our header, then bytes V8 cannot use: V8 itself refuses them.
    const header = readFileSync(file).subarray(0, 'samocode-v8cache-1'.length + 1);
    writeFileSync(file, Buffer.concat([header, Buffer.alloc(4096, 7)]), { mode: 0o600 });
    const refused = run(copy);
    expect(refused.stdout).toBe(`${VERSION}\n`);
    expect(refused.report).toMatch(/rejected by V8/);
    expect(run(copy).report).toMatch(/used /);
  });

  test('a bundle folder others may write in is not used: the cache goes to the per-user folder', () => {
    const copy = privateCopy();
    chmodSync(copy.dist, 0o777);
    const result = run(copy);
    expect(result.stdout).toBe(`${VERSION}\n`);
    expect(result.report).toMatch(new RegExp(`wrote ${copy.home}/\\.cache/samocode/samocode-.*-run\\.v8cache`));
    expect(copy.caches()).toEqual([]);
    // A file planted beside the bundle is never read.
    const [name] = copy.caches(join(copy.home, '.cache', 'samocode'));
    copyFileSync(join(copy.home, '.cache', 'samocode', name!), join(copy.dist, name!));
    chmodSync(join(copy.home, '.cache', 'samocode', name!), 0o666);
    const again = run(copy);
    expect(again.report).toMatch(/none yet for run/);
    expect(again.report).toMatch(new RegExp(`wrote ${copy.home}/\\.cache/samocode/`));
  });

  test('XDG_CACHE_HOME is the per-user folder when set; no folder that takes the cache still starts', () => {
    const copy = privateCopy();
    chmodSync(copy.dist, 0o777);
    const xdg = join(copy.home, 'xdg');
    expect(run(copy, { XDG_CACHE_HOME: xdg }).report).toMatch(new RegExp(`wrote ${xdg}/samocode/`));
    const notAFolder = join(copy.home, 'a-file');
    writeFileSync(notAFolder, '');
    const result = run(copy, { XDG_CACHE_HOME: join(notAFolder, 'below') });
    expect(result.stdout).toBe(`${VERSION}\n`);
    expect(result.report).toMatch(/no folder took it/);
  });

  test.skipIf(!isRoot)('a cache file of another user is not read', () => {
    const copy = privateCopy();
    run(copy);
    const [name] = copy.caches();
    chownSync(join(copy.dist, name!), 12345, 12345);
    const result = run(copy);
    expect(result.stdout).toBe(`${VERSION}\n`);
    expect(result.report).toMatch(/none yet for run/);
  });

  test('SAMOCODE_CODE_CACHE=off reads and writes none', () => {
    const copy = privateCopy();
    const result = run(copy, { SAMOCODE_CODE_CACHE: 'off' });
    expect(result.stdout).toBe(`${VERSION}\n`);
    expect(copy.caches()).toEqual([]);
    expect(copy.caches(join(copy.home, '.cache', 'samocode'))).toEqual([]);
  });
});

/** One start of the copy; its stdout and the launcher's report lines (stderr). */
function run(copy: Copy, env: NodeJS.ProcessEnv = {}, args = ['--version'], exitCode = 0) {
  const result = spawnNode(copy, env, args);
  expect(result.status, result.stderr).toBe(exitCode);
  const report = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('samocode code cache: '))
    .join('\n');
  return { stdout: result.stdout, report };
}

function spawnNode(copy: Copy, env: NodeJS.ProcessEnv, args: string[]) {
  return spawnSync(process.execPath, [join(copy.dist, 'cli.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: copy.home, SAMOCODE_CODE_CACHE: 'report', ...env },
    encoding: 'utf8',
  });
}
