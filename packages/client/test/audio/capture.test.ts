// Chromium tests of MicrophoneCapture with a fake device playing a generated 440 Hz WAV
// (48 kHz mono 16-bit): chunk sizes, resampling to 24 kHz (frequency by zero crossings),
// track release on stop() and typed errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCaptureError } from '../../src/audio/capture.js';
import { hasChromium } from '../helpers/chromium.js';
import { openAudioPage, type AudioPage } from './harness.js';

const entry = fileURLToPath(new URL('./fixtures/capture-page.ts', import.meta.url));
const run = hasChromium() ? describe : describe.skip;
if (!hasChromium()) console.warn('capture.test.ts skipped: no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');

/** A mono 16-bit PCM WAV of a sine tone. */
function toneWav(freq: number, rate: number, seconds: number): Buffer {
  const n = rate * seconds;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 2, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(Math.sin((2 * Math.PI * freq * i) / rate) * 16000), 44 + i * 2);
  return buf;
}

/**
 * Frequency from rising zero crossings at `rate`: the mean of periods near the median, so a
 * dropout of the fake device on a loaded machine (silence, a skipped block) does not skew it.
 */
function zeroCrossingHz(samples: number[], rate: number): number {
  const crossings: number[] = [];
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings.push(i);
  const periods = crossings.slice(1).map((c, i) => c - crossings[i]!);
  if (periods.length < 10) return 0;
  const median = [...periods].sort((a, b) => a - b)[periods.length >> 1]!;
  const near = periods.filter((p) => Math.abs(p - median) <= median * 0.2);
  return rate / (near.reduce((a, b) => a + b, 0) / near.length);
}

describe('tone frequency estimate', () => {
  it('ignores dropouts of silence in the captured signal', () => {
    const tone = Array.from({ length: 24000 }, (_, i) => (i % 6000 < 1500 ? 0 : Math.sin((2 * Math.PI * 440 * i) / 24000)));
    expect(Math.abs(zeroCrossingHz(tone, 24000) - 440)).toBeLessThan(2);
  });
});

describe('capture error mapping', () => {
  it('maps getUserMedia rejections to typed codes', () => {
    expect(toCaptureError({ name: 'NotAllowedError' }).code).toBe('permission_denied');
    expect(toCaptureError({ name: 'NotFoundError' }).code).toBe('no_device');
    expect(toCaptureError(new Error('boom')).code).toBe('unsupported');
  });
});

run('MicrophoneCapture in Chromium', () => {
  let ap: AudioPage;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'or-capture-'));
    const wav = join(dir, 'tone.wav');
    writeFileSync(wav, toneWav(440, 48000, 3));
    ap = await openAudioPage(entry, [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
    ]);
  });
  afterAll(async () => {
    await ap?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('emits 24 kHz pcm16 chunks of the configured length carrying the 440 Hz tone, and releases the track', async () => {
    const r = (await ap.page.evaluate(() => (globalThis as any).harness.record(40, 1200))) as {
      byteLengths: number[]; samples: number[]; maxLevel: number; trackStates: string[];
      echoCancellation: boolean | null; active: boolean;
    };
    expect(r.byteLengths.length).toBeGreaterThan(5);
    for (const len of r.byteLengths) expect(len).toBe(40 * 48);
    const hz = zeroCrossingHz(r.samples.slice(2400), 24000); // skip the first 100 ms (device warm-up)
    console.log(`capture: ${r.byteLengths.length} chunks, tone ${hz.toFixed(1)} Hz, level ${r.maxLevel.toFixed(3)}`);
    expect(Math.abs(hz - 440)).toBeLessThan(10);
    expect(r.samples.length).toBeGreaterThan(24000 * 0.5); // at least half the tone came through
    expect(r.maxLevel).toBeGreaterThan(0.05);
    expect(r.trackStates).toEqual(['ended']);
    expect(r.active).toBe(false);
  });

  it('resamples from a 44.1 kHz context the app passes in, in 20 ms chunks', async () => {
    const r = (await ap.page.evaluate(() => (globalThis as any).harness.record(20, 800, 44100))) as {
      byteLengths: number[]; samples: number[]; contextRate: number;
    };
    expect(r.contextRate).toBe(44100);
    for (const len of r.byteLengths) expect(len).toBe(20 * 48);
    expect(Math.abs(zeroCrossingHz(r.samples.slice(2400), 24000) - 440)).toBeLessThan(10);
  });

  it('rejects with context_closed for a closed context', async () => {
    expect(await ap.page.evaluate(() => (globalThis as any).harness.closedContext())).toBe('context_closed');
  });

  it('rejects a chunk length outside 20–100 ms as invalid_argument', async () => {
    expect(await ap.page.evaluate(() => (globalThis as any).harness.badChunk())).toBe('invalid_argument');
  });
});

run('MicrophoneCapture errors in Chromium', () => {
  // Without a fake device this machine has no microphone; a fake device without the fake
  // permission UI is denied (headless Chromium rejects the prompt).
  const cases = [
    { flags: [], code: 'no_device' },
    { flags: ['--use-fake-device-for-media-stream'], code: 'permission_denied' },
  ];
  for (const { flags, code } of cases) {
    it(`rejects with ${code} when getUserMedia fails that way`, async () => {
      const ap = await openAudioPage(entry, flags);
      try {
        expect(await ap.page.evaluate(() => (globalThis as any).harness.startError())).toBe(code);
      } finally {
        await ap.close();
      }
    });
  }
});
