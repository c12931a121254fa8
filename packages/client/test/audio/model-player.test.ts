// End to end in Chromium: OpenAIRealtimeWebSocketModel (browser entry) driving a WebAudioPlayer
// wired in one step, against a local `ws` server acting as the Realtime server. The server streams
// a self-indexing pcm16 ramp 5× faster than real time; the tap after the player (player tests'
// fixture) gives the ground truth of which source sample was heard when the model read the player.
// "Nothing more was rendered" is checked after a positive signal: a later response's constant
// level (a sentinel) rendered in full, which anything still queued would have preceded.
//
// Tolerance (as in player.test.ts): the tap marks the context frame where it receives a message
// posted right after the model's getState(); the audio thread takes messages between render
// callbacks of 512 frames, so the mark may land one callback late, and the getOutputTimestamp()
// pair the player extrapolates from may be one callback stale: one quantum + two callbacks
// (1152 frames = 24 ms at 48 kHz), plus 1 ms because audio_end_ms is floored to an integer and
// 1 ms slack for the main thread's latency reading.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/chromium.js';
import { responseCreated, responseDone, sessionEvent, speechStarted } from '../helpers/frames.js';
import { startWsServer, waitFor, type SeenConnection } from '../helpers/ws-server.js';
import { openAudioPage, type AudioPage } from './harness.js';
import { level, ramp } from './fixtures/player-page.js';

const entry = fileURLToPath(new URL('./fixtures/model-player-page.ts', import.meta.url));
const run = hasChromium() ? describe : describe.skip;

const CALLBACK_FRAMES = 512;
const RATE = 48000;
const TOLERANCE_MS = ((128 + 2 * CALLBACK_FRAMES) / RATE) * 1000 + 1 + 1;
const CHUNK = 2400; // 100 ms of 24 kHz pcm16
/** The ramp wraps every 30000 source samples; the resampler's sample across a wrap reads as a glitch. */
const RAMP_PERIOD = 30000;
const SENTINEL_MS = 200;

let ap: AudioPage;
let ws: Awaited<ReturnType<typeof startWsServer>>;
let conn: SeenConnection | null = null;
/** What the server does on each response.create of the current test. */
let onCreate: (send: (frame: unknown) => void, n: number) => void = () => {};
let creates = 0;
const timers: Array<ReturnType<typeof setInterval>> = [];

const base = (responseId: string, itemId: string) => ({ response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 });
const delta = (responseId: string, itemId: string, bytes: Uint8Array) => ({
  type: 'response.output_audio.delta', event_id: `evt_${responseId}_${Math.random()}`, ...base(responseId, itemId),
  delta: Buffer.from(bytes).toString('base64'),
});
const audioDone = (responseId: string, itemId: string) => ({ type: 'response.output_audio.done', event_id: `evt_done_${itemId}`, ...base(responseId, itemId) });
const send = (frame: unknown) => conn!.socket.send(JSON.stringify(frame));

/** Streams ramp samples [0, total) of an item, CHUNK every 20 ms; returns a counter of samples sent. */
function streamRamp(responseId: string, itemId: string, total: number, then?: () => void): { sent: number; stop(): void } {
  const state = { sent: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    if (state.sent >= total) return void (clearInterval(timer), then?.());
    send(delta(responseId, itemId, ramp(state.sent, state.sent + CHUNK)));
    state.sent += CHUNK;
  }, 20);
  timers.push(timer);
  return state;
}

/** A whole response with one item of constant level 3 (the sentinel). */
function sendSentinel(responseId: string) {
  send(responseCreated(responseId));
  send(delta(responseId, 'item_sentinel', level(3, SENTINEL_MS)));
  send(audioDone(responseId, 'item_sentinel'));
  send(responseDone(responseId));
}

const harness = <T>(fn: string, ...args: unknown[]) =>
  ap.page.evaluate(([f, a]) => (globalThis as any).modelHarness[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>;

interface Result {
  atRead: { state: { currentItemId: string | null; elapsedMs: number | null }; latencyMs: number } | null;
  exceptions: string[]; events: Array<{ type: string; itemId?: string; kind?: string; ms?: number }>;
  heardTruthMs: number; renderedMs: number; rampAfterMark: number; silentAfter: number; glitches: number; levels: number[];
}

run('model + WebAudioPlayer wired in one step, in Chromium', () => {
  beforeAll(async () => {
    ws = await startWsServer((event, c) => {
      conn = c;
      if (event.type === 'session.update' && c.received.filter((e) => e.type === 'session.update').length === 1) {
        c.socket.send(JSON.stringify(sessionEvent('session.created', { interruptResponse: true })));
      } else if (event.type === 'response.create') {
        onCreate((frame) => c.socket.send(JSON.stringify(frame)), ++creates);
      }
    });
    ap = await openAudioPage(entry);
  });
  beforeEach(() => {
    creates = 0;
    conn = null;
  });
  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    await ap?.page.evaluate(() => (globalThis as any).modelHarness.stop()).catch(() => {});
    await ap?.close();
    await ws?.close();
  });

  it('truncates at the position the listener heard on barge-in mid-stream, and plays no late audio of that response', async () => {
    let stream: { sent: number; stop(): void } | null = null;
    onCreate = (s, n) => {
      if (n !== 1) return;
      s(responseCreated('resp_1'));
      stream = streamRamp('resp_1', 'item_1', 24000 * 3.6);
    };
    await harness('start', ws.url, RATE, 'connect');
    // Before 1.25 s of source, where the ramp first wraps.
    await ap.page.waitForFunction(() => (globalThis as any).modelHarness.renderedMs() >= 1000, undefined, { polling: 10, timeout: 10_000 });
    await harness('arm');
    send(speechStarted('item_user', 2000));
    // Late audio of the interrupted response (already in flight on a real server) must not play.
    stream!.stop();
    const at = stream!.sent;
    send(delta('resp_1', 'item_1', ramp(at, at + CHUNK)));
    send(delta('resp_1', 'item_1', ramp(at + CHUNK, at + 2 * CHUNK)));
    send(responseDone('resp_1'));
    sendSentinel('resp_s');
    await harness('untilLevel', 3, (SENTINEL_MS * RATE) / 1000);
    const r = await harness<Result>('result');
    await waitFor(() => conn!.received.some((e) => e.type === 'conversation.item.truncate'));
    const truncate = conn!.received.find((e) => e.type === 'conversation.item.truncate')!;
    const err = truncate.audio_end_ms - r.heardTruthMs;
    console.log(`barge-in: audio_end_ms ${truncate.audio_end_ms}, tap heard ${r.heardTruthMs.toFixed(2)} ms, rendered ${r.renderedMs.toFixed(2)} ms, latency ${r.atRead?.latencyMs.toFixed(2)} ms, error ${err.toFixed(2)} ms (tolerance ${TOLERANCE_MS.toFixed(1)} ms)`);

    expect(r.exceptions).toEqual([]);
    expect(r.atRead?.state.currentItemId).toBe('item_1');
    expect(truncate).toEqual({ type: 'conversation.item.truncate', item_id: 'item_1', content_index: 0, audio_end_ms: expect.any(Number) });
    expect(Number.isInteger(truncate.audio_end_ms)).toBe(true);
    expect(Math.abs(err)).toBeLessThanOrEqual(TOLERANCE_MS);
    // interrupt_response: true, so the server cancels by itself: no response.cancel.
    expect(conn!.received.some((e) => e.type === 'response.cancel')).toBe(false);
    expect(r.glitches).toBeLessThanOrEqual(Math.floor((r.renderedMs * 24) / RAMP_PERIOD));
    // Silent within the race allowance after the read, although late chunks arrived.
    expect(r.rampAfterMark).toBeLessThanOrEqual(128 + CALLBACK_FRAMES);
    // Rendering runs ahead of hearing by the output latency: that much was rendered, no more.
    expect(r.renderedMs).toBeLessThan(truncate.audio_end_ms + r.atRead!.latencyMs + TOLERANCE_MS);
    expect(r.events.filter((e) => e.type === 'audio_interrupted')).toEqual([{ type: 'audio_interrupted', itemId: 'item_1' }]);
    expect(r.events.some((e) => e.type === 'latency' && e.kind === 'barge_in')).toBe(true);
  });

  it('after a reply finished streaming and a tool call ran, barge-in truncates the reply at the heard position', async () => {
    const TOTAL = 24000 * 4; // 4 s of reply, streamed in 0.8 s
    onCreate = (s, n) => {
      if (n !== 1) return;
      s(responseCreated('resp_a'));
      streamRamp('resp_a', 'item_a', TOTAL, () => send(audioDone('resp_a', 'item_a')));
    };
    await harness('start', ws.url, RATE, 'attach');
    await harness('untilEvent', 'audio_done', 'item_a'); // all of A received
    await ap.page.waitForFunction(() => (globalThis as any).modelHarness.renderedMs() >= 900, undefined, { polling: 10, timeout: 10_000 });
    send(responseDone('resp_a')); // the reply ends on the server while the listener is ~1 s in
    // A tool-call response: a function_call item, no audio.
    const call = { id: 'item_call', object: 'realtime.item', type: 'function_call', call_id: 'call_1', name: 'get_weather' };
    send(responseCreated('resp_t'));
    send({ type: 'response.output_item.added', event_id: 'evt_t1', response_id: 'resp_t', output_index: 0, item: { ...call, status: 'in_progress', arguments: '' } });
    send({ type: 'response.function_call_arguments.delta', event_id: 'evt_t2', response_id: 'resp_t', item_id: 'item_call', output_index: 0, call_id: 'call_1', delta: '{"city":"Paris"}' });
    send({ type: 'response.function_call_arguments.done', event_id: 'evt_t3', response_id: 'resp_t', item_id: 'item_call', output_index: 0, call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' });
    send({ type: 'response.output_item.done', event_id: 'evt_t4', response_id: 'resp_t', output_index: 0, item: { ...call, status: 'completed', arguments: '{"city":"Paris"}' } });
    send(responseDone('resp_t'));
    await harness('untilEvent', 'function_call', 'item_call');
    await harness('untilCount', 'turn_ended', 2); // the model saw both responses end
    await harness('arm');
    send(speechStarted('item_user', 3000));
    await waitFor(() => conn!.received.some((e) => e.type === 'conversation.item.truncate'));
    sendSentinel('resp_s');
    await harness('untilLevel', 3, (SENTINEL_MS * RATE) / 1000);
    const r = await harness<Result>('result');
    const truncates = conn!.received.filter((e) => e.type === 'conversation.item.truncate');
    const err = truncates[0]!.audio_end_ms - r.heardTruthMs;
    console.log(`barge-in after a tool call: audio_end_ms ${truncates[0]!.audio_end_ms}, tap heard ${r.heardTruthMs.toFixed(2)} ms, rendered ${r.renderedMs.toFixed(2)} ms, error ${err.toFixed(2)} ms (tolerance ${TOLERANCE_MS.toFixed(1)} ms)`);

    expect(r.exceptions).toEqual([]);
    expect(r.atRead?.state.currentItemId).toBe('item_a');
    expect(truncates).toEqual([{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: expect.any(Number) }]);
    expect(Number.isInteger(truncates[0]!.audio_end_ms)).toBe(true);
    expect(Math.abs(err)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(truncates[0]!.audio_end_ms).toBeLessThan(TOTAL / 24); // mid-reply, not its full length
    // No response runs (both ended): nothing to cancel.
    expect(conn!.received.some((e) => e.type === 'response.cancel')).toBe(false);
    expect(r.events.filter((e) => e.type === 'audio_interrupted')).toEqual([{ type: 'audio_interrupted', itemId: 'item_a' }]);
    // Nothing more of A: the sentinel, queued after whatever remained of A, rendered in full.
    expect(r.rampAfterMark).toBeLessThanOrEqual(128 + CALLBACK_FRAMES);
    expect(r.renderedMs).toBeLessThan(truncates[0]!.audio_end_ms + r.atRead!.latencyMs + TOLERANCE_MS);
    expect(r.glitches).toBeLessThanOrEqual(Math.floor((r.renderedMs * 24) / RAMP_PERIOD));
  });
});
