// The audio output the model drives: a player (`AudioPlayer`: it renders what the core tells it
// and reports what was heard) or the seed's `PlaybackTracker` (the app plays; the model reads).
// Runs the core's player commands and reads the playback; a throwing output is reported through
// `onError`, never let into the receive path. When no listener of the model's `audio` event gets
// the bytes, a player that decodes base64 itself gets the server's string, any other gets the
// bytes handed over (`transfer`); else they are copied. Readings are asked at transitions only
// (each report wakes the main thread); while the app follows the heard transcript the bridge
// wakes the model for the next word.
import { RealtimeUserError } from './core/errors.js';
import type { AudioPlayer, PlaybackState, PlaybackTracker, PlayerCommand } from './core/types.js';
import { WakeTimer } from './timers.js';

/** One model's audio output. */
export class OutputBridge {
  player: AudioPlayer | null = null;
  tracker: PlaybackTracker | null = null;
  #unsubscribe: (() => void) | null = null;
  /** True while anyone listens to `heard_transcript`: then `wakeIn` sets the word timer. */
  following = false;
  readonly #wake = new WakeTimer(() => this.onPlayback());

  constructor(
    private readonly onError: (error: unknown, context: string) => void,
    private readonly onPlayback: () => void,
    /** True when no app listener receives the audio bytes (the model's `audio` event). */
    private readonly audioUnshared: () => boolean,
  ) {}

  /** Sets the player and the tracker; a player reports playback itself, so it also serves as tracker. */
  set(player: AudioPlayer | null, tracker: PlaybackTracker | null): void {
    if (player && tracker && (tracker as unknown) !== player) {
      throw new RealtimeUserError('invalid_argument', 'Pass either a player or a playbackTracker, not two different objects: a player reports playback itself.');
    }
    if (player !== this.player) {
      this.player = player;
      this.#subscribe();
    }
    this.tracker = (tracker as unknown) === player ? null : tracker;
  }

  #subscribe(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    const player = this.player;
    if (!player?.onPlayback) return;
    try {
      this.#unsubscribe = player.onPlayback(this.onPlayback, { everyMs: 0 });
    } catch (error) {
      this.onError(error, 'Audio output failed');
    }
  }

  /** Calls the model's playback step `ms` from now (null: no wake), while following with a player. */
  wakeIn(ms: number | null): void {
    if (ms === null || !this.following || !this.player) this.#wake.cancel();
    else this.#wake.after(ms);
  }

  /** The latest playback reading, or null when no output reports one (the core estimates). */
  reading(): PlaybackState | null {
    const source = this.player ?? this.tracker;
    if (!source) return null;
    try {
      return source.getState();
    } catch (error) {
      this.onError(error, 'Playback reading failed');
      return null;
    }
  }

  /** Carries out the core's commands; returns when the output went silent, if a drop says so. */
  run(commands: readonly PlayerCommand[]): number | null {
    let silencedAt: number | null = null;
    for (const command of commands) {
      const at = this.#run(command);
      if (typeof at === 'number') silencedAt = at;
    }
    return silencedAt;
  }

  #run(command: PlayerCommand): number | void {
    const { player, tracker } = this;
    switch (command.op) {
      case 'append':
        if (player) this.#append(player, command);
        return;
      case 'done':
        if (player) this.#call(() => player.itemDone(command.itemId, command.contentIndex));
        return;
      case 'drop':
        if (tracker && command.stop) this.#call(() => tracker.onInterrupted());
        return player ? this.#call(() => player.drop(command.items)) : undefined;
      case 'format':
        if (player) this.#call(() => player.setAudioFormat(command.format));
        if (tracker) this.#call(() => tracker.setAudioFormat(command.format));
        return;
    }
  }

  /** Every chunk comes here: no closure per call. */
  #append(player: AudioPlayer, command: Extract<PlayerCommand, { op: 'append' }>): void {
    try {
      const unshared = this.audioUnshared();
      if (unshared && player.appendBase64) player.appendBase64(command.itemId, command.contentIndex, command.base64, command.responseId);
      else player.append(command.itemId, command.contentIndex, command.data, command.responseId, unshared);
    } catch (error) {
      this.onError(error, 'Audio output failed');
    }
  }

  #call<T>(call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      this.onError(error, 'Audio output failed');
      return undefined;
    }
  }
}
