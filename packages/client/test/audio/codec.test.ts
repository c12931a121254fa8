// PCM math of the Web Audio layer under plain vitest: G.711 decoding, int16 <-> float and the
// streaming linear resampler (chunking must not change its output).
import { describe, expect, it } from 'vitest';
import {
  LinearResampler, alawToLinear, decodeAlaw, decodeMulaw, encodedMs, float32ToInt16, int16ToFloat32,
  mulawToLinear, resampledFrames, toEncoding,
} from '../../src/audio/codec.js';

describe('G.711 decoding', () => {
  it('decodes mu-law reference values', () => {
    expect(mulawToLinear(0xff)).toBe(0);
    expect(mulawToLinear(0x7f)).toBe(0);
    expect(mulawToLinear(0x00)).toBe(-32124);
    expect(mulawToLinear(0x80)).toBe(32124);
    expect(mulawToLinear(0xfe)).toBe(8);
    expect(mulawToLinear(0x7e)).toBe(-8);
  });

  it('decodes A-law reference values', () => {
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
  });

  it('decodes byte arrays to floats in [-1, 1)', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const out of [decodeMulaw(bytes), decodeAlaw(bytes)]) {
      expect(out.length).toBe(256);
      for (const v of out) expect(Math.abs(v)).toBeLessThan(1);
    }
  });
});

describe('int16 and float conversion', () => {
  it('round-trips pcm16 bytes through floats', () => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setInt16(0, -32768, true);
    new DataView(bytes.buffer).setInt16(2, 1234, true);
    new DataView(bytes.buffer).setInt16(4, -1, true);
    new DataView(bytes.buffer).setInt16(6, 32767, true);
    const floats = int16ToFloat32(bytes);
    expect(floats[0]).toBe(-1);
    expect(Array.from(float32ToInt16(floats).subarray(0, 6))).toEqual(Array.from(bytes.subarray(0, 6)));
  });

  it('clamps out-of-range floats', () => {
    const view = new DataView(float32ToInt16(Float32Array.of(2, -2)).buffer);
    expect([view.getInt16(0, true), view.getInt16(2, true)]).toEqual([32767, -32768]);
  });
});

describe('formats', () => {
  it('maps GA objects and legacy strings to encodings and ms', () => {
    expect(toEncoding({ type: 'audio/pcmu' })).toBe('pcmu');
    expect(toEncoding('g711_alaw')).toBe('pcma');
    expect(toEncoding(undefined)).toBe('pcm16');
    expect(encodedMs('pcm16', 4800)).toBe(100);
    expect(encodedMs('pcmu', 800)).toBe(100);
  });
});

describe('LinearResampler', () => {
  const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i / n);

  it('gives the same output however the input is chunked', () => {
    for (const [inRate, outRate] of [[24000, 48000], [24000, 44100], [48000, 24000], [8000, 48000]] as const) {
      const input = ramp(1000);
      const whole = new LinearResampler(inRate, outRate).process(input);
      const r = new LinearResampler(inRate, outRate);
      const parts: number[] = [];
      for (let i = 0; i < 1000; i += 37) parts.push(...r.process(input.subarray(i, i + 37)));
      expect(parts.length).toBe(whole.length);
      parts.forEach((v, i) => expect(v).toBeCloseTo(whole[i]!, 5));
    }
  });

  it('produces about in·out/in frames and interpolates linearly', () => {
    const out = new LinearResampler(24000, 48000).process(Float32Array.of(0, 1, 2, 3));
    expect(Array.from(out)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    const n = new LinearResampler(24000, 44100).process(ramp(24000)).length;
    expect(Math.abs(n - 44100)).toBeLessThanOrEqual(2);
  });

  it('flushes the frames held back for the last input frame, so n inputs give n·out/in outputs', () => {
    for (const [inRate, outRate, n] of [[24000, 48000, 480], [8000, 48000, 800], [24000, 44100, 2400]] as const) {
      const r = new LinearResampler(inRate, outRate);
      const total = r.process(ramp(n)).length + r.flush().length;
      expect(total).toBe(Math.ceil((n * outRate) / inRate));
    }
    expect(new LinearResampler(24000, 48000).flush().length).toBe(0);
  });

  it('holds as many frames as resampledFrames counts, while streaming and once flushed', () => {
    for (const [inRate, outRate] of [[24000, 48000], [24000, 44100], [8000, 44100], [48000, 24000], [44100, 24000], [24000, 24000]] as const) {
      const r = new LinearResampler(inRate, outRate);
      let samples = 0;
      let frames = 0;
      for (const n of [1, 2, 37, 480, 1, 999, 3]) {
        frames += r.process(ramp(n)).length;
        samples += n;
        expect(frames).toBe(resampledFrames(samples, inRate, outRate, false));
      }
      expect(frames + r.flush().length).toBe(resampledFrames(samples, inRate, outRate, true));
    }
  });
});
