// Minimal WAV (RIFF, 16-bit PCM) reading and writing for the example: mono 24 kHz out,
// any rate/channel count in (mixed to mono and linearly resampled to 24 kHz).

/** Encodes mono 16-bit PCM samples (little-endian bytes) as a WAV file. */
export function encodeWav(pcm: Uint8Array, sampleRate = 24000): Uint8Array {
  const out = new Uint8Array(44 + pcm.byteLength);
  const view = new DataView(out.buffer);
  const text = (offset: number, s: string) => [...s].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + pcm.byteLength, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, pcm.byteLength, true);
  out.set(pcm, 44);
  return out;
}

/** Decodes a 16-bit PCM WAV into mono pcm16 at 24 kHz. */
export function decodeWavTo24k(file: Uint8Array): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let offset = 12;
  let channels = 1;
  let rate = 24000;
  let bits = 16;
  while (offset + 8 <= file.byteLength) {
    const id = String.fromCharCode(...file.subarray(offset, offset + 4));
    const size = view.getUint32(offset + 4, true);
    if (id === 'fmt ') {
      channels = view.getUint16(offset + 10, true);
      rate = view.getUint32(offset + 12, true);
      bits = view.getUint16(offset + 22, true);
    } else if (id === 'data') {
      if (bits !== 16) throw new Error(`Only 16-bit PCM WAV is supported (got ${bits}-bit)`);
      const frames = Math.floor(Math.min(size, file.byteLength - offset - 8) / (2 * channels));
      const mono = new Float64Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += view.getInt16(offset + 8 + (i * channels + c) * 2, true);
        mono[i] = sum / channels;
      }
      const outFrames = Math.floor((frames * 24000) / rate);
      const out = new Uint8Array(outFrames * 2);
      const outView = new DataView(out.buffer);
      for (let i = 0; i < outFrames; i++) {
        const pos = (i * rate) / 24000;
        const i0 = Math.floor(pos);
        const frac = pos - i0;
        const a = mono[i0] ?? 0;
        const b = mono[Math.min(i0 + 1, frames - 1)] ?? a;
        outView.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(a + (b - a) * frac))), true);
      }
      return out;
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('No data chunk found in WAV file');
}
