// Transport conformance in Bun: the library bundled with Bun's conditions (`bun`: Bun's native
// WebSocket with handshake headers, not the `ws` shim of its Node layer), run by the `bun` binary
// from the npm package with OPENAI_API_KEY set for the environment fallback.
import { readFileSync } from 'node:fs';
import { KEYS, describeConformance } from './contract.js';
import { bundleRunner, findRuntime, parseReport, runChild } from './harness.js';

const bun = findRuntime('bun');

describeConformance({
  name: `bun ${bun.version ?? ''}`.trim(),
  skip: bun.skip,
  auth: 'headers',
  userAgent: /^open-realtime\/0\.1\.0 \(bun 1\.\d+\.\d+\)$/,
  readsEnvKey: true,
  apiKey: KEYS.server,
  badApiKey: 'sk-refused',
  async run(config) {
    const file = await bundleRunner('cli', { platform: 'node', conditions: ['bun'] });
    if (readFileSync(file, 'utf8').includes('isomorphic-ws')) throw new Error('the bun condition did not select the Bun transport');
    const child = await runChild(bun.path!, ['run', file, JSON.stringify(config)], { OPENAI_API_KEY: KEYS.environment, BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' });
    return parseReport(child, 'bun');
  },
});
