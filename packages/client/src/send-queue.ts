// Send backpressure. A socket whose peer stops reading buffers without limit (`bufferedAmount`
// grows; both the browser's WebSocket and `ws` expose it and neither pushes back). Above the
// high-water mark frames wait here, in order; audio appends are the only frames ever dropped: the
// queue keeps the newest `maxQueuedAudioMs` of audio and drops the oldest, counting what it drops.
// Text and control frames are never dropped. Below the low-water mark the queue drains in order.
// Browsers have no drain event, so while backpressured the queue polls `bufferedAmount`.
import type { SendQueueStats } from './core/model-events.js';
import { SEND_ASCII_PARTS, type WebSocketLike } from './core/types.js';

/** Limits of the send queue (README "Send backpressure"). */
export interface SendQueueOptions {
  /** Socket buffer above which frames queue (bytes); default 256 KiB. */
  highWaterBytes?: number;
  /** Socket buffer below which the queue drains (bytes); default 64 KiB. */
  lowWaterBytes?: number;
  /** Newest audio kept while backpressured (ms); older audio is dropped. Default 2000. */
  maxQueuedAudioMs?: number;
  /** How often a backpressured queue checks the socket (ms); default 20. */
  pollMs?: number;
}

interface Entry {
  frame: string;
  audioMs: number;
}

/** Frames on their way to one socket. */
export class SendQueue {
  readonly #socket: WebSocketLike & { bufferedAmount?: number };
  readonly #high: number;
  readonly #low: number;
  readonly #maxAudioMs: number;
  readonly #pollMs: number;
  readonly #onChange: (stats: SendQueueStats) => void;
  #entries: Entry[] = [];
  #head = 0;
  #audioMs = 0;
  #backpressured = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  /** Audio dropped: shared with the model so the counts outlive one socket (reconnects). */
  readonly #dropped: { frames: number; ms: number };

  constructor(socket: WebSocketLike, options: SendQueueOptions, dropped: { frames: number; ms: number }, onChange: (stats: SendQueueStats) => void) {
    this.#dropped = dropped;
    this.#socket = socket;
    this.#high = options.highWaterBytes ?? 256 * 1024;
    this.#low = Math.min(options.lowWaterBytes ?? 64 * 1024, this.#high);
    this.#maxAudioMs = options.maxQueuedAudioMs ?? 2000;
    this.#pollMs = options.pollMs ?? 20;
    this.#onChange = onChange;
  }

  /**
   * Sends now, or queues behind what waits; `audioMs` > 0 marks a droppable audio append.
   * `parts` (ASCII pieces whose concatenation is `frame`) go to a socket that takes pieces.
   */
  send(frame: string, audioMs = 0, parts?: readonly string[]): void {
    if (!this.#backpressured && this.#buffered() < this.#high) {
      const sendParts = this.#socket[SEND_ASCII_PARTS];
      if (parts !== undefined && sendParts !== undefined) sendParts.call(this.#socket, parts);
      else this.#socket.send(frame);
      return;
    }
    this.#entries.push({ frame, audioMs });
    this.#audioMs += audioMs;
    this.#trimAudio();
    if (!this.#backpressured) this.#start();
  }

  /** The queue's counters. */
  stats(): SendQueueStats {
    return {
      backpressured: this.#backpressured,
      bufferedAmount: this.#buffered(),
      queuedFrames: this.#entries.length - this.#head,
      queuedAudioMs: this.#audioMs,
      droppedAudioFrames: this.#dropped.frames,
      droppedAudioMs: this.#dropped.ms,
    };
  }

  /** Forgets every queued frame and stops polling (the socket is closing). */
  clear(): void {
    this.#entries = [];
    this.#head = 0;
    this.#audioMs = 0;
    this.#stopTimer();
    this.#backpressured = false;
  }

  #buffered(): number {
    const amount = this.#socket.bufferedAmount;
    return typeof amount === 'number' ? amount : 0;
  }

  #start(): void {
    this.#backpressured = true;
    this.#timer = setInterval(() => this.#drain(), this.#pollMs);
    this.#onChange(this.stats());
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Below the low-water mark: sends queued frames in order until the buffer is high again. */
  #drain(): void {
    if (this.#socket.readyState !== 1) return this.clear();
    if (this.#buffered() > this.#low) return;
    while (this.#head < this.#entries.length && this.#buffered() < this.#high) {
      const entry = this.#entries[this.#head]!;
      this.#entries[this.#head++] = undefined as never;
      this.#audioMs -= entry.audioMs;
      this.#socket.send(entry.frame);
    }
    this.#compact();
    if (this.#head >= this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
      this.#stopTimer();
      this.#backpressured = false;
      this.#onChange(this.stats());
    }
  }

  /** Keeps the newest `maxQueuedAudioMs` of audio: drops the oldest audio appends past it. */
  #trimAudio(): void {
    if (this.#audioMs <= this.#maxAudioMs) return;
    const kept: Entry[] = [];
    let excess = this.#audioMs - this.#maxAudioMs;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      if (excess > 0 && entry.audioMs > 0) {
        excess -= entry.audioMs;
        this.#audioMs -= entry.audioMs;
        this.#dropped.frames++;
        this.#dropped.ms += entry.audioMs;
      } else kept.push(entry);
    }
    this.#entries = kept;
    this.#head = 0;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
