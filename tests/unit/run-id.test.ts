// A run's id is a random version 4 UUID (io/run-id.ts reads the kernel's random source instead of loading
// node:crypto at start-up): the same shape randomUUID gives, and never the same twice.
import { expect, test } from 'vitest';
import { newRunId } from '../../src/io/run-id.js';

test('a run id is a version 4 UUID, new each time', async () => {
  const ids = await Promise.all(Array.from({ length: 200 }, () => newRunId()));
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(new Set(ids).size).toBe(ids.length);
});
