// Node transport: `isomorphic-ws` (which is `ws` in Node) with `Authorization: Bearer <key>`, or
// exactly the caller's headers (Azure's `api-key`), plus a User-Agent naming this library.
// Never sends `OpenAI-Beta`: the GA server closes such sockets (PROTOCOL.md §2.1). Does not offer
// permessage-deflate: on base64 audio it tripled client CPU and queued seconds of lag (README
// "Benchmarks"), so a server that would accept it is never asked.
import WebSocket from 'isomorphic-ws';
import type { WebSocketLike } from '../core/types.js';
import { headerHandshake } from './headers.js';
import { type Transport, VERSION } from './types.js';

/** The User-Agent sent on Node handshakes. */
export const USER_AGENT = `open-realtime/${VERSION} (node ${typeof process === 'undefined' ? '' : process.version})`;

/** The Node transport. */
export const nodeTransport: Transport = {
  name: 'node',
  createWebSocket({ url, protocols, headers }) {
    return new WebSocket(url, protocols ?? [], { headers: headers ?? {}, perMessageDeflate: false }) as unknown as WebSocketLike;
  },
  authenticate: (input) => headerHandshake(input, USER_AGENT),
  environmentApiKey() {
    return typeof process === 'undefined' ? undefined : process.env.OPENAI_API_KEY;
  },
};
