// The vitest configuration of the whole workspace: one run covers every package and app,
// Node tests and the Chromium tests (which drive Debian's chromium through playwright-core).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['packages/client/test/helpers/setup.ts'],
  },
});
