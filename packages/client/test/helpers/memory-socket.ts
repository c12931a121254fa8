// An in-memory WebSocketLike for wire-level tests: the test plays the server, reading the exact
// JSON the client wrote (each one checked against the GA schema) and pushing frames back.
import type { CreateWebSocketOptions, WebSocketLike } from '../../src/core/types.js';
import { recordClientEvent } from './schema.js';

type Listener = (event: any) => void;

/** A socket whose other end is the test. */
export class MemorySocket implements WebSocketLike {
  readyState = 0;
  /** Every frame the client sent, parsed. */
  readonly sent: Array<Record<string, any>> = [];
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(readonly options: CreateWebSocketOptions) {}

  open(): void {
    this.readyState = 1;
    this.#dispatch('open', {});
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('MemorySocket is not open');
    recordClientEvent(data);
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#dispatch('close', { code, reason });
  }

  /** The server sends a frame: an object is JSON-encoded, anything else is passed as is. */
  serverSend(frame: unknown): void {
    this.#dispatch('message', { data: typeof frame === 'object' && frame !== null && !(frame instanceof ArrayBuffer) && !ArrayBuffer.isView(frame) ? JSON.stringify(frame) : frame });
  }

  /** The server (or network) closes the socket. */
  serverClose(code: number, reason = ''): void {
    this.close(code, reason);
  }

  /** Sent frames of one type. */
  sentOfType(type: string): Array<Record<string, any>> {
    return this.sent.filter((e) => e.type === type);
  }

  addEventListener(type: string, listener: Listener): void {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: (event: never) => void): void {
    this.#listeners.get(type)?.delete(listener as Listener);
  }

  #dispatch(type: string, event: unknown): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) listener(event);
  }
}

/** A createWebSocket factory that opens MemorySockets (asynchronously, like a real socket). */
export function memorySockets() {
  const sockets: MemorySocket[] = [];
  const createWebSocket = (options: CreateWebSocketOptions) => {
    const socket = new MemorySocket(options);
    sockets.push(socket);
    queueMicrotask(() => socket.open());
    return socket;
  };
  return { sockets, createWebSocket, get last() { return sockets[sockets.length - 1]!; } };
}
