// What a start does before its first agent runs, seen from inside the CLI process: a preload notes the first child
// process it starts and which of Node's modules were loaded by then. The start-up figures (npm run bench) rest on
// these: a resumed session forks no git on that way (git's files answer, io/git-files.ts), a new one only
// `git worktree add`, and none of the Node modules the start has no use for yet is loaded (README, Performance).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLI, ROOT, createProject, sig, type Project } from '../helpers/rig.js';
import { sourceLookup } from '../helpers/source-map.js';

/**
 * Code of the bundle that a resumed start runs only once its agent runs (what runs before is read from the code
 * cache, deserialised and run at every start): the logger (pino and its streams, log/logger.ts), zod (the signal's
 * and the stream's schemas), gray-matter and js-yaml (a state write, a front matter samocode did not write).
 */
const NOT_RUN_BEFORE_SPAWN =
  /^(\.\.\/)*(node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|zod|gray-matter|js-yaml|execa|chokidar)\/|src\/log\/logger\.ts$)/;

/** Loaded by no start before its first spawn (each costs ~1–3 ms, or pulls in more). */
const NOT_BEFORE_SPAWN = [
  // Setting V8's heap flags needs it; set before the spawn, they cost the start Node's code cache of its modules.
  'v8',
  // A terminal's question is one fstat where stderr is no character device, one stat more where it is /dev/null
  // (io/terminal-fd.ts): this test's is a pipe, then /dev/null.
  'tty',
  'crypto',
  'assert',
  'worker_threads',
  'fs/promises',
  'perf_hooks',
  'readline',
  'http',
  'https',
  'zlib',
];

interface FirstSpawn {
  file: string;
  args: string[];
  modules: string[];
}

/** A run of the CLI with the preload; what it saw at the first spawn. */
function firstSpawnOf(project: Project, args: string[], { stderr = 'pipe' as 'pipe' | 'ignore' } = {}): FirstSpawn {
  const preload = join(project.root, 'first-spawn.cjs');
  const out = join(project.root, 'first-spawn.json');
  writeFileSync(
    preload,
    `const { ChildProcess } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const spawn = ChildProcess.prototype.spawn;
let first = true;
ChildProcess.prototype.spawn = function (options) {
  if (first) {
    first = false;
    writeFileSync(${JSON.stringify(out)}, JSON.stringify({ file: options.file, args: options.args, modules: process.moduleLoadList }));
  }
  return spawn.call(this, options);
};
`,
  );
  const run = spawnSync(process.execPath, ['-r', preload, CLI, ...args], {
    cwd: project.root,
    env: project.env,
    encoding: 'utf8',
    timeout: 45_000,
    stdio: ['ignore', 'pipe', stderr],
  });
  expect(run.status, run.stderr ?? '').toBe(4); // each step blocks
  return JSON.parse(readFileSync(out, 'utf8')) as FirstSpawn;
}

describe('the way to the first spawn', () => {
  test('a new session runs only git worktree add; a resumed one no git at all; neither loads what it does not need', () => {
    const project = createProject();
    // The identity as a person has it, in ~/.gitconfig (the rig's GIT_AUTHOR_* would spare the question).
    for (const key of Object.keys(project.env)) if (/^GIT_(AUTHOR|COMMITTER)_/.test(key)) delete project.env[key];
    writeFileSync(join(project.env.HOME!, '.gitconfig'), '[user]\n\tname = t\n\temail = t@example.invalid\n');
    const scenario = project.scenario([
      { signal: sig.block('one') },
      { signal: sig.block('two') },
      { signal: sig.block('three') },
    ]);
    const args = ['--config', project.configFile, '--session', 's', '--script', scenario, '--no-wait'];

    const fresh = firstSpawnOf(project, [...args, '--task', 'a task']);
    expect(fresh.file).toBe('git');
    expect(fresh.args.slice(1, 3)).toEqual(['worktree', 'add']);

    const resumed = firstSpawnOf(project, args);
    expect(resumed.file).not.toBe('git');
    expect(resumed.args.join(' ')).toContain('script-agent');
    // stderr on /dev/null, as cron or `2>/dev/null` leave it: a character device, yet no terminal.
    const intoDevNull = firstSpawnOf(project, args, { stderr: 'ignore' });
    expect(intoDevNull.args.join(' ')).toContain('script-agent');
    for (const { modules } of [fresh, resumed, intoDevNull])
      expect(NOT_BEFORE_SPAWN.filter((name) => modules.includes(`NativeModule ${name}`))).toEqual([]);
  });

  test("a resumed start runs none of the logger's, zod's or gray-matter's code before its agent runs", () => {
    // V8 logs each function's first run (--log-function-events); the bundle's source map names each one's file.
    const project = createProject();
    const scenario = project.scenario([{ signal: sig.block('one') }, { signal: sig.block('two') }]);
    const args = ['--config', project.configFile, '--session', 's', '--script', scenario, '--no-wait'];
    const first = spawnSync(process.execPath, [CLI, ...args, '--task', 'a task'], {
      env: project.env,
      encoding: 'utf8',
    });
    expect(first.status, first.stderr).toBe(4);
    const log = join(project.root, 'v8.log');
    const flags = ['--log-function-events', `--logfile=${log}`, '--no-logfile-per-isolate'];
    const resumed = spawnSync(process.execPath, [...flags, CLI, ...args], { env: project.env, encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(4);

    const bundle = join(ROOT, 'dist', 'samocode.cjs');
    const lines = readFileSync(log, 'utf8').split('\n');
    const script = lines.find((line) => line.startsWith('script-details,') && line.includes(bundle))?.split(',')[1];
    expect(script, `no script-details line for ${bundle} in ${log}`).toBeDefined();
    const firstRuns = lines
      .filter((line) => line.startsWith('function,first-execution,'))
      .map((line) => line.split(','))
      .map(([, , id, start, , , time, name]) => ({ id, start: Number(start), time: Number(time), name }));
    // The scripted agent's spawn: a resumed start forks nothing before it (the test above).
    const spawnAt = firstRuns.find((run) => run.name === 'ChildProcess.spawn')?.time;
    expect(spawnAt, 'no first run of ChildProcess.spawn in the V8 log').toBeDefined();

    const text = readFileSync(bundle, 'utf8');
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    const sourceAt = sourceLookup(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')));
    const ranBefore = new Set<string>();
    for (const run of firstRuns) {
      if (run.id !== script || run.time >= spawnAt!) continue;
      let line = lineStarts.length - 1;
      while (lineStarts[line]! > run.start) line--;
      // The function's first token: its name or its parameter list (the offset V8 gives may be the one before it).
      const source = sourceAt(line + 1, run.start - lineStarts[line]! + 1);
      if (source) ranBefore.add(source);
    }
    // What the start does run is found (the check itself works): the configuration's reading, the agent's spawn.
    expect([...ranBefore].some((file) => file.endsWith('src/config/load.ts'))).toBe(true);
    expect([...ranBefore].some((file) => file.endsWith('src/io/run-process.ts'))).toBe(true);
    expect([...ranBefore].filter((file) => NOT_RUN_BEFORE_SPAWN.test(file))).toEqual([]);
  });
});
