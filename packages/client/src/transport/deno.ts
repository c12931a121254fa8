// Deno transport: Deno's native WebSocket, which takes handshake headers in its options object
// (`new WebSocket(url, { protocols, headers })`, a Deno extension), with header auth (headers.ts).
// Deno always sends its own `User-Agent: Deno/x`, so none is set here. Deno reports a dropped
// connection as close code 0; the socket is wrapped so listeners get 1006, as everywhere else.
// OPENAI_API_KEY is read only when Deno already grants env access to it: asking would prompt
// or, under --no-prompt, throw; without the permission the caller must pass `apiKey`.
import type { WebSocketLike } from '../core/types.js';
import { headerHandshake } from './headers.js';
import type { Transport } from './types.js';

/** The part of the `Deno` global this transport uses. */
interface DenoGlobal {
  env: { get(name: string): string | undefined };
  permissions?: { querySync?(descriptor: { name: 'env'; variable: string }): { state: string } };
}

const deno = (globalThis as { Deno?: DenoGlobal }).Deno;
const ABNORMAL_CLOSURE = 1006;
const HINT = ' Pass apiKey, or set OPENAI_API_KEY and run Deno with --allow-env=OPENAI_API_KEY.';

type Listener = (event: never) => void;

/** Delegates to Deno's socket; close events with Deno's code 0 are reported as 1006. */
function withStandardCloseCodes(socket: WebSocket): WebSocketLike {
  const closeListeners = new Map<Listener, (event: CloseEvent) => void>();
  const wrapped = {
    get readyState() {
      return socket.readyState;
    },
    send: (data: string) => socket.send(data),
    close: (code?: number, reason?: string) => socket.close(code, reason),
    addEventListener(type: string, listener: Listener) {
      if (type !== 'close') return socket.addEventListener(type, listener as EventListener);
      const onClose = (event: CloseEvent) => {
        const code = event.code === 0 ? ABNORMAL_CLOSURE : event.code;
        (listener as (event: { code: number; reason: string; wasClean: boolean }) => void)({ code, reason: event.reason, wasClean: event.wasClean });
      };
      closeListeners.set(listener, onClose);
      socket.addEventListener('close', onClose);
    },
    removeEventListener(type: string, listener: Listener) {
      if (type !== 'close') return socket.removeEventListener(type, listener as EventListener);
      const onClose = closeListeners.get(listener);
      closeListeners.delete(listener);
      if (onClose) socket.removeEventListener('close', onClose);
    },
  };
  return wrapped as WebSocketLike;
}

/** The Deno transport. */
export const denoTransport: Transport = {
  name: 'deno',
  createWebSocket({ url, protocols, headers }) {
    const options = { protocols: protocols ?? [], headers: headers ?? {} };
    return withStandardCloseCodes(new WebSocket(url, options as unknown as string[]));
  },
  authenticate: (input) => headerHandshake(input, null, HINT),
  environmentApiKey() {
    try {
      const state = deno?.permissions?.querySync?.({ name: 'env', variable: 'OPENAI_API_KEY' }).state;
      return state === 'granted' ? deno?.env.get('OPENAI_API_KEY') : undefined;
    } catch {
      return undefined; // an embedder without Deno.permissions or env access: no fallback
    }
  },
};
