// Transport conformance in Node 20: the library bundled with Node's conditions (`node`: the lean
// RFC 6455 socket of transport/node-socket.ts with header auth), imported in this process, against
// the simulator. OPENAI_API_KEY is set only while the scenarios run.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { KEYS, describeConformance } from './contract.js';
import { bundleRunner } from './harness.js';
import type { ConformanceConfig, ConformanceReport } from './scenarios.js';

describeConformance({
  name: 'node',
  skip: null,
  auth: 'headers',
  userAgent: /^open-realtime\/0\.1\.0 \(node v\d+\./,
  readsEnvKey: true,
  apiKey: KEYS.server,
  badApiKey: 'sk-refused',
  async run(config: ConformanceConfig): Promise<ConformanceReport> {
    // ws is CommonJS: the ESM bundle needs a real `require` for its Node built-ins.
    const file = await bundleRunner('module', { platform: 'node', banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
    if (!readFileSync(file, 'utf8').includes('src/transport/node-socket.ts')) throw new Error('the node condition did not select the Node socket transport');
    const run = ((await import(pathToFileURL(file).href)) as { default: (c: ConformanceConfig) => Promise<ConformanceReport> }).default;
    const previous = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = KEYS.environment;
    try {
      return await run(config);
    } finally {
      if (previous === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = previous;
    }
  },
});
