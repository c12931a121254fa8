// Worker mode in Chromium: a RealtimeWorkerModel on the page, the model in a module worker
// (serveRealtimeModel), a local `ws` server as the Realtime server, and a WebAudioPlayer on the
// page playing into the player tests' tap (the ground truth of what was rendered).
// - On the wire it is the same model: the same app script sends exactly the same frames from the
//   page and from a worker (seeded audio sizes).
// - Audio stays off the page: the worker feeds the worklet directly, so the page gets one message
//   per event it listens to, none per frame, and the tap renders every sample.
// - A barge-in truncates at what was heard: audio_end_ms against the tap's rendered total minus
//   the output latency (same tolerance as the model + player test, plus the drop's race).
// - Errors cross as the library's classes with their codes; a listener that throws on the page is
//   reported to the others; a worker that never serves fails connect after its deadline.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/chromium.js';
import { responseCreated, responseDone, sessionEvent, speechStarted, transcriptDelta } from '../helpers/frames.js';
import { startWsServer, waitFor, type SeenConnection } from '../helpers/ws-server.js';
import { openAudioPage, type AudioPage } from '../audio/harness.js';
import { level, ramp } from '../audio/fixtures/player-page.js';

const entry = fileURLToPath(new URL('./fixtures/worker-page.ts', import.meta.url));
const workers = {
  'worker.js': fileURLToPath(new URL('./fixtures/serving-worker.ts', import.meta.url)),
  'silent-worker.js': fileURLToPath(new URL('./fixtures/silent-worker.ts', import.meta.url)),
};
const run = hasChromium() ? describe : describe.skip;

const RATE = 48000;
const CALLBACK_FRAMES = 512;
/** As model-player.test.ts: one quantum + two callbacks, 1 ms flooring, 1 ms latency reading. */
const TOLERANCE_MS = ((128 + 2 * CALLBACK_FRAMES) / RATE) * 1000 + 1 + 1;
const CHUNK = 2400;
const SENTINEL_MS = 200;

let ap: AudioPage;
let ws: Awaited<ReturnType<typeof startWsServer>>;
let onCreate: (conn: SeenConnection) => void = () => {};
const timers: Array<ReturnType<typeof setInterval>> = [];

const base = (responseId: string, itemId: string) => ({ response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 });
const delta = (responseId: string, itemId: string, bytes: Uint8Array) => ({
  type: 'response.output_audio.delta', event_id: `evt_${Math.random()}`, ...base(responseId, itemId), delta: Buffer.from(bytes).toString('base64'),
});
const audioDone = (responseId: string, itemId: string) => ({ type: 'response.output_audio.done', event_id: `evt_done_${itemId}`, ...base(responseId, itemId) });
const sendTo = (conn: SeenConnection, frame: unknown) => conn.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
const last = () => ws.connections[ws.connections.length - 1]!;

const harness = <T>(fn: string, ...args: unknown[]) =>
  ap.page.evaluate(([f, a]) => (globalThis as any).workerHarness[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>;

interface Result {
  events: Array<Record<string, any>>;
  fromWorker: Record<string, number>;
  tap: { abs: number; levels: number[]; glitches: number; mark: number; lastAudio: number } | null;
  heardTruthMs: number;
  latencyMs: number;
  items: Array<Record<string, unknown>>;
  model: string;
}

run('worker mode: the model in a Web Worker, the player on the page', () => {
  beforeAll(async () => {
    ws = await startWsServer((event, c) => {
      if (event.type === 'session.update' && c.received.filter((e) => e.type === 'session.update').length === 1) {
        sendTo(c, sessionEvent('session.created', { interruptResponse: true }));
      } else if (event.type === 'response.create') onCreate(c);
    });
    ap = await openAudioPage(entry, [], workers);
  });
  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    await ap?.page.evaluate(() => (globalThis as any).workerHarness.stop()).catch(() => {});
    await ap?.close();
    await ws?.close();
  });

  it('sends exactly the frames the page model sends, for the same app script (seeded audio sizes)', async () => {
    onCreate = () => {};
    const settings = {
      instructions: 'You are a weather bot.', voice: 'cedar',
      tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
    };
    for (const seed of [1, 2, 3]) {
      const texts: Record<string, string[]> = {};
      for (const mode of ['page', 'worker'] as const) {
        const before = ws.connections.length;
        expect(await harness('start', ws.url, { mode, settings, keyFn: mode === 'worker' ? 'ok' : undefined, apiKey: 'ek_from_fn' })).toEqual({ ok: true });
        const conn = ws.connections[before]!;
        // The tracing update answers session.created: wait for it, so the order does not race.
        await waitFor(() => conn.received.filter((e) => e.type === 'session.update').length === 2);
        await harness('script', seed);
        await waitFor(() => conn.received.some((e) => e.type === 'input_audio_buffer.clear')); // the script's last frame
        expect(conn.protocols).toEqual(['realtime', 'openai-insecure-api-key.ek_from_fn']);
        // Each frame as its length, a digest and its start (a short diff when they differ).
        texts[mode] = conn.texts.map((t) => `${t.length} ${createHash('sha1').update(t).digest('hex').slice(0, 12)} ${t.slice(0, 60)}`);
        await harness('stop');
      }
      expect(texts.worker!.length).toBeGreaterThanOrEqual(11);
      expect(texts.worker).toEqual(texts.page);
    }
  });

  it('plays a streamed reply without waking the page per frame: one message per listened event', async () => {
    const TOTAL = 24000 * 2; // 2 s of ramp in 20 chunks
    onCreate = (c) => {
      sendTo(c, responseCreated('resp_1'));
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= TOTAL) {
          clearInterval(timer);
          sendTo(c, audioDone('resp_1', 'item_1'));
          sendTo(c, responseDone('resp_1'));
          return;
        }
        sendTo(c, transcriptDelta('resp_1', 'item_1', `w${sent / CHUNK} `));
        sendTo(c, delta('resp_1', 'item_1', ramp(sent, sent + CHUNK)));
        sent += CHUNK;
      }, 20);
      timers.push(timer);
    };
    expect(await harness('start', ws.url, { mode: 'worker', player: true, listen: ['audio_done', 'turn_ended'] })).toEqual({ ok: true });
    await harness('send', 'sendEvent', { type: 'raw_message', message: { type: 'response.create' } });
    // Every sample reaches the tap (the positive signal that all 20 frames went through the worker).
    await ap.page.waitForFunction((n) => (globalThis as any).workerHarness.rendered() >= n, TOTAL, { polling: 20, timeout: 15_000 });
    const r = await harness<Result>('result');
    expect(r.events.map((e) => e.type)).toEqual(['audio_done', 'turn_ended']);
    // Two events, the answers to connect, sendEvent and getAudioItems, and 'ready': nothing per frame.
    expect(r.fromWorker).toEqual({ ready: 1, event: 2, done: 3 });
    expect(r.tap!.abs + 1).toBe(TOTAL);
    expect(r.items).toEqual([expect.objectContaining({ itemId: 'item_1', receivedMs: 2000 })]);
    expect(r.model).toBe('gpt-realtime');
  });

  it('delivers the events the page listens to, audio as bytes', async () => {
    onCreate = (c) => {
      sendTo(c, responseCreated('resp_2'));
      sendTo(c, transcriptDelta('resp_2', 'item_2', 'Hello '));
      sendTo(c, delta('resp_2', 'item_2', ramp(0, CHUNK)));
      sendTo(c, delta('resp_2', 'item_2', ramp(CHUNK, 2 * CHUNK)));
      sendTo(c, audioDone('resp_2', 'item_2'));
      sendTo(c, responseDone('resp_2'));
    };
    expect(await harness('start', ws.url, { mode: 'worker', player: true, playerEvents: true, listen: ['audio', 'transcript_delta', 'turn_ended'] })).toEqual({ ok: true });
    await harness('send', 'sendEvent', { type: 'raw_message', message: { type: 'response.create' } });
    await ap.page.waitForFunction(() => (globalThis as any).workerHarness.rendered() >= 4800, undefined, { polling: 20, timeout: 15_000 });
    const r = await harness<Result>('result');
    const audio = r.events.filter((e) => e.type === 'audio');
    expect(audio).toEqual([
      { type: 'audio', itemId: 'item_2', bytes: 2 * CHUNK, isBytes: true, head: Array.from(ramp(0, 2)) },
      { type: 'audio', itemId: 'item_2', bytes: 2 * CHUNK, isBytes: true, head: Array.from(ramp(CHUNK, CHUNK + 2)) },
    ]);
    expect(r.events.find((e) => e.type === 'transcript_delta')).toMatchObject({ itemId: 'item_2', delta: 'Hello ' });
    await waitForEvent('turn_ended');
    // The page player's own events, from the worker's player: the item starts, is heard, ends.
    await waitForEvent('player:ended');
    const p = (await harness<Result>('result')).events.filter((e) => String(e.type).startsWith('player:'));
    expect(p[0]).toEqual({ type: 'player:started', itemId: 'item_2', contentIndex: 0 });
    // Ended when the worklet ran dry: heard by then is what rendered less the output latency.
    expect(p.filter((e) => e.type === 'player:ended')).toEqual([{ type: 'player:ended', itemId: 'item_2', contentIndex: 0, playedMs: expect.any(Number), interrupted: false }]);
    expect(p.find((e) => e.type === 'player:ended')!.playedMs).toBeGreaterThan(100);
    expect(p.find((e) => e.type === 'player:ended')!.playedMs).toBeLessThanOrEqual(200);
    expect(p.filter((e) => e.type === 'player:level').some((e) => e.rms > 0)).toBe(true);
    const positions = p.filter((e) => e.type === 'player:position').map((e) => e.ms as number);
    expect(positions.length).toBeGreaterThanOrEqual(3); // every ~25 ms of 200 ms while watched
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('truncates a barge-in at what the listener heard (tap), and plays nothing more of the reply', async () => {
    let stop = () => {};
    onCreate = (c) => {
      sendTo(c, responseCreated('resp_3'));
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= 24000 * 3.6) return clearInterval(timer);
        sendTo(c, delta('resp_3', 'item_3', ramp(sent, sent + CHUNK)));
        sent += CHUNK;
      }, 20);
      timers.push(timer);
      stop = () => clearInterval(timer);
    };
    expect(await harness('start', ws.url, { mode: 'worker', player: true, listen: ['audio_interrupted'] })).toEqual({ ok: true });
    await harness('send', 'sendEvent', { type: 'raw_message', message: { type: 'response.create' } });
    await ap.page.waitForFunction(() => (globalThis as any).workerHarness.rendered() >= 24000, undefined, { polling: 10, timeout: 10_000 });
    // The reading's heardStartAt is on the page's clock: the first frame was heard about elapsedMs ago.
    const { state, now } = await harness<{ state: { currentItemId: string; elapsedMs: number; heardStartAt: number }; now: number }>('playback');
    expect(state.currentItemId).toBe('item_3');
    expect(Math.abs(now - state.heardStartAt - state.elapsedMs)).toBeLessThan(100);
    const conn = last();
    sendTo(conn, speechStarted('item_user', 2000));
    await waitFor(() => conn.received.some((e) => e.type === 'conversation.item.truncate'));
    stop();
    // A sentinel reply after it: once it rendered in full, nothing of item_3 was still queued.
    sendTo(conn, responseCreated('resp_s'));
    sendTo(conn, delta('resp_s', 'item_s', level(3, SENTINEL_MS)));
    sendTo(conn, audioDone('resp_s', 'item_s'));
    await ap.page.waitForFunction((n) => (globalThis as any).workerHarness.level(3) >= n, (SENTINEL_MS * RATE) / 1000, { polling: 10, timeout: 10_000 });
    const r = await harness<Result>('result');
    const truncate = conn.received.find((e) => e.type === 'conversation.item.truncate')!;
    const renderedMs = (r.tap!.abs + 1) / 24;
    const err = truncate.audio_end_ms - r.heardTruthMs;
    console.log(`worker barge-in: audio_end_ms ${truncate.audio_end_ms}, tap heard ${r.heardTruthMs.toFixed(2)} ms, rendered ${renderedMs.toFixed(2)} ms, latency ${r.latencyMs.toFixed(2)} ms, error ${err.toFixed(2)} ms (tolerance ${TOLERANCE_MS.toFixed(1)} ms)`);
    expect(r.tap!.mark).toBeGreaterThan(0); // the worker marked its read
    // Silent within the race allowance after the read, although the stream ran on.
    expect(r.tap!.lastAudio + 1 - r.tap!.mark).toBeLessThanOrEqual(128 + CALLBACK_FRAMES);
    expect(truncate).toEqual({ type: 'conversation.item.truncate', item_id: 'item_3', content_index: 0, audio_end_ms: expect.any(Number) });
    expect(Math.abs(err)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(truncate.audio_end_ms).toBeGreaterThanOrEqual(900);
    expect(r.events).toEqual([{ type: 'audio_interrupted', itemId: 'item_3', contentIndex: 0, responseId: 'resp_3' }].map((e) => expect.objectContaining({ type: e.type, itemId: e.itemId })));
  });

  it('rebuilds errors as the library classes with their codes', async () => {
    onCreate = () => {};
    // Refused in the worker by the browser transport: a key that is not ephemeral.
    const key = await harness<any>('start', ws.url, { mode: 'worker', apiKey: 'sk-live-123' });
    expect(key).toEqual({ ok: false, error: expect.objectContaining({ name: 'RealtimeUserError', code: 'browser_api_key', isUser: true }) });
    // The page's key function fails: connect rejects, nothing is opened.
    const before = ws.connections.length;
    const minted = await harness<any>('start', ws.url, { mode: 'worker', keyFn: 'throws' });
    expect(minted).toEqual({ ok: false, error: expect.objectContaining({ code: 'missing_api_key', isUser: true, message: expect.stringContaining('mint failed') }) });
    // Settings that cannot cross (a function) are refused on the page.
    const fn = await harness<any>('start', ws.url, { mode: 'worker', functionInSettings: true });
    expect(fn).toEqual({ ok: false, error: expect.objectContaining({ code: 'invalid_argument', isUser: true, message: expect.stringContaining('cannot be sent to the worker') }) });
    expect(ws.connections.length).toBe(before);
    // Sending before connect: the worker's model answers not_connected.
    expect(await harness<any>('send', 'sendUserInput', 'hi')).toEqual({ ok: false, error: expect.objectContaining({ code: 'not_connected', isUser: true }) });
  });

  it('reports a malformed frame and a throwing page listener as exceptions with their codes', async () => {
    onCreate = () => {};
    expect(await harness('start', ws.url, { mode: 'worker', listen: ['exception', 'transcript_delta'], throwIn: 'transcript_delta' })).toEqual({ ok: true });
    const conn = last();
    sendTo(conn, '{"type": "response.output_audio.delta", "delta": '); // cut short
    sendTo(conn, responseCreated('resp_4'));
    sendTo(conn, transcriptDelta('resp_4', 'item_4', 'Hi'));
    await waitForEvent('transcript_delta');
    const r = await harness<Result>('result');
    const exceptions = r.events.filter((e) => e.type === 'exception');
    expect(exceptions).toEqual([
      expect.objectContaining({ context: 'Failed to parse WebSocket message', name: 'RealtimeProtocolError', code: 'invalid_json', isProtocol: true }),
      expect.objectContaining({ context: 'Listener error', code: 'listener_error', isProtocol: true, rawName: 'Error', message: expect.stringContaining('listener boom') }),
    ]);
  });

  it('fails connect when the worker never serves, after the deadline', async () => {
    const r = await harness<any>('start', ws.url, { mode: 'worker', worker: 'silent-worker.js', connectTimeoutMs: 300 });
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'connect_timeout', isProtocol: true, message: expect.stringContaining('serveRealtimeModel') }) });
  });

  it('fails connect when the worker script does not load, without waiting for the deadline', async () => {
    // connection_error, not connect_timeout: the load failure decided it, not the 60 s deadline.
    const r = await harness<any>('start', ws.url, { mode: 'worker', worker: 'no-such-worker.js', connectTimeoutMs: 60_000 });
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'connection_error', isProtocol: true, message: expect.stringContaining('Worker') }) });
  });
});

/** Polls the page until it saw an event of `type`. */
async function waitForEvent(type: string) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const r = await harness<Result>('result');
    if (r.events.some((e) => e.type === type)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${type} event`);
}
