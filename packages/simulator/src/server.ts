// The WebSocket server: HTTP upgrade on /v1/realtime (and Azure's /openai/v1/realtime), auth the
// way the real server takes it (Bearer header, `api-key` header, or the `realtime` +
// `openai-insecure-api-key.<key>` subprotocols), refusal of beta clients, recording, hooks.
// Refusals are sent as an `error` event after the upgrade, then the socket is closed.
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { SimConnection } from './connection.js';
import type { FaultOptions } from './faults.js';
import { newId } from './ids.js';
import type { SimulatorScript } from './script.js';
import { loadFvad, VoiceDetector } from './vad.js';
import { WordTimingLog } from './word-log.js';
import type { WordTiming } from './word-speech.js';

/** Assistant audio items whose word timings a simulator keeps (oldest forgotten first). */
const WORD_TIMING_ITEMS = 1000;

/** What a test can see about an accepted handshake. */
export interface ConnectionInfo {
  id: number;
  /** Request path and query, e.g. /v1/realtime?model=gpt-realtime. */
  url: string;
  headers: IncomingMessage['headers'];
  /** Subprotocols the client offered. */
  protocols: string[];
  /** The subprotocol selected ('realtime') or '' when none. */
  protocol: string;
  /** The API key found, or null. */
  apiKey: string | null;
  /** Why the connection was refused after the upgrade, or null. */
  refused: 'missing_api_key' | 'invalid_api_key' | 'beta_api_shape_disabled' | null;
  /** Every client frame received on this connection, parsed (or the raw string if not JSON). */
  received: unknown[];
}

/** Options of startSimulator. */
export interface SimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface; default 127.0.0.1. */
  host?: string;
  /** Audio streaming speed in × real time; default 3, Infinity = as fast as possible. */
  pace?: number;
  /** Reply script, fixed or chosen per connection. */
  script?: SimulatorScript | ((info: ConnectionInfo) => SimulatorScript);
  /** Path of a JSONL recording of every frame: {t, conn, dir:'in'|'out', data}. */
  record?: string;
  /** Faults for every connection (a script's faults override these). */
  faults?: FaultOptions;
  /** Accept only these keys (default: any non-empty key). */
  apiKeys?: string[];
  /** Called for every handshake, accepted or refused. */
  onConnection?: (info: ConnectionInfo) => void;
}

/** A running simulator. */
export interface Simulator {
  /** ws://HOST:PORT/v1/realtime?model=gpt-realtime */
  url: string;
  port: number;
  /** Every handshake seen, in order. */
  connections: ConnectionInfo[];
  /**
   * The true word timings of an assistant audio item of any connection (the last 1,000 items are
   * kept): each word of its transcript with its character range and its [startMs, endMs] in the
   * item's audio as sent (ms from its first audio delta, as audio_end_ms counts). Only the words
   * sent are listed (a cancelled reply: those whose audio had started, endMs cut at the last
   * chunk sent). Undefined for an unknown item or one without synthesized audio.
   */
  wordTimings(itemId: string): WordTiming[] | undefined;
  /** Closes every socket and the server. */
  close(): Promise<void>;
}

const KEY_PROTOCOL = 'openai-insecure-api-key.';
const BETA_PROTOCOL = 'openai-beta.realtime-v1';

function findKey(req: IncomingMessage, protocols: string[]): string | null {
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() : undefined;
  if (bearer) return bearer;
  const azure = req.headers['api-key'];
  if (typeof azure === 'string' && azure) return azure;
  const sub = protocols.find((p) => p.startsWith(KEY_PROTOCOL));
  return sub ? sub.slice(KEY_PROTOCOL.length) || null : null;
}

/** Starts a simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const fvad = await loadFvad();
  const host = options.host ?? '127.0.0.1';
  const pace = options.pace ?? 3;
  const connections: ConnectionInfo[] = [];
  const wordLog = new WordTimingLog(WORD_TIMING_ITEMS);
  const t0 = Date.now();
  if (options.record) writeFileSync(options.record, '');
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket upgrade required');
  });
  const wss = new WebSocketServer({
    server: http,
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const apiKey = findKey(req, protocols);
    const beta = req.headers['openai-beta'] !== undefined || protocols.includes(BETA_PROTOCOL);
    const info: ConnectionInfo = {
      id: connections.length + 1, url: req.url ?? '', headers: req.headers, protocols, protocol: ws.protocol, apiKey,
      refused: beta ? 'beta_api_shape_disabled'
        : !apiKey ? 'missing_api_key'
          : options.apiKeys && !options.apiKeys.includes(apiKey) ? 'invalid_api_key' : null,
      received: [],
    };
    connections.push(info);
    options.onConnection?.(info);
    const record = (dir: 'in' | 'out', data: string): void => {
      if (dir === 'out' && !options.record) return;
      let parsed: unknown = data;
      try { parsed = JSON.parse(data); } catch { /* malformed frames are recorded as strings */ }
      if (dir === 'in') info.received.push(parsed);
      if (!options.record) return;
      appendFileSync(options.record, JSON.stringify({ t: Date.now() - t0, conn: info.id, dir, data: parsed }) + '\n');
    };
    if (info.refused) return refuse(ws, info.refused, record);
    const query = new URL(info.url, 'http://x').searchParams;
    const script = typeof options.script === 'function' ? options.script(info) : (options.script ?? {});
    new SimConnection(ws, {
      model: query.get('model') ?? 'gpt-realtime',
      pace,
      script,
      faults: { ...options.faults, ...script.faults },
      record,
      wordLog,
    }, new VoiceDetector(fvad));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  return {
    url: `ws://${host}:${port}/v1/realtime?model=gpt-realtime`,
    port,
    connections,
    wordTimings: (itemId) => wordLog.get(itemId),
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => http.close(() => resolve()));
    }),
  };
}

/**
 * Refusals. Known (PROTOCOL.md §2.1, 3rd-party trace): beta → error `beta_api_shape_disabled` with
 * this message, then close. Assumed: the missing/invalid key error's code and wording (taken from
 * the REST API's 401 text) and the close code 1008 (policy violation) for all three.
 */
function refuse(ws: WebSocket, reason: NonNullable<ConnectionInfo['refused']>, record: (d: 'out', s: string) => void): void {
  const messages = {
    beta_api_shape_disabled: ['invalid_request_error', 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.'],
    missing_api_key: ['invalid_request_error', "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."],
    invalid_api_key: ['invalid_request_error', 'Incorrect API key provided.'],
  } as const;
  const [type, message] = messages[reason];
  const frame = JSON.stringify({ type: 'error', event_id: newId('event'), error: { type, code: reason, message, param: null, event_id: null } });
  ws.send(frame);
  record('out', frame);
  ws.close(1008, reason);
}
