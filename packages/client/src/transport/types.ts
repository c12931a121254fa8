// The contract between the model and a runtime: how to open a socket and how to authenticate.
// One implementation per runtime (browser, node, deno, bun, workerd), chosen by the package's
// `exports` conditions so a browser bundle never pulls in `ws` and Node never touches `window`.
import type { CreateWebSocket } from '../core/types.js';

/** What the caller gave `connect` that decides the handshake. */
export interface AuthInput {
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
  dangerouslyAllowApiKeyInBrowser: boolean;
}

/** Subprotocols and headers for the handshake. */
export interface Handshake {
  protocols?: string[];
  headers?: Record<string, string>;
}

/** A runtime's default socket factory and auth rules. */
export interface Transport {
  readonly name: 'browser' | 'node' | 'deno' | 'bun' | 'workerd';
  readonly createWebSocket: CreateWebSocket;
  /** Builds the handshake; throws RealtimeUserError when the key or headers are not allowed. */
  authenticate(input: AuthInput): Handshake;
  /** The API key from the environment when none is given (OPENAI_API_KEY where the runtime has one). */
  environmentApiKey(): string | undefined;
}

/** The library version, sent in the User-Agent of header handshakes. */
export const VERSION = '0.1.0';
