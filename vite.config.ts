// The vitest configuration of the whole workspace: one run covers every package and app,
// Node tests and the Chromium tests (which drive Debian's chromium through playwright-core).
// `@open-realtime/source` resolves the workspace packages to their TypeScript sources, so the
// suite runs without building them (only the package test builds and packs them).
//
// Two groups: everything runs two files at a time, then the Chromium tests that measure audio
// timing against a tap (played position, silence after an interrupt, the heard split) run one
// file at a time on their own. On two shared cores a parallel file can starve Chromium's audio
// thread for tens of milliseconds, which those bounds (one quantum plus two callbacks) cannot
// absorb; the cost is under a minute of wall time.
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const AUDIO_TIMING = [
  'packages/client/test/audio/player.test.ts',
  'packages/client/test/audio/player-feed.test.ts',
  'packages/client/test/audio/model-player.test.ts',
  'packages/client/test/audio/queued-interrupt.test.ts',
  'packages/client/test/worker/worker-model.test.ts',
  'apps/demo/test/demo.e2e.test.ts',
];

export default defineConfig({
  ssr: { resolve: { conditions: ['@open-realtime/source', ...defaultServerConditions] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['packages/client/test/helpers/setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: [...AUDIO_TIMING, '**/node_modules/**'],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'audio-timing',
          include: AUDIO_TIMING,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
