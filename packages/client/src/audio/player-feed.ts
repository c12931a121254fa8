// PlayerFeed: carries the player's audio to its worklet. Encoded bytes go as they came (the worklet
// decodes and resamples them), their ArrayBuffer transferred, never cloned: a caller that hands
// its bytes over loses them (detached), any other caller's bytes are copied once. Base64 goes as
// the string (the worklet decodes it too). Everything fed
// within one task goes in one message, as a flat list of numeric ops (player.worklet.ts FEED_*)
// the worklet applies in order; audio the worklet will not need for a second or more may be held
// a little longer, so a stream arriving faster than real time crosses threads in a few large
// messages (each postMessage to the audio thread costs the main thread far more than its bytes).
// Invariants: nothing is allocated per chunk beyond the copy of bytes the caller keeps; a drop is
// posted at once, after what was fed before it; before a port is attached everything waits, in order.
import type { AudioEncoding } from './codec.js';
import { FEED_DONE, FEED_DROP, FEED_ENCODINGS, FEED_PUSH } from './player.worklet.js';

/** The longest a chunk is held back to batch it with later ones. */
export const FEED_HOLD_MS = 250;
/**
 * Audio is held only while the worklet has at least this much queued before it: held audio is
 * not on the audio thread yet, so a main-thread stall longer than the margin would starve it.
 */
export const FEED_MARGIN_MS = 1000;

/** Batches feed ops for one worklet port. */
export class PlayerFeed {
  private port: MessagePort | null = null;
  private readonly ops: number[] = [];
  private readonly bufs: Array<ArrayBuffer | string> = [];
  /** The buffers of `bufs`, each once (a transfer list must not repeat one). */
  private readonly transfer: ArrayBuffer[] = [];
  private readonly message = { t: 'feed', ops: this.ops, bufs: this.bufs };
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };
  private readonly flushHeld = (): void => {
    this.timer = null;
    this.flush();
  };

  /** `onPosted` runs after each message: everything fed until then is on its way to the worklet. */
  constructor(private readonly onPosted: () => void = () => {}) {}

  /** Starts posting to `port`, beginning with everything fed so far. */
  attach(port: MessagePort): void {
    this.port = port;
    this.flush();
  }

  /** Stops posting and forgets what was not posted. */
  detach(): void {
    this.port = null;
    this.clear();
  }

  /**
   * Queues `data` (whole samples) for item `id`, to be posted by the end of this task, or within
   * `holdMs` when that is positive. With `owned`, nothing else holds data's buffer: it is
   * transferred as it is (detached here); else the bytes are copied once. A string is base64 of
   * `length` bytes, posted as it is.
   */
  push(id: number, encoding: AudioEncoding, data: Uint8Array | string, owned: boolean, holdMs = 0, length = data.length): void {
    if (typeof data === 'string') {
      this.ops.push(FEED_PUSH, id, FEED_ENCODINGS.indexOf(encoding), 0, length);
      this.bufs.push(data);
      this.schedule(holdMs);
      return;
    }
    let buf = data.buffer;
    let offset = data.byteOffset;
    if (!owned || !(buf instanceof ArrayBuffer)) {
      buf = data.slice().buffer;
      offset = 0;
    }
    this.ops.push(FEED_PUSH, id, FEED_ENCODINGS.indexOf(encoding), offset, data.length);
    this.bufs.push(buf);
    if (!this.transfer.includes(buf)) this.transfer.push(buf);
    this.schedule(holdMs);
  }

  /** The item's stream is complete: the worklet plays its resampler's held frame. */
  done(id: number): void {
    this.ops.push(FEED_DONE, id);
    if (this.timer === null) this.schedule(0); // else it goes with the held audio before it
  }

  /** Never render these items again; posted at once (after anything fed before). */
  drop(ids: readonly number[]): void {
    this.ops.push(FEED_DROP, ids.length, ...ids);
    this.flush();
  }

  /** Posts what was fed, if a port is attached. */
  flush(): void {
    if (!this.port) return;
    if (this.ops.length > 0) {
      this.port.postMessage(this.message, this.transfer);
      this.onPosted();
    }
    this.clear();
  }

  /** Posts within `holdMs` (the earliest deadline of the batch wins), or by the end of this task. */
  private schedule(holdMs: number): void {
    if (this.scheduled || !this.port) return;
    if (holdMs > 0) {
      this.timer ??= setTimeout(this.flushHeld, holdMs);
      return;
    }
    this.scheduled = true;
    queueMicrotask(this.flushScheduled);
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.ops.length = 0;
    this.bufs.length = 0;
    this.transfer.length = 0;
  }
}
