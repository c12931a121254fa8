// The vitest configuration of the whole workspace: one run covers every package and app,
// Node tests and the Chromium tests (which drive Debian's chromium through playwright-core).
// `@open-realtime/source` resolves the workspace packages to their TypeScript sources, so the
// suite runs without building them (only the package test builds and packs them).
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['@open-realtime/source', ...defaultServerConditions] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['packages/client/test/helpers/setup.ts'],
  },
});
