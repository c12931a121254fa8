// Pure audio math and base64 codecs shared by the core and the Web Audio layer.
// Invariants: no globals are touched at import time (engines are probed per call), no Node-only
// imports (so browser bundles never pull a Buffer polyfill), and every function is total:
// unknown formats count as PCM16 24 kHz, as the seed does (seed-behaviour.md §2.2).
import type { AudioFormatLike } from '../core/types.js';

/** The three sample encodings the GA protocol carries (PROTOCOL.md §6). */
export type FormatKind = 'pcm16' | 'pcmu' | 'pcma';

/**
 * The one table of format spellings for the whole package (GA type, GA shorthand, legacy name).
 * The session builder matches it exactly (seed-behaviour.md §2.1 is case-sensitive); length math
 * and the player match it lowercased (§2.2).
 */
export const FORMAT_SPELLINGS: Readonly<Record<string, FormatKind>> = {
  'audio/pcm': 'pcm16', pcm16: 'pcm16', pcm: 'pcm16',
  'audio/pcmu': 'pcmu', g711_ulaw: 'pcmu', pcmu: 'pcmu',
  'audio/pcma': 'pcma', g711_alaw: 'pcma', pcma: 'pcma',
};

/** The spelled kind of an exact format string, or undefined for an unknown spelling. */
export function spelledKind(name: string): FormatKind | undefined {
  return Object.prototype.hasOwnProperty.call(FORMAT_SPELLINGS, name) ? FORMAT_SPELLINGS[name] : undefined;
}

/**
 * Which encoding a format spelling means. Strings and object `type`s are compared lowercased;
 * any string starting with `g711` that is not A-law counts as μ-law, keeping the seed's
 * `g711*` prefix quirk (seed-behaviour.md §2.2). Everything else, `null` included, is pcm16.
 */
export function formatKind(format: AudioFormatLike): FormatKind {
  // Asked on every audio delta with the same session format: the last string's answer is kept.
  if (format === lastFormatString) return lastFormatKind;
  const kind = kindOf(format);
  if (typeof format === 'string') {
    lastFormatString = format;
    lastFormatKind = kind;
  }
  return kind;
}
let lastFormatString: string | undefined;
let lastFormatKind: FormatKind = 'pcm16';

function kindOf(format: AudioFormatLike): FormatKind {
  let name: unknown = format;
  if (format !== null && typeof format === 'object') name = (format as { type?: unknown }).type;
  if (typeof name !== 'string') return 'pcm16';
  const lower = name.toLowerCase();
  const kind = spelledKind(lower);
  if (kind) return kind;
  // [quirk] seed-behaviour.md §2.2: only *strings* get the prefix rule, not object types.
  if (typeof format === 'string' && lower.startsWith('g711')) return 'pcmu';
  return 'pcm16';
}

/** True when `format` is G.711 (μ-law or A-law): 8 kHz, one byte per sample. */
export function isG711(format: AudioFormatLike): boolean {
  return formatKind(format) !== 'pcm16';
}

/**
 * Milliseconds of audio in `byteLength` bytes of `format` (seed-behaviour.md §2.2):
 * G.711 is 8 bytes per ms, anything else is PCM16 mono 24 kHz at 48 bytes per ms.
 * Fractional results are kept (odd byte counts give fractional samples, no flooring).
 */
export function audioLengthMs(format: AudioFormatLike, byteLength: number): number {
  if (!byteLength) return 0;
  return isG711(format) ? byteLength / 8 : byteLength / 48;
}

/** Bytes per sample of each kind: a delta must carry whole samples (pcm16: 2, G.711: 1). */
export const KIND_SAMPLE_BYTES: Readonly<Record<FormatKind, number>> = { pcm16: 2, pcmu: 1, pcma: 1 };

// ---- base64 -------------------------------------------------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
let encodeTable: Uint8Array | undefined;
let decodeTable: Uint8Array | undefined;

function tables(): { enc: Uint8Array; dec: Uint8Array } {
  // Built lazily so importing this module allocates nothing.
  if (!encodeTable || !decodeTable) {
    encodeTable = new Uint8Array(64);
    decodeTable = new Uint8Array(256).fill(255);
    for (let i = 0; i < 64; i++) {
      const c = ALPHABET.charCodeAt(i);
      encodeTable[i] = c;
      decodeTable[c] = i;
    }
  }
  return { enc: encodeTable, dec: decodeTable };
}

type NativeU8 = {
  fromBase64?: (s: string) => Uint8Array;
};
type NodeBuffer = {
  from(s: string, enc: 'base64'): Uint8Array;
  from(b: ArrayBufferLike, offset: number, length: number): { toString(enc: 'base64'): string };
};

function nodeBuffer(): NodeBuffer | undefined {
  const B = (globalThis as { Buffer?: NodeBuffer }).Buffer;
  return typeof B?.from === 'function' ? B : undefined;
}

/** The last string `isWholeBase64` accepted and its bytes, for the next `base64ToBytes(s)`. */
let decodedString: string | undefined;
let decodedBytes: Uint8Array | undefined;
/** The last string `isWholeBase64` accepted, so the parser's proof is not repeated for the same delta. */
let provedString: string | undefined;
/** Whole padded base64 where no decoder proves it: the alphabet, then at most two '=' (length apart). */
const WHOLE_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Bytes that padded base64 of `s`'s length holds: 3 per 4 characters, less one per final '='
 * (at most two). A decoder that skipped or stopped at any character returns fewer.
 */
export function base64DecodedLength(s: string): number {
  const n = s.length;
  const pad = n === 0 || s.charCodeAt(n - 1) !== 61 ? 0 : n > 1 && s.charCodeAt(n - 2) === 61 ? 2 : 1;
  return ((n * 3) >>> 2) - pad;
}

/**
 * True when every character of `s` is base64 data: a length that is a multiple of 4, alphabet
 * characters only, '=' only as one or two final padding characters (Node's decoder also reads
 * the URL-safe '-' and '_'). Proved by decoding: the decoders skip whitespace, quotes, backslashes
 * and control characters or stop at an early '=' (or throw), so any of them makes the byte count
 * fall short of `base64DecodedLength`. Such a string is the exact value of a JSON string literal.
 * The bytes are kept for the next `base64ToBytes(s)`, so a frame is decoded once. Without Node's
 * Buffer (a browser) it is proved without keeping bytes (`provedWithoutBuffer`): they may never be
 * needed on this thread (the Web Audio player decodes in its worklet).
 */
export function isWholeBase64(s: string): boolean {
  if (s === provedString) return true;
  if (s.length % 4 !== 0) return false;
  if (!nodeBuffer()) {
    if (!provedWithoutBuffer(s)) return false;
    provedString = s;
    return true;
  }
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(s);
  } catch {
    return false; // `Uint8Array.fromBase64` throws on a character outside the alphabet
  }
  if (bytes.byteLength !== base64DecodedLength(s)) return false;
  provedString = decodedString = s;
  decodedBytes = bytes;
  return true;
}

/**
 * The proof where there is no Buffer: `atob` (a browser's is several times faster than a regex
 * over 6,400 characters, and than `Uint8Array.fromBase64`), whose binary string is dropped. It
 * throws on any character outside the alphabet and on misplaced '=', and skips whitespace, which
 * makes its length fall short. Without `atob`, the pattern.
 */
function provedWithoutBuffer(s: string): boolean {
  const decode = (globalThis as { atob?: (s: string) => string }).atob;
  if (typeof decode !== 'function') return WHOLE_BASE64.test(s);
  try {
    return decode(s).length === base64DecodedLength(s);
  } catch {
    return false;
  }
}

/** True when `isWholeBase64(s)` decoded `s` to prove it and its bytes wait for `base64ToBytes(s)`. */
export function isDecoded(s: string): boolean {
  return decodedBytes !== undefined && decodedString === s;
}

/**
 * Decodes standard padded base64 into bytes. Uses `Uint8Array.fromBase64` when the engine has
 * it, else Node's `Buffer`, else the pure-JS codec. The result always owns its bytes: its own
 * ArrayBuffer, byteOffset 0, buffer.byteLength === length. Bytes `isWholeBase64` just decoded
 * from the same string are handed over (once) instead of decoding again.
 */
export function base64ToBytes(s: string): Uint8Array {
  const bytes = decodedBytes;
  if (bytes !== undefined && decodedString === s) {
    decodedString = decodedBytes = undefined;
    return bytes;
  }
  return decodeBase64(s);
}

function decodeBase64(s: string): Uint8Array {
  const native = (Uint8Array as unknown as NativeU8).fromBase64;
  if (typeof native === 'function') return native(s);
  const B = nodeBuffer();
  if (B) {
    const buf = B.from(s, 'base64');
    // Small Buffers are views into a shared pool: copy so the result owns its ArrayBuffer
    // (byteOffset 0), and `new Int16Array(bytes.buffer)` reads only this frame's samples.
    if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength) return new Uint8Array(buf.buffer);
    return new Uint8Array(buf);
  }
  return base64ToBytesJs(s);
}

/**
 * Encodes bytes as standard padded base64. Uses `Uint8Array.prototype.toBase64` when present,
 * else Node's `Buffer` (no copy), else the pure-JS codec.
 */
export function bytesToBase64(b: Uint8Array): string {
  const native = (b as unknown as { toBase64?: () => string }).toBase64;
  if (typeof native === 'function') return native.call(b);
  const B = nodeBuffer();
  if (B) return B.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  return bytesToBase64Js(b);
}

/**
 * Pure-JS base64 decoder (table-driven, one output allocation). Ignores characters outside the
 * alphabet (whitespace) and stops at the first `=`; a trailing partial group of 1 char is dropped.
 */
export function base64ToBytesJs(s: string): Uint8Array {
  const { dec } = tables();
  const len = s.length;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) break; // '=' ends the data
    const v = c < 256 ? dec[c]! : 255;
    if (v === 255) continue;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return o === out.length ? out : out.slice(0, o);
}

const CHUNK = 0x6000; // a multiple of 3 that keeps String.fromCharCode's argument list small

/**
 * Pure-JS base64 encoder. With `btoa` it builds a binary string in chunks (never one
 * char at a time) and lets the engine encode; without it, it writes ASCII codes into a byte
 * table and decodes that in chunks.
 */
export function bytesToBase64Js(b: Uint8Array): string {
  const btoaFn = (globalThis as { btoa?: (s: string) => string }).btoa;
  const parts: string[] = [];
  if (typeof btoaFn === 'function') {
    for (let i = 0; i < b.length; i += CHUNK) {
      parts.push(String.fromCharCode.apply(null, b.subarray(i, i + CHUNK) as unknown as number[]));
    }
    return btoaFn(parts.join(''));
  }
  const { enc } = tables();
  const out = new Uint8Array(Math.ceil(b.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out[o++] = enc[n >> 18]!;
    out[o++] = enc[(n >> 12) & 63]!;
    out[o++] = enc[(n >> 6) & 63]!;
    out[o++] = enc[n & 63]!;
  }
  const rest = b.length - i;
  if (rest > 0) {
    const n = (b[i]! << 16) | (rest === 2 ? b[i + 1]! << 8 : 0);
    out[o++] = enc[n >> 18]!;
    out[o++] = enc[(n >> 12) & 63]!;
    out[o++] = rest === 2 ? enc[(n >> 6) & 63]! : 61;
    out[o++] = 61;
  }
  for (let j = 0; j < out.length; j += CHUNK) {
    parts.push(String.fromCharCode.apply(null, out.subarray(j, j + CHUNK) as unknown as number[]));
  }
  return parts.join('');
}
