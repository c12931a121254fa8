// Pure PCM math: WAV parsing, linear resampling, G.711 mu-law / A-law, base64 helpers.
// PCM is Int16 mono; 'audio/pcm' is 24 kHz little-endian, G.711 is 8 kHz one byte a sample
// (PROTOCOL.md §6), so byte counts map to milliseconds with bytesPerMs().

/** Output/input format objects as on the wire. */
export type AudioFormat = { type: 'audio/pcm'; rate?: number } | { type: 'audio/pcmu' } | { type: 'audio/pcma' };

/** Bytes per millisecond of a wire format: 48 for pcm@24k, 8 for G.711. */
export function bytesPerMs(format: AudioFormat): number {
  return format.type === 'audio/pcm' ? 48 : 8;
}

/** Parses a PCM16 mono/stereo WAV file; returns mono samples and the sample rate. */
export function parseWav(buf: Uint8Array): { samples: Int16Array; sampleRate: number } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 12;
  let sampleRate = 22050;
  let channels = 1;
  while (off + 8 <= buf.byteLength) {
    const id = String.fromCharCode(buf[off]!, buf[off + 1]!, buf[off + 2]!, buf[off + 3]!);
    let size = view.getUint32(off + 4, true);
    if (id === 'fmt ') {
      channels = view.getUint16(off + 10, true);
      sampleRate = view.getUint32(off + 12, true);
    } else if (id === 'data') {
      // espeak writes 0x7fffffff-ish sizes when streaming; clamp to what is there.
      size = Math.min(size, buf.byteLength - off - 8);
      const count = Math.floor(size / 2 / channels);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(off + 8 + i * 2 * channels, true);
      return { samples, sampleRate };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('WAV without a data chunk');
}

/** Linear-interpolation resampler; when downsampling it box-averages first to limit aliasing. */
export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return input.slice();
  let src = input;
  let rate = from;
  const factor = Math.floor(from / to);
  if (factor >= 2) {
    src = new Int16Array(Math.floor(input.length / factor));
    for (let i = 0; i < src.length; i++) {
      let sum = 0;
      for (let k = 0; k < factor; k++) sum += input[i * factor + k]!;
      src[i] = Math.round(sum / factor);
    }
    rate = from / factor;
    if (rate === to) return src;
  }
  const outLen = Math.floor((src.length * to) / rate);
  const out = new Int16Array(outLen);
  const step = rate / to;
  for (let i = 0; i < outLen; i++) {
    const pos = i * step;
    const i0 = Math.floor(pos);
    const i1 = Math.min(i0 + 1, src.length - 1);
    const frac = pos - i0;
    out[i] = Math.round(src[i0]! * (1 - frac) + src[i1]! * frac);
  }
  return out;
}

/** G.711 mu-law encoder of one 16-bit sample (ITU-T G.711, bias 0x84, clip 32635). */
export function linearToMulaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(Math.abs(sample), 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** G.711 mu-law decoder of one byte. */
export function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** G.711 A-law encoder of one 16-bit sample. */
export function linearToAlaw(sample: number): number {
  const sign = sample >= 0 ? 0x80 : 0;
  let s = Math.min(Math.abs(sample), 32767) >> 3;
  let seg = 0;
  if (s >= 32) {
    seg = 1;
    while (s >= 64 && seg < 7) { s >>= 1; seg++; }
    s = (s >> 1) & 0x0f;
  } else {
    s >>= 1;
  }
  return ((sign | (seg << 4) | (s & 0x0f)) ^ 0x55) & 0xff;
}

/** G.711 A-law decoder of one byte. */
export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = seg === 0 ? t + 8 : ((t + 0x108) << (seg - 1));
  return a & 0x80 ? t : -t;
}

/** Encodes 24 kHz PCM samples into the bytes of a wire format. */
export function encodeForFormat(pcm24k: Int16Array, format: AudioFormat): Buffer {
  if (format.type === 'audio/pcm') return int16ToBytes(pcm24k);
  const pcm8k = resample(pcm24k, 24000, 8000);
  const enc = format.type === 'audio/pcmu' ? linearToMulaw : linearToAlaw;
  const out = Buffer.alloc(pcm8k.length);
  for (let i = 0; i < pcm8k.length; i++) out[i] = enc(pcm8k[i]!);
  return out;
}

/** Decodes wire bytes of a format into PCM samples and their rate. */
export function decodeFromFormat(bytes: Uint8Array, format: AudioFormat): { samples: Int16Array; sampleRate: number } {
  if (format.type === 'audio/pcm') return { samples: bytesToInt16(bytes), sampleRate: 24000 };
  const dec = format.type === 'audio/pcmu' ? mulawToLinear : alawToLinear;
  const samples = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) samples[i] = dec(bytes[i]!);
  return { samples, sampleRate: 8000 };
}

/** Int16 samples to little-endian bytes. */
export function int16ToBytes(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** Little-endian bytes to Int16 samples (a trailing odd byte is ignored). */
export function bytesToInt16(bytes: Uint8Array): Int16Array {
  const n = Math.floor(bytes.length / 2);
  const out = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Root-mean-square level of samples, 0..32768. */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}
