// Transport conformance in Chromium: the library bundled with the `browser` condition (native
// WebSocket, key in the `realtime` + `openai-insecure-api-key.<key>` subprotocols, ephemeral
// `ek_` keys only), loaded in a page served from http://127.0.0.1 and driven through page.evaluate.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll } from 'vitest';
import { CHROMIUM_PATH, hasChromium, launchChromium } from '../helpers/chromium.js';
import { KEYS, describeConformance } from './contract.js';
import { bundleRunner } from './harness.js';
import type { ConformanceConfig, ConformanceReport } from './scenarios.js';

let browser: Browser | undefined;
let http: Server | undefined;

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(null)));
});

/** Serves the bundle from a page on 127.0.0.1 and returns the page's URL. */
async function servePage(script: string): Promise<string> {
  http = createServer((req, res) => {
    if (req.url === '/conformance.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/conformance.js"></script>');
  });
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
}

describeConformance({
  name: 'chromium',
  skip: hasChromium() ? null : `no Chromium at ${CHROMIUM_PATH} (the test command installs Debian's chromium)`,
  auth: 'subprotocols',
  userAgent: null,
  readsEnvKey: false,
  apiKey: KEYS.ephemeral,
  badApiKey: 'ek_refused',
  async run(config: ConformanceConfig): Promise<ConformanceReport> {
    const script = readFileSync(await bundleRunner('module', { platform: 'browser' }), 'utf8');
    if (script.includes('isomorphic-ws')) throw new Error('the browser condition selected a Node transport');
    const url = await servePage(script);
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => typeof (window as { runConformance?: unknown }).runConformance === 'function');
    return page.evaluate((c) => (window as unknown as { runConformance(c: ConformanceConfig): Promise<ConformanceReport> }).runConformance(c), config);
  },
});
