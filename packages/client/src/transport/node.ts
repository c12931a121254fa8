// Node transport: `isomorphic-ws` (which is `ws` in Node) with `Authorization: Bearer <key>`, or
// exactly the caller's headers (Azure's `api-key`), plus a User-Agent naming this library.
// Never sends `OpenAI-Beta`: the GA server closes such sockets (PROTOCOL.md §2.1).
import WebSocket from 'isomorphic-ws';
import { RealtimeUserError } from '../core/errors.js';
import type { WebSocketLike } from '../core/types.js';
import { type Handshake, type Transport, VERSION } from './types.js';

/** The User-Agent sent on Node handshakes. */
export const USER_AGENT = `open-realtime/${VERSION} (node ${typeof process === 'undefined' ? '' : process.version})`;

/** The Node transport. */
export const nodeTransport: Transport = {
  name: 'node',
  createWebSocket({ url, protocols, headers }) {
    return new WebSocket(url, protocols ?? [], { headers: headers ?? {} }) as unknown as WebSocketLike;
  },
  authenticate({ apiKey, headers }): Handshake {
    if (headers) return { headers: { 'User-Agent': USER_AGENT, ...headers } };
    if (!apiKey) throw new RealtimeUserError('missing_api_key', 'API key is required but was not provided.');
    return { headers: { Authorization: `Bearer ${apiKey}`, 'User-Agent': USER_AGENT } };
  },
  environmentApiKey() {
    return typeof process === 'undefined' ? undefined : process.env.OPENAI_API_KEY;
  },
};
