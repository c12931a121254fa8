// The player's worklet protocol under plain vitest: PLAYER_WORKLET_SOURCE runs against a stand-in
// AudioWorkletGlobalScope (sampleRate, currentFrame, a port), fed through the real PlayerFeed,
// whose messages go through structuredClone with their transfer list, as postMessage does. The
// rendered samples are compared with codec.ts (int16ToFloat32, G.711 decoders, LinearResampler)
// and the frame counts with resampledFrames, which is what the main thread counts on.
import { describe, expect, it } from 'vitest';
import { ENCODING_RATE, G711_TABLES, LinearResampler, decodeAlaw, decodeMulaw, int16ToFloat32, resampledFrames } from '../../src/audio/codec.js';
import type { AudioEncoding } from '../../src/audio/codec.js';
import { PlayerFeed } from '../../src/audio/player-feed.js';
import { FEED_DROP, FEED_ENCODINGS, FEED_PUSH, PLAYER_FAST_REPORT_MS, PLAYER_REPORT_MS, PLAYER_WORKLET_SOURCE } from '../../src/audio/player.worklet.js';
import { mulberry32 } from '../helpers/prng.js';

/** Waits for a positive signal, polling every few ms; throws after 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (const t0 = Date.now(); !check(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() - t0 > 5000) throw new Error('until: condition not met in time');
  }
}

interface Report { t: string; id: number; frames: number; end: number; dry: boolean }

/** One processor in a fake AudioWorkletGlobalScope, with a PlayerFeed posting to it. */
function worklet(rate: number, reportMs = PLAYER_REPORT_MS) {
  const scope = {
    sampleRate: rate,
    currentFrame: 0,
    posted: [] as Report[],
    Processor: null as null | (new () => { port: { onmessage: (e: { data: unknown }) => void }; process(i: unknown, o: Float32Array[][]): boolean }),
    AudioWorkletProcessor: class {
      port = { postMessage: (m: Report) => scope.posted.push(m), onmessage: null as unknown };
    },
    registerProcessor(_name: string, cls: never) {
      scope.Processor = cls;
    },
  };
  // Sloppy-mode `with` gives the (strict) class body the scope's globals, read live.
  new Function('scope', `with (scope) {\n${PLAYER_WORKLET_SOURCE}\n}`)(scope);
  const proc = new scope.Processor!();
  const deliver = (data: unknown) => proc.port.onmessage({ data });
  const tables = FEED_ENCODINGS.map((e) => (e === 'pcm16' ? null : G711_TABLES[e]));
  deliver(structuredClone({ t: 'init', tables, reportMs }));
  const feed = new PlayerFeed();
  const messages: Array<{ ops: number[] }> = [];
  const post = (m: { ops: number[] }, transfer: Transferable[]) => {
    messages.push(structuredClone(m));
    deliver(structuredClone(m, { transfer }));
  };
  feed.attach({ postMessage: post } as unknown as MessagePort);
  /** The context skips `frames` frames without rendering them, as a loaded audio thread can. */
  const skip = (frames: number) => {
    scope.currentFrame += frames;
  };
  /** Renders `quanta` render quanta; returns the samples. */
  const render = (quanta: number): number[] => {
    const out: number[] = [];
    for (let q = 0; q < quanta; q++) {
      const ch = new Float32Array(128);
      proc.process([], [[ch]]);
      scope.currentFrame += 128;
      out.push(...ch);
    }
    return out;
  };
  return { feed, render, skip, deliver, messages, reports: () => scope.posted.filter((m) => m.t === 'pos') };
}

const rampBytes = (rand: () => number, samples: number) => {
  const out = new Uint8Array(samples * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples; i++) view.setInt16(i * 2, Math.floor((rand() - 0.5) * 60000), true);
  return out;
};

/** What the main thread decoded and resampled before the worklet did: the reference output. */
function reference(encoding: AudioEncoding, chunks: Uint8Array[], rate: number): number[] {
  const r = new LinearResampler(ENCODING_RATE[encoding], rate);
  const decode = encoding === 'pcmu' ? decodeMulaw : encoding === 'pcma' ? decodeAlaw : int16ToFloat32;
  const out: number[] = [];
  for (const c of chunks) out.push(...r.process(decode(c)));
  out.push(...r.flush());
  return out;
}

describe('player worklet protocol', () => {
  for (const [encoding, rate] of [['pcm16', 48000], ['pcm16', 44100], ['pcm16', 24000], ['pcm16', 16000], ['pcmu', 48000], ['pcma', 44100]] as const) {
    it(`renders ${encoding} fed in batches at ${rate} Hz exactly as the main-thread decoder and resampler would`, async () => {
      const rand = mulberry32(rate + encoding.length);
      const w = worklet(rate);
      const width = encoding === 'pcm16' ? 2 : 1;
      const chunks = Array.from({ length: 12 }, () => {
        const samples = 1 + Math.floor(rand() * 700);
        return encoding === 'pcm16' ? rampBytes(rand, samples) : Uint8Array.from({ length: samples }, () => Math.floor(rand() * 256));
      });
      const expected = reference(encoding, chunks, rate);
      // Three batches: chunks fed within one task go in one message.
      for (let i = 0; i < chunks.length; i++) {
        w.feed.push(7, encoding, chunks[i]!, false);
        if (i % 4 === 3) await Promise.resolve();
      }
      w.feed.done(7);
      await Promise.resolve();
      const samples = chunks.reduce((n, c) => n + c.length / width, 0);
      expect(expected.length).toBe(resampledFrames(samples, ENCODING_RATE[encoding], rate, true));
      const out = w.render(Math.ceil(expected.length / 128) + 2);
      expect(out.slice(0, expected.length)).toEqual(expected);
      expect(out.slice(expected.length).every((s) => s === 0)).toBe(true);
      const last = w.reports().at(-1)!;
      expect(last).toMatchObject({ id: 7, frames: expected.length, dry: true });
    });
  }

  it('plays items in the order they were fed, and a drop removes only the dropped item', async () => {
    const w = worklet(24000); // no resampling: sample values identify the item
    const level = (v: number, n: number) => {
      const out = new Uint8Array(n * 2);
      for (let i = 0; i < n; i++) new DataView(out.buffer).setInt16(i * 2, v, true);
      return out;
    };
    w.feed.push(1, 'pcm16', level(1000, 200), true);
    w.feed.push(2, 'pcm16', level(2000, 200), true);
    w.feed.push(3, 'pcm16', level(3000, 200), true);
    w.feed.drop([2]); // posted at once, after the pushes before it
    const out = w.render(4).map((s) => Math.round(s * 32768));
    expect(out.slice(0, 400)).toEqual([...Array(200).fill(1000), ...Array(200).fill(3000)]);
    expect(out.slice(400).every((s) => s === 0)).toBe(true);
  });

  it('renders base64 pushes (decoded in the worklet, here by its table decoder) exactly as the same bytes', async () => {
    // Node 20 has no Uint8Array.fromBase64, so this exercises the worklet's own decoder; Chromium
    // takes the native one (player-feed.test.ts). Lengths cover no, one and two '=' of padding.
    expect(typeof (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64).toBe('undefined');
    const rand = mulberry32(64);
    const chunks = Array.from({ length: 9 }, (_, i) => rampBytes(rand, 1 + i + Math.floor(rand() * 300)));
    expect(new Set(chunks.map((c) => c.length % 3)).size).toBe(3);
    const expected = reference('pcm16', chunks, 48000);
    const w = worklet(48000);
    chunks.forEach((c, i) => {
      if (i % 2) w.feed.push(5, 'pcm16', c, false);
      else w.feed.push(5, 'pcm16', Buffer.from(c).toString('base64'), false, 0, c.length);
    });
    w.feed.done(5);
    await Promise.resolve();
    expect(w.messages.some((m) => (m as { bufs?: unknown[] }).bufs?.some((b) => typeof b === 'string'))).toBe(true);
    const out = w.render(Math.ceil(expected.length / 128) + 2);
    expect(out.slice(0, expected.length)).toEqual(expected);
    expect(w.reports().at(-1)).toMatchObject({ id: 5, frames: expected.length, dry: true });
  });

  it('transfers the bytes it is handed (the caller keeps an empty buffer) and copies the others', async () => {
    const w = worklet(48000);
    const handed = rampBytes(mulberry32(1), 480);
    const kept = rampBytes(mulberry32(2), 480);
    const keptCopy = kept.slice();
    w.feed.push(1, 'pcm16', handed, true);
    w.feed.push(1, 'pcm16', kept, false);
    w.feed.done(1);
    await Promise.resolve(); // the batch is posted from a microtask
    expect(handed.byteLength).toBe(0); // detached: moved to the worklet, not cloned
    expect(kept).toEqual(keptCopy);
    expect(w.render(16).filter((s) => s !== 0).length).toBeGreaterThan(1900); // both rendered
  });

  it('holds audio fed with a hold until its deadline and posts it in one message; urgent audio or a drop posts everything at once', async () => {
    const w = worklet(24000);
    const chunk = () => new Uint8Array(480);
    w.feed.push(1, 'pcm16', chunk(), true, 40);
    await Promise.resolve();
    w.feed.push(1, 'pcm16', chunk(), true, 40); // a later task: joins the held batch
    await Promise.resolve();
    expect(w.messages).toHaveLength(0);
    await until(() => w.messages.length > 0);
    expect(w.messages.map((m) => m.ops)).toEqual([[FEED_PUSH, 1, 0, 0, 480, FEED_PUSH, 1, 0, 0, 480]]);
    w.feed.push(1, 'pcm16', chunk(), true, 40);
    w.feed.push(1, 'pcm16', chunk(), true, 0); // needed soon: the held chunk goes with it
    await Promise.resolve();
    expect(w.messages).toHaveLength(2);
    w.feed.push(1, 'pcm16', chunk(), true, 40);
    w.feed.drop([1]);
    expect(w.messages).toHaveLength(3);
    expect(w.messages[2]!.ops).toEqual([FEED_PUSH, 1, 0, 0, 480, FEED_DROP, 1, 1]);
  });

  it(`reports every ~${PLAYER_REPORT_MS} ms of playback, every ~${PLAYER_FAST_REPORT_MS} ms after a rate message, and never while dry`, async () => {
    const w = worklet(48000);
    const second = new Uint8Array(48000); // 1 s of 24 kHz pcm16 (silence still counts as audio)
    w.feed.push(1, 'pcm16', second, true);
    await Promise.resolve();
    w.render(375); // 48000 frames: all but the resampler's held frames
    const slow = w.reports().length;
    w.deliver({ t: 'rate', ms: PLAYER_FAST_REPORT_MS });
    w.feed.push(1, 'pcm16', new Uint8Array(48000), true);
    await Promise.resolve();
    w.render(376);
    const fast = w.reports().length - slow;
    const dryReports = w.reports().length;
    w.render(200);
    // First frame, then one per 4800 frames, and the queue running dry.
    expect(slow).toBeGreaterThanOrEqual(1000 / PLAYER_REPORT_MS);
    expect(slow).toBeLessThanOrEqual(1000 / PLAYER_REPORT_MS + 2);
    expect(fast).toBeGreaterThanOrEqual(1000 / PLAYER_FAST_REPORT_MS - 1);
    expect(fast).toBeLessThanOrEqual(1000 / PLAYER_FAST_REPORT_MS + 3);
    expect(w.reports().length).toBe(dryReports);
    expect(w.reports().at(-1)).toMatchObject({ dry: true });
  });

  it('reports at once when the context skipped render quanta, so the frame mapping stays exact', async () => {
    const w = worklet(48000, 0); // transitions only
    w.feed.push(1, 'pcm16', new Uint8Array(48000), true);
    await Promise.resolve();
    w.render(10);
    w.skip(1024); // eight quanta the item did not play in
    w.render(1);
    const [start, after] = w.reports();
    expect(w.reports()).toHaveLength(2);
    // Context frame minus item frames: where the item would have started had it played throughout.
    expect(start!.end - start!.frames).toBe(0);
    expect(after!).toMatchObject({ id: 1, frames: 11 * 128, end: 19 * 128, dry: false });
  });

  it('reports only transitions (start, queue ran dry, next item) when no interval is asked for', async () => {
    const w = worklet(48000, 0);
    w.feed.push(1, 'pcm16', new Uint8Array(48000), true); // 1 s
    w.feed.done(1); // as the player does when audio of the next item comes
    w.feed.push(2, 'pcm16', new Uint8Array(4800), true); // 100 ms
    w.feed.done(2);
    await Promise.resolve();
    w.render(500);
    expect(w.reports().map((r) => [r.id, r.dry])).toEqual([[1, false], [1, false], [2, false], [2, true]]);
    expect(w.reports()[1]!.frames).toBe(48000); // item 1 closed exactly at its last frame
  });
});
