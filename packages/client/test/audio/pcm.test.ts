// PCM math and base64 codecs (seed-behaviour.md §2.2, PROTOCOL.md §6).
// Every codec path (native Uint8Array methods, Node Buffer, pure JS with and without btoa) is
// compared with Buffer's own base64 on random data of many lengths.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  audioLengthMs,
  base64DecodedLength,
  base64ToBytes,
  base64ToBytesJs,
  bytesToBase64,
  bytesToBase64Js,
  formatKind,
  isG711,
  isWholeBase64,
} from '../../src/audio/pcm.js';

describe('audioLengthMs', () => {
  it.each([
    ['pcm16', 4, 4 / 48],
    ['pcm16', 48, 1],
    ['pcm16', 4800, 100],
    [{ type: 'audio/pcm', rate: 24000 }, 48000, 1000],
    ['g711_ulaw', 8, 1],
    ['g711_alaw', 8000, 1000],
    [{ type: 'audio/pcmu' }, 8, 1],
    [{ type: 'AUDIO/PCMA' }, 80, 10],
    ['PCMU', 16, 2],
    ['g711_custom', 8, 1],
    [null, 48, 1],
    ['opus', 96, 2],
  ] as const)('measures %j with %d bytes as %d ms', (format, bytes, ms) => {
    expect(audioLengthMs(format, bytes)).toBeCloseTo(ms, 10);
  });

  it('gives 4 bytes of pcm16 as 0.08333 ms without flooring', () => {
    expect(audioLengthMs('pcm16', 4)).toBeCloseTo(0.08333, 5);
    expect(audioLengthMs('pcm16', 3)).toBe(3 / 48);
  });

  it('gives 0 ms for 0 bytes in any format', () => {
    expect(audioLengthMs('g711_ulaw', 0)).toBe(0);
    expect(audioLengthMs(undefined, 0)).toBe(0);
  });
});

describe('format kinds', () => {
  it('classifies strings and objects case-insensitively', () => {
    expect(formatKind('G711_ALAW')).toBe('pcma');
    expect(formatKind({ type: 'audio/pcmu' })).toBe('pcmu');
    expect(formatKind({ type: 'audio/pcm', rate: 24000 })).toBe('pcm16');
    expect(formatKind(undefined)).toBe('pcm16');
  });

  it('keeps the g711 prefix quirk for strings only', () => {
    expect(isG711('g711_custom')).toBe(true);
    expect(isG711({ type: 'g711_custom' })).toBe(false);
    expect(isG711('pcm16')).toBe(false);
  });
});

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

const LENGTHS = [...Array.from({ length: 1001 }, (_, i) => i), 1 << 20];
const ref = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

function roundTrips(encode: (b: Uint8Array) => string, decode: (s: string) => Uint8Array): void {
  for (const n of LENGTHS) {
    const bytes = randomBytes(n);
    const text = encode(bytes);
    expect(text).toBe(ref(bytes));
    const back = decode(text);
    expect(back).toBeInstanceOf(Uint8Array);
    expect(back.length).toBe(n);
    expect(Buffer.compare(back, bytes)).toBe(0);
  }
}

describe('base64 codecs', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    delete (Uint8Array as unknown as Record<string, unknown>).fromBase64;
    delete (Uint8Array.prototype as unknown as Record<string, unknown>).toBase64;
  });

  it('round-trips through the Node Buffer path and returns a Uint8Array view', () => {
    roundTrips(bytesToBase64, base64ToBytes);
    const out = base64ToBytes('AAEC');
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
  });

  it('encodes a subarray view without its neighbours', () => {
    const b = new Uint8Array([9, 1, 2, 3, 9]);
    expect(bytesToBase64(b.subarray(1, 4))).toBe('AQID');
    expect(bytesToBase64Js(b.subarray(1, 4))).toBe('AQID');
  });

  it('prefers Uint8Array.fromBase64 and toBase64 when the engine has them', () => {
    const fromBase64 = vi.fn((s: string) => new Uint8Array(Buffer.from(s, 'base64')));
    const toBase64 = vi.fn(function (this: Uint8Array) {
      return ref(this);
    });
    Object.assign(Uint8Array, { fromBase64 });
    Object.assign(Uint8Array.prototype, { toBase64 });
    roundTrips(bytesToBase64, base64ToBytes);
    expect(fromBase64).toHaveBeenCalledTimes(LENGTHS.length);
    expect(toBase64).toHaveBeenCalledTimes(LENGTHS.length);
  });

  it('falls back to the pure-JS codec when there is no Buffer', () => {
    const RealBuffer = Buffer;
    const bytes = randomBytes(1000);
    vi.stubGlobal('Buffer', undefined);
    expect(globalThis.Buffer).toBeUndefined();
    const text = bytesToBase64(bytes);
    const back = base64ToBytes(text);
    vi.unstubAllGlobals();
    expect(text).toBe(RealBuffer.from(bytes).toString('base64'));
    expect(RealBuffer.compare(back, bytes)).toBe(0);
  });

  it('round-trips through the pure-JS codec with btoa', () => {
    roundTrips(bytesToBase64Js, base64ToBytesJs);
  });

  it('round-trips through the pure-JS codec without btoa', () => {
    vi.stubGlobal('btoa', undefined);
    roundTrips(bytesToBase64Js, base64ToBytesJs);
  });

  it('maps the empty string to an empty array and back', () => {
    expect(base64ToBytesJs('')).toEqual(new Uint8Array(0));
    expect(bytesToBase64Js(new Uint8Array(0))).toBe('');
    expect(base64ToBytes('').length).toBe(0);
    expect(bytesToBase64(new Uint8Array(0))).toBe('');
  });

  it('decodes unpadded input and ignores whitespace in the pure-JS decoder', () => {
    expect(Array.from(base64ToBytesJs('AQI'))).toEqual([1, 2]);
    expect(Array.from(base64ToBytesJs('AQ ID\n'))).toEqual([1, 2, 3]);
  });
});

describe('isWholeBase64 and base64DecodedLength', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    delete (Uint8Array as unknown as Record<string, unknown>).fromBase64;
  });

  const NOT_WHOLE = ['AAA', 'AAAAA', 'AA==AAAA', 'AAA\\/', 'AA\nA', 'AA A', 'AA"A', 'A===', '====', 'AAA\u0000', 'AAé=', 'AA\tAAAAA'];

  it('counts 3 bytes per 4 characters less the final padding', () => {
    expect([base64DecodedLength(''), base64DecodedLength('QUJD'), base64DecodedLength('QUI='), base64DecodedLength('QQ==')]).toEqual([0, 3, 2, 1]);
    for (const n of [0, 1, 2, 3, 4, 5, 1919, 1920, 4800]) expect(base64DecodedLength(ref(randomBytes(n)))).toBe(n);
  });

  it('accepts every padded encoding and rejects whitespace, escapes, quotes, control characters and early padding', () => {
    for (const n of [0, 1, 2, 3, 4, 100, 4800]) expect(isWholeBase64(ref(randomBytes(n)))).toBe(true);
    for (const s of NOT_WHOLE) expect([s, isWholeBase64(s)]).toEqual([s, false]);
  });

  it('gives the same answers through Uint8Array.fromBase64, which throws on bad characters', () => {
    const fromBase64 = vi.fn((s: string) => {
      if (/[^A-Za-z0-9+/=\s]/.test(s)) throw new SyntaxError('bad base64');
      return new Uint8Array(Buffer.from(s, 'base64'));
    });
    Object.assign(Uint8Array, { fromBase64 });
    expect(isWholeBase64(ref(randomBytes(300)))).toBe(true);
    for (const s of NOT_WHOLE) expect([s, isWholeBase64(s)]).toEqual([s, false]);
    expect(fromBase64).toHaveBeenCalled();
  });

  it('gives the same answers without Buffer, through atob (a browser) and without atob (the pattern)', () => {
    const RealBuffer = Buffer;
    const good = [0, 1, 2, 3, 301, 4800].map((n) => ref(randomBytes(n)));
    const realAtob = globalThis.atob;
    const atob = vi.fn((s: string) => realAtob(s));
    vi.stubGlobal('Buffer', undefined);
    vi.stubGlobal('atob', atob);
    const withAtob = [...good.map(isWholeBase64), ...NOT_WHOLE.map(isWholeBase64)];
    const atobCalls = atob.mock.calls.length;
    vi.stubGlobal('atob', undefined);
    const withPattern = [...good.map(isWholeBase64), ...NOT_WHOLE.map(isWholeBase64)];
    vi.unstubAllGlobals();
    expect(RealBuffer).toBeDefined();
    const want = [...good.map(() => true), ...NOT_WHOLE.map(() => false)];
    expect(withAtob).toEqual(want);
    expect(withPattern).toEqual(want);
    expect(atobCalls).toBeGreaterThanOrEqual(good.length);
  });

  it('hands the bytes it decoded to the next base64ToBytes of that string, once', () => {
    const bytes = randomBytes(4800);
    const text = ref(bytes);
    expect(isWholeBase64(text)).toBe(true);
    const first = base64ToBytes(text);
    const second = base64ToBytes(text);
    expect(first).not.toBe(second);
    expect(Buffer.compare(first, bytes)).toBe(0);
    expect(Buffer.compare(second, bytes)).toBe(0);
    expect([first.byteOffset, first.buffer.byteLength]).toEqual([0, 4800]);
    expect(isWholeBase64(text)).toBe(true);
    expect(Array.from(base64ToBytes('AQID'))).toEqual([1, 2, 3]);
  });
});
