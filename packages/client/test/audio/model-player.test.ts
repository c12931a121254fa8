// End to end in Chromium: OpenAIRealtimeWebSocketModel (browser entry) + WebAudioPlayer wired by
// attachPlayer, against a local `ws` server acting as the Realtime server. The server streams a
// self-indexing pcm16 ramp 5× faster than real time; ~1 s into playback it sends
// input_audio_buffer.speech_started (barge-in). The decoder tap after the player (player tests'
// fixture) gives the ground truth of what was heard when the model read the player's position.
//
// Tolerance (as in player.test.ts): the tap marks the context frame where it receives a message
// posted right after the model's getState(); the audio thread takes messages between render
// callbacks of 512 frames, so the mark may land one callback late, and the getOutputTimestamp()
// pair the player extrapolates from may be one callback stale: one quantum + two callbacks
// (1152 frames = 24 ms at 48 kHz), plus 1 ms because audio_end_ms is floored to an integer and
// 1 ms slack for the main thread's latency reading.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../helpers/chromium.js';
import { responseCreated, sessionEvent, speechStarted } from '../helpers/frames.js';
import { startWsServer, waitFor, type SeenConnection } from '../helpers/ws-server.js';
import { openAudioPage, type AudioPage } from './harness.js';
import { ramp } from './fixtures/player-page.js';

const entry = fileURLToPath(new URL('./fixtures/model-player-page.ts', import.meta.url));
const run = hasChromium() ? describe : describe.skip;

const CALLBACK_FRAMES = 512;
const RATE = 48000;
const TOLERANCE_MS = ((128 + 2 * CALLBACK_FRAMES) / RATE) * 1000 + 1 + 1;
const CHUNK = 2400; // 100 ms of 24 kHz pcm16
const TOTAL = 24000 * 3.6;
// Before 1.25 s: the ramp wraps at source sample 30000, where the resampler's interpolated
// sample reads as a glitch to the tap (player-page.ts), so barge in before the first wrap.
const BARGE_IN_AT_MS = 1000;

run('model + WebAudioPlayer (attachPlayer) in Chromium', () => {
  let ap: AudioPage;
  let ws: Awaited<ReturnType<typeof startWsServer>>;
  let conn: SeenConnection | null = null;
  let sent = 0;
  let timer: ReturnType<typeof setInterval> | null = null;
  const delta = (from: number, to: number) => ({
    type: 'response.output_audio.delta', event_id: `evt_d${from}`, response_id: 'resp_1', item_id: 'item_1',
    output_index: 0, content_index: 0, delta: Buffer.from(ramp(from, to)).toString('base64'),
  });

  beforeAll(async () => {
    let sessionAnswered = false;
    ws = await startWsServer((event, c) => {
      conn = c;
      const send = (frame: unknown) => c.socket.send(JSON.stringify(frame));
      if (event.type === 'session.update' && !sessionAnswered) {
        sessionAnswered = true;
        send(sessionEvent('session.created', { interruptResponse: true }));
      } else if (event.type === 'response.create') {
        send(responseCreated('resp_1'));
        timer = setInterval(() => {
          if (sent >= TOTAL) return void clearInterval(timer!);
          send(delta(sent, sent + CHUNK));
          sent += CHUNK;
        }, 20);
      }
    });
    ap = await openAudioPage(entry);
  });
  afterAll(async () => {
    if (timer) clearInterval(timer);
    await ap?.page.evaluate(() => (globalThis as any).modelHarness.stop()).catch(() => {});
    await ap?.close();
    await ws?.close();
  });

  it('truncates at the position the listener heard on barge-in, then stays silent', async () => {
    await ap.page.evaluate((url) => (globalThis as any).modelHarness.start(url, 48000), ws.url);
    await ap.page.waitForFunction((at) => (globalThis as any).modelHarness.renderedMs() >= at, BARGE_IN_AT_MS, { polling: 10, timeout: 10_000 });
    await ap.page.evaluate(() => (globalThis as any).modelHarness.arm());
    const send = (frame: unknown) => conn!.socket.send(JSON.stringify(frame));
    send(speechStarted('item_user', 2000));
    // Late audio of the interrupted response (already in flight on a real server) must not play.
    if (timer) clearInterval(timer);
    send(delta(sent, sent + CHUNK));
    send(delta(sent + CHUNK, sent + 2 * CHUNK));
    const r = await ap.page.evaluate(() => (globalThis as any).modelHarness.result(400));
    await waitFor(() => conn!.received.some((e) => e.type === 'conversation.item.truncate'));
    const truncate = conn!.received.find((e) => e.type === 'conversation.item.truncate')!;
    const err = truncate.audio_end_ms - r.heardTruthMs;
    console.log(`barge-in: audio_end_ms ${truncate.audio_end_ms}, tap heard ${r.heardTruthMs.toFixed(2)} ms, rendered ${r.renderedMs.toFixed(2)} ms, latency ${r.atRead.latencyMs.toFixed(2)} ms, error ${err.toFixed(2)} ms (tolerance ${TOLERANCE_MS.toFixed(1)} ms)`);

    expect(r.exceptions).toEqual([]);
    expect(r.atRead.state.currentItemId).toBe('item_1');
    expect(truncate.item_id).toBe('item_1');
    expect(truncate.content_index).toBe(0);
    expect(Number.isInteger(truncate.audio_end_ms)).toBe(true);
    expect(truncate.audio_end_ms).toBeGreaterThanOrEqual(BARGE_IN_AT_MS - 100);
    expect(Math.abs(err)).toBeLessThanOrEqual(TOLERANCE_MS);
    // interrupt_response: true, so the server cancels by itself: no response.cancel.
    expect(conn!.received.some((e) => e.type === 'response.cancel')).toBe(false);
    // Silence after the interrupt (same race allowance as the player tests), late chunks unheard.
    expect(r.glitches).toBe(0);
    expect(r.silentAfter).toBeGreaterThan(0);
    expect(r.audioFramesAfterMark).toBeLessThanOrEqual(128 + CALLBACK_FRAMES);
    expect(r.renderedMs).toBeLessThan(truncate.audio_end_ms + TOLERANCE_MS + 200);
    expect(r.events).toContain('audio_interrupted');
  });
});
