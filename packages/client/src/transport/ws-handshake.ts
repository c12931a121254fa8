// The client side of the RFC 6455 opening handshake as pure functions: the target of a ws:// or
// wss:// URL, the HTTP/1.1 Upgrade request (caller headers checked for CR/LF injection, the
// handshake's own headers never overridden, no extension offered), and the check of the server's
// response. Messages match ws's where ws has one, so errors read the same with either socket.
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_IN_VALUE = /[\r\n\0]/;
/** Headers the handshake owns; a caller's copy is dropped. */
const OWNED = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions']);
/** A server's handshake response larger than this is refused. */
export const MAX_RESPONSE_HEAD = 16 * 1024;

/** Where to connect and what to ask for. */
export interface HandshakeTarget {
  secure: boolean;
  host: string;
  port: number;
  /** Host header value: host, and the port when it is not the scheme's default. */
  authority: string;
  path: string;
}

/** Reads a ws:, wss:, http: or https: URL; throws SyntaxError like ws for anything else. */
export function parseTarget(url: string | URL): HandshakeTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SyntaxError(`Invalid URL: ${String(url)}`);
  }
  const secure = parsed.protocol === 'wss:' || parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'ws:' && parsed.protocol !== 'http:') {
    throw new SyntaxError('The URL\'s protocol must be one of "ws:", "wss:", "http:", or "https:"');
  }
  if (parsed.hash) throw new SyntaxError('The URL contains a fragment identifier');
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { secure, host, port: parsed.port ? Number(parsed.port) : secure ? 443 : 80, authority: parsed.host, path: `${parsed.pathname || '/'}${parsed.search}` };
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64. */
export function handshakeKey(): string {
  return randomBytes(16).toString('base64');
}

/** The Upgrade request; throws TypeError on a header or subprotocol that could inject lines. */
export function handshakeRequest(target: HandshakeTarget, key: string, protocols: readonly string[], headers: Record<string, string>): string {
  const lines = [`GET ${target.path} HTTP/1.1`];
  let host = `Host: ${target.authority}`;
  const extra: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const text = String(value);
    if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
    if (FORBIDDEN_IN_VALUE.test(text)) throw new TypeError(`Invalid value for header ${name}: it contains CR, LF or NUL`);
    const lower = name.toLowerCase();
    if (lower === 'host') host = `${name}: ${text}`;
    else if (!OWNED.has(lower)) extra.push(`${name}: ${text}`);
  }
  lines.push(host, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13');
  if (protocols.length > 0) {
    if (protocols.some((p) => !TOKEN.test(p)) || new Set(protocols).size !== protocols.length) {
      throw new SyntaxError('An invalid or duplicated subprotocol was specified');
    }
    lines.push(`Sec-WebSocket-Protocol: ${protocols.join(',')}`);
  }
  return `${[...lines, ...extra].join('\r\n')}\r\n\r\n`;
}

/** The response's status and headers (names lowercased, repeats joined with ", "). */
interface ResponseHead {
  status: number;
  headers: Map<string, string>;
}

function parseHead(text: string): ResponseHead | null {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!);
  if (!status) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers.get(name);
    headers.set(name, seen === undefined ? value : `${seen}, ${value}`);
  }
  return { status: Number(status[1]), headers };
}

/**
 * Checks the server's response head (the bytes before the blank line): 101, Upgrade: websocket,
 * Connection: Upgrade, the accept hash of `key`, a subprotocol only when one was offered and
 * then one of those offered, no extension. Returns the chosen subprotocol, or an error message.
 */
export function checkResponse(head: string, key: string, protocols: readonly string[]): { protocol: string } | { error: string } {
  const response = parseHead(head);
  if (!response) return { error: 'Invalid HTTP response to the WebSocket handshake' };
  const { status, headers } = response;
  if (status !== 101) return { error: `Unexpected server response: ${status}` };
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return { error: 'Invalid Upgrade header' };
  const connection = (headers.get('connection') ?? '').toLowerCase().split(',').map((t) => t.trim());
  if (!connection.includes('upgrade')) return { error: 'Invalid Connection header' };
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  if (headers.get('sec-websocket-accept') !== accept) return { error: 'Invalid Sec-WebSocket-Accept header' };
  if (headers.has('sec-websocket-extensions')) return { error: 'Server sent a Sec-WebSocket-Extensions header but no extension was requested' };
  const chosen = headers.get('sec-websocket-protocol');
  if (chosen === undefined) return protocols.length > 0 ? { error: 'Server sent no subprotocol' } : { protocol: '' };
  if (protocols.length === 0) return { error: 'Server sent a subprotocol but none was requested' };
  if (!protocols.includes(chosen)) return { error: 'Server sent an invalid subprotocol' };
  return { protocol: chosen };
}
