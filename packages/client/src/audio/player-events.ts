// Listeners of the WebAudioPlayer: its events by type and the model's playback listeners. They set
// how often the worklet reports (each report wakes the main thread): every PLAYER_FAST_REPORT_MS
// while anyone watches the live position (`position` or `level`), else as often as the most
// demanding playback listener asks (PLAYER_REPORT_MS unless it says; the model asks for
// transitions only), and only on transitions when no one needs more. Invariant: a throwing
// listener is rethrown from a microtask and never breaks playback.
import { PLAYER_FAST_REPORT_MS, PLAYER_REPORT_MS } from './player.worklet.js';

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
  /** Playback listeners and the report interval each needs (0: transitions only). */
  private readonly playback = new Map<() => void, number>();
  private watchers = 0;
  private rate = 0;
  /** Called after every on/off (worker mode forwards the events listened to on the page). */
  onListen: (() => void) | null = null;

  /** `onRate(ms)` whenever the report interval the listeners need changes (0: transitions only). */
  constructor(private readonly onRate: (ms: number) => void) {}

  /** True while anyone listens to `position` or `level`. */
  get watched(): boolean {
    return this.watchers > 0;
  }

  /** The report interval the listeners need, in ms of playback (0: transitions only). */
  get reportMs(): number {
    return this.rate;
  }

  /** The event types someone listens to. */
  listened(): Array<keyof WebAudioPlayerEvents> {
    return [...this.listeners].filter(([, set]) => set.size > 0).map(([type]) => type);
  }

  /** Subscribes to a player event; returns an unsubscribe function. */
  on<K extends keyof WebAudioPlayerEvents>(type: K, listener: PlayerListener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const fn = listener as (event: never) => void;
    if (set.has(fn)) return () => this.off(set, fn, type);
    set.add(fn);
    if (type === 'position' || type === 'level') {
      this.watchers++;
      this.updateRate();
    }
    this.onListen?.();
    return () => this.off(set, fn, type);
  }

  /**
   * Adds a playback listener (the model folds each report into its ledger) that needs a report
   * every `everyMs` of playback (0: transitions only); adding it again replaces its interval.
   */
  onPlayback(listener: () => void, everyMs = PLAYER_REPORT_MS): () => void {
    this.playback.set(listener, everyMs > 0 ? everyMs : 0);
    this.updateRate();
    return () => {
      if (this.playback.delete(listener)) this.updateRate();
    };
  }

  /** Calls the listeners of `type`. */
  emit<K extends keyof WebAudioPlayerEvents>(type: K, event: WebAudioPlayerEvents[K]): void {
    const set = this.listeners.get(type) as Set<PlayerListener<K>> | undefined;
    if (set) callEach(set, event);
  }

  /** Calls the playback listeners. */
  notifyPlayback(): void {
    callEach(this.playback.keys(), undefined);
  }

  /** Forgets the playback listeners (the player closed). */
  clearPlayback(): void {
    this.playback.clear();
  }

  private off(set: Set<(event: never) => void>, fn: (event: never) => void, type: keyof WebAudioPlayerEvents): void {
    if (!set.delete(fn)) return;
    if (type === 'position' || type === 'level') {
      this.watchers--;
      this.updateRate();
    }
    this.onListen?.();
  }

  private updateRate(): void {
    let rate = this.watchers > 0 ? PLAYER_FAST_REPORT_MS : 0;
    for (const ms of this.playback.values()) if (ms > 0 && (rate === 0 || ms < rate)) rate = ms;
    if (rate === this.rate) return;
    this.rate = rate;
    this.onRate(rate);
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
