// Dead-connection detection where the socket can ping (`ws` in Node): a ws-level ping every
// `intervalMs`, and if no pong arrives within `timeoutMs` the socket is treated as dropped
// (terminated, so its close event reports 1006). This catches a half-open TCP connection, such as
// a laptop that changed networks, which otherwise looks open until the OS gives up (minutes).
// Browsers answer pings themselves but cannot send them: README "Dead connections" says so.
import type { WebSocketLike } from './core/types.js';

/** Ping settings; `false` turns the keepalive off. */
export interface KeepAliveOptions {
  /** Time between pings (ms); default 15,000. */
  intervalMs?: number;
  /** Time a pong may take (ms); default 10,000. */
  timeoutMs?: number;
}

interface PingSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
  off(event: 'pong', listener: () => void): unknown;
}

function canPing(socket: unknown): socket is PingSocket {
  const s = socket as Partial<PingSocket>;
  return typeof s.ping === 'function' && typeof s.terminate === 'function' && typeof s.on === 'function' && typeof s.off === 'function';
}

/** Starts pinging `socket` if it can; returns a stop function (a no-op when it cannot ping). */
export function startKeepAlive(socket: WebSocketLike, options: KeepAliveOptions, onDead: () => void): () => void {
  if (!canPing(socket)) return () => {};
  const intervalMs = options.intervalMs ?? 15_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let deadline: ReturnType<typeof setTimeout> | null = null;
  const onPong = () => {
    if (deadline !== null) clearTimeout(deadline);
    deadline = null;
  };
  socket.on('pong', onPong);
  const timer = setInterval(() => {
    if (deadline !== null || (socket as unknown as WebSocketLike).readyState !== 1) return;
    try {
      socket.ping();
    } catch {
      return; // closing: the close event ends the connection
    }
    deadline = setTimeout(() => {
      deadline = null;
      onDead();
      socket.terminate();
    }, timeoutMs);
  }, intervalMs);
  return () => {
    clearInterval(timer);
    if (deadline !== null) clearTimeout(deadline);
    socket.off('pong', onPong);
  };
}
