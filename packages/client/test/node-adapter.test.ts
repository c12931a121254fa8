// The Node adapter against a real `ws` server on 127.0.0.1: the handshake the server received
// (URL, Authorization, User-Agent, no beta header), a full round trip of events, keepalive pings
// answered, and `wsWebSocket` handing the connection to `ws` with its options.
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIRealtimeWebSocketModel, type RealtimeModelEvent, wsWebSocket } from '../src/index.node.js';
import { answerLikeServer } from './helpers/scripted-server.js';
import { mulberry32 } from './helpers/prng.js';
import { startWsServer, waitFor } from './helpers/ws-server.js';

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('Node adapter', () => {
  it('authenticates with Authorization: Bearer and a User-Agent, never OpenAI-Beta', async () => {
    const server = await startWsServer(answerLikeServer);
    cleanup.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel();
    cleanup.push(() => model.close());
    await model.connect({ apiKey: 'sk-node', url: server.url });
    await waitFor(() => server.connections[0]?.received.length === 2);
    const conn = server.connections[0]!;
    expect(conn.url).toBe('/v1/realtime?model=gpt-realtime');
    expect(conn.headers.authorization).toBe('Bearer sk-node');
    expect(conn.headers['user-agent']).toMatch(/^open-realtime\/0\.1\.0/);
    expect(conn.headers['openai-beta']).toBeUndefined();
    expect(conn.protocols).toEqual([]);
    expect(conn.received.map((e) => e.type)).toEqual(['session.update', 'session.update']);
    expect(conn.received[1]).toEqual({ type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime', tracing: 'auto' } });
  });

  it('does not offer permessage-deflate, so a server that accepts compression never gets it', async () => {
    const server = await startWsServer(undefined, { perMessageDeflate: true });
    cleanup.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel();
    cleanup.push(() => model.close());
    await model.connect({ apiKey: 'sk-node', url: server.url });
    await waitFor(() => server.connections[0]?.received.length === 1);
    expect(server.connections[0]!.headers['sec-websocket-extensions']).toBeUndefined();
    expect(server.connections[0]!.socket.extensions).toBe('');
  });

  it('sends each microphone chunk as exactly its append JSON on the wire (seeded sizes and bytes, through the socket that writes pieces)', async () => {
    const server = await startWsServer();
    cleanup.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel();
    cleanup.push(() => model.close());
    await model.connect({ apiKey: 'sk-node', url: server.url });
    const random = mulberry32(31);
    const chunks = [0, 1, 2, 3, 1920, 48_000, 70_000, ...Array.from({ length: 60 }, () => Math.floor(random() * 6000))].map((n) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256)));
    for (const chunk of chunks) await model.sendAudio(chunk);
    await waitFor(() => (server.connections[0]?.texts.length ?? 0) === 1 + chunks.length);
    const appends = server.connections[0]!.texts.slice(1);
    expect(appends).toEqual(chunks.map((c) => JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.from(c).toString('base64') })));
  });

  it('sends exactly the caller headers (Azure api-key) and no Authorization', async () => {
    const server = await startWsServer();
    cleanup.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel();
    cleanup.push(() => model.close());
    await model.connect({ url: server.url, headers: { 'api-key': 'azure-key' } });
    await waitFor(() => server.connections.length === 1);
    expect(server.connections[0]!.headers['api-key']).toBe('azure-key');
    expect(server.connections[0]!.headers.authorization).toBeUndefined();
  });

  it('runs a full round trip: user text in, audio and transcript events out', async () => {
    const server = await startWsServer(answerLikeServer);
    cleanup.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel();
    cleanup.push(() => model.close());
    const events: RealtimeModelEvent[] = [];
    model.addListener({ onEvent: (e) => void events.push(e) });
    await model.connect({ apiKey: 'sk-node', url: server.url });
    await waitFor(() => server.connections[0]?.received.length === 2); // session.created answered with tracing
    await model.sendUserInput('Hello?');
    await waitFor(() => events.some((e) => e.type === 'turn_ended'));
    // latency and heard_transcript depend on the wall clock here (no player): checked in the core tests.
    const types = events.filter((e) => !['raw_server_event', 'latency', 'heard_transcript'].includes(e.type)).map((e) => e.type);
    expect(types).toEqual(['connection_status', 'connection_status', 'turn_started', 'audio', 'transcript_delta', 'audio_done', 'usage', 'turn_ended']);
    const audio = events.find((e) => e.type === 'audio') as Extract<RealtimeModelEvent, { type: 'audio' }>;
    expect(audio.data).toEqual(new Uint8Array(4800).fill(7));
    // The bytes are the event's own, not a view into Buffer's shared pool (defect 7).
    expect([audio.data.byteOffset, audio.data.buffer.byteLength]).toEqual([0, 4800]);
    expect(server.connections[0]!.received.map((e) => e.type)).toEqual(['session.update', 'session.update', 'conversation.item.create', 'response.create']);
  });

  it('rejects connect when the server refuses the handshake, and reports an unexpected close', async () => {
    const model = new OpenAIRealtimeWebSocketModel();
    await expect(model.connect({ apiKey: 'k', url: 'ws://127.0.0.1:1/v1/realtime' })).rejects.toMatchObject({ name: 'RealtimeProtocolError' });
    const server = await startWsServer();
    cleanup.push(server.close);
    const live = new OpenAIRealtimeWebSocketModel();
    const seen: RealtimeModelEvent[] = [];
    live.addListener({ onEvent: (e) => void seen.push(e) });
    await live.connect({ apiKey: 'k', url: server.url });
    await waitFor(() => server.connections.length === 1);
    server.connections[0]!.socket.close(4000, 'gone');
    await waitFor(() => seen.some((e) => e.type === 'connection_status' && e.status === 'disconnected'));
    const exception = seen.find((e) => e.type === 'exception') as Extract<RealtimeModelEvent, { type: 'exception' }>;
    expect(exception.exception.message).toContain('4000');
    expect(exception.exception.message).toContain('gone');
  });

  it('keeps pinging while the server answers: pings arrive one after another and the session stays up', async () => {
    const server = await startWsServer();
    cleanup.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel();
    cleanup.push(() => model.close());
    const seen: RealtimeModelEvent[] = [];
    model.addListener({ onEvent: (e) => void seen.push(e) });
    // No ping is sent while one waits for its pong: four pings mean three pongs came back.
    await model.connect({ apiKey: 'k', url: server.url, keepAlive: { intervalMs: 30, timeoutMs: 10_000 } });
    await waitFor(() => server.connections.length === 1);
    let pings = 0;
    server.connections[0]!.socket.on('ping', () => void pings++);
    await waitFor(() => pings >= 4);
    expect(seen.filter((e) => e.type === 'connection_status').map((e) => (e as { status: string }).status)).toEqual(['connecting', 'connected']);
  });

  it('wsWebSocket(options) connects through ws with its client options (here permessage-deflate offered)', async () => {
    const server = await startWsServer(answerLikeServer, { perMessageDeflate: true });
    cleanup.push(server.close);
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wsWebSocket({ perMessageDeflate: true }) });
    cleanup.push(() => model.close());
    await model.connect({ apiKey: 'sk-ws', url: server.url });
    await waitFor(() => server.connections[0]?.received.length === 2);
    expect(server.connections[0]!.headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
    expect(server.connections[0]!.headers.authorization).toBe('Bearer sk-ws');
    expect(server.connections[0]!.received[0]).toMatchObject({ type: 'session.update' });
  });
});
