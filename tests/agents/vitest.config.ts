// The agent CLI suite's own vitest config: only tests/agents, long timeouts (real CLIs, real processes), and a
// verbose reporter so every test's pass/fail is in the output. Run it through tests/agents/run.mjs.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/agents/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'tests/agents/.cli/**'],
    pool: 'forks',
    // Two cores: one file per core. The CLIs are mostly waiting on the scripted server, so this is not contended.
    maxWorkers: 2,
    testTimeout: 240_000,
    hookTimeout: 60_000,
    reporters: ['verbose'],
  },
});
