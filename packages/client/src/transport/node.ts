// Node transport: a lean RFC 6455 socket over node:net / node:tls (node-socket.ts) with
// `Authorization: Bearer <key>`, or exactly the caller's headers (Azure's `api-key`), plus a
// User-Agent naming this library. Never sends `OpenAI-Beta`: the GA server closes such sockets
// (PROTOCOL.md §2.1). Never offers permessage-deflate: on base64 audio it tripled client CPU and
// queued seconds of lag (README "Benchmarks"). `wsWebSocket` keeps `ws` one option away, loaded
// only when used, for what only ws has (an http.Agent for a proxy, its other client options).
import type { CreateWebSocket, WebSocketLike } from '../core/types.js';
import { headerHandshake } from './headers.js';
import { NodeWebSocket, type NodeWebSocketOptions } from './node-socket.js';
import { type Transport, VERSION } from './types.js';

/** The User-Agent sent on Node handshakes. */
export const USER_AGENT = `open-realtime/${VERSION} (node ${typeof process === 'undefined' ? '' : process.version})`;

/**
 * The default Node socket with options, as a `createWebSocket`: e.g. TLS settings for wss://
 * (`nodeWebSocket({ tls: { ca } })`; NODE_EXTRA_CA_CERTS works without any) or `maxPayload`.
 */
export function nodeWebSocket(options: Omit<NodeWebSocketOptions, 'headers'> = {}): CreateWebSocket {
  return ({ url, protocols, headers }) => new NodeWebSocket(url, protocols ?? [], { ...options, headers: headers ?? {} }) as unknown as WebSocketLike;
}

/**
 * `ws`'s ClientOptions (agent, ca, handshakeTimeout, …), typed loosely so the published types do
 * not need `@types/ws`.
 */
export interface WsClientOptions {
  headers?: Record<string, string>;
  perMessageDeflate?: boolean | object;
  [option: string]: unknown;
}

/**
 * A `ws` socket as a `createWebSocket`, for ws's own client options (an http.Agent for a proxy,
 * TLS, …): `new OpenAIRealtimeWebSocketModel({ createWebSocket: wsWebSocket({ agent }) })`.
 * permessage-deflate stays off unless `options` turns it on. `ws` is imported on first use.
 */
export function wsWebSocket(options: WsClientOptions = {}): CreateWebSocket {
  return async ({ url, protocols, headers }) => {
    const { default: WebSocket } = await import('isomorphic-ws');
    return new WebSocket(url, protocols ?? [], { perMessageDeflate: false, ...options, headers: { ...options.headers, ...headers } }) as unknown as WebSocketLike;
  };
}

/** The Node transport. */
export const nodeTransport: Transport = {
  name: 'node',
  createWebSocket: nodeWebSocket(),
  authenticate: (input) => headerHandshake(input, USER_AGENT),
  environmentApiKey() {
    return typeof process === 'undefined' ? undefined : process.env.OPENAI_API_KEY;
  },
};
