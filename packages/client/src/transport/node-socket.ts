// A lean RFC 6455 client over node:net / node:tls: the Node transport's default socket. It keeps
// ws's EventTarget contract (readyState 0..3; open once; error before close; close once, 1006 on
// abnormal loss, 1005 for a close frame without a code) plus what keepalive and the send queue use
// (ping, pong listeners, terminate, bufferedAmount). Each frame is one buffer and one write; frames
// are parsed in place from socket chunks (ws-frames.ts), which plain TCP reads into one buffer
// shared by every socket (node:net `onread`). Never offers permessage-deflate.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { SEND_ASCII_PARTS } from '../core/types.js';
import { FrameParser, OPCODE, closePayload, encodeAsciiTextFrame, encodeFrame, isValidCloseCode } from './ws-frames.js';
import { MAX_RESPONSE_HEAD, checkResponse, handshakeKey, handshakeRequest, parseTarget } from './ws-handshake.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** After close(), the server gets this long to answer before the TCP connection is destroyed (ws's default). */
const CLOSE_TIMEOUT_MS = 30_000;
const EMPTY = Buffer.alloc(0);
/**
 * Plain-TCP sockets read into this one buffer (node:net's `onread`), not into a new buffer per read
 * pushed through a stream: each read's callback runs to its end before the next read, and the
 * parser copies out whatever it keeps. TLS sockets read through the stream as before.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Options of a NodeWebSocket. */
export interface NodeWebSocketOptions {
  /** Extra handshake headers (e.g. Authorization); names and values are checked for CR/LF. */
  headers?: Record<string, string>;
  /** node:tls options for wss:// (ca, cert, key, rejectUnauthorized, …); servername defaults to the host. */
  tls?: ConnectionOptions;
  /** Largest message accepted (bytes); a larger one closes with 1009. Default 100 MiB, like ws. */
  maxPayload?: number;
}

/** The events, shaped like ws's EventTarget events. */
export interface NodeWebSocketEvents {
  open: { type: 'open' };
  message: { type: 'message'; data: string | Buffer };
  close: { type: 'close'; code: number; reason: string; wasClean: boolean };
  error: { type: 'error'; message: string; error: Error };
}

type Listener<K extends keyof NodeWebSocketEvents> = (event: NodeWebSocketEvents[K]) => void;
type Listeners = { [K in keyof NodeWebSocketEvents]: Array<Listener<K>> };

/** Runs listeners of a snapshot; a throwing listener is rethrown later, never into the parser. */
function dispatch<T>(listeners: ReadonlyArray<(event: T) => void>, event: T): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
}

/** A WebSocket client connection (ws-compatible subset). */
export class NodeWebSocket {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;

  /** The URL this socket connects to. */
  readonly url: string;
  #state = CONNECTING;
  #protocol = '';
  readonly #socket: Socket;
  readonly #key = handshakeKey();
  readonly #offered: readonly string[];
  readonly #parser: FrameParser;
  #head: Buffer[] = [];
  #headBytes = 0;
  #listeners: Listeners = { open: [], message: [], close: [], error: [] };
  #pongListeners: Array<(payload: Buffer) => void> = [];
  #closeCode: number | null = null;
  #closeReason = '';
  #closeFrameSent = false;
  #closeFrameReceived = false;
  #closeTimer: ReturnType<typeof setTimeout> | null = null;

  /** Connects at once; throws (SyntaxError/TypeError) on a bad URL, header or subprotocol. */
  constructor(url: string | URL, protocols: string | readonly string[] = [], options: NodeWebSocketOptions = {}) {
    this.url = String(url);
    const target = parseTarget(url);
    this.#offered = typeof protocols === 'string' ? [protocols] : [...protocols];
    const request = handshakeRequest(target, this.#key, this.#offered, options.headers ?? {});
    this.#parser = new FrameParser({
      message: (data) => dispatch(this.#listeners.message, { type: 'message', data }),
      close: (code, reason) => this.#onCloseFrame(code, reason),
      ping: (payload) => {
        if (this.#state === OPEN) this.#socket.write(encodeFrame(OPCODE.pong, payload));
      },
      pong: (payload) => dispatch(this.#pongListeners, payload),
      fail: (code, message) => this.#failConnection(code, message),
    }, options.maxPayload ?? 100 * 1024 * 1024);
    const servername = options.tls?.servername ?? (isIP(target.host) ? undefined : target.host);
    this.#socket = target.secure
      ? tlsConnect({ ...options.tls, host: target.host, port: target.port, servername })
      : netConnect({ host: target.host, port: target.port, onread: { buffer: READ_BUFFER, callback: this.#onRead } });
    this.#socket.setNoDelay(true);
    if (target.secure) this.#socket.on('data', this.#onData);
    this.#socket.on('error', this.#onSocketError);
    this.#socket.on('end', this.#onSocketEnd);
    this.#socket.on('close', this.#onSocketClose);
    this.#socket.write(request);
  }

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  get readyState(): number {
    return this.#state;
  }

  /** The subprotocol the server chose ('' when none). */
  get protocol(): string {
    return this.#protocol;
  }

  /** Bytes written but not yet handed to the OS (grows while the peer does not read). */
  get bufferedAmount(): number {
    return this.#state === OPEN || this.#state === CLOSING ? this.#socket.writableLength : 0;
  }

  /** Sends a text message (a string) or a binary one (bytes): one frame, one write. */
  send(data: string | Uint8Array): void {
    if (this.#state === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (this.#state !== OPEN) return; // like ws: a frame after close is not sent
    this.#socket.write(encodeFrame(typeof data === 'string' ? OPCODE.text : OPCODE.binary, data));
  }

  /** Sends one text message, `parts` joined (each part ASCII: one byte per character), written straight into the frame. */
  [SEND_ASCII_PARTS](parts: readonly string[]): void {
    if (this.#state === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (this.#state !== OPEN) return;
    this.#socket.write(encodeAsciiTextFrame(parts));
  }

  /** Sends a ping (payload at most 125 bytes); the answer arrives as a 'pong'. */
  ping(data: Uint8Array = EMPTY): void {
    if (this.#state === CONNECTING) throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    if (data.byteLength > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    if (this.#state === OPEN) this.#socket.write(encodeFrame(OPCODE.ping, data));
  }

  /**
   * Starts the closing handshake: sends a close frame and ends the connection once the server's
   * close frame arrives (or after 30 s). While connecting, aborts (error, then close 1006).
   */
  close(code?: number, reason = ''): void {
    if (code !== undefined && (typeof code !== 'number' || !isValidCloseCode(code))) throw new TypeError('First argument must be a valid error code number');
    if (Buffer.byteLength(reason) > 123) throw new RangeError('The message must not be greater than 123 bytes');
    if (this.#state === CLOSED) return;
    if (this.#state === CONNECTING) return this.#abort('WebSocket was closed before the connection was established');
    if (this.#closeFrameSent) return;
    this.#state = CLOSING;
    this.#sendClose(code, reason);
    if (this.#closeFrameReceived) this.#socket.end();
  }

  /** Destroys the connection at once (close event 1006 unless a close frame already arrived). */
  terminate(): void {
    if (this.#state === CLOSED) return;
    if (this.#state === CONNECTING) return this.#abort('WebSocket was closed before the connection was established');
    this.#state = CLOSING;
    this.#socket.destroy();
  }

  /** Adds a listener (once per function and type, like ws). */
  addEventListener<K extends keyof NodeWebSocketEvents>(type: K, listener: Listener<K>): void {
    const list = this.#listeners[type] as Array<Listener<K>>;
    if (!list.includes(listener)) (this.#listeners[type] as Array<Listener<K>>) = [...list, listener];
  }

  /** Removes a listener. */
  removeEventListener<K extends keyof NodeWebSocketEvents>(type: K, listener: Listener<K>): void {
    (this.#listeners[type] as Array<Listener<K>>) = (this.#listeners[type] as Array<Listener<K>>).filter((l) => l !== listener);
  }

  /** ws-style pong listener (keepalive.ts); receives the pong's payload. */
  on(event: 'pong', listener: (payload: Buffer) => void): this {
    if (event === 'pong') this.#pongListeners = [...this.#pongListeners, listener];
    return this;
  }

  /** Removes a pong listener. */
  off(event: 'pong', listener: (payload: Buffer) => void): this {
    if (event === 'pong') this.#pongListeners = this.#pongListeners.filter((l) => l !== listener);
    return this;
  }

  /** A plain socket's read: `length` bytes at the start of the shared READ_BUFFER, lent for this call. */
  readonly #onRead = (length: number): true => {
    if (this.#state === CONNECTING) this.#onHandshakeData(Buffer.from(READ_BUFFER.subarray(0, length)));
    else this.#parser.push(READ_BUFFER.subarray(0, length), true);
    return true; // keep reading
  };

  /** A TLS socket's read: a buffer of its own. */
  readonly #onData = (chunk: Buffer): void => {
    if (this.#state === CONNECTING) this.#onHandshakeData(chunk);
    else this.#parser.push(chunk);
  };

  #onHandshakeData(chunk: Buffer): void {
    this.#head.push(chunk);
    this.#headBytes += chunk.length;
    const all = this.#head.length === 1 ? chunk : Buffer.concat(this.#head, this.#headBytes);
    this.#head = [all];
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.#headBytes > MAX_RESPONSE_HEAD) this.#abort('Invalid HTTP response: headers too large');
      return;
    }
    this.#head = [];
    const checked = checkResponse(all.toString('latin1', 0, end), this.#key, this.#offered);
    if ('error' in checked) return this.#abort(checked.error);
    this.#protocol = checked.protocol;
    this.#state = OPEN;
    dispatch(this.#listeners.open, { type: 'open' });
    // Frames that came in the same chunk as the 101 response (session.created often does).
    if (end + 4 < all.length && !this.#socket.destroyed) this.#parser.push(all.subarray(end + 4));
  }

  readonly #onSocketError = (error: Error): void => {
    // Before open, the failure is the caller's to hear; after, ws too reports only close 1006.
    if (this.#state === CONNECTING) this.#emitError(error.message, error);
    if (this.#state !== CLOSED) this.#state = CLOSING;
    this.#socket.destroy();
  };

  readonly #onSocketEnd = (): void => {
    if (this.#state === CONNECTING) return this.#abort('socket hang up'); // Node's http message, as ws reports it
    if (this.#state !== CLOSED) this.#state = CLOSING;
    this.#socket.end();
  };

  readonly #onSocketClose = (): void => {
    if (this.#state === CONNECTING) this.#emitError('socket hang up', new Error('socket hang up'));
    this.#state = CLOSED;
    this.#parser.stop();
    if (this.#closeTimer !== null) clearTimeout(this.#closeTimer);
    const event = { type: 'close', code: this.#closeCode ?? 1006, reason: this.#closeReason, wasClean: this.#closeFrameSent && this.#closeFrameReceived } as const;
    dispatch(this.#listeners.close, event);
  };

  #onCloseFrame(code: number, reason: string): void {
    this.#closeFrameReceived = true;
    this.#closeCode = code;
    this.#closeReason = reason;
    if (this.#state === OPEN) {
      this.#state = CLOSING;
      this.#sendClose(code === 1005 ? undefined : code, reason); // the echo, as ws sends it (RFC 6455 §5.5.1)
    }
    this.#socket.end();
  }

  /** The server broke the protocol: error, a close frame with `code`, then the connection ends. */
  #failConnection(code: number, message: string): void {
    this.#emitError(`Invalid WebSocket frame: ${message}`, new Error(message));
    if (this.#state === CLOSED) return;
    this.#state = CLOSING;
    this.#closeCode = code;
    if (!this.#closeFrameSent) this.#sendClose(code, '');
    this.#socket.end();
  }

  #sendClose(code: number | undefined, reason: string): void {
    this.#closeFrameSent = true;
    if (!this.#socket.writable) return; // the server already ended the connection
    this.#socket.write(encodeFrame(OPCODE.close, closePayload(code, reason)));
    this.#closeTimer = setTimeout(() => this.#socket.destroy(), CLOSE_TIMEOUT_MS);
  }

  /** The handshake failed or was abandoned: error, then close 1006 when the TCP socket is gone. */
  #abort(message: string): void {
    this.#state = CLOSING;
    this.#socket.destroy();
    this.#emitError(message, new Error(message));
  }

  #emitError(message: string, error: Error): void {
    dispatch(this.#listeners.error, { type: 'error', message, error });
  }
}
