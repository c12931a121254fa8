// A real `ws` server on 127.0.0.1 for adapter tests: records each handshake (URL, headers,
// subprotocols) and every client event (schema-checked), and lets the test answer as the server.
import { type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { recordClientEvent } from './schema.js';

/** One accepted connection as the server saw it. */
export interface SeenConnection {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  protocols: string[];
  socket: WebSocket;
  received: Array<Record<string, any>>;
  /** Each client message's text exactly as it arrived. */
  texts: string[];
}

/** Starts the server; `onEvent` answers each client event; `options.perMessageDeflate` accepts compression. */
export async function startWsServer(onEvent?: (event: Record<string, any>, conn: SeenConnection) => void, options: { perMessageDeflate?: boolean } = {}) {
  const connections: SeenConnection[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: options.perMessageDeflate ?? false,
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });
  server.on('connection', (socket, request) => {
    const conn: SeenConnection = {
      url: request.url ?? '',
      headers: request.headers,
      protocols: String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean),
      socket,
      received: [],
      texts: [],
    };
    connections.push(conn);
    socket.on('message', (data) => {
      const text = data.toString();
      conn.texts.push(text);
      recordClientEvent(text);
      const event = JSON.parse(text);
      conn.received.push(event);
      onEvent?.(event, conn);
    });
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime?model=gpt-realtime`,
    port,
    connections,
    close: () => new Promise<void>((resolve) => {
      for (const c of connections) c.socket.terminate();
      server.close(() => resolve());
    }),
  };
}

/** Waits until `check` is true (polling), failing after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
