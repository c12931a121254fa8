// The network, tried against real sockets on 127.0.0.1: a handshake that never completes, close()
// during connect, listeners that reject, bad audio, a peer that stops reading (backpressure), a
// half-open connection (keepalive), and a drop in the middle of a conversation with reconnect on.
// Every wait is for a positive signal; handles are checked with process.getActiveResourcesInfo().
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OpenAIRealtimeWebSocketModel, type RealtimeModelEvent } from '../src/index.node.js';
import { audioDelta, responseCreated, sessionEvent } from './helpers/frames.js';
import { memorySockets } from './helpers/memory-socket.js';
import { startWsServer, waitFor } from './helpers/ws-server.js';

type Model = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

/** A TCP server that accepts and never answers: the handshake hangs. */
async function silentServer(): Promise<{ port: number; open: Set<Socket>; server: Server }> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.resume(); // read (and drop) the handshake request, so the client's FIN is seen
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => { for (const s of open) s.destroy(); server.close(() => r()); }));
  return { port: (server.address() as { port: number }).port, open, server };
}

function record(model: Model): RealtimeModelEvent[] {
  const events: RealtimeModelEvent[] = [];
  model.addListener({ onEvent: (e) => void events.push(e) });
  return events;
}

describe('bounded connect', () => {
  it('rejects with connect_timeout when the handshake never completes, and releases the socket', async () => {
    const { port, open } = await silentServer();
    const before = tcpSockets();
    const model = new OpenAIRealtimeWebSocketModel();
    const events = record(model);
    const attempt = model.connect({ apiKey: 'sk-test', url: `ws://127.0.0.1:${port}/v1/realtime`, connectTimeoutMs: 300 });
    await waitFor(() => open.size === 1);
    await expect(attempt).rejects.toMatchObject({ code: 'connect_timeout' });
    await waitFor(() => open.size === 0); // the server saw the client's socket go away
    expect(tcpSockets()).toBe(before);
    expect(events.filter((e) => e.type === 'connection_status').map((e) => (e as { status: string }).status)).toEqual(['connecting', 'disconnected']);
  });

  it('rejects at once with code closed when close() is called during connect, and releases the socket', async () => {
    const { port, open } = await silentServer();
    const before = tcpSockets();
    const model = new OpenAIRealtimeWebSocketModel();
    const attempt = model.connect({ apiKey: 'sk-test', url: `ws://127.0.0.1:${port}/v1/realtime`, connectTimeoutMs: 60_000 });
    await waitFor(() => open.size === 1);
    model.close();
    await expect(attempt).rejects.toMatchObject({ code: 'closed' });
    await waitFor(() => open.size === 0);
    expect(tcpSockets()).toBe(before);
  });
});

describe('listeners that fail', () => {
  it('never tells a rejecting listener about its own failure: no loop, the others hear it', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    cleanups.push(() => model.close());
    const failingSaw: string[] = [];
    model.addListener({ onEvent: async (e) => { failingSaw.push(e.type); throw new Error('logger backend down'); } });
    const otherFailingSaw: string[] = [];
    model.addListener({ onEvent: async (e) => { otherFailingSaw.push(e.type); throw new Error('second logger down'); } });
    const others = record(model);
    await model.connect({ apiKey: 'sk-test' });
    wire.last.serverSend(sessionEvent('session.created'));
    wire.last.serverSend(responseCreated('resp_1'));
    await waitFor(() => others.filter((e) => e.type === 'exception').length >= 8);
    // A positive signal that all queued rejections have been handled: one more frame, fully delivered.
    wire.last.serverSend(responseCreated('resp_2'));
    await new Promise((r) => setTimeout(r, 0));
    await waitFor(() => others.some((e) => e.type === 'turn_started' && e.responseId === 'resp_2'));
    const seen = others.filter((e) => e.type === 'exception').length;
    expect(failingSaw.filter((t) => t === 'exception').length).toBeLessThanOrEqual(otherFailingSaw.length);
    // Each listener saw only the other listener's failures, each once: nothing about itself, no ping-pong.
    const nonException = failingSaw.filter((t) => t !== 'exception').length;
    expect(otherFailingSaw.filter((t) => t === 'exception').length).toBe(nonException);
    expect(failingSaw.filter((t) => t === 'exception').length).toBe(nonException);
    expect(seen).toBe(2 * nonException);
  });
});

describe('bad audio', () => {
  it('turns invalid base64 and a partial sample into typed errors, never audio', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    cleanups.push(() => model.close());
    const events = record(model);
    await model.connect({ apiKey: 'sk-test' });
    wire.last.serverSend(responseCreated('resp_1'));
    wire.last.serverSend({ ...audioDelta('resp_1', 'item_a', 48), delta: 'AAAA!!!!AAAA' });
    wire.last.serverSend({ ...audioDelta('resp_1', 'item_a', 48), delta: Buffer.alloc(3, 1).toString('base64') });
    wire.last.serverSend(audioDelta('resp_1', 'item_a', 48));
    const errors = events.filter((e) => e.type === 'error').map((e) => (e as { error: { code: string; message: string } }).error);
    expect(errors.map((e) => e.code)).toEqual(['invalid_audio', 'invalid_audio']);
    expect(errors[0]!.message).toMatch(/not valid base64/);
    expect(errors[1]!.message).toMatch(/3 bytes is not a whole number of 2-byte samples/);
    expect(events.filter((e) => e.type === 'audio').map((e) => (e as { data: Uint8Array }).data.length)).toEqual([48]);
  });
});

describe('send backpressure', () => {
  it('queues audio above the high-water mark, drops the oldest, never drops text, and drains in order', async () => {
    const server = await startWsServer();
    cleanups.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel();
    const events = record(model);
    cleanups.push(() => model.close());
    await model.connect({ apiKey: 'sk-test', url: server.url, keepAlive: false, sendQueue: { highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024, maxQueuedAudioMs: 400, pollMs: 5 } });
    await waitFor(() => server.connections.length === 1 && server.connections[0]!.received.length >= 1);
    const peer = server.connections[0]!;
    const raw = (peer.socket as unknown as { _socket: Socket })._socket;
    raw.pause(); // the server stops reading
    let seq = 0;
    const chunk = () => { const b = Buffer.alloc(1920); b.writeUInt32LE(seq++, 0); return b; }; // 40 ms, numbered
    while (!model.getSendQueue().backpressured) await model.sendAudio(chunk());
    for (let i = 0; i < 50; i++) await model.sendAudio(chunk());
    await model.sendUserInput('still here');
    for (let i = 0; i < 50; i++) await model.sendAudio(chunk());
    const stats = model.getSendQueue();
    expect(stats.queuedAudioMs).toBeLessThanOrEqual(400);
    expect(stats.droppedAudioFrames).toBeGreaterThan(50);
    expect(stats.bufferedAmount).toBeLessThan(64 * 1024 + 4096);
    expect(events.filter((e) => e.type === 'backpressure').map((e) => (e as { active: boolean }).active)).toEqual([true]);
    raw.resume();
    await waitFor(() => events.filter((e) => e.type === 'backpressure').length === 2, 10_000);
    expect(events.filter((e) => e.type === 'backpressure').map((e) => (e as { active: boolean }).active)).toEqual([true, false]);
    await waitFor(() => peer.received.some((e) => e.type === 'conversation.item.create'), 10_000);
    const appends = peer.received.filter((e) => e.type === 'input_audio_buffer.append').map((e) => Buffer.from(e.audio, 'base64').readUInt32LE(0));
    expect([...appends].sort((a, b) => a - b)).toEqual(appends); // in order, gaps only where dropped
    expect(appends.length + model.getSendQueue().droppedAudioFrames).toBe(seq);
    expect(appends.at(-1)).toBe(seq - 1); // the newest audio is kept
  });

  it('close() with data still buffered finishes in bounded time and releases the socket', async () => {
    const server = await startWsServer();
    cleanups.push(server.close);
    const before = tcpSockets();
    let client: WebSocket | null = null;
    const model = new OpenAIRealtimeWebSocketModel({
      createWebSocket: ({ url, protocols, headers }) => (client = new WebSocket(url, protocols ?? [], { headers })) as never,
    });
    await model.connect({ apiKey: 'sk-test', url: server.url, keepAlive: false });
    await waitFor(() => server.connections.length === 1);
    const raw = (server.connections[0]!.socket as unknown as { _socket: Socket })._socket;
    raw.pause();
    while (model.getSendQueue().bufferedAmount < 256 * 1024) await model.sendAudio(Buffer.alloc(1920));
    const clientClosed = new Promise<void>((r) => client!.once('close', () => r()));
    model.close();
    await clientClosed; // ws alone would wait 30 s for the stalled peer; the model terminates it
    expect(client!.bufferedAmount).toBe(0);
    raw.resume(); // let the server side see the end too, then every handle is gone
    await waitFor(() => tcpSockets() <= before);
  });
});

describe('dead connections', () => {
  it('detects a peer that stops answering pings and reports the drop', async () => {
    const server = await startWsServer();
    cleanups.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel();
    const events = record(model);
    await model.connect({ apiKey: 'sk-test', url: server.url, keepAlive: { intervalMs: 100, timeoutMs: 200 } });
    await waitFor(() => server.connections.length === 1);
    (server.connections[0]!.socket as unknown as { _socket: Socket })._socket.pause(); // half-open: nothing comes back
    await waitFor(() => events.some((e) => e.type === 'connection_status' && e.status === 'disconnected'), 10_000);
    const status = events.find((e) => e.type === 'connection_status' && e.status === 'disconnected') as { reason: unknown };
    expect(status.reason).toEqual({ by: 'network', code: 1006, reason: '' });
    expect(events.some((e) => e.type === 'exception' && e.context === 'Keepalive')).toBe(true);
  });
});

describe('session expiry', () => {
  it('warns before expires_at and, with reconnect on, renews at a quiet moment onto a new session', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    cleanups.push(() => model.close());
    const events = record(model);
    await model.connect({ apiKey: 'sk-test', reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, sessionExpiryWarningMs: 60_000 });
    const created = sessionEvent('session.created') as ReturnType<typeof sessionEvent> & { session: { expires_at?: number } };
    created.session.expires_at = Math.floor(Date.now() / 1000) + 30; // already inside the warning window
    wire.last.serverSend(created);
    wire.last.serverSend(responseCreated('resp_1')); // a reply runs: not a quiet moment
    await waitFor(() => events.some((e) => e.type === 'session_expiring'));
    expect(wire.sockets).toHaveLength(1);
    wire.last.serverSend({ type: 'response.done', event_id: 'e_done', response: { id: 'resp_1', object: 'realtime.response', status: 'completed', output: [] } });
    await waitFor(() => events.some((e) => e.type === 'conversation_restored'));
    expect(wire.sockets).toHaveLength(2);
    expect(wire.sockets[0]!.readyState).toBe(3);
    const statuses = events.filter((e) => e.type === 'connection_status').map((e) => (e as { status: string }).status);
    expect(statuses).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(wire.sockets[1]!.sent[0]).toMatchObject({ type: 'session.update' });
  });
});
