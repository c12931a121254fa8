// The listener's clock of an AudioContext: which context time reaches the ear now, and when a
// given context frame does on the performance.now() clock. Rendering runs ahead of hearing by
// the output latency; getOutputTimestamp() pairs the two clocks. Invariants: the heard time never
// runs ahead of rendering, and while the context is not running it stays frozen. HeardTimer waits
// on that clock for a frame to be heard.

/**
 * The parts of an AudioContext the clock reads; a worker's mirror of a page's context
 * (worker/clock-mirror.ts) has the same.
 */
export type ClockContext = Pick<AudioContext, 'currentTime' | 'sampleRate' | 'state' | 'getOutputTimestamp' | 'outputLatency' | 'baseLatency'>;

/** Maps context time to what the listener hears, for one AudioContext. */
export class OutputClock {
  /** The last measured output latency (s), kept while the context is suspended. */
  private latencySec: number | null = null;

  /** Context time (s) of the sample the listener hears now; frozen while not running. */
  heardTime(ctx: ClockContext): number {
    const now = ctx.currentTime;
    if (ctx.state === 'running' && typeof ctx.getOutputTimestamp === 'function') {
      const ts = ctx.getOutputTimestamp();
      if (ts.contextTime !== undefined && ts.performanceTime !== undefined && ts.contextTime > 0) {
        // getOutputTimestamp pairs a context time with the moment the device outputs it;
        // advancing it by performance time gives what is heard now, never ahead of rendering.
        const t = Math.min(now, ts.contextTime + (performance.now() - ts.performanceTime) / 1000);
        this.latencySec = now - t;
        return t;
      }
    }
    // Suspended (or no timestamp yet): the clock is frozen, so keep the last measured latency
    // rather than jump to a different estimate; before any measurement use the context's own.
    const latency = this.latencySec ?? (ctx.outputLatency || ctx.baseLatency || 0);
    return Math.max(0, now - latency);
  }

  /** performance.now() time at which context frame `frame` is (or was) heard. */
  heardAt(ctx: ClockContext, frame: number): number {
    return performance.now() + (frame / ctx.sampleRate - this.heardTime(ctx)) * 1000;
  }

  /** Context time rendered but not yet heard, in ms. */
  latencyMs(ctx: ClockContext): number {
    return Math.max(0, (ctx.currentTime - this.heardTime(ctx)) * 1000);
  }
}

/**
 * Calls `onHeard` once a context frame reached the listener (on the clock's heard time), with one
 * timer: a later frame asked for meanwhile is waited for after it. While the context is not
 * running the heard time stands still, so it looks again every 100 ms rather than spin; a closed
 * context ends the wait.
 */
export class HeardTimer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ctx: ClockContext | null = null;
  private frame = 0;
  private next = -1;
  private readonly fire = (): void => this.check();

  constructor(
    private readonly clock: OutputClock,
    private readonly onHeard: () => void,
  ) {}

  /** Calls back once context frame `frame` of `ctx` is heard. */
  watch(ctx: ClockContext, frame: number): void {
    this.ctx = ctx;
    if (this.timer === null) this.arm(frame);
    else this.next = Math.max(this.next, frame);
  }

  /** Forgets every frame waited for. */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.next = -1;
  }

  private arm(frame: number): void {
    const ctx = this.ctx!;
    this.frame = frame;
    const ms = ctx.state === 'running' ? this.clock.heardAt(ctx, frame) - performance.now() : 100;
    this.timer = setTimeout(this.fire, Math.max(0, ms) + 1);
  }

  private check(): void {
    this.timer = null;
    const ctx = this.ctx!;
    if (ctx.state === 'closed') return this.cancel();
    if (this.clock.heardTime(ctx) * ctx.sampleRate < this.frame) return this.arm(this.frame);
    if (this.next > this.frame) this.arm(this.next);
    this.next = -1;
    this.onHeard();
  }
}
