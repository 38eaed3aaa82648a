// What a start does before its first agent runs, seen from inside the CLI process: a preload notes the first child
// process it starts and which of Node's modules were loaded by then. The start-up figures (npm run bench) rest on
// these: a resumed session forks no git on that way (git's files answer, io/git-files.ts), a new one only
// `git worktree add`, and none of the Node modules the start has no use for yet is loaded (README, Performance).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLI, createProject, sig, type Project } from '../helpers/rig.js';

/** Loaded by no start before its first spawn (each costs ~1–3 ms, or pulls in more). */
const NOT_BEFORE_SPAWN = [
  // Setting V8's heap flags needs it; set before the spawn, they cost the start Node's code cache of its modules.
  'v8',
  // A terminal's question is one fstat where stderr is no character device (io/terminal-fd.ts): this test's is a pipe.
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
function firstSpawnOf(project: Project, args: string[]): FirstSpawn {
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
  });
  expect(run.status, run.stderr).toBe(4); // each step blocks
  return JSON.parse(readFileSync(out, 'utf8')) as FirstSpawn;
}

describe('the way to the first spawn', () => {
  test('a new session runs only git worktree add; a resumed one no git at all; neither loads what it does not need', () => {
    const project = createProject();
    // The identity as a person has it, in ~/.gitconfig (the rig's GIT_AUTHOR_* would spare the question).
    for (const key of Object.keys(project.env)) if (/^GIT_(AUTHOR|COMMITTER)_/.test(key)) delete project.env[key];
    writeFileSync(join(project.env.HOME!, '.gitconfig'), '[user]\n\tname = t\n\temail = t@example.invalid\n');
    const scenario = project.scenario([{ signal: sig.block('one') }, { signal: sig.block('two') }]);
    const args = ['--config', project.configFile, '--session', 's', '--script', scenario, '--no-wait'];

    const fresh = firstSpawnOf(project, [...args, '--task', 'a task']);
    expect(fresh.file).toBe('git');
    expect(fresh.args.slice(1, 3)).toEqual(['worktree', 'add']);

    const resumed = firstSpawnOf(project, args);
    expect(resumed.file).not.toBe('git');
    expect(resumed.args.join(' ')).toContain('script-agent');
    for (const { modules } of [fresh, resumed])
      expect(NOT_BEFORE_SPAWN.filter((name) => modules.includes(`NativeModule ${name}`))).toEqual([]);
  });
});
