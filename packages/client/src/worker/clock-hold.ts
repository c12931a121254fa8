// In worker mode a barge-in reads the player the moment the server's `speech_started` reaches
// the model. The worker's mirror of the page's clock (clock-mirror.ts) can be CLOCK_PUMP_MS old,
// and a late callback of the audio device since then shows only in a fresh output timestamp
// (whole callbacks of 10–20 ms were seen in the bench). So before such a frame reaches the model
// the worker asks the page for fresh snapshots, and delivers that frame, and every event after it
// in order, once they are in, or after CLOCK_HOLD_MS if the page is too busy to answer (the
// reading then uses the mirror as it is). Other frames pass straight through.
import type { WebSocketLike } from '../core/types.js';

/** How long a barge-in waits for the page's clock before it reads the mirror as it is. */
export const CLOCK_HOLD_MS = 50;

type Listener = (event: never) => void;
const HELD_TYPES = new Set(['message', 'close', 'error']);

/** True for a server frame that makes the model read the player to truncate (a barge-in). */
export function readsPlayer(data: unknown): boolean {
  return typeof data === 'string' && data.length < 1024 && data.includes('"input_audio_buffer.speech_started"');
}

/**
 * `inner`, with its message, close and error events delivered in order through a hold: a frame
 * that `readsPlayer` waits for `refresh()` (at most CLOCK_HOLD_MS), and what follows it waits too.
 * Everything else of the socket is `inner`'s own.
 */
export function holdForClock(inner: WebSocketLike, refresh: () => Promise<void>): WebSocketLike {
  const listeners = new Map<string, Set<Listener>>();
  const queue: Array<{ type: string; event: unknown }> = [];
  let holding = false;

  const dispatch = (type: string, event: unknown) => {
    for (const fn of [...(listeners.get(type) ?? [])]) (fn as (e: unknown) => void)(event);
  };
  const drain = () => {
    while (queue.length > 0 && !holding) {
      const next = queue.shift()!;
      if (next.type === 'message' && readsPlayer((next.event as { data?: unknown }).data)) {
        hold(next);
        return;
      }
      dispatch(next.type, next.event);
    }
  };
  const hold = (entry: { type: string; event: unknown }) => {
    holding = true;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      holding = false;
      dispatch(entry.type, entry.event);
      drain();
    };
    const timer = setTimeout(release, CLOCK_HOLD_MS);
    refresh().then(release, release);
  };
  const arrive = (type: string) => (event: unknown) => {
    queue.push({ type, event });
    if (!holding) drain();
  };
  const forwarders = new Map<string, (event: unknown) => void>();

  const addEventListener = (type: string, fn: Listener) => {
    if (!HELD_TYPES.has(type)) return inner.addEventListener(type as 'message', fn as never);
    if (!forwarders.has(type)) {
      const forward = arrive(type);
      forwarders.set(type, forward);
      inner.addEventListener(type as 'message', forward as never);
    }
    let set = listeners.get(type);
    if (!set) listeners.set(type, (set = new Set()));
    set.add(fn);
  };
  const removeEventListener = (type: string, fn: Listener) => {
    if (!HELD_TYPES.has(type)) return inner.removeEventListener(type as 'message', fn as never);
    listeners.get(type)?.delete(fn);
  };
  // The socket's own methods, bound once each (send runs for every microphone chunk).
  const bound = new Map<PropertyKey, { fn: unknown; call: unknown }>();
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'addEventListener') return addEventListener;
      if (key === 'removeEventListener') return removeEventListener;
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      const known = bound.get(key);
      if (known?.fn === value) return known.call;
      const call = (value as (...args: unknown[]) => unknown).bind(target);
      bound.set(key, { fn: value, call });
      return call;
    },
    set(target, key, value) {
      return Reflect.set(target, key, value, target);
    },
  }) as WebSocketLike;
}
