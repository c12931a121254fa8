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

/** Decodes whole samples of `encoding` to floats (pcm16 ignores a trailing odd byte). */
export function decodeToFloat32(encoding: AudioEncoding, bytes: Uint8Array): Float32Array {
  if (encoding === 'pcmu') return decodeMulaw(bytes);
  if (encoding === 'pcma') return decodeAlaw(bytes);
  return int16ToFloat32(bytes);
}

/**
 * Streaming linear-interpolation resampler. Output frame k sits at input position k·in/out, so
 * after N input frames about N·out/in frames have come out; the last input frame is held back
 * until the next chunk supplies its right neighbour (one input frame of delay, never lost).
 */
export class LinearResampler {
  private readonly step: number;
  /** Input position of the next output frame, relative to the current chunk's first frame. */
  private pos = 0;
  /** Last frame of the previous chunk (position -1 of the current one). */
  private prev = 0;
  private started = false;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
  ) {
    if (!(inRate > 0 && outRate > 0)) throw new RangeError('sample rates must be positive');
    this.step = inRate / outRate;
  }

  /** Resamples one chunk; returns the input itself when the rates match. */
  process(input: Float32Array): Float32Array {
    if (this.inRate === this.outRate) return input;
    const n = input.length;
    if (n === 0) return new Float32Array(0);
    const startPos = this.started ? this.pos : 0;
    // Frames whose right neighbour is available: positions < n - 1.
    const count = startPos < n - 1 ? Math.ceil((n - 1 - startPos) / this.step) : 0;
    const out = new Float32Array(count);
    let pos = startPos;
    for (let k = 0; k < count; k++) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const s0 = i < 0 ? this.prev : input[i]!;
      const s1 = input[i + 1]!;
      out[k] = s0 + (s1 - s0) * frac;
      pos = startPos + (k + 1) * this.step;
    }
    this.pos = pos - n;
    this.prev = input[n - 1]!;
    this.started = true;
    return out;
  }

  /** Ends the stream: emits the frames held back for the last input frame, then resets. */
  flush(): Float32Array {
    const count = this.started && this.inRate !== this.outRate && this.pos < 0 ? Math.ceil(-this.pos / this.step) : 0;
    const out = new Float32Array(count).fill(this.prev);
    this.pos = 0;
    this.prev = 0;
    this.started = false;
    return out;
  }
}
