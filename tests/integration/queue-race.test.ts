// Workers racing for the jobs of one local queue, as separate processes (claims in one process cannot interleave):
// the local back end is bundled into a small script, and four processes with three slots each take 60 jobs.
// Every job must be handed out exactly once.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, test } from 'vitest';
import { openLocalQueue } from '../../src/queue/local-backend.js';
import { ROOT, tempDir } from '../helpers/rig.js';

const RACER = `
import { openLocalQueue } from ${JSON.stringify(join(ROOT, 'src/queue/local-backend.ts'))};
const [sessions] = process.argv.slice(2);
const queue = openLocalQueue({ sessions, host: 'race-host', pollMs: 5 });
const abort = new AbortController();
const check = setInterval(async () => {
  if ((await queue.list()).every((job) => job.state === 'done')) abort.abort();
}, 50);
await queue.consume(
  async (lease) => {
    process.stdout.write(lease.job.id + '\\n');
    await new Promise((r) => setTimeout(r, Math.random() * 8));
    return { outcome: 'done' };
  },
  { concurrency: 3, abort: abort.signal },
);
clearInterval(check);
`;

test('four worker processes on one local queue take every job exactly once', async () => {
  const dir = tempDir();
  const sessions = join(dir, 'sessions');
  const entry = join(dir, 'racer.ts');
  writeFileSync(entry, RACER);
  const script = join(dir, 'racer.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: script,
    logLevel: 'error',
    // Its CommonJS dependencies (gray-matter) call require() for Node's own modules.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  const ids = Array.from({ length: 60 }, (_, i) => `job${i}`);
  await openLocalQueue({ sessions, host: 'race-host' }).enqueueMany!(ids.map((session) => ({ session, task: 't' })));

  const outputs = await Promise.all(
    [1, 2, 3, 4].map(
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, [script, sessions], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`racer exited ${code}`))));
        }),
    ),
  );
  const taken = outputs.flatMap((out) => out.split('\n').filter(Boolean));
  expect([...taken].sort()).toEqual([...ids].sort());
  // Each took some: they really raced.
  expect(outputs.filter((out) => out.trim() !== '').length).toBeGreaterThan(1);
}, 60_000);
