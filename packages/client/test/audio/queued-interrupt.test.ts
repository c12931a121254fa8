// Issue 9, defect 2, measured at the output: item A (response 1) plays while item B (response 2)
// waits queued in the WebAudioPlayer; an interrupt that covers B must mean B is never rendered.
// Each item is a constant level (player-page.ts), so the tap after the player counts, frame by
// frame, which item reached the output; it knows nothing of the player. "Never rendered" is read
// after a positive signal: a third response's level (the sentinel), queued behind B, rendered in
// full. Before the ledger, B played in full after an interrupt of its response (600 of 600 ms).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LinearResampler } from '../../src/audio/codec.js';
import { hasChromium } from '../helpers/chromium.js';
import { responseCreated, responseDone, sessionEvent, speechStarted } from '../helpers/frames.js';
import { startWsServer, waitFor, type SeenConnection } from '../helpers/ws-server.js';
import { openAudioPage, type AudioPage } from './harness.js';
import { level } from './fixtures/player-page.js';

const entry = fileURLToPath(new URL('./fixtures/model-player-page.ts', import.meta.url));
const run = hasChromium() ? describe : describe.skip;

const RATE = 48000;
const A_MS = 1500;
const B_MS = 600;
const C_MS = 200;
const CHUNK_MS = 100;
/** Levels of the three items at the tap: A = 1, B = 2, C (the sentinel) = 3. */
const ITEMS = [
  { responseId: 'resp_a', itemId: 'item_a', level: 1, ms: A_MS },
  { responseId: 'resp_b', itemId: 'item_b', level: 2, ms: B_MS },
  { responseId: 'resp_c', itemId: 'item_c', level: 3, ms: C_MS },
] as const;

/** Frames an item renders at RATE: the player's resampler over the same chunks, flushed. */
function framesOf(ms: number): number {
  const resampler = new LinearResampler(24000, RATE);
  let frames = 0;
  for (let at = 0; at < ms; at += CHUNK_MS) frames += resampler.process(new Float32Array(CHUNK_MS * 24)).length;
  return frames + resampler.flush().length;
}

let ap: AudioPage;
let ws: Awaited<ReturnType<typeof startWsServer>>;
let conn: SeenConnection | null = null;
let creates = 0;

const harness = <T>(fn: string, ...args: unknown[]) =>
  ap.page.evaluate(([f, a]) => (globalThis as any).modelHarness[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>;
const send = (frame: unknown) => conn!.socket.send(JSON.stringify(frame));

/** The n-th response.create gets the n-th item, streamed at once (faster than real time), then done. */
function answer(n: number): void {
  const item = ITEMS[n - 1];
  if (!item) return;
  const { responseId, itemId } = item;
  const base = { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 };
  send(responseCreated(responseId));
  for (let at = 0; at < item.ms; at += CHUNK_MS) {
    send({ type: 'response.output_audio.delta', event_id: `evt_${itemId}_${at}`, ...base, delta: Buffer.from(level(item.level, CHUNK_MS)).toString('base64') });
  }
  send({ type: 'response.output_audio.done', event_id: `evt_${itemId}_done`, ...base });
  send(responseDone(responseId));
}

interface Result { exceptions: string[]; events: Array<{ type: string; itemId?: string }>; levels: number[]; glitches: number }

run('an interrupted queued item is never rendered (model + WebAudioPlayer in Chromium)', () => {
  beforeAll(async () => {
    ws = await startWsServer((event, c) => {
      conn = c;
      if (event.type === 'session.update' && c.received.filter((e) => e.type === 'session.update').length === 1) {
        send(sessionEvent('session.created', { interruptResponse: true }));
      } else if (event.type === 'response.create') answer(++creates);
    });
    ap = await openAudioPage(entry);
  });
  beforeEach(() => {
    creates = 0;
  });
  afterAll(async () => {
    await ap?.page.evaluate(() => (globalThis as any).modelHarness.stop()).catch(() => {});
    await ap?.close();
    await ws?.close();
  });

  /** A plays, B of another response is queued behind it: both fully received by the model. */
  async function playAQueueB(): Promise<void> {
    await harness('start', ws.url, RATE, 'connect');
    await harness('untilLevel', 1, 4800); // 100 ms of A rendered
    await harness('createResponse');
    await harness('untilEvent', 'audio_done', 'item_b');
  }

  it('barge-in drops A and the queued B: B is never rendered, and both are truncated at what was heard', async () => {
    await playAQueueB();
    send(speechStarted('item_user', 1000));
    await waitFor(() => conn!.received.filter((e) => e.type === 'conversation.item.truncate').length === 2);
    await harness('createResponse'); // C, after the barge-in
    await harness('untilLevel', 3, framesOf(C_MS));
    const r = await harness<Result>('result');
    const truncates = conn!.received.filter((e) => e.type === 'conversation.item.truncate');
    console.log(`barge-in: A rendered ${r.levels[1]} of ${framesOf(A_MS)} frames, B ${r.levels[2]} of ${framesOf(B_MS)}; truncates ${JSON.stringify(truncates)}`);

    expect(r.exceptions).toEqual([]);
    expect(r.glitches).toBe(0);
    expect(r.levels[2]).toBe(0); // not one frame of B
    expect(r.levels[1]).toBeGreaterThan(0);
    expect(r.levels[1]).toBeLessThan(framesOf(A_MS)); // A was cut
    expect(r.levels[3]).toBe(framesOf(C_MS)); // C, queued behind where B was, in full
    // A at its heard position (at most what was rendered), B at 0: it was never heard.
    expect(truncates).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: expect.any(Number) },
      { type: 'conversation.item.truncate', item_id: 'item_b', content_index: 0, audio_end_ms: 0 },
    ]);
    expect(truncates[0]!.audio_end_ms).toBeGreaterThan(0);
    expect(truncates[0]!.audio_end_ms).toBeLessThanOrEqual((r.levels[1]! / RATE) * 1000);
    expect(r.events.filter((e) => e.type === 'audio_interrupted')).toEqual([
      { type: 'audio_interrupted', itemId: 'item_a' },
      { type: 'audio_interrupted', itemId: 'item_b' },
    ]);
  });

  it("an interrupt of B's response while A plays: A plays to its end, B is never rendered", async () => {
    await playAQueueB();
    await harness('interrupt', { responseId: 'resp_b' });
    await waitFor(() => conn!.received.some((e) => e.type === 'conversation.item.truncate'));
    await harness('createResponse'); // C, queued behind A (and where B was)
    await harness('untilLevel', 3, framesOf(C_MS));
    const r = await harness<Result>('result');
    console.log(`response-scoped interrupt: A rendered ${r.levels[1]} of ${framesOf(A_MS)} frames, B ${r.levels[2]} of ${framesOf(B_MS)}`);

    expect(r.exceptions).toEqual([]);
    expect(r.glitches).toBe(0);
    expect(r.levels[1]).toBe(framesOf(A_MS)); // every frame of A
    expect(r.levels[2]).toBe(0); // not one frame of B
    expect(r.levels[3]).toBe(framesOf(C_MS));
    expect(conn!.received.filter((e) => e.type === 'conversation.item.truncate')).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_b', content_index: 0, audio_end_ms: 0 },
    ]);
    expect(r.events.filter((e) => e.type === 'audio_interrupted')).toEqual([{ type: 'audio_interrupted', itemId: 'item_b' }]);
  });
});
