// Cloudflare Workers transport (workerd): a Worker cannot set headers on `new WebSocket`, so the
// handshake is `fetch()` on the http(s) form of the URL with `Upgrade: websocket` and header auth
// (headers.ts); the response's `webSocket` is accepted and wrapped as a WebSocketLike. After
// accept() the socket is already open and no 'open' event ever fires, so 'open' listeners are
// called on the next microtask. No environment fallback: a Worker gets its secrets through the
// fetch handler's `env`, so the caller passes `apiKey: env.OPENAI_API_KEY`.
import { RealtimeProtocolError } from '../core/errors.js';
import type { WebSocketLike } from '../core/types.js';
import { headerHandshake } from './headers.js';
import { type Transport, VERSION } from './types.js';

/** The socket a Worker gets from an upgraded fetch response. */
interface WorkerSocket {
  readonly readyState: number;
  accept(): void;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
  removeEventListener(type: string, listener: (event: never) => void): void;
}

/** The User-Agent sent on Workers handshakes. */
export const USER_AGENT = `open-realtime/${VERSION} (workerd)`;

const OPEN = 1;
const HINT = ' Workers have no process environment: pass apiKey: env.OPENAI_API_KEY from the fetch handler.';

/** Wraps an accepted socket; 'open' is synthesised because the socket is open already. */
function wrapAccepted(socket: WorkerSocket): WebSocketLike {
  const openListeners = new Set<(event: unknown) => void>();
  const wrapped = {
    get readyState() {
      return socket.readyState;
    },
    send: (data: string) => socket.send(data),
    close: (code?: number, reason?: string) => (code === undefined ? socket.close() : socket.close(code, reason)),
    addEventListener(type: string, listener: (event: never) => void) {
      if (type !== 'open') return socket.addEventListener(type, listener);
      const onOpen = listener as (event: unknown) => void;
      openListeners.add(onOpen);
      queueMicrotask(() => {
        if (openListeners.delete(onOpen) && socket.readyState === OPEN) onOpen({ type: 'open' });
      });
    },
    removeEventListener(type: string, listener: (event: never) => void) {
      if (type === 'open') openListeners.delete(listener as (event: unknown) => void);
      else socket.removeEventListener(type, listener);
    },
  };
  return wrapped as WebSocketLike;
}

/** Opens the socket with an upgrading fetch; a refused upgrade rejects with the HTTP status. */
async function connectWithFetch(url: string, protocols: string[] | undefined, headers: Record<string, string> | undefined): Promise<WebSocketLike> {
  const target = url.replace(/^ws(s?):/i, 'http$1:');
  const requestHeaders: Record<string, string> = { ...headers, Upgrade: 'websocket' };
  if (protocols?.length) requestHeaders['Sec-WebSocket-Protocol'] = protocols.join(', ');
  let response: Response;
  try {
    response = await fetch(target, { headers: requestHeaders });
  } catch (error) {
    throw new RealtimeProtocolError('connection_error', `WebSocket failed to open: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const socket = (response as Response & { webSocket?: WorkerSocket | null }).webSocket;
  if (response.status !== 101 || !socket) {
    throw new RealtimeProtocolError('connection_error', `WebSocket upgrade refused: HTTP ${response.status} ${response.statusText}`.trim(), { status: response.status });
  }
  socket.accept();
  return wrapAccepted(socket);
}

/** The Cloudflare Workers transport. */
export const workerdTransport: Transport = {
  name: 'workerd',
  createWebSocket: ({ url, protocols, headers }) => connectWithFetch(url, protocols, headers),
  authenticate: (input) => headerHandshake(input, USER_AGENT, HINT),
  environmentApiKey: () => undefined,
};
