// Transport conformance in Cloudflare's workerd: the library bundled as a Worker module with the
// conditions Workers bundlers use (`workerd`, `worker`, `browser`: the upgrading-fetch transport),
// served by the `workerd` binary from the npm package with a capnp config whose global outbound
// is a network service allowed to reach loopback. The test POSTs the config and reads the report.
import { readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { KEYS, describeConformance } from './contract.js';
import { bundleRunner, findRuntime, freePort, startServer, waitForPort, writeBeside, type ServerChild } from './harness.js';
import type { ConformanceReport } from './scenarios.js';

const workerd = findRuntime('workerd');
let server: ServerChild | undefined;

afterAll(async () => {
  await server?.stop();
});

/** The workerd config: one Worker (the bundle) with the key as a text binding, one socket. */
function capnpConfig(port: number, bundleName: string): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .conformanceWorker),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const conformanceWorker :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "${bundleName}")],
  compatibilityDate = "2026-01-01",
  bindings = [(name = "OPENAI_API_KEY", text = "${KEYS.server}")],
  globalOutbound = "loopback",
);
`;
}

describeConformance({
  name: `workerd ${workerd.version ?? ''}`.trim(),
  skip: workerd.skip,
  auth: 'headers',
  userAgent: /^open-realtime\/0\.1\.0 \(workerd\)$/,
  readsEnvKey: false,
  apiKey: KEYS.server,
  badApiKey: 'sk-refused',
  async run(config): Promise<ConformanceReport> {
    const bundle = await bundleRunner('worker', { platform: 'neutral', mainFields: ['browser', 'module', 'main'], conditions: ['workerd', 'worker', 'browser'] });
    const text = readFileSync(bundle, 'utf8');
    if (text.includes('isomorphic-ws') || text.includes('openai-insecure-api-key.')) throw new Error('the workerd condition did not select the Workers transport');
    const port = await freePort();
    server = startServer(workerd.path!, ['serve', writeBeside(bundle, 'config.capnp', capnpConfig(port, 'worker.mjs'))], {});
    await waitForPort(port).catch((error: Error) => Promise.reject(new Error(`${error.message}\nworkerd: ${server!.output()}`)));
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: JSON.stringify(config) });
    if (!response.ok) throw new Error(`workerd answered ${response.status}: ${await response.text()}\nworkerd: ${server.output()}`);
    return (await response.json()) as ConformanceReport;
  },
});
