#!/usr/bin/env node
// The bench's start-up floor: the least a resumed session's start does on Node 20 before its agent runs. Node's
// child_process, then the agent's spawn with its output into files. (samocode's own git questions of a resumed start,
// the worktree's facts and whether git has an identity, are answered from git's files: no git call on that way.)
// CommonJS, as samocode's own entry is (no ES module loader). Start → this spawn, against `node -e 0`, is what no
// orchestrator written in Node can go below.
// usage: node bench/start-floor.cjs <agent> <dir>   (the agent appends its times to $FAKE_TIMING)
const { spawn } = require('node:child_process');
const { openSync } = require('node:fs');
const { join } = require('node:path');

const [agent, dir] = process.argv.slice(2);
const out = openSync(join(dir, 'start-floor.jsonl'), 'a');
const err = openSync(join(dir, 'start-floor.stderr.log'), 'a');
spawn(agent, [], {
  cwd: dir,
  stdio: ['ignore', out, err],
  env: { ...process.env, SAMOCODE_SIGNAL_FILE: join(dir, '_signal.json') },
});
