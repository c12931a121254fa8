// End-to-end test of the demo: the real dev server (Vite + the plugin that starts the simulator and
// serves /api/session) driven in Chromium, plus /api/session in real mode against a local
// stand-in for POST /v1/realtime/client_secrets.
import { mkdirSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../../../packages/client/test/helpers/chromium.js';

const demoDir = fileURLToPath(new URL('..', import.meta.url));
const shots = fileURLToPath(new URL('../test-results/', import.meta.url));

let server: ViteDevServer;
let base: string;
const savedEnv = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL, sim: process.env.DEMO_SIMULATOR };

function restoreEnv(): void {
  for (const [name, value] of [['OPENAI_API_KEY', savedEnv.key], ['OPENAI_BASE_URL', savedEnv.base], ['DEMO_SIMULATOR', savedEnv.sim]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

beforeAll(async () => {
  delete process.env.OPENAI_API_KEY; // simulator mode unless a test sets it
  delete process.env.DEMO_SIMULATOR;
  server = await createServer({
    configFile: `${demoDir}vite.config.ts`,
    configLoader: 'runner',
    root: demoDir,
    logLevel: 'warn',
    server: { port: 0, host: '127.0.0.1', strictPort: false },
  });
  await server.listen();
  base = server.resolvedUrls!.local[0]!;
});

afterAll(async () => {
  restoreEnv();
  await server?.close();
});

describe('GET /api/session', () => {
  it('returns the simulator URL and a dummy ephemeral key without OPENAI_API_KEY', async () => {
    const body = await (await fetch(`${base}api/session`)).json();
    expect(body).toMatchObject({ mode: 'simulator', apiKey: 'ek_simulator' });
    expect(body.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?model=/);
  });

  it('mints an ephemeral key with OPENAI_API_KEY and never returns the real key', async () => {
    const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];
    let status = 200;
    const standIn = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(status === 200
          ? JSON.stringify({ value: 'ek_test', expires_at: 1_900_000_000, session: { type: 'realtime', model: 'gpt-realtime' } })
          : JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
      });
    });
    await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
    try {
      process.env.OPENAI_API_KEY = 'sk-real-secret';
      process.env.OPENAI_BASE_URL = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/v1`;
      const res = await fetch(`${base}api/session`);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(JSON.parse(text)).toEqual({ mode: 'openai', url: 'wss://api.openai.com/v1/realtime?model=gpt-realtime', apiKey: 'ek_test', expiresAt: 1_900_000_000 });
      expect(text).not.toContain('sk-real-secret');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/realtime/client_secrets' });
      expect(seen[0]!.headers.authorization).toBe('Bearer sk-real-secret');
      expect(JSON.parse(seen[0]!.body).session).toMatchObject({ type: 'realtime', model: 'gpt-realtime' });

      status = 401; // a refused key is reported plainly, as a 502 with the API's message
      const failed = await fetch(`${base}api/session`);
      expect(failed.status).toBe(502);
      const err = await failed.text();
      expect(JSON.parse(err).error).toContain('Incorrect API key provided');
      expect(err).not.toContain('sk-real-secret');
    } finally {
      restoreEnv();
      delete process.env.OPENAI_API_KEY;
      await new Promise((r) => standIn.close(r));
    }
  });
});

describe.skipIf(!hasChromium())('the demo page in Chromium (simulator)', () => {
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await launchChromium([
      '--autoplay-policy=no-user-gesture-required',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
    ]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  afterAll(async () => {
    await browser?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${shots}${name}.png`, fullPage: true });
  const numbers = (selector: string) => page.locator(selector).allTextContents().then((t) => t.map(Number).filter(Number.isFinite));

  it('connects, speaks a reply, calls the tool, truncates on interrupt, captures the mic', async () => {
    await page.goto(base);
    await expect.poll(() => page.textContent('#status')).toBe('Disconnected');
    await shot('1-disconnected');

    await page.click('#connect');
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Connected');
    await expect.poll(() => page.textContent('#session')).toContain('semantic_vad');
    expect(await page.textContent('#session')).toContain('marin');
    expect(await page.textContent('#session')).toContain('get_weather');
    expect(await page.textContent('#mode')).toBe('Simulator');

    // A typed message: the reply's transcript streams in and its audio plays.
    await page.fill('#message', 'Tell me a story');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#transcript .msg.user'), { timeout: 10_000 }).toContain('Tell me a story');
    await expect.poll(() => page.textContent('#transcript .msg.assistant'), { timeout: 15_000 }).toContain('You said: Tell me a story');
    await expect.poll(async () => Math.max(0, ...(await numbers('#timeline td.played'))), { timeout: 15_000 }).toBeGreaterThan(400);
    await shot('2-reply-playing');

    // Interrupt mid-reply (the reply lasts at least 6 s): a truncate is sent and echoed, the
    // transcript marks what was not heard and the timeline shows where it was cut. The simulator
    // streams at 3x real time and can only truncate an item once its audio is complete, so wait
    // for response.done: playback is then still about two thirds from its end.
    await page.fill('#log-filter', 'response.done');
    await expect.poll(() => page.locator('#log li').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.click('#interrupt');
    await page.fill('#log-filter', 'truncate');
    await expect.poll(() => page.locator('#log .type').allTextContents(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['conversation.item.truncate', 'conversation.item.truncated']));
    await expect.poll(() => page.locator('#transcript .msg.assistant .badge').count()).toBe(1);
    const cut = await numbers('#timeline td.truncated');
    expect(cut.length).toBe(1);
    expect(cut[0]).toBeGreaterThan(0);
    await shot('3-interrupted');
    await page.fill('#log-filter', '');

    // The tool: the simulator's script calls get_weather for "weather"; the page answers with JSON.
    await page.fill('#message', "What's the weather in Paris?");
    await page.click('#send');
    await expect.poll(() => page.textContent('#tools .args'), { timeout: 15_000 }).toContain('"city":"Paris"');
    await expect.poll(() => page.textContent('#tools .output'), { timeout: 10_000 }).toContain('"temperature_c"');
    await expect.poll(() => page.locator('#transcript .msg.assistant').allTextContents(), { timeout: 15_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining('The weather tool answered')]));
    await shot('4-tool-call');

    // The event log downloads as JSONL.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#log-download')]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const jsonl = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.some((e) => e.type === 'function_call_arguments.done' || e.type === 'response.function_call_arguments.done')).toBe(true);

    // The microphone (Chromium's fake device): the input level moves and audio is appended.
    await page.click('#mic');
    await expect.poll(() => page.getAttribute('#mic', 'aria-pressed')).toBe('true');
    await expect.poll(() => page.$eval('#mic-level', (m) => (m as HTMLMeterElement).value), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.check('#log-audio');
    await page.fill('#log-filter', 'input_audio_buffer.append');
    await expect.poll(() => page.locator('#log .out').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.fill('#log-filter', '');
    await page.uncheck('#log-audio');
    await page.click('#mic');
    await expect.poll(() => page.getAttribute('#mic', 'aria-pressed')).toBe('false');

    await page.setViewportSize({ width: 390, height: 844 });
    await shot('5-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.click('#connect');
    await expect.poll(() => page.textContent('#status')).toBe('Disconnected');
    expect(await page.isHidden('#error')).toBe(true);
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it('shows a failed key mint plainly and stays disconnected', async () => {
    const standIn = createHttpServer((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided' } }));
    });
    await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
    const errors: string[] = [];
    const p = await browser.newPage();
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(String(e)));
    try {
      process.env.OPENAI_API_KEY = 'sk-wrong';
      process.env.OPENAI_BASE_URL = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/v1`;
      await p.goto(base);
      await p.click('#connect');
      await expect.poll(() => p.textContent('#error'), { timeout: 10_000 }).toContain('Incorrect API key provided');
      expect(await p.textContent('#error')).toMatch(/^Could not connect: Minting an ephemeral key failed \(HTTP 401\)/);
      expect(await p.textContent('#status')).toBe('Disconnected');
      expect(await p.textContent('#connect')).toBe('Connect');
      await p.screenshot({ path: `${shots}6-error.png` });
      // Only the browser's own note about the 502 response, nothing thrown by the page.
      expect(errors.filter((e) => !e.includes('status of 502'))).toEqual([]);
    } finally {
      await p.close();
      restoreEnv();
      delete process.env.OPENAI_API_KEY;
      await new Promise((r) => standIn.close(r));
    }
  });
});
