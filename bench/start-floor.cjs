#!/usr/bin/env node
// The bench's start-up floor: the least a resumed session's start does on Node 20 before its agent runs. Node's
// child_process, the two git calls samocode makes at once (the worktree's rev-parse, and whether git has an identity
// to commit with), then the agent's spawn with its output into files. CommonJS, as samocode's own entry is (no ES
// module loader). Start → this spawn, against `node -e 0`, is what no orchestrator written in Node can go below.
// usage: node bench/start-floor.cjs <agent> <worktree> <dir>   (the agent appends its times to $FAKE_TIMING)
const { execFile, spawn } = require('node:child_process');
const { openSync } = require('node:fs');
const { join } = require('node:path');

const [agent, worktree, dir] = process.argv.slice(2);
const calls = [
  [
    worktree,
    ['rev-parse', '--show-toplevel', '--path-format=absolute', '--git-common-dir', '--symbolic-full-name', 'HEAD'],
  ],
  [worktree, ['config', '--get-regexp', '^user\\.(name|email)$']],
];
let left = calls.length;
for (const [cwd, args] of calls)
  execFile('git', args, { cwd }, (error) => {
    // `git config --get-regexp` exits 1 when it finds nothing, an answer like any other.
    if (error && args[0] === 'rev-parse') {
      console.error(`start-floor: git ${args.join(' ')} in ${cwd}: ${error.message}`);
      process.exit(1);
    }
    if (--left === 0) run();
  }).stdin.end();

function run() {
  const out = openSync(join(dir, 'start-floor.jsonl'), 'a');
  const err = openSync(join(dir, 'start-floor.stderr.log'), 'a');
  spawn(agent, [], {
    cwd: dir,
    stdio: ['ignore', out, err],
    env: { ...process.env, SAMOCODE_SIGNAL_FILE: join(dir, '_signal.json') },
  });
}
