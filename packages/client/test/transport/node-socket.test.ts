// The Node socket on real TCP: the handshake request as a raw server reads it, handshake failures
// (error then close 1006, ws's messages), protocol violations answered with the close code on the
// wire, pings answered, keepalive pongs, the closing handshake both ways, bufferedAmount when the
// peer stops reading, and wss:// trusting a CA by option or NODE_EXTRA_CA_CERTS.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { NodeWebSocket, type NodeWebSocketOptions } from '../../src/transport/node-socket.js';
import { OPCODE } from '../../src/transport/ws-frames.js';
import { closeBody, decodeClientFrames, serverFrame, startRawServer, switching } from '../helpers/raw-ws.js';
import { startWsServer, waitFor } from '../helpers/ws-server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A socket and everything it emitted, in order. */
function open(url: string, protocols: string[] = [], options: NodeWebSocketOptions = {}) {
  const socket = new NodeWebSocket(url, protocols, options);
  const events: Array<{ type: string; [k: string]: unknown }> = [];
  for (const type of ['open', 'message', 'error', 'close'] as const) socket.addEventListener(type, (e) => void events.push({ ...e }));
  cleanups.push(() => socket.terminate());
  const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => socket.addEventListener('close', resolve));
  return { socket, events, closed, opened: () => events.some((e) => e.type === 'open') };
}

async function raw(respond?: Parameters<typeof startRawServer>[0]) {
  const server = await startRawServer(respond);
  cleanups.push(server.close);
  return server;
}

describe('handshake', () => {
  it('sends GET path and query, Host, Upgrade, a fresh 16-byte key, version 13, the offered subprotocols and the caller headers', async () => {
    const server = await raw((_conn, accept) => switching(accept, ['Sec-WebSocket-Protocol: realtime']));
    const { socket, opened } = open(server.url, ['realtime', 'other'], { headers: { Authorization: 'Bearer sk-x', 'User-Agent': 'ua/1', Upgrade: 'h2c' } });
    await waitFor(opened);
    const { request, headers } = server.connections[0]!;
    expect(request.split('\r\n')[0]).toBe('GET /v1/realtime?model=gpt-realtime HTTP/1.1');
    expect(headers.host).toBe(new URL(server.url).host);
    expect([headers.upgrade, headers.connection, headers['sec-websocket-version']]).toEqual(['websocket', 'Upgrade', '13']);
    expect(Buffer.from(headers['sec-websocket-key']!, 'base64')).toHaveLength(16);
    expect(headers['sec-websocket-protocol']).toBe('realtime,other');
    expect([headers.authorization, headers['user-agent']]).toEqual(['Bearer sk-x', 'ua/1']);
    expect(headers['sec-websocket-extensions']).toBeUndefined(); // never offers permessage-deflate
    expect(request.match(/^upgrade:/gim)).toHaveLength(1); // the caller cannot replace the handshake's own headers
    expect(socket.protocol).toBe('realtime');
  });

  it.each([
    ['a CR/LF in a header value', { headers: { 'X-A': 'ok\r\nX-Injected: 1' } }],
    ['a LF in a header name', { headers: { 'X-A\nB': 'v' } }],
  ])('refuses %s before connecting', (_name, options) => {
    expect(() => new NodeWebSocket('ws://127.0.0.1:9/', [], options)).toThrow(TypeError);
  });

  it.each([
    ['a 401', () => 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n', [], 'Unexpected server response: 401'],
    ['a wrong Sec-WebSocket-Accept', () => switching('AAAAAAAAAAAAAAAAAAAAAAAAAAA='), [], 'Invalid Sec-WebSocket-Accept header'],
    ['a subprotocol that was not offered', (_c: unknown, accept: string) => switching(accept, ['Sec-WebSocket-Protocol: chat']), ['realtime'], 'Server sent an invalid subprotocol'],
    ['a subprotocol when none was offered', (_c: unknown, accept: string) => switching(accept, ['Sec-WebSocket-Protocol: chat']), [], 'Server sent a subprotocol but none was requested'],
    ['no subprotocol when one was offered', (_c: unknown, accept: string) => switching(accept), ['realtime'], 'Server sent no subprotocol'],
    ['an extension that was not offered', (_c: unknown, accept: string) => switching(accept, ['Sec-WebSocket-Extensions: permessage-deflate']), [], 'Server sent a Sec-WebSocket-Extensions header but no extension was requested'],
    ['a missing Upgrade header', (_c: unknown, accept: string) => switching(accept).replace('Upgrade: websocket\r\n', ''), [], 'Invalid Upgrade header'],
  ] as const)('fails on %s: error with ws\'s message, then close 1006, never open', async (_name, respond, protocols, message) => {
    const server = await raw(respond as never);
    const { socket, events, closed } = open(server.url, [...protocols]);
    expect((await closed).code).toBe(1006);
    expect(events.map((e) => e.type)).toEqual(['error', 'close']);
    expect(events[0]!.message).toBe(message);
    expect(socket.readyState).toBe(3);
  });

  it('reports a refused connection as an error with the system message, then close 1006', async () => {
    const { events, closed } = open('ws://127.0.0.1:1/');
    expect((await closed).code).toBe(1006);
    expect(events.map((e) => e.type)).toEqual(['error', 'close']);
    expect(events[0]!.message).toMatch(/ECONNREFUSED/);
  });

  it('delivers frames that arrive in the same TCP chunk as the 101 response', async () => {
    const server = await raw((_c, accept) => Buffer.concat([Buffer.from(switching(accept)), serverFrame(OPCODE.text, '{"type":"session.created"}'), serverFrame(OPCODE.text, 'second')]));
    const { events } = open(server.url);
    await waitFor(() => events.filter((e) => e.type === 'message').length === 2);
    expect(events.map((e) => (e.type === 'message' ? e.data : e.type))).toEqual(['open', '{"type":"session.created"}', 'second']);
  });

  it('reports a server that hangs up before answering as an error, then close 1006', async () => {
    const server = await raw((conn) => (conn.socket.end(), ''));
    const { events, closed } = open(server.url);
    expect((await closed).code).toBe(1006);
    expect(events.map((e) => [e.type, e.message])).toEqual([['error', 'socket hang up'], ['close', undefined]]);
  });

  it('close() while connecting aborts: error, then close 1006', async () => {
    const server = await raw(() => ''); // never answers
    const { socket, events, closed } = open(server.url);
    await waitFor(() => server.connections.length === 1);
    socket.close();
    expect((await closed).code).toBe(1006);
    expect(events.map((e) => e.type)).toEqual(['error', 'close']);
    expect(events[0]!.message).toBe('WebSocket was closed before the connection was established');
  });
});

describe('protocol violations', () => {
  it.each([
    ['a masked frame', serverFrame(OPCODE.text, 'x', { mask: true }), 1002],
    ['an RSV bit', serverFrame(OPCODE.text, 'x', { rsv: 4 }), 1002],
    ['an unknown opcode', serverFrame(5, 'x'), 1002],
    ['a stray continuation', serverFrame(OPCODE.continuation, 'x'), 1002],
    ['a ping of 126 bytes', serverFrame(OPCODE.ping, 'p'.repeat(126)), 1002],
    ['invalid UTF-8', serverFrame(OPCODE.text, Buffer.from([0xc3, 0x28])), 1007],
    ['a message over maxPayload', serverFrame(OPCODE.binary, Buffer.alloc(2000)), 1009],
  ])('answers %s with an error, a close frame with its code, and a close event with that code', async (_name, bad, code) => {
    const server = await raw((_c, accept) => Buffer.concat([Buffer.from(switching(accept)), bad]));
    const { events, closed } = open(server.url, [], { maxPayload: 1024 });
    await waitFor(() => events.some((e) => e.type === 'error'));
    await waitFor(() => server.connections[0]?.ended === true); // the client ended its side after the close frame
    const frames = decodeClientFrames(server.connections[0]!.received);
    expect(frames.map((f) => f.opcode)).toEqual([OPCODE.close]);
    expect(frames[0]!.payload.readUInt16BE(0)).toBe(code);
    server.connections[0]!.socket.end();
    expect(await closed).toMatchObject({ code, wasClean: false });
    expect(events.map((e) => e.type)).toEqual(['open', 'error', 'close']);
  });
});

describe('control frames and closing', () => {
  it('answers a server ping with a pong carrying the same payload', async () => {
    const server = await startWsServer();
    cleanups.push(server.close);
    const { opened } = open(server.url);
    await waitFor(opened);
    await waitFor(() => server.connections.length === 1);
    const pong = new Promise<Buffer>((resolve) => server.connections[0]!.socket.once('pong', resolve));
    server.connections[0]!.socket.ping(Buffer.from('are you there'));
    expect((await pong).toString()).toBe('are you there');
  });

  it('ping() reaches the server and its pong reaches on("pong") listeners until off()', async () => {
    const server = await startWsServer();
    cleanups.push(server.close);
    const { socket, opened } = open(server.url);
    await waitFor(opened);
    const pongs: string[] = [];
    const listener = (payload: Buffer) => void pongs.push(payload.toString());
    socket.on('pong', listener);
    const pinged = new Promise<Buffer>((resolve) => server.connections[0]!.socket.once('ping', resolve));
    socket.ping(Buffer.from('k1'));
    expect((await pinged).toString()).toBe('k1');
    await waitFor(() => pongs.length === 1);
    socket.off('pong', listener);
    const later: string[] = [];
    socket.on('pong', (payload) => void later.push(payload.toString()));
    socket.ping(Buffer.from('k2'));
    await waitFor(() => later.length === 1); // the second pong arrived: the removed listener missed it
    expect([pongs, later]).toEqual([['k1'], ['k2']]);
  });

  it('round-trips text and binary both ways, including multi-byte text over 64 KiB and fragmented server messages', async () => {
    const received: string[] = [];
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((r) => wss.close(r)));
    wss.on('connection', (peer) => {
      peer.on('message', (data, isBinary) => {
        received.push(isBinary ? `bin:${(data as Buffer).length}` : String(data));
        if (received.length === 2) {
          peer.send('part one ', { fin: false });
          peer.send('€ part two', { fin: true });
          peer.send(Buffer.from([9, 8, 7]));
        }
      });
    });
    await new Promise((r) => wss.once('listening', r));
    const { socket, events, opened } = open(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
    await waitFor(opened);
    const big = `{"delta":"${'é😀'.repeat(20_000)}"}`;
    socket.send(big);
    socket.send(new Uint8Array(70_000));
    await waitFor(() => events.filter((e) => e.type === 'message').length === 2);
    expect(received).toEqual([big, 'bin:70000']);
    expect(events.filter((e) => e.type === 'message').map((e) => e.data)).toEqual(['part one € part two', Buffer.from([9, 8, 7])]);
  });

  it('close(code, reason) sends a close frame, waits for the echo, and closes cleanly with the server\'s code', async () => {
    const server = await startWsServer();
    cleanups.push(server.close);
    const { socket, events, opened, closed } = open(server.url);
    await waitFor(opened);
    const serverSaw = new Promise<[number, string]>((resolve) => server.connections[0]!.socket.once('close', (code, reason) => resolve([code, String(reason)])));
    socket.close(4001, 'bye ✓');
    expect(socket.readyState).toBe(2);
    expect(await serverSaw).toEqual([4001, 'bye ✓']);
    expect(await closed).toMatchObject({ code: 4001, reason: 'bye ✓', wasClean: true }); // the server's echo
    expect(events.map((e) => e.type)).toEqual(['open', 'close']);
    expect(socket.readyState).toBe(3);
  });

  it('echoes a server close frame; close is 1005 when the frame had no code, 1006 when TCP just drops', async () => {
    const server = await raw((_c, accept) => Buffer.concat([Buffer.from(switching(accept)), serverFrame(OPCODE.close, '')]));
    const first = open(server.url);
    await waitFor(() => server.connections[0]?.ended === true);
    expect(decodeClientFrames(server.connections[0]!.received).map((f) => [f.opcode, f.payload.length])).toEqual([[OPCODE.close, 0]]);
    server.connections[0]!.socket.end();
    expect(await first.closed).toMatchObject({ code: 1005, wasClean: true });

    const withCode = await raw((_c, accept) => Buffer.concat([Buffer.from(switching(accept)), serverFrame(OPCODE.close, closeBody(4000, 'gone'))]));
    const second = open(withCode.url);
    await waitFor(() => withCode.connections[0]?.ended === true);
    expect(decodeClientFrames(withCode.connections[0]!.received)[0]!.payload).toEqual(closeBody(4000, 'gone'));
    withCode.connections[0]!.socket.end();
    expect(await second.closed).toMatchObject({ code: 4000, reason: 'gone' });

    const dropping = await raw();
    const third = open(dropping.url);
    await waitFor(third.opened);
    dropping.connections[0]!.socket.destroy();
    expect(await third.closed).toMatchObject({ code: 1006, wasClean: false });
    expect(third.events.map((e) => e.type)).toEqual(['open', 'close']);
  });

  it('terminate() closes at once with 1006; send after close is dropped, send while connecting throws', async () => {
    const server = await raw();
    const { socket, opened, closed } = open(server.url);
    expect(() => socket.send('too early')).toThrow(/readyState 0/);
    await waitFor(opened);
    socket.terminate();
    expect((await closed).code).toBe(1006);
    socket.send('after close');
    expect(socket.bufferedAmount).toBe(0);
  });
});

describe('backpressure', () => {
  it('bufferedAmount grows while the peer stops reading and drains to 0 when it reads again', async () => {
    const server = await startWsServer();
    cleanups.push(server.close);
    const { socket, opened } = open(server.url);
    await waitFor(opened);
    const peer = (server.connections[0]!.socket as unknown as { _socket: Socket })._socket;
    peer.pause();
    const frame = JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.alloc(1920).toString('base64') });
    let sent = 0;
    while (socket.bufferedAmount < 512 * 1024) {
      socket.send(frame);
      sent++;
      if (sent % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(socket.bufferedAmount).toBeGreaterThanOrEqual(512 * 1024);
    peer.resume();
    await waitFor(() => server.connections[0]!.received.length === sent, 20_000);
    expect(socket.bufferedAmount).toBe(0);
  });
});

describe('wss://', () => {
  async function tlsServer() {
    // The simulator's certificate maker (selfsigned), loaded by URL: it lives outside this package's rootDir.
    const simulatorTls = new URL('../../../simulator/src/tls.ts', import.meta.url).href;
    const { generateCertificates } = (await import(simulatorTls)) as { generateCertificates(host: string): Promise<{ ca: string; cert: string; key: string }> };
    const certs = await generateCertificates('127.0.0.1');
    const https = createHttpsServer({ cert: certs.cert, key: certs.key });
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (peer) => peer.on('message', (data) => peer.send(`echo ${String(data)}`)));
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => { for (const c of wss.clients) c.terminate(); https.close(r); }));
    return { url: `wss://localhost:${(https.address() as AddressInfo).port}/v1/realtime`, ca: certs.ca };
  }

  it('connects with the CA given as a tls option (SNI from the host) and exchanges messages', async () => {
    const { url, ca } = await tlsServer();
    const { socket, events, opened } = open(url, [], { tls: { ca } });
    await waitFor(opened);
    socket.send('hello');
    await waitFor(() => events.some((e) => e.type === 'message'));
    expect(events.find((e) => e.type === 'message')!.data).toBe('echo hello');
  });

  it('refuses an untrusted certificate: error, then close 1006', async () => {
    const { url } = await tlsServer();
    const { events, closed } = open(url);
    expect((await closed).code).toBe(1006);
    expect(events.map((e) => e.type)).toEqual(['error', 'close']);
    expect(events[0]!.message).toMatch(/certificate/i);
  });

  it('trusts a CA from NODE_EXTRA_CA_CERTS, as ws does, with no option', async () => {
    const { url, ca } = await tlsServer();
    const dir = mkdtempSync(join(tmpdir(), 'node-socket-ca-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'ca.pem'), ca);
    const source = fileURLToPath(new URL('../../src/transport/node-socket.ts', import.meta.url));
    const script = `import { NodeWebSocket } from ${JSON.stringify(source)};
      const s = new NodeWebSocket(process.argv[1]);
      s.addEventListener('error', (e) => { console.log('error ' + e.message); process.exit(1); });
      s.addEventListener('open', () => s.send('from child'));
      s.addEventListener('message', (e) => { console.log(e.data); s.close(1000); });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, url], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') } });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { out += String(d); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(out.trim()).toBe('echo from child');
    expect(code).toBe(0);
  }, 30_000);
});
