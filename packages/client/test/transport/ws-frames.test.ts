// The frame codec of the Node socket, without a socket: seeded random messages cut at random
// chunk boundaries come out exactly as they went in; fragments are joined with control frames
// between them; each protocol violation stops parsing with its close code; client frames are masked.
import { describe, expect, it } from 'vitest';
import { FrameParser, OPCODE, closePayload, encodeAsciiTextFrame, encodeFrame } from '../../src/transport/ws-frames.js';
import { mulberry32 } from '../helpers/prng.js';
import { closeBody, decodeClientFrames, serverFrame } from '../helpers/raw-ws.js';

type Seen = Array<{ message: string | Buffer } | { ping: string } | { pong: string } | { close: [number, string] } | { fail: [number, string] }>;

function parser(maxPayload = 100 * 1024 * 1024): { parser: FrameParser; seen: Seen } {
  const seen: Seen = [];
  const p = new FrameParser({
    message: (data) => void seen.push({ message: typeof data === 'string' ? data : Buffer.from(data) }),
    close: (code, reason) => void seen.push({ close: [code, reason] }),
    ping: (payload) => void seen.push({ ping: payload.toString() }),
    pong: (payload) => void seen.push({ pong: payload.toString() }),
    fail: (code, message) => void seen.push({ fail: [code, message] }),
  }, maxPayload);
  return { parser: p, seen };
}

/** Pushes `bytes` in chunks cut at random places (often tiny, sometimes one byte). */
function pushInChunks(p: FrameParser, bytes: Buffer, random: () => number): void {
  for (let at = 0; at < bytes.length;) {
    const size = random() < 0.3 ? 1 + Math.floor(random() * 3) : 1 + Math.floor(random() * 20_000);
    p.push(Buffer.from(bytes.subarray(at, at + size))); // a copy, as a socket hands fresh chunks
    at += size;
  }
}

const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 70_000];
const ALPHABET = ['a', 'Z', '"', '\\', 'é', 'ß', '€', '中', '😀', '\u0000'];

function randomMessage(random: () => number): string | Buffer {
  const size = random() < 0.5 ? SIZES[Math.floor(random() * SIZES.length)]! : Math.floor(random() * 5000);
  if (random() < 0.3) return Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
  const parts: string[] = [];
  for (let bytes = 0; bytes < size;) {
    const part = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    parts.push(part);
    bytes += Buffer.byteLength(part);
  }
  return parts.join('');
}

describe('frame parser', () => {
  it.each([1, 2, 3, 4, 5])('round-trips seeded random messages of random sizes split at random chunk boundaries (seed %i)', (seed) => {
    const random = mulberry32(seed);
    const messages = Array.from({ length: 60 }, () => randomMessage(random));
    const bytes = Buffer.concat(messages.map((m) => serverFrame(typeof m === 'string' ? OPCODE.text : OPCODE.binary, m)));
    const { parser: p, seen } = parser();
    pushInChunks(p, bytes, random);
    expect(seen).toEqual(messages.map((message) => ({ message })));
  });

  // The Node socket reads every plain connection into one reused buffer (node:net `onread`) and
  // pushes it as borrowed: what the parser keeps or hands out must not be a view of that buffer.
  it.each([11, 12, 13, 14, 15])('copies out of borrowed chunks whatever it keeps or hands out: the reused buffer is scribbled over after every push (seed %i)', (seed) => {
    const random = mulberry32(seed);
    const wire: Buffer[] = [];
    const expected: unknown[] = [];
    for (let m = 0; m < 40; m++) {
      const message = randomMessage(random);
      const opcode = typeof message === 'string' ? OPCODE.text : OPCODE.binary;
      const bytes = Buffer.from(message);
      const pieces = random() < 0.4 ? 1 + Math.floor(random() * 4) : 1;
      for (let p = 0; p < pieces; p++) {
        const piece = bytes.subarray(Math.floor((p * bytes.length) / pieces), Math.floor(((p + 1) * bytes.length) / pieces));
        wire.push(serverFrame(p === 0 ? opcode : OPCODE.continuation, piece, { fin: p === pieces - 1 }));
        if (p === pieces - 1) expected.push({ message });
        if (random() < 0.3) {
          const control = random() < 0.5 ? 'ping' : 'pong';
          const payload = `${control}-${m}-${p}`;
          wire.push(serverFrame(control === 'ping' ? OPCODE.ping : OPCODE.pong, payload));
          expected.push({ [control]: Buffer.from(payload) });
        }
      }
    }
    const bytes = Buffer.concat(wire);
    const kept: unknown[] = [];
    const p = new FrameParser({
      message: (data) => void kept.push({ message: data }), // kept as handed out: no copy here
      close: () => void kept.push('close'),
      ping: (payload) => void kept.push({ ping: payload }),
      pong: (payload) => void kept.push({ pong: payload }),
      fail: (code, message) => void kept.push({ fail: [code, message] }),
    }, 100 * 1024 * 1024);
    // Reads end at random places, and often where a frame ends (then a fragment or a control
    // frame lies whole in a read and is kept or handed out from it).
    const ends = new Set<number>();
    let end = 0;
    for (const frame of wire) {
      end += frame.length;
      if (random() < 0.5) ends.add(end);
    }
    for (let at = 0; at < bytes.length; at += 1 + Math.floor(random() * 20_000)) ends.add(at);
    ends.add(bytes.length);
    const lent = Buffer.alloc(bytes.length);
    let at = 0;
    for (const cut of [...ends].sort((a, b) => a - b)) {
      if (cut <= at) continue;
      const n = bytes.copy(lent, 0, at, cut);
      p.push(lent.subarray(0, n), true);
      lent.fill(0xee); // the next read overwrites it
      at = cut;
    }
    // Pings and pongs arrive in wire order, each message once its last fragment is in.
    const order = (xs: unknown[]) => xs.map((x) => JSON.stringify(x));
    expect(order(kept)).toEqual(order(expected));
  });

  it('reassembles a fragmented message whose fragments cut a UTF-8 character, with pings and pongs between them', () => {
    const text = `${'x'.repeat(200)}€${'y'.repeat(70_000)}😀end`;
    const bytes = Buffer.from(text);
    const cut1 = 201; // inside the 3 bytes of '€'
    const cut2 = bytes.length - 5; // inside the 4 bytes of '😀'
    const wire = Buffer.concat([
      serverFrame(OPCODE.text, bytes.subarray(0, cut1), { fin: false }),
      serverFrame(OPCODE.ping, 'p1'),
      serverFrame(OPCODE.continuation, bytes.subarray(cut1, cut2), { fin: false }),
      serverFrame(OPCODE.pong, 'p2'),
      serverFrame(OPCODE.continuation, bytes.subarray(cut2)),
      serverFrame(OPCODE.binary, Buffer.from([1, 2]), { fin: false }),
      serverFrame(OPCODE.continuation, Buffer.from([3])),
    ]);
    for (const seed of [7, 8, 9]) {
      const { parser: p, seen } = parser();
      pushInChunks(p, wire, mulberry32(seed));
      expect(seen).toEqual([{ ping: 'p1' }, { pong: 'p2' }, { message: text }, { message: Buffer.from([1, 2, 3]) }]);
    }
  });

  it('reports a close frame with its code and reason, 1005 without a code, and reads nothing after it', () => {
    const first = parser();
    first.parser.push(Buffer.concat([serverFrame(OPCODE.close, closeBody(4000, 'gone é')), serverFrame(OPCODE.text, 'late')]));
    first.parser.push(serverFrame(OPCODE.text, 'later'));
    expect(first.seen).toEqual([{ close: [4000, 'gone é'] }]);
    const empty = parser();
    empty.parser.push(serverFrame(OPCODE.close, ''));
    expect(empty.seen).toEqual([{ close: [1005, ''] }]);
  });

  const violations: Array<[string, Buffer, number]> = [
    ['a masked server frame', serverFrame(OPCODE.text, 'hi', { mask: true }), 1002],
    ['a nonzero RSV bit', serverFrame(OPCODE.text, 'hi', { rsv: 4 }), 1002],
    ['RSV2 and RSV3', serverFrame(OPCODE.binary, 'hi', { rsv: 3 }), 1002],
    ['an unknown data opcode', serverFrame(3, 'hi'), 1002],
    ['an unknown control opcode', serverFrame(0x0b, 'hi'), 1002],
    ['a continuation with no message to continue', serverFrame(OPCODE.continuation, 'hi'), 1002],
    ['a new message inside a fragmented one', Buffer.concat([serverFrame(OPCODE.text, 'a', { fin: false }), serverFrame(OPCODE.text, 'b')]), 1002],
    ['a fragmented ping', serverFrame(OPCODE.ping, 'a', { fin: false }), 1002],
    ['a ping of 126 bytes', serverFrame(OPCODE.ping, 'a'.repeat(126)), 1002],
    ['a close frame of 1 byte', serverFrame(OPCODE.close, Buffer.from([3])), 1002],
    ['a close frame with code 1005', serverFrame(OPCODE.close, closeBody(1005)), 1002],
    ['a close frame with code 2999', serverFrame(OPCODE.close, closeBody(2999)), 1002],
    ['invalid UTF-8 in a text message', serverFrame(OPCODE.text, Buffer.from([0x68, 0xc3, 0x28])), 1007],
    ['invalid UTF-8 across fragments', Buffer.concat([serverFrame(OPCODE.text, Buffer.from([0xe2, 0x82]), { fin: false }), serverFrame(OPCODE.continuation, Buffer.from([0x41]))]), 1007],
    ['invalid UTF-8 in a close reason', serverFrame(OPCODE.close, Buffer.concat([closeBody(1000), Buffer.from([0xff])])), 1007],
    ['a message over maxPayload', serverFrame(OPCODE.binary, Buffer.alloc(1025)), 1009],
    ['fragments adding up to over maxPayload', Buffer.concat([serverFrame(OPCODE.text, 'a'.repeat(600), { fin: false }), serverFrame(OPCODE.continuation, 'b'.repeat(600))]), 1009],
  ];

  it.each(violations)('fails with the right close code on %s, and parses nothing after it', (_name, bad, code) => {
    const { parser: p, seen } = parser(1024);
    p.push(Buffer.concat([serverFrame(OPCODE.text, 'before'), bad, serverFrame(OPCODE.text, 'after')]));
    p.push(serverFrame(OPCODE.text, 'later'));
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({ message: 'before' });
    expect((seen[1] as { fail: [number, string] }).fail[0]).toBe(code);
  });

  it('refuses a 64-bit length beyond any maxPayload before waiting for its bytes', () => {
    const { parser: p, seen } = parser();
    const header = Buffer.from([0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0]); // 2^40 bytes announced
    p.push(header);
    expect(seen).toEqual([{ fail: [1009, 'message too big'] }]);
  });
});

describe('frame encoder', () => {
  it.each([0, 5, 47, 48, 125, 126, 65535, 65536])('masks a %i-byte text frame, with the shortest length form', (n) => {
    const text = 'é'.repeat(n >> 1) + 'a'.repeat(n & 1); // n bytes of UTF-8
    const frame = encodeFrame(OPCODE.text, text);
    const [decoded, ...rest] = decodeClientFrames(frame);
    expect(rest).toEqual([]);
    expect(decoded).toMatchObject({ fin: true, opcode: OPCODE.text, masked: true });
    expect(decoded!.payload.toString()).toBe(text);
    expect(frame.length).toBe(n + (n < 126 ? 6 : n < 65536 ? 8 : 14));
    if (n >= 8) expect(frame.subarray(frame.length - n).equals(Buffer.from(text))).toBe(false); // the bytes on the wire are masked
  });

  it('encodes a text frame given as ASCII pieces exactly as the joined string, at every length form (seeded)', () => {
    const random = mulberry32(21);
    const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
    const piece = (n: number) => Array.from({ length: n }, () => BASE64[Math.floor(random() * BASE64.length)]).join('');
    const totals = [0, 1, 47, 48, 125, 126, 127, 65535, 65536, 70_000, ...Array.from({ length: 40 }, () => Math.floor(random() * 9000))];
    for (const total of totals) {
      const a = Math.floor(random() * (total + 1));
      const b = Math.floor(random() * (total - a + 1));
      const parts = [piece(a), piece(b), piece(total - a - b)];
      const frame = encodeAsciiTextFrame(parts);
      const [decoded, ...rest] = decodeClientFrames(frame);
      expect(rest).toEqual([]);
      expect(decoded).toMatchObject({ fin: true, opcode: OPCODE.text, masked: true });
      expect(decoded!.payload.toString('latin1')).toBe(parts.join(''));
      expect(frame.length).toBe(total + (total < 126 ? 6 : total < 65536 ? 8 : 14));
      if (total >= 8) expect(frame.subarray(frame.length - total).toString('latin1')).not.toBe(parts.join('')); // masked on the wire
    }
  });

  it('masks binary payloads given as plain Uint8Arrays or Buffers, short and long', () => {
    for (const n of [3, 48, 3000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
      for (const payload of [bytes, Buffer.from(bytes)]) {
        const [decoded] = decodeClientFrames(encodeFrame(OPCODE.binary, payload));
        expect(decoded).toMatchObject({ opcode: OPCODE.binary, masked: true });
        expect(decoded!.payload.equals(Buffer.from(bytes))).toBe(true);
      }
    }
  });

  it('uses a fresh mask key for every frame, across refills of the key pool', () => {
    const keys = new Set(Array.from({ length: 5000 }, () => decodeClientFrames(encodeFrame(OPCODE.binary, Buffer.from([1, 2, 3])))[0]!.maskKey.toString('hex')));
    expect(keys.size).toBeGreaterThan(4990); // 32-bit random keys: a handful of collisions at most
  });

  it('encodes a close payload as code then UTF-8 reason, and nothing without a code', () => {
    expect(decodeClientFrames(encodeFrame(OPCODE.close, closePayload(1000, 'bye ✓')))[0]!.payload).toEqual(closeBody(1000, 'bye ✓'));
    expect(closePayload(undefined, '')).toEqual(Buffer.alloc(0));
  });
});
