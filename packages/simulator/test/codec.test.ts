// Pure audio math: G.711 round trips, resampling lengths, WAV parsing of espeak output.
import { describe, expect, it } from 'vitest';
import { alawToLinear, linearToAlaw, linearToMulaw, mulawToLinear, resample, rms, synthesize } from '../src/index.js';

describe('audio codec', () => {
  it('round-trips mu-law and A-law within the G.711 quantisation error', () => {
    for (let s = -32000; s <= 32000; s += 97) {
      const tol = Math.max(16, Math.abs(s) / 16);
      expect(Math.abs(mulawToLinear(linearToMulaw(s)) - s)).toBeLessThanOrEqual(tol);
      expect(Math.abs(alawToLinear(linearToAlaw(s)) - s)).toBeLessThanOrEqual(tol);
    }
    expect(linearToMulaw(0)).toBe(0xff);
    expect(linearToAlaw(0)).toBe(0xd5);
  });

  it('resamples 22.05 kHz to 24 kHz and 24 kHz to 8 kHz with the right lengths', () => {
    expect(resample(new Int16Array(22050), 22050, 24000).length).toBe(24000);
    expect(resample(new Int16Array(24000), 24000, 8000).length).toBe(8000);
  });

  it('synthesizes audible speech offline', async () => {
    const pcm = await synthesize('The quick brown fox jumps over the lazy dog.');
    expect(pcm.length / 24000).toBeGreaterThan(1.5);
    expect(rms(pcm)).toBeGreaterThan(500);
  });
});
