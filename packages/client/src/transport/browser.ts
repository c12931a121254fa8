// Browser transport: the native WebSocket; the key travels in the subprotocols `realtime` and
// `openai-insecure-api-key.<key>` because browsers cannot set handshake headers (PROTOCOL.md §4.2).
// Only ephemeral keys (`ek_…`) are accepted unless the caller opts in explicitly.
import { RealtimeUserError } from '../core/errors.js';
import type { WebSocketLike } from '../core/types.js';
import type { Transport } from './types.js';

/** The browser transport. */
export const browserTransport: Transport = {
  name: 'browser',
  createWebSocket({ url, protocols }) {
    return new WebSocket(url, protocols) as unknown as WebSocketLike;
  },
  authenticate({ apiKey, headers, dangerouslyAllowApiKeyInBrowser }) {
    if (headers) {
      throw new RealtimeUserError('browser_headers', 'Browsers cannot send WebSocket handshake headers; pass an ephemeral key (ek_…) as apiKey instead of headers.');
    }
    if (!apiKey) throw new RealtimeUserError('missing_api_key', 'API key is required but was not provided.');
    if (!apiKey.startsWith('ek_') && !dangerouslyAllowApiKeyInBrowser) {
      throw new RealtimeUserError(
        'browser_api_key',
        'Refusing to use a non-ephemeral API key in a browser: mint an ephemeral key (ek_…) on your server with POST /v1/realtime/client_secrets, or pass dangerouslyAllowApiKeyInBrowser: true.',
      );
    }
    return { protocols: ['realtime', `openai-insecure-api-key.${apiKey}`] };
  },
  environmentApiKey() {
    return undefined;
  },
};
