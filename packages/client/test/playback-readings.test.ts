// The model with a player wired: which readings it asks the player for (transitions only) and
// what it still does from them: latency as heard, truncation at the reading of the moment, and the
// heard transcript moved by its own wake at each word's heard start (fake timers, a fake player).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenAIRealtimeWebSocketModel } from '../src/index.node.js';
import { splitHeard } from '../src/core/heard.js';
import type { AudioPlayer, PlaybackState } from '../src/core/types.js';
import { audioDelta, responseCreated, sessionEvent, speechStarted } from './helpers/frames.js';
import { memorySockets } from './helpers/memory-socket.js';
import { closeAfterEach } from './helpers/model.js';

const open = closeAfterEach();

describe('playback readings from a player', () => {
  /** A player that records each onPlayback subscription and counts readings. */
  function recordingPlayer(read: () => PlaybackState) {
    const subs: Array<{ everyMs: number | undefined; active: boolean; listener: () => void }> = [];
    let readings = 0;
    const player: AudioPlayer = {
      append() {}, itemDone() {}, drop() {}, setAudioFormat() {},
      getState: () => (readings++, read()),
      onPlayback(listener, options) {
        const sub = { everyMs: options?.everyMs, active: true, listener };
        subs.push(sub);
        return () => void (sub.active = false);
      },
    };
    const active = () => subs.filter((s) => s.active);
    return { player, active, readings: () => readings, notify: () => active().forEach((s) => s.listener()) };
  }
  const idle: PlaybackState = { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };

  it('asks the player for transition reports only, whoever listens', async () => {
    const wire = memorySockets();
    const out = recordingPlayer(() => idle);
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    open.push(model);
    await model.connect({ apiKey: 'sk-test', player: out.player });
    const intervals = () => out.active().map((s) => s.everyMs);
    expect(intervals()).toEqual([0]);
    model.on('heard_transcript', () => {});
    model.addListener({ onEvent() {} });
    expect(intervals()).toEqual([0]);
  });

  it('with transition readings alone, still reports the latency as heard and truncates at the reading of the moment', async () => {
    const wire = memorySockets();
    let state = idle;
    const out = recordingPlayer(() => state);
    let now = 0;
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket, clock: () => now });
    open.push(model);
    const latency: unknown[] = [];
    model.on('latency', (e) => void latency.push(e));
    await model.connect({ apiKey: 'sk-test', player: out.player });
    const socket = wire.last;
    socket.serverSend(sessionEvent('session.created', { interruptResponse: false }));
    socket.serverSend({ type: 'input_audio_buffer.speech_stopped', event_id: 'ev_stop', audio_end_ms: 900, item_id: 'item_u0' }); // the turn starts at 0
    socket.serverSend(responseCreated('resp_1'));
    now = 120;
    socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    // The transition: item_a started, its first frame heard at 150.
    now = 200;
    state = { currentItemId: 'item_a', currentItemContentIndex: 0, elapsedMs: 50, heardStartAt: 150 };
    out.notify();
    expect(latency).toEqual([expect.objectContaining({ kind: 'first_audio_heard', responseId: 'resp_1', ms: 150, clock: 'audio' })]);
    // A barge-in later truncates at what the player reads then, with no periodic reading between.
    state = { currentItemId: 'item_a', currentItemContentIndex: 0, elapsedMs: 73, heardStartAt: 150 };
    socket.sent.length = 0;
    socket.serverSend(speechStarted('item_u'));
    expect(socket.sent.filter((e) => e.type === 'conversation.item.truncate')).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 73 },
    ]);
  });

  describe('the heard transcript between transitions', () => {
    beforeEach(() => void vi.useFakeTimers());
    afterEach(() => void vi.useRealTimers());

    /**
     * An item of `ms` audio and its transcript, complete, playing from `startAt` (fake time) in
     * real time; the player reports only its start and its end. Returns each heard_transcript
     * event with the fake time it came at, and the number of readings taken.
     */
    async function play(transcript: string, ms: number, deltas: 'before' | 'while-playing', listen: 'from-start' | 'late' = 'from-start') {
      const wire = memorySockets();
      let startAt = -1;
      const read = (): PlaybackState => startAt < 0 ? idle
        : { currentItemId: 'item_a', currentItemContentIndex: 0, elapsedMs: Math.min(ms, Date.now() - startAt), heardStartAt: startAt };
      const out = recordingPlayer(read);
      const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket, clock: () => Date.now() });
      open.push(model);
      const heard: Array<{ at: number; words: number; final: boolean }> = [];
      const t0 = Date.now();
      const follow = () => model.on('heard_transcript', (e) => void heard.push({ at: Date.now() - t0, words: e.heard.split(' ').filter(Boolean).length, final: e.final }));
      if (listen === 'from-start') follow();
      await model.connect({ apiKey: 'sk-test', player: out.player });
      const socket = wire.last;
      socket.serverSend(sessionEvent('session.created', { interruptResponse: false }));
      socket.serverSend(responseCreated('resp_1'));
      const send = (type: string, extra: Record<string, unknown>) =>
        socket.serverSend({ type, event_id: `ev_${type}`, response_id: 'resp_1', item_id: 'item_a', output_index: 0, content_index: 0, ...extra });
      socket.serverSend(audioDelta('resp_1', 'item_a', (ms / 1000) * 48000));
      send('response.output_audio.done', {});
      const words = transcript.split(' ');
      const sendTranscript = () => {
        words.forEach((w, i) => send('response.output_audio_transcript.delta', { delta: i === 0 ? w : ` ${w}` }));
        send('response.output_audio_transcript.done', { transcript });
      };
      if (deltas === 'before') sendTranscript();
      startAt = Date.now(); // the worklet's start report
      out.notify();
      const readingsAtStart = out.readings();
      if (deltas === 'while-playing') {
        await vi.advanceTimersByTimeAsync(300);
        sendTranscript();
      }
      if (listen === 'late') {
        await vi.advanceTimersByTimeAsync(ms / 2);
        follow();
      }
      await vi.advanceTimersByTimeAsync(ms + 50 - (Date.now() - startAt));
      out.notify(); // the end was heard
      return { heard, readings: out.readings() - readingsAtStart, startAt: startAt - t0 };
    }

    it('moves word by word, each within one wake of when its start is heard, waking about once per word', async () => {
      const transcript = 'Seven slow words arrive here, one by one.';
      const ms = 2800;
      const r = await play(transcript, ms, 'before');
      const moving = r.heard.filter((e) => !e.final);
      expect(moving.map((e) => e.words)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(r.heard.at(-1)).toMatchObject({ words: 8, final: true });
      // Where each word starts (the split's own boundaries for the complete item).
      for (const e of moving) {
        const before = splitHeard(transcript, 0, ms, ms, 1);
        let boundary = 0;
        for (let h = 0; h <= ms; h += 0.5) if (splitHeard(transcript, h, ms, ms, 1).words >= e.words) { boundary = h; break; }
        expect(before.words).toBe(0);
        expect(e.at - r.startAt).toBeGreaterThanOrEqual(boundary - 0.5);
        expect(e.at - r.startAt).toBeLessThanOrEqual(boundary + 21); // one wake: at most MIN_WAKE_MS late
      }
      // Readings: one per word, give or take a wake short of a boundary; no 100 ms polling (28).
      console.log(`word wakes: ${r.readings} readings for ${moving.length} words over ${ms} ms, delays ${moving.map((e) => e.at - r.startAt).join(", ")}`);
      expect(r.readings).toBeLessThanOrEqual(8 + 4);
    });

    it('follows a transcript that arrives after the item started playing', async () => {
      const r = await play('Words that come late still move along.', 2400, 'while-playing');
      const moving = r.heard.filter((e) => !e.final).map((e) => e.words);
      expect(moving.length).toBeGreaterThanOrEqual(5); // not one jump at the end
      expect(moving).toEqual([...moving].sort((a, b) => a - b));
      expect(r.heard.at(-1)).toMatchObject({ words: 7, final: true });
    });

    it('gives a listener that comes mid-item the split of the moment, then moves word by word', async () => {
      // Nobody followed until half the item was heard, so no split was made until then.
      const transcript = 'Seven slow words arrive here, one by one.';
      const r = await play(transcript, 2800, 'before', 'late');
      const moving = r.heard.filter((e) => !e.final);
      const half = splitHeard(transcript, 1400, 2800, 2800, 1).words;
      expect(moving[0]).toMatchObject({ words: half });
      expect(moving[0]!.at - r.startAt).toBeLessThanOrEqual(1400 + 1); // right away, not at the next word
      expect(moving.map((e) => e.words)).toEqual(Array.from({ length: 8 - half + 1 }, (_, i) => half + i));
      expect(r.heard.at(-1)).toMatchObject({ words: 8, final: true });
    });
  });
});
