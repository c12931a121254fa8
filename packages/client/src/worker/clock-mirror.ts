// The page's AudioContext clock, seen from a worker. Only the page has the context; the worker
// that drives the player needs its clocks (output-clock.ts: the context time, the output
// timestamp pair, the state). The page sends a snapshot now and then (ClockPump) and at once when
// the state changes; the worker's mirror carries it forward on its own performance.now(), whose
// origin differs from the page's by a constant the page states once. Invariants: while the
// context is not running the mirror's time stands still; the output timestamp pair is the page's,
// moved to the worker's clock, so OutputClock's extrapolation from it is the page's own; a pair
// is never newer than its snapshot.
import type { ClockContext } from '../audio/output-clock.js';

/** What the page read off its context at `at` (its performance.now()). */
export interface ClockSnapshot {
  state: AudioContextState;
  currentTime: number;
  at: number;
  /** getOutputTimestamp(): a context time and the page's performance time it is output at. */
  contextTime: number | undefined;
  performanceTime: number | undefined;
  outputLatency: number;
  baseLatency: number;
}

/** Every this many ms the page refreshes the worker's mirror while the context runs. */
export const CLOCK_PUMP_MS = 500;

/** Reads a snapshot of `ctx` on the page. */
export function readClock(ctx: AudioContext): ClockSnapshot {
  const ts = typeof ctx.getOutputTimestamp === 'function' ? ctx.getOutputTimestamp() : {};
  return {
    state: ctx.state, currentTime: ctx.currentTime, at: performance.now(),
    contextTime: ts.contextTime, performanceTime: ts.performanceTime,
    outputLatency: ctx.outputLatency || 0, baseLatency: ctx.baseLatency || 0,
  };
}

/**
 * On the page: sends `post` a snapshot now, every CLOCK_PUMP_MS while the context runs, and at
 * each state change. Returns stop().
 */
export function startClockPump(ctx: AudioContext, post: (snapshot: ClockSnapshot) => void): () => void {
  let timer: ReturnType<typeof setInterval> | null = null;
  const send = () => post(readClock(ctx));
  const follow = () => {
    send();
    if (ctx.state === 'running' && timer === null) timer = setInterval(send, CLOCK_PUMP_MS);
    if (ctx.state !== 'running' && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
  ctx.addEventListener('statechange', follow);
  follow();
  return () => {
    ctx.removeEventListener('statechange', follow);
    if (timer !== null) clearInterval(timer);
    timer = null;
  };
}

/** In the worker: the page's context as the player's clock reads it. */
export class ClockMirror implements ClockContext {
  #snap: ClockSnapshot;
  /** Add to a page time to get the worker's performance.now() time of the same moment. */
  readonly #offset: number;

  constructor(
    readonly sampleRate: number,
    pageTimeOrigin: number,
    first: ClockSnapshot,
  ) {
    this.#offset = pageTimeOrigin - performance.timeOrigin;
    this.#snap = first;
  }

  /** Takes a newer snapshot (older ones, overtaken in flight, are ignored). */
  update(snapshot: ClockSnapshot): void {
    if (snapshot.at >= this.#snap.at) this.#snap = snapshot;
  }

  get state(): AudioContextState {
    return this.#snap.state;
  }

  /** The context time now: the snapshot's, advanced by the time since while running. */
  get currentTime(): number {
    const s = this.#snap;
    if (s.state !== 'running') return s.currentTime;
    return s.currentTime + Math.max(0, performance.now() - (s.at + this.#offset)) / 1000;
  }

  get outputLatency(): number {
    return this.#snap.outputLatency;
  }

  get baseLatency(): number {
    return this.#snap.baseLatency;
  }

  getOutputTimestamp(): AudioTimestamp {
    const s = this.#snap;
    if (s.contextTime === undefined || s.performanceTime === undefined) return {};
    return { contextTime: s.contextTime, performanceTime: s.performanceTime + this.#offset };
  }
}
