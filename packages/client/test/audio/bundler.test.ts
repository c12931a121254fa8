// The player's worklet must load from a Vite production build with no extra configuration:
// the worklet source ships as a string and loads through a Blob URL, so no asset URL is needed.
// Builds a one-file app with Vite's JS API, serves dist/ and plays audio through it in Chromium.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.js';

const webAudio = fileURLToPath(new URL('../../src/web-audio.ts', import.meta.url));
const run = hasChromium() ? describe : describe.skip;
if (!hasChromium()) console.warn('bundler.test.ts skipped: no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');

const APP = `
import { WebAudioPlayer } from ${JSON.stringify(webAudio)};
const player = new WebAudioPlayer();
await player.start();
const tone = new Uint8Array(24000 * 2);
const view = new DataView(tone.buffer);
for (let i = 0; i < 24000; i++) view.setInt16(i * 2, Math.round(Math.sin(i / 10) * 8000), true);
player.enqueue('item_v', 0, tone, 'resp_v');
await new Promise((r) => setTimeout(r, 400));
globalThis.result = player.getState();
`;

run('bundling with Vite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'or-vite-'));
  let server: Server | undefined;
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('plays through the worklet from a default Vite build', async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
    writeFileSync(join(dir, 'main.js'), APP);
    const { build } = await import('vite');
    await build({ root: dir, logLevel: 'silent', build: { outDir: join(dir, 'dist'), target: 'es2022' } });
    const assets = readdirSync(join(dir, 'dist/assets'));
    expect(assets.every((f) => f.endsWith('.js'))).toBe(true); // no separate worklet asset
    server = createServer((req, res) => {
      const name = req.url === '/' ? 'index.html' : (req.url ?? '').slice(1).replace(/\.\./g, '');
      try {
        const body = readFileSync(join(dir, 'dist', name));
        res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      await page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, null, { timeout: 20_000 });
      const state = (await page.evaluate(() => (globalThis as any).result)) as { currentItemId: string; elapsedMs: number };
      expect(state.currentItemId).toBe('item_v');
      expect(state.elapsedMs).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  });
});
