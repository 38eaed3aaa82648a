import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // tests/agents (the real Claude/Codex CLIs) has its own config and script: npm run test:agents.
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/browser/**/*.test.ts'],
    // Integration tests spawn the real CLI and real agents: separate processes, generous timeouts, no timing asserts.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    restoreMocks: true,
    clearMocks: true,
  },
});
