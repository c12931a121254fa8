// One timer that wakes the model when the heard transcript is due to move (the next word's start
// reaches the listener), in place of periodic player reports: every wake costs the main thread,
// and words come a few times a second. Invariant: at most one timer is pending; `after` replaces
// it, `cancel` leaves none. Never sooner than MIN_WAKE_MS, so a reading that stands still (a
// suspended context) cannot make it spin.

/** The shortest wait: a heard position frozen just short of a word boundary wakes this often at most. */
const MIN_WAKE_MS = 20;

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
