// Header auth for the runtimes that can set handshake headers (Node, Deno, Bun, workerd):
// `Authorization: Bearer <key>`, or exactly the caller's headers (Azure's `api-key`), plus a
// User-Agent naming this library and the runtime where the runtime lets one through. Never
// `OpenAI-Beta`: the GA server closes such sockets (PROTOCOL.md §2.1). Server-side keys are
// allowed: nothing here runs in a page.
import { RealtimeUserError } from '../core/errors.js';
import type { AuthInput, Handshake } from './types.js';

/**
 * Builds a header handshake. `userAgent` is null where the runtime replaces it anyway (Deno);
 * `missingKeyHint` tells the caller where a key could come from in this runtime.
 */
export function headerHandshake({ apiKey, headers }: AuthInput, userAgent: string | null, missingKeyHint = ''): Handshake {
  const agent: Record<string, string> = userAgent === null ? {} : { 'User-Agent': userAgent };
  if (headers) return { headers: { ...agent, ...headers } };
  if (!apiKey) throw new RealtimeUserError('missing_api_key', `API key is required but was not provided.${missingKeyHint}`);
  return { headers: { Authorization: `Bearer ${apiKey}`, ...agent } };
}
