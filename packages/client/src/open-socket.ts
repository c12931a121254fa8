// Opening a socket with a deadline and an abort: the handshake of a server that accepts TCP but
// never answers fails after `timeoutMs`, and close() during connect rejects at once. Either way
// the socket is released (terminated where the runtime can, so no handle stays open). Frames the
// server sends in the same tick as the handshake are held and handed over with the socket.
import { RealtimeProtocolError, RealtimeUserError } from './core/errors.js';
import type { CreateWebSocket, CreateWebSocketOptions, WebSocketLike } from './core/types.js';

const OPEN = 1;

/** Default handshake deadline, ms (README "Connecting"). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** An abort the model triggers from close(); the opener rejects with `reason`. */
export interface ConnectAbort {
  aborted: Error | null;
  onAbort: ((reason: Error) => void) | null;
}

/** A socket that finished its handshake, and the frames that arrived with it. */
export interface OpenedSocket {
  socket: WebSocketLike;
  early: unknown[];
}

/** Aborts a pending open (idempotent). */
export function abortConnect(abort: ConnectAbort, reason: Error): void {
  if (abort.aborted) return;
  abort.aborted = reason;
  abort.onAbort?.(reason);
}

/** Closes a socket for good: `terminate()` when the runtime has it (ws), else `close()`. */
export function releaseSocket(socket: WebSocketLike, code = 1000, reason = ''): void {
  // A late 'error' (ws: "closed before the connection was established") must find a listener.
  socket.addEventListener('error', () => {});
  try {
    const terminate = (socket as { terminate?: () => void }).terminate;
    if (typeof terminate === 'function' && socket.readyState !== OPEN) terminate.call(socket);
    else socket.close(code, reason);
  } catch {
    // Already closing or closed: nothing more to release.
  }
}

/** Opens `options.url`; rejects on failure, after `timeoutMs`, or when `abort` fires. */
export async function openSocket(create: CreateWebSocket, options: CreateWebSocketOptions, timeoutMs: number, abort: ConnectAbort): Promise<OpenedSocket> {
  let socket: WebSocketLike | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const early: unknown[] = [];
  const hold = (event: { data: unknown }) => void early.push(event.data);
  try {
    return await new Promise<OpenedSocket>((resolve, reject) => {
      const fail = (error: Error) => {
        if (socket) releaseSocket(socket, 1000, 'connect failed');
        reject(error);
      };
      abort.onAbort = fail;
      if (abort.aborted) return fail(abort.aborted);
      timer = setTimeout(() => fail(new RealtimeProtocolError('connect_timeout', `WebSocket handshake did not complete within ${timeoutMs} ms`)), timeoutMs);
      Promise.resolve()
        .then(() => create(options))
        .then((created) => {
          socket = created;
          if (abort.aborted) return fail(abort.aborted);
          socket.addEventListener('message', hold);
          return waitForOpen(socket).then(() => resolve({ socket: created, early }));
        })
        .catch(fail);
    });
  } finally {
    clearTimeout(timer);
    abort.onAbort = null;
    (socket as WebSocketLike | null)?.removeEventListener('message', hold as (event: never) => void);
  }
}

function waitForOpen(socket: WebSocketLike): Promise<void> {
  if (socket.readyState === OPEN) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('error', onError);
      socket.removeEventListener('close', onClose);
    };
    const onOpen = () => (done(), resolve());
    const onError = (event: unknown) => {
      done();
      reject(new RealtimeProtocolError('connection_error', `WebSocket failed to open: ${(event as { message?: string })?.message ?? 'error'}`, event));
    };
    const onClose = (event: { code: number; reason: string }) => {
      done();
      reject(new RealtimeProtocolError('connection_closed', `WebSocket closed before opening (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`, event));
    };
    socket.addEventListener('open', onOpen);
    socket.addEventListener('error', onError);
    socket.addEventListener('close', onClose);
  });
}

/** The error close() gives a pending connect. */
export function closedDuringConnect(): RealtimeUserError {
  return new RealtimeUserError('closed', 'close() was called while connecting');
}

/** Time buffered data gets to flush on close() before the socket is terminated (ms). */
const CLOSE_FLUSH_MS = 1000;

/** close(1000), then terminate if the socket has not closed within CLOSE_FLUSH_MS (a peer that stopped reading). */
export function closeBounded(socket: WebSocketLike): void {
  socket.addEventListener('error', () => {}); // late errors of a socket we left
  try {
    socket.close(1000, 'client closed');
  } catch {
    releaseSocket(socket);
    return;
  }
  const terminate = (socket as { terminate?: () => void }).terminate;
  if (typeof terminate !== 'function') return;
  const timer = setTimeout(() => terminate.call(socket), CLOSE_FLUSH_MS);
  socket.addEventListener('close', () => clearTimeout(timer));
}

export function defaultUrl(model: string, callId: string | null): string {
  return callId
    ? `wss://api.openai.com/v1/realtime?call_id=${encodeURIComponent(callId)}`
    : `wss://api.openai.com/v1/realtime?model=${encodeURIComponent(model)}`;
}

export async function resolveApiKey(apiKey: string | (() => string | Promise<string>) | undefined): Promise<string | undefined> {
  if (typeof apiKey === 'function') return await apiKey();
  return apiKey;
}
