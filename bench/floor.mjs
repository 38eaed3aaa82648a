#!/usr/bin/env node
// The bench's floor: a minimal Node loop that spawns the fake agent N times, one after the other, the way samocode
// does at its simplest (stdin from a file, stdout and stderr into log files, the SAMOCODE_* variables set) and
// nothing else. The gap from one agent's end to the next one's start here is what any Node orchestrator pays.
// usage: node bench/floor.mjs <agent> <iterations> <dir>     (the agent appends its times to $FAKE_TIMING)
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [agent, count, dir] = process.argv.slice(2);
const prompt = join(dir, 'prompt.md');
writeFileSync(prompt, 'the prompt\n');
for (let i = 1; i <= Number(count); i++) {
  const stdin = openSync(prompt, 'r');
  const out = openSync(join(dir, `${i}.jsonl`), 'a');
  const err = openSync(join(dir, `${i}.stderr.log`), 'a');
  const child = spawn(agent, [], {
    cwd: dir,
    stdio: [stdin, out, err],
    env: { ...process.env, SAMOCODE_ITERATION: String(i), SAMOCODE_SIGNAL_FILE: join(dir, '_signal.json') },
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  for (const fd of [stdin, out, err]) closeSync(fd);
  if (code !== 0) {
    console.error(`floor: ${agent} exited with ${code}`);
    process.exit(1);
  }
}
