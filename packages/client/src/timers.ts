// The model's timers. TimerSet: one-shot timers of a connection, cleared together when it ends;
// one that ran is forgotten. WakeTimer: wakes the model when the heard transcript is due to move
// (the next word's start reaches the listener), in place of periodic player reports: every wake
// costs the main thread, and words come a few times a second. At most one wake is pending;
// `after` replaces it, `cancel` leaves none; never sooner than MIN_WAKE_MS, so a reading that
// stands still (a suspended context) cannot make it spin.

/** The shortest wait: a heard position frozen just short of a word boundary wakes this often at most. */
const MIN_WAKE_MS = 20;

/** One-shot timers cleared together. */
export class TimerSet {
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  /** Runs `run` once, `ms` from now, unless cleared first. */
  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  clear(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** At most one pending wake. */
export class WakeTimer {
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #fire = (): void => {
    this.#timer = null;
    this.run();
  };

  constructor(private readonly run: () => void) {}

  /** Wakes once, `ms` from now (replacing any pending wake). */
  after(ms: number): void {
    this.cancel();
    this.#timer = setTimeout(this.#fire, Math.max(MIN_WAKE_MS, Math.ceil(ms) + 1));
  }

  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
