// The server's side of RFC 6455 written out by hand, for tests of the Node socket: frames built
// byte by byte (so a test can break any rule), client frames decoded (unmasked), and a raw TCP
// server that answers the handshake as told and then sends whatever bytes the test gives it.
import { createHash } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';

/** A server frame; `mask`, `rsv` and a wrong `fin` are there to break the protocol on purpose. */
export function serverFrame(opcode: number, payload: string | Uint8Array, options: { fin?: boolean; rsv?: number; mask?: boolean } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const n = data.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const maskBytes = options.mask ? 4 : 0;
  const frame = Buffer.alloc(2 + lengthBytes + maskBytes + n);
  frame[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  frame[1] = (options.mask ? 0x80 : 0) | (n < 126 ? n : n < 65536 ? 126 : 127);
  if (lengthBytes === 2) frame.writeUInt16BE(n, 2);
  if (lengthBytes === 8) frame.writeBigUInt64BE(BigInt(n), 2);
  data.copy(frame, 2 + lengthBytes + maskBytes); // a zero mask key: the bytes are unchanged
  return frame;
}

/** A close frame's payload. */
export function closeBody(code: number, reason = ''): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

/** A frame as the client sent it. */
export interface ClientFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  maskKey: Buffer;
  payload: Buffer;
}

/** Decodes complete client frames from `bytes` (unmasking them); a partial tail is left out. */
export function decodeClientFrames(bytes: Buffer): ClientFrame[] {
  const frames: ClientFrame[] = [];
  let at = 0;
  while (bytes.length - at >= 2) {
    let n = bytes[at + 1]! & 0x7f;
    let header = 2;
    if (n === 126) (n = bytes.readUInt16BE(at + 2)), (header = 4);
    else if (n === 127) (n = Number(bytes.readBigUInt64BE(at + 2))), (header = 10);
    const masked = (bytes[at + 1]! & 0x80) !== 0;
    const maskKey = masked ? bytes.subarray(at + header, at + header + 4) : Buffer.alloc(4);
    header += masked ? 4 : 0;
    if (bytes.length - at < header + n) break;
    const payload = Buffer.from(bytes.subarray(at + header, at + header + n));
    for (let i = 0; i < n; i++) payload[i]! ^= maskKey[i & 3]!;
    frames.push({ fin: (bytes[at]! & 0x80) !== 0, opcode: bytes[at]! & 0x0f, masked, maskKey: Buffer.from(maskKey), payload });
    at += header + n;
  }
  return frames;
}

/** Sec-WebSocket-Accept for a key. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/** One connection to the raw server: the request head, every byte after it, and the socket. */
export interface RawConnection {
  request: string;
  headers: Record<string, string>;
  socket: Socket;
  /** Bytes the client sent after its request (its frames). */
  received: Buffer;
  ended: boolean;
}

/**
 * A TCP server that reads a handshake request and writes `respond(connection, accept)` in one
 * write (a 101 followed by frames arrives in one chunk); by default a correct 101.
 */
export async function startRawServer(respond?: (conn: RawConnection, accept: string) => string | Buffer) {
  const connections: RawConnection[] = [];
  const server = createServer((socket) => {
    const conn: RawConnection = { request: '', headers: {}, socket, received: Buffer.alloc(0), ended: false };
    let head = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('end', () => (conn.ended = true));
    socket.on('data', (chunk: Buffer) => {
      if (conn.request) return void (conn.received = Buffer.concat([conn.received, chunk]));
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      conn.request = head.toString('latin1', 0, end);
      for (const line of conn.request.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        conn.headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      conn.received = head.subarray(end + 4);
      connections.push(conn);
      const accept = acceptFor(conn.headers['sec-websocket-key'] ?? '');
      socket.write(respond ? respond(conn, accept) : switching(accept));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime?model=gpt-realtime`,
    connections,
    close: () => new Promise<void>((resolve) => {
      for (const c of connections) c.socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A correct 101 response head for `accept`, with extra header lines if given. */
export function switching(accept: string, extra: string[] = []): string {
  return ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, ...extra, '', ''].join('\r\n');
}
