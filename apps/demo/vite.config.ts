// Vite config of the demo. `@open-realtime/source` makes the workspace library resolve to its
// TypeScript sources, so the demo runs without building packages/client first.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defaultClientConditions, defineConfig } from 'vite';
import { demoServer } from './session-plugin.ts';

const clientDir = dirname(createRequire(import.meta.url).resolve('@open-realtime/client/package.json'));

export default defineConfig({
  root: import.meta.dirname,
  resolve: {
    conditions: ['@open-realtime/source', ...defaultClientConditions],
    // The ./web-audio export has no "@open-realtime/source" condition (it points to dist/ only):
    // map it to the source so the demo needs no build step either way.
    alias: [{ find: /^@open-realtime\/client\/web-audio$/, replacement: join(clientDir, 'src/web-audio.ts') }],
  },
  plugins: [demoServer()],
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
