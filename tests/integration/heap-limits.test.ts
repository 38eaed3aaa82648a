// The CLI sets V8's heap flags once its first agent runs (launcher/heap-flags.ts), so that a long agent stream does
// not grow its young generation to 2 × 16 MB (bench: peak RSS grew with the stream's size). Checked in the CLI's own
// process: a real run whose agent blocks at once, then, as that process exits, a stream-like churn of short-lived
// objects with a few survivors; the young generation stays at its starting size. Without the flag (or without the
// spawn telling the launcher) the same churn grows it to 32 MB. And before the spawn, the flags are not set: node:v8
// (which setting them needs) is not even loaded (tests/integration/start-path.test.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { CLI, createProject, sig } from '../helpers/rig.js';

test('once its agent has run, a long churn of short-lived objects does not grow the young generation', () => {
  const project = createProject();
  const preload = join(project.root, 'churn.cjs');
  const out = join(project.root, 'young.txt');
  writeFileSync(
    preload,
    `process.on('exit', () => {
  const keep = [];
  for (let i = 0; i < 1_000_000; i++) {
    const line = JSON.parse('{"type":"user","content":"' + 'x'.repeat(200) + i + '"}');
    if (i % 20 === 0) keep.push(line);
    if (keep.length > 500) keep.length = 0;
  }
  const young = require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  require('node:fs').writeFileSync(${JSON.stringify(out)}, String(young.space_size));
});
`,
  );
  const scenario = project.scenario([{ signal: sig.block('done for now') }]);
  const args = ['--config', project.configFile, '--session', 's', '--task', 't', '--script', scenario, '--no-wait'];
  const run = spawnSync(process.execPath, ['-r', preload, CLI, ...args], {
    cwd: project.root,
    env: project.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(4);
  const young = Number(readFileSync(out, 'utf8'));
  expect(young).toBeGreaterThan(0);
  expect(young).toBeLessThanOrEqual(4 * 1024 * 1024);
});
