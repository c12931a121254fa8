// RFC 6455 frames for a client: encoding masked frames (one buffer, one write) and parsing the
// server's unmasked frames straight out of socket chunks. A frame wholly inside a chunk is read in
// place; only a frame that spans chunks is held, its pieces joined once when it is complete.
// Violations end parsing with a close code: 1002 protocol error, 1007 invalid UTF-8, 1009 too big.
// No extensions are ever negotiated, so every RSV bit must be clear.
import { isUtf8 } from 'node:buffer';
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';

/** Frame opcodes (RFC 6455 §5.2). */
export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

type Mask = (source: Uint8Array, mask: Buffer, output: Buffer, offset: number, length: number) => void;

/** ws's optional native masker (output[offset + i] = source[i] ^ mask[i & 3]), when it loads. */
const nativeMask: Mask | null = (() => {
  try {
    return (createRequire(import.meta.url)('bufferutil') as { mask: Mask }).mask;
  } catch {
    return null;
  }
})();

/** Below this many bytes the JS loop beats the call into native code (ws uses the same cut). */
const NATIVE_MASK_MIN = 48;

/** Mask keys come from one random pool, refilled when it is used up; KEY holds the current one. */
const MASK_POOL = Buffer.allocUnsafe(8192);
let maskAt = MASK_POOL.length;
const KEY = Buffer.allocUnsafe(4);

/**
 * Text is written here first: writing UTF-8 costs less than measuring it (Buffer.byteLength),
 * and masking then copies it into the frame in the same pass. Strings too long to be sure to fit
 * (3 bytes per UTF-16 unit at most) are encoded on their own instead.
 */
const SCRATCH = Buffer.allocUnsafe(64 * 1024);
const SCRATCH_MAX_CHARS = Math.floor(SCRATCH.length / 3);

/** frame[offset + i] = source[i] ^ KEY[i & 3] for i < length. */
function maskInto(source: Uint8Array, frame: Buffer, offset: number, length: number): void {
  if (nativeMask !== null && length >= NATIVE_MASK_MIN) return nativeMask(source, KEY, frame, offset, length);
  const m0 = KEY[0]!, m1 = KEY[1]!, m2 = KEY[2]!, m3 = KEY[3]!;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    frame[offset + i] = source[i]! ^ m0;
    frame[offset + i + 1] = source[i + 1]! ^ m1;
    frame[offset + i + 2] = source[i + 2]! ^ m2;
    frame[offset + i + 3] = source[i + 3]! ^ m3;
  }
  for (; i < length; i++) frame[offset + i] = source[i]! ^ KEY[i & 3]!;
}

/**
 * One masked client frame, FIN set: header, a fresh mask key and the payload (a string as UTF-8),
 * masked as it is copied in. The caller writes it with one socket.write.
 */
export function encodeFrame(opcode: number, payload: string | Uint8Array): Buffer {
  let source: Uint8Array;
  let length: number;
  if (typeof payload !== 'string') {
    source = payload;
    length = payload.byteLength;
  } else if (payload.length <= SCRATCH_MAX_CHARS) {
    source = SCRATCH;
    length = SCRATCH.write(payload, 0, 'utf8');
  } else {
    source = Buffer.from(payload, 'utf8');
    length = source.byteLength;
  }
  const frame = frameWithHeader(opcode, length);
  maskInto(source, frame, frame.length - length, length);
  return frame;
}

/**
 * One masked text frame whose payload is the concatenation of `parts`, each of them ASCII (one
 * byte per character: the caller's guarantee, e.g. JSON punctuation and base64). The parts are
 * written straight into the frame and masked there: no joined string is built, so V8 never
 * flattens one (writing a concatenated string copies it whole first).
 */
export function encodeAsciiTextFrame(parts: readonly string[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const frame = frameWithHeader(OPCODE.text, length);
  const header = frame.length - length;
  let at = header;
  for (const part of parts) at += frame.write(part, at, 'latin1');
  const payload = frame.subarray(header);
  maskInto(payload, frame, header, length); // in place: each byte is read before it is written
  return frame;
}

/** A frame buffer for `length` payload bytes, its header (FIN, opcode, length, a fresh mask key in KEY) written. */
function frameWithHeader(opcode: number, length: number): Buffer {
  const header = length < 126 ? 6 : length < 65536 ? 8 : 14;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  if (maskAt === MASK_POOL.length) {
    randomFillSync(MASK_POOL);
    maskAt = 0;
  }
  MASK_POOL.copy(KEY, 0, maskAt, maskAt + 4);
  maskAt += 4;
  KEY.copy(frame, header - 4);
  return frame;
}

/** A close frame's payload: the code, then the reason as UTF-8; empty without a code. */
export function closePayload(code: number | undefined, reason: string): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return payload;
}

/** Codes a close frame may carry (RFC 6455 §7.4; ws `isValidStatusCode`). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** What the parser reports; every callback runs synchronously inside `push`. */
export interface FrameHandlers {
  /** A whole message: a string for text, a Buffer for binary. */
  message(data: string | Buffer): void;
  /** A close frame: its code (1005 when it had none) and reason. */
  close(code: number, reason: string): void;
  ping(payload: Buffer): void;
  pong(payload: Buffer): void;
  /** The server broke the protocol; parsing has stopped for good. */
  fail(code: number, message: string): void;
}

/** Parses a server's frames from socket chunks. */
export class FrameParser {
  readonly #on: FrameHandlers;
  readonly #maxPayload: number;
  /** Pieces of a frame that spans chunks, their total size, and the bytes needed to go on. */
  #held: Buffer[] | null = null;
  #heldBytes = 0;
  #need = 0;
  /** Fragments of a message in progress (opcode 0 when none) and their total size. */
  #fragments: Buffer[] = [];
  #fragmentOpcode = 0;
  #fragmentBytes = 0;
  #stopped = false;
  /** The chunk being parsed is only lent for the call (a reused read buffer): keep or hand out copies. */
  #borrowed = false;

  constructor(handlers: FrameHandlers, maxPayload: number) {
    this.#on = handlers;
    this.#maxPayload = maxPayload;
  }

  /**
   * Parses every complete frame of `chunk` (after any held tail); holds the rest. A `borrowed`
   * chunk is the caller's reused buffer, valid only during this call: whatever the parser keeps
   * (a frame's tail, fragments) or hands out as bytes (binary messages, ping and pong payloads) is
   * copied out of it first. Text is decoded to a string, which is a copy anyway.
   */
  push(chunk: Buffer, borrowed = false): void {
    if (this.#stopped) return;
    if (this.#held !== null) {
      this.#held.push(borrowed ? Buffer.from(chunk) : chunk);
      this.#heldBytes += chunk.length;
      if (this.#heldBytes < this.#need) return;
      chunk = Buffer.concat(this.#held, this.#heldBytes);
      this.#held = null;
      borrowed = false; // the joined frame is a buffer of its own
    }
    this.#borrowed = borrowed;
    let at = 0;
    while (at < chunk.length && !this.#stopped) {
      const used = this.#frame(chunk, at);
      if (used === 0) {
        if (this.#stopped) return;
        this.#held = [this.#own(chunk.subarray(at))];
        this.#heldBytes = chunk.length - at;
        return;
      }
      at += used;
    }
  }

  /** `bytes` itself when the chunk is the parser's to keep, else a copy. */
  #own(bytes: Buffer): Buffer {
    return this.#borrowed ? Buffer.from(bytes) : bytes;
  }

  /** Stops for good: later chunks are ignored (the connection is closing). */
  stop(): void {
    this.#stopped = true;
    this.#held = null;
    this.#fragments = [];
  }

  /** Handles the frame at `at`; returns its size, or 0 (and sets #need) when it is incomplete. */
  #frame(buf: Buffer, at: number): number {
    const available = buf.length - at;
    if (available < 2) return this.#incomplete(2);
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) return this.#fail(1002, 'RSV bits must be clear (no extension was negotiated)');
    if ((b1 & 0x80) !== 0) return this.#fail(1002, 'a server frame must not be masked');
    const fin = (b0 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let header = 2;
    if (opcode >= 8) {
      if (opcode > OPCODE.pong) return this.#fail(1002, `invalid opcode ${opcode}`);
      if (!fin) return this.#fail(1002, 'a control frame must not be fragmented');
      if (length > 125) return this.#fail(1002, 'a control frame payload must be at most 125 bytes');
    } else if (opcode === OPCODE.continuation) {
      if (this.#fragmentOpcode === 0) return this.#fail(1002, 'continuation frame without a message to continue');
    } else if (opcode === OPCODE.text || opcode === OPCODE.binary) {
      if (this.#fragmentOpcode !== 0) return this.#fail(1002, 'new message before the fragmented one finished');
    } else return this.#fail(1002, `invalid opcode ${opcode}`);
    if (length === 126) {
      if (available < 4) return this.#incomplete(4);
      length = buf.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (available < 10) return this.#incomplete(10);
      const high = buf.readUInt32BE(at + 2);
      if (high > 0x1fffff) return this.#fail(1009, 'message too big');
      length = high * 2 ** 32 + buf.readUInt32BE(at + 6);
      header = 10;
    }
    if (opcode < 8 && this.#fragmentBytes + length > this.#maxPayload) return this.#fail(1009, 'message too big');
    if (available < header + length) return this.#incomplete(header + length);
    const start = at + header;
    const end = start + length;
    if (opcode >= 8) this.#control(opcode, this.#own(buf.subarray(start, end)));
    else if (fin && opcode !== OPCODE.continuation) this.#deliver(opcode, buf, start, end);
    else this.#fragment(opcode, fin, this.#own(buf.subarray(start, end)));
    return header + length;
  }

  #incomplete(need: number): number {
    this.#need = need;
    return 0;
  }

  #fail(code: number, message: string): number {
    this.stop();
    this.#on.fail(code, message);
    return 0;
  }

  #deliver(opcode: number, buf: Buffer, start: number, end: number): void {
    if (opcode === OPCODE.binary) return this.#on.message(this.#own(buf.subarray(start, end)));
    if (!isUtf8(buf.subarray(start, end))) return void this.#fail(1007, 'invalid UTF-8 in a text message');
    this.#on.message(buf.toString('utf8', start, end));
  }

  #fragment(opcode: number, fin: boolean, payload: Buffer): void {
    if (opcode !== OPCODE.continuation) this.#fragmentOpcode = opcode;
    this.#fragments.push(payload);
    this.#fragmentBytes += payload.length;
    if (!fin) return;
    const whole = Buffer.concat(this.#fragments, this.#fragmentBytes);
    const messageOpcode = this.#fragmentOpcode;
    this.#fragments = [];
    this.#fragmentOpcode = 0;
    this.#fragmentBytes = 0;
    this.#deliver(messageOpcode, whole, 0, whole.length);
  }

  #control(opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.ping) return this.#on.ping(payload);
    if (opcode === OPCODE.pong) return this.#on.pong(payload);
    if (payload.length === 0) return void this.#close(1005, '');
    if (payload.length === 1) return void this.#fail(1002, 'a close frame payload of 1 byte');
    const code = payload.readUInt16BE(0);
    if (!isValidCloseCode(code)) return void this.#fail(1002, `invalid close code ${code}`);
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) return void this.#fail(1007, 'invalid UTF-8 in a close reason');
    this.#close(code, reason.toString('utf8'));
  }

  #close(code: number, reason: string): void {
    this.stop(); // nothing after a close frame is read (RFC 6455 §5.5.1)
    this.#on.close(code, reason);
  }
}
