// The CLI sets V8's heap flags at start (src/cli.ts), so that a long agent stream does not grow its young generation
// to 2 × 16 MB (bench: peak RSS grew with the stream's size). Checked in the CLI's own process: dist/cli.js imported
// (asked for its version), then a stream-like churn of short-lived objects with a few survivors; the young generation
// stays at its starting size. Without the flag the same churn grows it to 32 MB.
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { CLI } from '../helpers/rig.js';

test('after the CLI starts, a long churn of short-lived objects does not grow the young generation', () => {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    process.argv = [process.execPath, ${JSON.stringify(CLI)}, '--version'];
    await import(${JSON.stringify(CLI)});
    const keep = [];
    for (let i = 0; i < 1_000_000; i++) {
      const line = JSON.parse('{"type":"user","content":"' + 'x'.repeat(200) + i + '"}');
      if (i % 20 === 0) keep.push(line);
      if (keep.length > 500) keep.length = 0;
    }
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    process.stdout.write('young ' + young.space_size + '\\n');
    process.exit(0);
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const young = Number(/^young (\d+)$/m.exec(out)?.[1]);
  expect(young).toBeGreaterThan(0);
  expect(young).toBeLessThanOrEqual(4 * 1024 * 1024);
});
