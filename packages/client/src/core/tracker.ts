// A playback tracker fed by hand (the seed's RealtimePlaybackTracker, seed-behaviour.md §2.6):
// the app reports what it played; the model reads it at interrupt time. The Web Audio player
// in `@open-realtime/client/web-audio` implements the same interface from the audio clock.
import { audioLengthMs } from '../audio/pcm.js';
import type { AudioFormatLike, PlaybackState, PlaybackTracker } from './types.js';

/** A PlaybackTracker the app feeds with `onPlayBytes` / `onPlayMs` as it plays audio. */
export class ManualPlaybackTracker implements PlaybackTracker {
  #format: AudioFormatLike = null;
  #itemId: string | null = null;
  #contentIndex: number | null = null;
  #elapsedMs: number | null = null;

  /** `bytes` of (itemId, contentIndex) were played. */
  onPlayBytes(itemId: string, contentIndex: number, bytes: Uint8Array): void {
    this.onPlayMs(itemId, contentIndex, audioLengthMs(this.#format, bytes.byteLength));
  }

  /** `ms` of (itemId, contentIndex) were played; another item restarts the count. */
  onPlayMs(itemId: string, contentIndex: number, ms: number): void {
    if (itemId !== this.#itemId || contentIndex !== this.#contentIndex) {
      this.#itemId = itemId;
      this.#contentIndex = contentIndex;
      this.#elapsedMs = ms;
    } else {
      this.#elapsedMs = (this.#elapsedMs ?? 0) + ms;
    }
  }

  /** Forgets the current item (called by the model after an interrupt). */
  onInterrupted(): void {
    this.#itemId = null;
    this.#contentIndex = null;
    this.#elapsedMs = null;
  }

  /** Sets the format used to turn bytes into ms. */
  setAudioFormat(format: AudioFormatLike): void {
    this.#format = format;
  }

  /** The item being heard and the ms of it heard so far. */
  getState(): PlaybackState {
    return { currentItemId: this.#itemId, currentItemContentIndex: this.#contentIndex, elapsedMs: this.#elapsedMs };
  }
}
