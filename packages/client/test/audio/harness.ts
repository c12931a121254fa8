// Test harness for the Web Audio tests: bundles a browser entry with esbuild's JS API into a temp
// dir, serves it from http://127.0.0.1:<port> (a secure context, as AudioWorklet requires) and
// opens it in Debian's Chromium with autoplay allowed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';

export interface AudioPage {
  page: Page;
  url: string;
  close(): Promise<void>;
}

/**
 * Bundles `entry`, serves it with an index.html and opens it; `args` are extra Chromium flags;
 * `extra` bundles more entries served beside it (file name → entry path), e.g. a worker module.
 */
export async function openAudioPage(entry: string, args: string[] = [], extra: Record<string, string> = {}): Promise<AudioPage> {
  const dir = mkdtempSync(join(tmpdir(), 'or-audio-'));
  await build({ entryPoints: [entry], bundle: true, format: 'esm', outfile: join(dir, 'entry.js'), logLevel: 'silent' });
  for (const [name, path] of Object.entries(extra)) {
    await build({ entryPoints: [path], bundle: true, format: 'esm', outfile: join(dir, name), logLevel: 'silent' });
  }
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="entry.js"></script>');
  const server: Server = createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : (req.url ?? '').slice(1).split('?')[0]!;
    try {
      const body = readFileSync(join(dir, name.replace(/\.\./g, '')));
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const browser: Browser = await launchChromium(['--autoplay-policy=no-user-gesture-required', ...args]);
  const page = await browser.newPage();
  const url = `http://127.0.0.1:${port}/`;
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as { harnessReady?: boolean }).harnessReady === true);
  return {
    page,
    url,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
