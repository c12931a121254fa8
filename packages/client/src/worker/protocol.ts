// The messages between a page's RealtimeWorkerModel (worker/model.ts) and the model it runs in a
// worker (worker/serve.ts), and how errors cross: structured clone keeps an Error's message but
// not its class or `code`, so errors travel as plain records and are rebuilt as the library's
// error classes on the other side. Everything else in a model event is plain data.
import { RealtimeProtocolError, RealtimeUserError, type ProtocolErrorCode, type UserErrorCode } from '../core/errors.js';
import type { RealtimeModelEvent } from '../core/model-events.js';
import type { ClockSnapshot } from './clock-mirror.js';

/** Methods of the worker's model the page calls (each answered by `done` or `fail`). */
export type WorkerMethod = 'connect' | 'sendEvent' | 'close' | 'attachPlayer' | 'detachPlayer' | 'getAudioItems' | 'getSendQueue' | 'getPlaybackState';

/** Page to worker. */
export type ToWorker =
  | { t: 'call'; id: number; method: WorkerMethod; args: unknown[] }
  /** The event types the page listens to (`*`: every event). */
  | { t: 'listen'; types: '*' | string[] }
  /** A player handed off by the page: its worklet's port and the page's clock. */
  | { t: 'player'; player: number; port: MessagePort; sampleRate: number; encoding: string; timeOrigin: number; clock: ClockSnapshot }
  /** Fresh clocks of the page's players; `request` answers the worker's `clock?` of that id. */
  | { t: 'clock'; clocks: Array<{ player: number; clock: ClockSnapshot }>; request?: number }
  /** The player events listened to on the page (the worker's player forwards them). */
  | { t: 'player-listen'; player: number; types: string[] }
  /** The page's answer to `key`. */
  | { t: 'key'; id: number; key?: string; error?: WireError };

/** Worker to page. */
export type FromWorker =
  /** Serving; `timeOrigin`: the worker's performance.timeOrigin when the model's clock is performance.now(). */
  | { t: 'ready'; timeOrigin: number | null }
  | { t: 'done'; id: number; value?: unknown; model?: string }
  | { t: 'fail'; id: number; error: WireError }
  | { t: 'event'; event: Record<string, unknown> }
  /** The worker needs the API key: the page calls the app's key function. */
  | { t: 'key'; id: number }
  /** The worker is about to read a player for a barge-in: the page sends fresh clocks. */
  | { t: 'clock?'; id: number }
  /** Player events (`started`, `ended`, `position`, `level`) of one task, in order. */
  | { t: 'player-events'; player: number; events: Array<[string, unknown]> };

/** An error as it crosses between threads. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  raw?: unknown;
}

/** Marks an error among an event's fields. */
export const ERROR_KEY = '$openRealtimeError';

/** An error as a cloneable record (its `raw`, when an error too, as one). */
export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message };
  const { code, raw } = error as { code?: unknown; raw?: unknown };
  if (typeof code === 'string') wire.code = code;
  if (raw !== undefined) wire.raw = raw instanceof Error ? { [ERROR_KEY]: toWire(raw) } : raw;
  return wire;
}

/** Rebuilds an error: the library's classes with their code, else an Error of the same name. */
export function fromWire(wire: WireError): Error {
  const raw = isWired(wire.raw) ? fromWire(wire.raw[ERROR_KEY]) : wire.raw;
  if (wire.name === 'RealtimeUserError') return new RealtimeUserError(wire.code as UserErrorCode, wire.message);
  if (wire.name === 'RealtimeProtocolError') return new RealtimeProtocolError(wire.code as ProtocolErrorCode, wire.message, raw);
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

function isWired(value: unknown): value is { [ERROR_KEY]: WireError } {
  return typeof value === 'object' && value !== null && ERROR_KEY in value;
}

/** A model event as it crosses: its error fields as records. */
export function encodeEvent(event: RealtimeModelEvent): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const key in event) {
    const value = (event as unknown as Record<string, unknown>)[key];
    if (value instanceof Error) (out ??= { ...event })[key] = { [ERROR_KEY]: toWire(value) };
  }
  return out ?? (event as unknown as Record<string, unknown>);
}

/** The event again, its errors rebuilt. */
export function decodeEvent(data: Record<string, unknown>): RealtimeModelEvent {
  for (const key in data) {
    const value = data[key];
    if (isWired(value)) data[key] = fromWire(value[ERROR_KEY]);
  }
  return data as unknown as RealtimeModelEvent;
}

/**
 * Posts `message`; a value structured clone refuses (a function, a class instance with private
 * state) makes it post `fallback()` instead, when given, else throws a RealtimeUserError.
 */
export function postOrExplain(post: (message: unknown) => void, message: unknown, what: string, fallback?: () => unknown): void {
  try {
    post(message);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'DataCloneError')) throw error;
    if (fallback) return post(fallback());
    throw new RealtimeUserError('invalid_argument', `${what} cannot be sent to the worker (${error.message}); in worker mode pass plain data: JSON Schema tool parameters, no functions`);
  }
}
