// The browser adapter in real Chromium against a local `ws` server: subprotocol auth as the
// server saw it, the ek_ guard, the headers refusal, and a full round trip of events.
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from './helpers/chromium.js';
import { answerLikeServer } from './helpers/scripted-server.js';
import { startWsServer } from './helpers/ws-server.js';

let browser: Browser;
let page: Page;
let http: Server;
let ws: Awaited<ReturnType<typeof startWsServer>>;

beforeAll(async () => {
  if (!hasChromium()) return;
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./browser/adapter-page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  expect(script).not.toContain('isomorphic-ws');
  http = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  ws = await startWsServer(answerLikeServer);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => typeof window.roundTrip === 'function');
});

afterAll(async () => {
  await browser?.close();
  await ws?.close();
  await new Promise((r) => (http ? http.close(r) : r(null)));
});

describe.skipIf(!hasChromium())('browser adapter (Chromium)', () => {
  it('authenticates with the realtime and openai-insecure-api-key subprotocols and runs a round trip', async () => {
    const seen = await page.evaluate(([url]) => window.roundTrip(url!, 'ek_test_123'), [ws.url]);
    expect(seen).toEqual(['connection_status', 'connection_status', 'turn_started', 'audio:4800:7', 'transcript_delta', 'audio_done', 'usage', 'turn_ended', 'connection_status']);
    const conn = ws.connections.at(-1)!;
    expect(conn.protocols).toEqual(['realtime', 'openai-insecure-api-key.ek_test_123']);
    expect(conn.headers.authorization).toBeUndefined();
    expect(conn.headers['openai-beta']).toBeUndefined();
    expect(conn.received.map((e) => e.type)).toEqual(['session.update', 'session.update', 'conversation.item.create', 'response.create']);
  });

  it('refuses a non-ephemeral key unless dangerouslyAllowApiKeyInBrowser is set', async () => {
    const before = ws.connections.length;
    const refused = await page.evaluate(([url]) => window.tryConnect(url!, { apiKey: 'sk-real-key' }), [ws.url]);
    expect(refused).toMatch(/^browser_api_key: Refusing to use a non-ephemeral API key/);
    expect(ws.connections.length).toBe(before);
    const allowed = await page.evaluate(([url]) => window.tryConnect(url!, { apiKey: 'sk-real-key', dangerouslyAllowApiKeyInBrowser: true }), [ws.url]);
    expect(allowed).toBe('connected');
  });

  it('refuses handshake headers in a browser', async () => {
    const result = await page.evaluate(([url]) => window.tryConnect(url!, { headers: { 'api-key': 'x' } }), [ws.url]);
    expect(result).toMatch(/^browser_headers: /);
  });
});
