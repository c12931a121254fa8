// End-to-end test of the demo: the real dev server (Vite + the plugin that starts the simulator and
// serves /api/session) driven in Chromium, plus /api/session in real mode against a local
// stand-in for POST /v1/realtime/client_secrets.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '@open-realtime/simulator';
import { hasChromium, launchChromium } from '../../../packages/client/test/helpers/chromium.js';

const demoDir = fileURLToPath(new URL('..', import.meta.url));
const shots = fileURLToPath(new URL('../test-results/', import.meta.url));

/** The words spoken into the fake microphone, synthesized by the simulator's own TTS. */
const SPOKEN = 'What is the weather like today?';

/**
 * A 48 kHz mono 16-bit WAV of real speech: 1 s of silence, `pcm24k` upsampled ×2 (linear), then
 * 2 s of silence. Chromium plays it from the start each time a capture stream opens; with the
 * `%noloop` suffix it does not loop, so the simulator's VAD hears exactly one turn, and the
 * trailing silence is longer than semantic_vad's 800 ms (eagerness auto) so the turn ends.
 */
function speechWav(pcm24k: Int16Array): Buffer {
  const rate = 48_000;
  const lead = rate, trail = 2 * rate;
  const samples = new Int16Array(lead + pcm24k.length * 2 + trail);
  for (let i = 0; i < pcm24k.length; i++) {
    const a = pcm24k[i]!, b = pcm24k[i + 1] ?? a;
    samples[lead + 2 * i] = a;
    samples[lead + 2 * i + 1] = (a + b) >> 1;
  }
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

let server: ViteDevServer;
let base: string;
const savedEnv = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL, sim: process.env.DEMO_SIMULATOR };

function restoreEnv(): void {
  delete process.env.DEMO_SIM_PACE;
  for (const [name, value] of [['OPENAI_API_KEY', savedEnv.key], ['OPENAI_BASE_URL', savedEnv.base], ['DEMO_SIMULATOR', savedEnv.sim]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

beforeAll(async () => {
  delete process.env.OPENAI_API_KEY; // simulator mode unless a test sets it
  delete process.env.DEMO_SIMULATOR;
  // Replies stream at 1.5x real time here (3x in the demo), so a reply is still streaming when the
  // test interrupts it ~1 s in, however slow a loaded machine makes the steps before the click.
  process.env.DEMO_SIM_PACE = '1.5';
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

  it('serves the simulator\'s word timings in simulator mode only, with plain errors', async () => {
    const missing = await fetch(`${base}api/sim/word-timings`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: 'Missing ?item=ID' });
    const unknown = await fetch(`${base}api/sim/word-timings?item=item_nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'No word timings for item item_nope' });
    try {
      process.env.OPENAI_API_KEY = 'sk-real-secret';
      const real = await fetch(`${base}api/sim/word-timings?item=item_nope`);
      expect(real.status).toBe(404);
      expect(await real.json()).toEqual({ error: 'Word timings exist only in simulator mode' });
    } finally {
      restoreEnv();
      delete process.env.OPENAI_API_KEY;
    }
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
  let micDir: string;
  let speechMs: number;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    micDir = mkdtempSync(join(tmpdir(), 'demo-mic-'));
    const speech = await synthesize(SPOKEN);
    speechMs = (speech.length / 24_000) * 1000;
    const wav = join(micDir, 'speech.wav');
    writeFileSync(wav, speechWav(speech));
    browser = await launchChromium([
      '--autoplay-policy=no-user-gesture-required',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}%noloop`,
    ]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  afterAll(async () => {
    await browser?.close();
    if (micDir) rmSync(micDir, { recursive: true, force: true });
  });

  const shot = async (name: string) => {
    await page.evaluate(() => window.scrollTo(0, 0)); // scrolled, the sticky header would cover the top
    await page.screenshot({ path: `${shots}${name}.png`, fullPage: true });
  };
  const numbers = (selector: string) => page.locator(selector).allTextContents().then((t) => t.map(Number).filter(Number.isFinite));

  it('connects, speaks a reply, calls the tool, truncates mid-reply on interrupt', async () => {
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
    // Heard ms come from the model's ledger (the player's audio clock); wait until ~1 s was heard
    // so the cut lands some words into the reply, while it still streams (6 s at 1.5× real time).
    await expect.poll(async () => Math.max(0, ...(await numbers('#timeline td.heard'))), { timeout: 15_000 }).toBeGreaterThan(1000);
    // While it plays, the words not heard yet are shown greyed, not struck through.
    expect(await page.locator('#transcript .msg.assistant .heard').count()).toBe(1);
    expect(await page.locator('#transcript .msg.assistant .unheard.pending').count()).toBe(1);
    // The latency as heard of this turn: typed message sent → first sound at the speaker.
    await expect.poll(() => page.textContent('#latency li[data-kind="first_audio_heard"]')).toMatch(/^\d+ ms reply heard: from when it was asked for \(a message or a tool output sent\) to its first sound at your speaker; its first audio arrived after \d+ ms$/);
    // Heard at the output: the player's `level` reports (RMS of the samples its worklet rendered to
    // the destination) drive the speaker meter while the reply plays.
    await expect.poll(() => page.$eval('#out-level', (m) => (m as HTMLMeterElement).value), { timeout: 5_000 }).toBeGreaterThan(0);
    await shot('2-reply-playing');

    // Barge-in MID-REPLY: the reply is at least 6 s of audio, streamed at 1.5x real time, so ~1 s
    // into playback it is still streaming. The heard ms the timeline shows for the item is read in
    // the task where the timeline redraws from the ledger (its next animation-frame callback,
    // wrapped here), and Interrupt pressed in that same task: what is read is the ledger at the click.
    const itemId = (await page.getAttribute('#transcript .msg.assistant', 'data-item-id'))!;
    const shownMs = await page.evaluate((id) => new Promise<number>((resolve) => {
      const raf = window.requestAnimationFrame;
      window.requestAnimationFrame = (redraw) => raf.call(window, (time) => {
        window.requestAnimationFrame = raf;
        redraw(time);
        const ms = Number(document.querySelector(`#timeline tr[data-item-id="${CSS.escape(id)}"] td.heard`)!.textContent);
        document.getElementById('interrupt')!.click();
        resolve(ms);
      });
    }), itemId);
    await page.fill('#log-filter', 'truncate');
    await expect.poll(() => page.locator('#log .type').allTextContents(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['conversation.item.truncate', 'conversation.item.truncated']));
    await page.locator('#log li.out summary').first().click(); // opening an entry shows its JSON
    // The JSON is written by the entry's toggle event, a task after the click.
    await expect.poll(() => page.textContent('#log li.out pre')).not.toBe('');
    const truncate = JSON.parse((await page.textContent('#log li.out pre'))!);
    expect(truncate).toMatchObject({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0 });
    const endMs: number = truncate.audio_end_ms;
    // audio_end_ms is read from the audio clock at the click; the ledger was last moved by the
    // player's previous playback report. The demo listens to `position`, so the worklet reports every
    // PLAYER_FAST_REPORT_MS (25 ms) of playback, counted in 128-frame quanta (10 quanta, 26.7 ms at
    // 48 kHz) that Chromium renders 4 to a device callback (10.7 ms): reports leave 2 or 3 callbacks
    // apart, so the ledger trails the click by 32 ms at most, plus delivery jitter; 60 ms leaves that
    // jitter 28 ms on a loaded machine. The ledger never runs ahead of the audio clock (1 ms: both
    // are floored).
    console.log(`timeline showed ${shownMs} ms heard at the click, audio_end_ms ${endMs}`);
    expect(endMs).toBeGreaterThan(0);
    expect(endMs).toBeGreaterThanOrEqual(shownMs - 1);
    expect(endMs - shownMs).toBeLessThanOrEqual(60);
    // The ledger holds the same position; the timeline and the transcript show the cut there.
    await expect.poll(() => numbers(`#timeline tr[data-item-id="${itemId}"] td.truncated`)).toEqual([endMs]);
    expect(await page.textContent(`#timeline tr[data-item-id="${itemId}"] td.phase`)).toBe('cut');
    await expect.poll(() => page.textContent('#transcript .msg.assistant .badge')).toBe(`cut at ${endMs} ms`);
    expect((await page.textContent('#transcript .msg.assistant .unheard.cut'))!.trim().length).toBeGreaterThan(0);
    // The heard split shown matches what the simulator really spoke before audio_end_ms, within one
    // word: a word counts as heard when its first sample was (startMs < audio_end_ms).
    const timings = (await (await fetch(`${base}api/sim/word-timings?item=${encodeURIComponent(itemId)}`)).json()) as Array<{ word: string; startMs: number }>;
    const trulyHeard = timings.filter((w) => w.startMs < endMs).length;
    const shownHeard = (await page.textContent('#transcript .msg.assistant .heard'))!.trim().split(/\s+/).filter(Boolean);
    console.log(`heard split at ${endMs} ms: shown ${shownHeard.length} words (${shownHeard.join(' ')}), simulator ${trulyHeard} (${timings.slice(0, trulyHeard).map((w) => w.word).join(' ')})`);
    expect(trulyHeard).toBeGreaterThan(0);
    expect(Math.abs(shownHeard.length - trulyHeard)).toBeLessThanOrEqual(1);
    // The stop's own latency: Interrupt pressed → the reply quiet at the speaker.
    await expect.poll(() => page.textContent('#latency li[data-kind="interrupt"]')).toMatch(/^\d+ ms interrupt to silence: /);
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
    // The truncate went out while the reply was still streaming: its response ended cancelled, after it.
    const sentAt = jsonl.findIndex((e) => e.dir === 'out' && e.type === 'conversation.item.truncate');
    const doneAt = jsonl.findIndex((e) => e.dir === 'in' && e.type === 'response.done'
      && e.data.response.output?.some((o: { id?: string }) => o.id === itemId));
    expect(sentAt).toBeGreaterThanOrEqual(0);
    expect(doneAt).toBeGreaterThan(sentAt);
    expect(jsonl[doneAt].data.response.status).toBe('cancelled');

    await page.setViewportSize({ width: 390, height: 844 });
    await shot('5-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.click('#connect');
    await expect.poll(() => page.textContent('#status')).toBe('Disconnected');
    expect(await page.isHidden('#error')).toBe(true);
    expect(consoleErrors).toEqual([]);
  }, 120_000);

  it('hears a spoken turn from the fake microphone and answers it', async () => {
    await page.goto(base);
    await page.click('#connect');
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Connected');

    // Chromium's fake device plays the speech WAV from its start when the capture opens: the input
    // level moves and audio is appended.
    await page.click('#mic');
    await expect.poll(() => page.getAttribute('#mic', 'aria-pressed')).toBe('true');
    await expect.poll(() => page.$eval('#mic-level', (m) => (m as HTMLMeterElement).value), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.check('#log-audio');
    await page.fill('#log-filter', 'input_audio_buffer.append');
    await expect.poll(() => page.locator('#log .out').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.uncheck('#log-audio');

    // The simulator's VAD hears the speech and ends the turn in the trailing silence. It cannot
    // transcribe, so the page shows the user's audio turn as untranscribed, with the server's reason.
    await page.fill('#log-filter', 'input_audio_buffer.speech_');
    await expect.poll(() => page.locator('#log .type').allTextContents(), { timeout: 15_000 })
      .toEqual(['input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped']);
    await page.fill('#log-filter', '');
    await expect.poll(() => page.locator('#transcript .msg.user').allTextContents(), { timeout: 10_000 }).toEqual([
      'You(spoken audio: The open-realtime simulator cannot transcribe speech; give a transcript in script.userTranscripts.)',
    ]);
    // Then the assistant answers that turn, after it in the transcript, measuring the speech it heard.
    await expect.poll(() => page.textContent('#transcript .msg.user + .msg.assistant'), { timeout: 15_000 })
      .toMatch(/I heard about (\d+\.\d) seconds of audio, but I am a simulator and cannot understand speech\./);
    const heardS = Number(/I heard about (\d+\.\d)/.exec((await page.textContent('#transcript .msg.user + .msg.assistant'))!)![1]);
    // The committed turn is the speech plus the VAD's prefix padding (300 ms) and the silence it
    // waits for before ending the turn (800 ms), to the 0.1 s the reply prints.
    expect(heardS * 1000).toBeGreaterThan(speechMs - 300);
    expect(heardS * 1000).toBeLessThan(speechMs + 1500);
    await shot('7-mic-turn');

    await page.click('#mic');
    await expect.poll(() => page.getAttribute('#mic', 'aria-pressed')).toBe('false');
    await page.click('#connect');
    await expect.poll(() => page.textContent('#status')).toBe('Disconnected');
    expect(await page.isHidden('#error')).toBe(true);
    expect(consoleErrors).toEqual([]);
  }, 60_000);

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
