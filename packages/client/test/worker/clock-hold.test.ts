// The worker's barge-in hold (worker/clock-hold.ts) and clock mirror (worker/clock-mirror.ts),
// in plain Node. The hold must deliver every event exactly once and in order whatever the
// refreshes do (seeded random streams, refreshes answered late, early or never); a frame that
// reads the player waits for the refresh, and at most CLOCK_HOLD_MS (fake timers); the rest of
// the socket is the inner socket's own. The mirror carries the page's clock forward on the
// worker's and stands still while the context does.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_HOLD_MS, holdForClock, readsPlayer } from '../../src/worker/clock-hold.js';
import { ClockMirror, type ClockSnapshot } from '../../src/worker/clock-mirror.js';
import type { WebSocketLike } from '../../src/core/types.js';

/** A socket whose events the test fires; it records sends. */
class FakeSocket {
  readyState = 1;
  bufferedAmount = 7;
  sent: string[] = [];
  readonly listeners = new Map<string, Set<(event: unknown) => void>>();
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  addEventListener(type: string, fn: (event: unknown) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(fn);
  }
  removeEventListener(type: string, fn: (event: unknown) => void) {
    this.listeners.get(type)?.delete(fn);
  }
  fire(type: string, event: unknown) {
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }
}

const SPEECH = JSON.stringify({ type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 10, item_id: 'u' });
const frame = (n: number) => JSON.stringify({ type: 'response.output_audio_transcript.delta', event_id: `e${n}`, delta: `w${n}` });

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

afterEach(() => vi.useRealTimers());

describe('holdForClock', () => {
  it('delivers every event once, in order, with each barge-in frame after its refresh (seeded streams)', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = rng(seed);
      const inner = new FakeSocket();
      const pending: Array<() => void> = [];
      let refreshes = 0;
      const socket = holdForClock(inner as unknown as WebSocketLike, () => {
        refreshes++;
        return new Promise<void>((resolve) => pending.push(resolve));
      });
      const seen: string[] = [];
      /** Refreshes answered when each barge-in frame was delivered. */
      const answeredAt: number[] = [];
      let answered = 0;
      socket.addEventListener('message', (e) => {
        const data = String(e.data);
        seen.push(data);
        if (data === SPEECH) answeredAt.push(answered);
      });
      socket.addEventListener('close', () => seen.push('close'));
      const sent: string[] = [];
      for (let i = 0; i < 60; i++) {
        const data = random() < 0.15 ? SPEECH : frame(i);
        sent.push(data);
        inner.fire('message', { data });
        // Answer some refreshes at once, some later, in between arrivals.
        while (pending.length > 0 && random() < 0.5) {
          answered++;
          pending.shift()!();
          await Promise.resolve();
          await Promise.resolve();
        }
      }
      inner.fire('close', { code: 1000, reason: '' });
      sent.push('close');
      while (pending.length > 0) {
        answered++;
        pending.shift()!();
        await new Promise((r) => setTimeout(r, 0));
      }
      await new Promise((r) => setTimeout(r, 0));
      expect(seen, `seed ${seed}`).toEqual(sent);
      const speeches = sent.filter((d) => d === SPEECH).length;
      expect(refreshes, `seed ${seed}`).toBe(speeches);
      // The k-th barge-in frame reached the listener only after the k-th refresh was answered.
      answeredAt.forEach((n, k) => expect(n, `seed ${seed}, barge-in ${k}`).toBeGreaterThanOrEqual(k + 1));
    }
  });

  it('releases a barge-in frame after CLOCK_HOLD_MS when the page never answers', async () => {
    vi.useFakeTimers();
    const inner = new FakeSocket();
    const socket = holdForClock(inner as unknown as WebSocketLike, () => new Promise<void>(() => {}));
    const seen: string[] = [];
    socket.addEventListener('message', (e) => seen.push(String(e.data)));
    inner.fire('message', { data: frame(1) });
    inner.fire('message', { data: SPEECH });
    inner.fire('message', { data: frame(2) });
    expect(seen).toEqual([frame(1)]);
    await vi.advanceTimersByTimeAsync(CLOCK_HOLD_MS - 1);
    expect(seen).toEqual([frame(1)]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([frame(1), SPEECH, frame(2)]);
  });

  it('releases a barge-in frame when the refresh fails, and leaves the rest of the socket alone', async () => {
    const inner = new FakeSocket();
    const socket = holdForClock(inner as unknown as WebSocketLike, () => Promise.reject(new Error('page gone')));
    const seen: string[] = [];
    const onOpen = () => seen.push('open');
    socket.addEventListener('open', onOpen);
    const listener = (e: { data: unknown }) => seen.push(String(e.data));
    socket.addEventListener('message', listener);
    inner.fire('open', {});
    inner.fire('message', { data: SPEECH });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['open', SPEECH]);
    socket.send('x');
    expect(inner.sent).toEqual(['x']);
    expect(socket.readyState).toBe(1);
    expect((socket as unknown as FakeSocket).bufferedAmount).toBe(7);
    socket.removeEventListener('message', listener);
    inner.fire('message', { data: frame(3) });
    socket.close();
    expect(inner.readyState).toBe(3);
    expect(seen).toEqual(['open', SPEECH]);
  });

  it('recognises only small frames naming speech_started', () => {
    expect(readsPlayer(SPEECH)).toBe(true);
    expect(readsPlayer(frame(1))).toBe(false);
    expect(readsPlayer(new Uint8Array(4))).toBe(false);
    expect(readsPlayer(JSON.stringify({ type: 'response.output_audio.delta', delta: 'A'.repeat(4000), note: '"input_audio_buffer.speech_started"' }))).toBe(false);
  });
});

describe('ClockMirror', () => {
  const snap = (over: Partial<ClockSnapshot>): ClockSnapshot => ({
    state: 'running', currentTime: 10, at: performance.now(), contextTime: 9.95, performanceTime: performance.now() - 5, outputLatency: 0.04, baseLatency: 0.01, ...over,
  });

  it('moves the page clock onto the worker clock by the difference of the time origins', () => {
    const pageOrigin = performance.timeOrigin - 1234.5; // the page started 1234.5 ms before this realm
    const first = snap({ at: 100, performanceTime: 95 });
    const mirror = new ClockMirror(48000, pageOrigin, first);
    expect(mirror.sampleRate).toBe(48000);
    expect(mirror.getOutputTimestamp()).toEqual({ contextTime: 9.95, performanceTime: 95 - 1234.5 });
    expect(mirror.outputLatency).toBe(0.04);
    expect(mirror.baseLatency).toBe(0.01);
  });

  it('advances while running, stands still otherwise, and ignores snapshots overtaken in flight', () => {
    const origin = performance.timeOrigin;
    const now = performance.now();
    const mirror = new ClockMirror(24000, origin, snap({ at: now - 200, currentTime: 5 }));
    const t = mirror.currentTime;
    expect(t).toBeGreaterThanOrEqual(5.2);
    expect(t).toBeLessThan(5.2 + (performance.now() - now + 50) / 1000);
    mirror.update(snap({ at: now - 100, currentTime: 7, state: 'suspended' }));
    expect(mirror.state).toBe('suspended');
    expect(mirror.currentTime).toBe(7);
    mirror.update(snap({ at: now - 150, currentTime: 6, state: 'running' })); // older: ignored
    expect(mirror.state).toBe('suspended');
    expect(mirror.currentTime).toBe(7);
    mirror.update(snap({ contextTime: undefined }));
    expect(mirror.getOutputTimestamp()).toEqual({});
  });
});
