// The package suite's own config: it packs the tarball, installs it globally into a temp prefix (dependencies come
// from the npm cache or the registry) and runs the installed CLI from a folder outside the checkout. Run it with
// `npm run test:package`; not part of `npm test`, which never leaves 127.0.0.1.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/package/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 180_000,
    reporters: ['verbose'],
  },
});
