// Listeners of the WebAudioPlayer: its events by type and the model's playback listeners. It also
// tells the player whether anyone watches the live position (`position` or `level` listeners), so
// the worklet reports often only then. Invariant: a throwing listener is rethrown from a
// microtask and never breaks playback.

/** Events of {@link WebAudioPlayer}, with their payloads. */
export interface WebAudioPlayerEvents {
  /** The worklet began rendering an item (again after a stall). */
  started: { itemId: string; contentIndex: number };
  /** The item stopped rendering: the next item began, the queue ran dry, or it was dropped. */
  ended: { itemId: string; contentIndex: number; playedMs: number; interrupted: boolean };
  /**
   * Played position of the current item, at each worklet report: every ~25 ms of playback while
   * anyone listens to `position` or `level` (~100 ms otherwise), and when its tail was heard.
   */
  position: { itemId: string; contentIndex: number; ms: number };
  /** RMS level of the audio rendered since the previous worklet report, 0..1; 0 once the end was heard. */
  level: { rms: number };
}

/** A listener of event `K`. */
export type PlayerListener<K extends keyof WebAudioPlayerEvents> = (event: WebAudioPlayerEvents[K]) => void;

/** The player's listeners. */
export class PlayerEvents {
  private readonly listeners = new Map<keyof WebAudioPlayerEvents, Set<(event: never) => void>>();
  private readonly playback = new Set<() => void>();
  private watchers = 0;

  /** `onWatched(true)` when the first `position`/`level` listener comes, `(false)` when the last goes. */
  constructor(private readonly onWatched: (watched: boolean) => void) {}

  /** True while anyone listens to `position` or `level`. */
  get watched(): boolean {
    return this.watchers > 0;
  }

  /** Subscribes to a player event; returns an unsubscribe function. */
  on<K extends keyof WebAudioPlayerEvents>(type: K, listener: PlayerListener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const fn = listener as (event: never) => void;
    if (set.has(fn)) return () => this.off(set, fn, type);
    set.add(fn);
    if ((type === 'position' || type === 'level') && ++this.watchers === 1) this.onWatched(true);
    return () => this.off(set, fn, type);
  }

  /** Adds a playback listener (the model folds each report into its ledger). */
  onPlayback(listener: () => void): () => void {
    this.playback.add(listener);
    return () => this.playback.delete(listener);
  }

  /** Calls the listeners of `type`. */
  emit<K extends keyof WebAudioPlayerEvents>(type: K, event: WebAudioPlayerEvents[K]): void {
    const set = this.listeners.get(type) as Set<PlayerListener<K>> | undefined;
    if (set) callEach(set, event);
  }

  /** Calls the playback listeners. */
  notifyPlayback(): void {
    callEach(this.playback, undefined);
  }

  /** Forgets the playback listeners (the player closed). */
  clearPlayback(): void {
    this.playback.clear();
  }

  private off(set: Set<(event: never) => void>, fn: (event: never) => void, type: keyof WebAudioPlayerEvents): void {
    if (!set.delete(fn)) return;
    if ((type === 'position' || type === 'level') && --this.watchers === 0) this.onWatched(false);
  }
}

/** Calls each listener; one that throws is rethrown later and never breaks playback. */
function callEach<E>(listeners: Iterable<(event: E) => void>, event: E): void {
  for (const fn of listeners) {
    try {
      fn(event);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}
