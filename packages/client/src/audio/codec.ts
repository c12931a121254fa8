// Pure PCM math for the Web Audio layer: G.711 mu-law/A-law decoding, int16 <-> float32 and a
// streaming linear resampler. No DOM, no AudioContext: everything here runs under plain Node.
// Invariants: pcm16 is little-endian mono; floats are in [-1, 1); a resampler keeps its phase
// across chunks so a stream cut into any chunk sizes resamples to the same output.
import type { AudioFormatLike } from '../core/types.js';
import { type FormatKind, formatKind } from './pcm.js';

/** The three wire encodings of the GA API, as the audio layer names them. */
export type AudioEncoding = FormatKind;

/** Source sample rate of each encoding (PROTOCOL.md §6: pcm 24 kHz, G.711 8 kHz). */
export const ENCODING_RATE: Readonly<Record<AudioEncoding, number>> = { pcm16: 24000, pcmu: 8000, pcma: 8000 };

/** Bytes per sample of each encoding. */
export const ENCODING_BYTES: Readonly<Record<AudioEncoding, number>> = { pcm16: 2, pcmu: 1, pcma: 1 };

/**
 * Maps any GA object, GA type or legacy string to an encoding through the package's one format
 * table (pcm.ts `formatKind`); unknown or empty means pcm16, exactly as the length math counts it.
 */
export function toEncoding(format: AudioFormatLike): AudioEncoding {
  return formatKind(format);
}

/** Milliseconds of audio in `byteLength` bytes of `encoding` (pcm16: bytes/48, G.711: bytes/8). */
export function encodedMs(encoding: AudioEncoding, byteLength: number): number {
  return (byteLength / ENCODING_BYTES[encoding] / ENCODING_RATE[encoding]) * 1000;
}

/** Little-endian pcm16 bytes to floats; a trailing odd byte is ignored (callers carry it). */
export function int16ToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** Floats to little-endian pcm16 bytes, clamped to the int16 range. */
export function float32ToInt16(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
    view.setInt16(i * 2, s < 0 ? Math.round(s * 32768) : Math.round(s * 32767), true);
  }
  return out;
}

/** ITU-T G.711 mu-law byte to a linear int16 value. */
export function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? 0 - magnitude : magnitude; // 0 - 0 keeps +0 for the two zero codes
}

/** ITU-T G.711 A-law byte to a linear int16 value. */
export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  let magnitude = (a & 0x0f) << 4;
  magnitude = exponent === 0 ? magnitude + 8 : (magnitude + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

const MULAW_TABLE = new Float32Array(256);
const ALAW_TABLE = new Float32Array(256);
for (let b = 0; b < 256; b++) {
  MULAW_TABLE[b] = mulawToLinear(b) / 32768;
  ALAW_TABLE[b] = alawToLinear(b) / 32768;
}

/** The float value of each G.711 byte, per law (the player worklet decodes with these). */
export const G711_TABLES: Readonly<Record<'pcmu' | 'pcma', Float32Array>> = { pcmu: MULAW_TABLE, pcma: ALAW_TABLE };

/** Decodes G.711 mu-law bytes to floats. */
export function decodeMulaw(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = MULAW_TABLE[bytes[i]!]!;
  return out;
}

/** Decodes G.711 A-law bytes to floats. */
export function decodeAlaw(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ALAW_TABLE[bytes[i]!]!;
  return out;
}

/**
 * Output frames a resampled stream holds after `samples` input samples: frame k sits at input
 * position k·in/out and needs its right neighbour, so ceil((samples − 1)·out/in) while the stream
 * runs and ceil(samples·out/in) once it is complete (the last input frame then holds); all of
 * them when the rates match. Integer math, so the player's main thread and its worklet agree.
 */
export function resampledFrames(samples: number, inRate: number, outRate: number, complete: boolean): number {
  if (samples <= 0) return 0;
  if (inRate === outRate) return samples;
  return Math.ceil(((complete ? samples : samples - 1) * outRate) / inRate);
}

/**
 * Streaming linear-interpolation resampler. Output frame k sits at input position k·in/out, kept
 * as the integer k·in (no drifting float phase), so a stream cut into any chunk sizes gives the
 * same output and `resampledFrames` counts it exactly; the last input frame is held back until
 * the next chunk supplies its right neighbour (one input frame of delay, never lost). The player
 * worklet (player.worklet.ts) runs the same arithmetic.
 */
export class LinearResampler {
  /** Output frames produced since the stream (re)started. */
  private k = 0;
  /** Input frames consumed since the stream (re)started. */
  private n = 0;
  /** Last frame of the previous chunk (input frame n − 1). */
  private prev = 0;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
  ) {
    if (!(inRate > 0 && outRate > 0)) throw new RangeError('sample rates must be positive');
  }

  /** Resamples one chunk; returns the input itself when the rates match. */
  process(input: Float32Array): Float32Array {
    if (this.inRate === this.outRate) return input;
    const count = input.length;
    if (count === 0) return new Float32Array(0);
    const { inRate, outRate, n } = this;
    const end = resampledFrames(n + count, inRate, outRate, false);
    const out = new Float32Array(end - this.k);
    for (let k = this.k, o = 0; k < end; k++, o++) {
      const num = k * inRate;
      const i = Math.floor(num / outRate); // absolute input frame, at least n − 1
      const frac = (num - i * outRate) / outRate;
      const s0 = i < n ? this.prev : input[i - n]!;
      const s1 = input[i + 1 - n]!;
      out[o] = s0 + (s1 - s0) * frac;
    }
    this.k = end;
    this.n = n + count;
    this.prev = input[count - 1]!;
    return out;
  }

  /** Ends the stream: emits the frames held back for the last input frame, then resets. */
  flush(): Float32Array {
    const count = this.inRate === this.outRate ? 0 : resampledFrames(this.n, this.inRate, this.outRate, true) - this.k;
    const out = new Float32Array(count).fill(this.prev);
    this.k = 0;
    this.n = 0;
    this.prev = 0;
    return out;
  }
}
