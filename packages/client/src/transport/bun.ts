// Bun transport: Bun's native WebSocket, which takes handshake headers in its options object
// (`new WebSocket(url, { protocols, headers })`, a Bun extension), with header auth (headers.ts).
// The `ws` package under Bun is a compatibility shim; the native socket is used instead.
import type { WebSocketLike } from '../core/types.js';
import { headerHandshake } from './headers.js';
import { type Transport, VERSION } from './types.js';

/** The part of the `Bun` global this transport uses. */
interface BunGlobal {
  version?: string;
  env?: Record<string, string | undefined>;
}

const bun = (globalThis as { Bun?: BunGlobal }).Bun;

/** The User-Agent sent on Bun handshakes. */
export const USER_AGENT = `open-realtime/${VERSION} (bun ${bun?.version ?? ''})`;

/** The Bun transport. */
export const bunTransport: Transport = {
  name: 'bun',
  createWebSocket({ url, protocols, headers }) {
    const options = { protocols: protocols ?? [], headers: headers ?? {} };
    return new WebSocket(url, options as unknown as string[]) as unknown as WebSocketLike;
  },
  authenticate: (input) => headerHandshake(input, USER_AGENT),
  environmentApiKey() {
    return bun?.env?.OPENAI_API_KEY;
  },
};
