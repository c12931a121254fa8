// WebAudioPlayer: the core's AudioPlayer on Web Audio. It renders what the model appends and drops
// what the model tells it to drop, and reports what the listener heard from the audio clock.
// It keeps no conversation state (STYLE.md rule 11): which responses were interrupted is the
// core's to know; a dropped item is simply never rendered again.
// Invariants: the main thread only counts and forwards bytes or base64 (player-feed.ts); the worklet decodes,
// resamples, renders and counts frames; elapsedMs counts only frames rendered for the item, minus
// the output latency, never silence, never more than was received; nothing advances while
// suspended. Records of items the worklet moved past, or that were dropped, are released.
import { RealtimeUserError } from '../core/errors.js';
import type { AudioFormatLike, AudioItemRef, AudioPlayer, PlaybackState, PlaybackTracker } from '../core/types.js';
import { ENCODING_BYTES, ENCODING_RATE, G711_TABLES, encodedMs, toEncoding } from './codec.js';
import { base64DecodedLength, base64ToBytes } from './pcm.js';
import type { AudioEncoding } from './codec.js';
import { type ClockContext, HeardTimer, OutputClock } from './output-clock.js';
import { PlayerEvents, type PlayerListener, type WebAudioPlayerEvents } from './player-events.js';
import { FEED_HOLD_MS, FEED_MARGIN_MS, PlayerFeed } from './player-feed.js';
import { type ItemRecord, ItemTable, endStream, fedFrames, isWholeSamples, joinSamples } from './player-item.js';
import { FEED_ENCODINGS, PLAYER_PROCESSOR_NAME, loadPlayerWorklet } from './player.worklet.js';

export { loadPlayerWorklet };
export type { WebAudioPlayerEvents };

/** Options for {@link WebAudioPlayer}. */
export interface WebAudioPlayerOptions {
  /** Context to play through; by default the player creates (and on close() closes) its own. */
  context?: AudioContext;
  /** Output audio format of the session (GA object or legacy string); default pcm16 24 kHz. */
  format?: AudioFormatLike;
  /** Node the player connects to; default `context.destination`. */
  destination?: AudioNode;
  /**
   * URL of a module holding PLAYER_WORKLET_SOURCE, for a CSP that forbids blob: scripts;
   * by default the built-in source loads through a Blob URL.
   */
  workletUrl?: string;
}

/** The worklet's report: item `id` had rendered `frames` frames at context frame `end`. */
interface PosReport { id: number; frames: number; end: number; dry: boolean; frame: number }

/** Frames per render quantum (Web Audio fixes it at 128). */
const QUANTUM = 128;

/**
 * Hands the worklet to a worker (worker/model.ts): the page's player keeps the context and the
 * node; from then on the worker's player (PLAYER_OVER_PORT) feeds the worklet and hears its reports.
 */
export const PLAYER_HAND_OFF = Symbol('open-realtime.player.handOff');
/** Creates the worker's player over the handed-off port, on a mirror of the page's clock. */
export const PLAYER_OVER_PORT = Symbol('open-realtime.player.overPort');

/** What a page's player hands to the worker that will drive its worklet. */
export interface PlayerHandOff {
  port: MessagePort;
  sampleRate: number;
  encoding: AudioEncoding;
  context: AudioContext;
  /** Calls `onChange` with the event types listened to on the page, now and after each change. */
  watchListeners(onChange: (types: Array<keyof WebAudioPlayerEvents>) => void): void;
  /** Emits an event the worker's player forwarded to this page's listeners. */
  emit<K extends keyof WebAudioPlayerEvents>(type: K, event: WebAudioPlayerEvents[K]): void;
}

/**
 * Plays pcm16 24 kHz or G.711 8 kHz audio as it streams and reports what the listener heard.
 * Wire it to a model in one step, `model.attachPlayer(player)` or `connect({ player })`: the model
 * appends audio, tells it what to drop on interrupts and reads getState() for truncates.
 */
export class WebAudioPlayer implements AudioPlayer, PlaybackTracker {
  private ctx: AudioContext | null;
  private readonly ownsContext: boolean;
  private readonly destination: AudioNode | undefined;
  private readonly workletUrl: string | undefined;
  private node: AudioWorkletNode | null = null;
  /** The worklet's port this player feeds and hears: the node's, or a handed-off one in a worker. */
  private port: MessagePort | null = null;
  /** The page's player after its worklet was handed to a worker: it only keeps the context. */
  private handedOff = false;
  private encoding: AudioEncoding;
  private readonly items = new ItemTable();
  private readonly feed = new PlayerFeed(() => this.notePosted());
  private readonly events = new PlayerEvents((ms) => this.port?.postMessage({ t: 'rate', ms }));
  private report: PosReport | null = null;
  private current: ItemRecord | null = null;
  /** The item the worklet left last, with its closing report (its tail may still be heard). */
  private previous: { item: ItemRecord; report: PosReport } | null = null;
  private closed = false;
  private readonly clock = new OutputClock();
  /** Reports playback when an item's tail was heard (the worklet is quiet then). */
  private readonly tail = new HeardTimer(this.clock, () => this.tailHeard());
  /** Context frame where the worklet's queue should run dry, estimated to batch what is fed. */
  private queuedUntil = 0;

  constructor(options: WebAudioPlayerOptions = {}) {
    this.ctx = options.context ?? null;
    this.ownsContext = !options.context;
    this.destination = options.destination;
    this.workletUrl = options.workletUrl;
    this.encoding = toEncoding(options.format);
  }

  /** The AudioContext in use (null before start() when none was passed in). */
  get context(): AudioContext | null {
    return this.ctx;
  }

  /** The worklet node (null before start()); connect it elsewhere to tap the output. */
  get outputNode(): AudioWorkletNode | null {
    return this.node;
  }

  /** Creates the context if needed, loads the worklet and connects it. Idempotent. */
  async start(): Promise<void> {
    if (this.node || this.port) return;
    if (this.closed) throw new Error('WebAudioPlayer is closed');
    const ctx = (this.ctx ??= new AudioContext({ latencyHint: 'interactive' }));
    await loadPlayerWorklet(ctx, this.workletUrl);
    const node = new AudioWorkletNode(ctx, PLAYER_PROCESSOR_NAME, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    node.connect(this.destination ?? ctx.destination);
    this.node = node;
    const tables = FEED_ENCODINGS.map((e) => (e === 'pcm16' ? null : G711_TABLES[e]));
    node.port.postMessage({ t: 'init', tables, reportMs: this.events.reportMs });
    this.listen(node.port);
  }

  /**
   * The page's side of worker mode: the worklet now reports to, and is fed through, a new port
   * returned to the caller for the worker. This player keeps the context and node only.
   */
  [PLAYER_HAND_OFF](): PlayerHandOff {
    if (!this.node || !this.ctx || this.closed) throw new RealtimeUserError('invalid_argument', 'WebAudioPlayer: start() it before a worker model drives it');
    if (this.handedOff) throw new RealtimeUserError('invalid_argument', 'WebAudioPlayer: a worker model already drives this player');
    if (this.items.created > 0) throw new RealtimeUserError('invalid_argument', 'WebAudioPlayer: audio was appended on the page; a worker model needs a player of its own');
    const channel = new MessageChannel();
    this.node.port.postMessage({ t: 'port', port: channel.port1 }, [channel.port1]);
    this.node.port.onmessage = null;
    this.feed.detach();
    this.events.clearPlayback();
    this.port = null;
    this.handedOff = true;
    const events = this.events;
    return {
      port: channel.port2, sampleRate: this.ctx.sampleRate, encoding: this.encoding, context: this.ctx,
      watchListeners(onChange) {
        events.onListen = () => onChange(events.listened());
        onChange(events.listened());
      },
      emit: (type, event) => events.emit(type, event),
    };
  }

  /**
   * The worker's side: a player whose worklet lives on a page, fed through `port`, on `clock` (a
   * mirror of the page's context; never started or closed from here).
   */
  static [PLAYER_OVER_PORT](clock: ClockContext, port: MessagePort, format?: AudioFormatLike): WebAudioPlayer {
    // The player reads only ClockContext's members of its context once a port is set (start()
    // returns at once, close() leaves a context it does not own alone).
    const player = new WebAudioPlayer({ context: clock as AudioContext, format });
    player.listen(port);
    return player;
  }

  private listen(port: MessagePort): void {
    this.port = port;
    port.onmessage = (e: MessageEvent) => this.onWorkletMessage(e.data as Record<string, unknown>);
    this.feed.attach(port);
  }

  /**
   * Queues encoded audio of (itemId, contentIndex), to play after everything appended before it.
   * The player plays whatever it is given: deciding what must not play is the model's job.
   * With `transfer`, the caller hands the bytes over: their ArrayBuffer moves to the audio thread
   * without a copy and is detached here (empty); without it they are copied and stay the caller's.
   */
  append(itemId: string, contentIndex: number, data: Uint8Array, _responseId?: string, transfer = false): void {
    if (this.closed || data.length === 0) return;
    if (!this.ctx) throw new RealtimeUserError('invalid_argument', 'WebAudioPlayer: call start() (or pass a context) before append()');
    if (this.handedOff) throw handedOffError();
    const item = this.itemFor(itemId, contentIndex);
    item.done = false;
    item.receivedBytes += data.length;
    if (isWholeSamples(item, data.length)) this.send(item, data, transfer);
    else this.send(item, joinSamples(item, data), true);
  }

  /**
   * Queues audio given as the server's base64 (whole and padded): the worklet decodes it, so the
   * main thread only counts its length. The model uses this when no app listener needs the bytes.
   * A stream that carries half a sample across chunks takes the byte path (decoded here).
   */
  appendBase64(itemId: string, contentIndex: number, base64: string, responseId?: string): void {
    if (this.closed || base64.length === 0) return;
    if (!this.ctx) throw new RealtimeUserError('invalid_argument', 'WebAudioPlayer: call start() (or pass a context) before appendBase64()');
    if (this.handedOff) throw handedOffError();
    const length = base64DecodedLength(base64);
    const item = this.itemFor(itemId, contentIndex);
    if (!isWholeSamples(item, length)) return this.append(itemId, contentIndex, base64ToBytes(base64), responseId, true);
    item.done = false;
    item.receivedBytes += length;
    this.send(item, base64, false, length);
  }

  /** Alias of append(), for apps that feed the player by hand from the model's `audio` events. */
  enqueue(itemId: string, contentIndex: number, data: Uint8Array, responseId?: string, transfer = false): void {
    this.append(itemId, contentIndex, data, responseId, transfer);
  }

  /**
   * The item's audio is complete (`response.output_audio.done`): plays the resampler's last held
   * frame. Also done implicitly for other items when audio of a new item arrives.
   */
  itemDone(itemId: string, contentIndex: number): void {
    const item = this.items.get(itemId, contentIndex);
    if (item) this.flushItem(item);
  }

  /**
   * Never renders any more of these items: their queued audio is removed and, if one is playing,
   * the output is silent from the next render quantum. Returns when the listener stops hearing it,
   * on the performance.now() clock (undefined when none of them was playing).
   */
  drop(items: readonly AudioItemRef[]): number | void {
    const ids: number[] = [];
    let stopsCurrent = false;
    for (const ref of items) {
      // The item the worklet left last: nothing of it is rendered any more, stop reporting it.
      const prev = this.previous?.item;
      if (prev && prev.itemId === ref.itemId && prev.contentIndex === ref.contentIndex) this.previous = null;
      const item = this.items.get(ref.itemId, ref.contentIndex);
      if (!item) continue;
      ids.push(item.id);
      if (item === this.current) stopsCurrent = true;
      this.items.release(item);
    }
    if (ids.length === 0) return;
    this.feed.drop(ids);
    this.queuedUntil = 0; // what remains queued is unknown: feed the next audio at once
    if (!stopsCurrent) return;
    const silentAt = this.silentAt();
    const cur = this.current!;
    this.events.emit('ended', { itemId: cur.itemId, contentIndex: cur.contentIndex, playedMs: this.elapsedOf(cur), interrupted: true });
    this.current = null;
    this.report = null;
    return silentAt;
  }

  /** Drops everything queued or playing (for apps that drive the player by hand). */
  interrupt(): number | void {
    this.previous = null;
    return this.drop([...this.items.values()]);
  }

  /** Disconnects the worklet and closes the context if the player created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.interrupt();
    this.closed = true;
    this.events.clearPlayback();
    this.tail.cancel();
    this.feed.detach();
    if (this.port) this.port.onmessage = null;
    this.port = null;
    this.node?.disconnect();
    this.node = null;
    if (this.ownsContext && this.ctx && this.ctx.state !== 'closed') await this.ctx.close();
  }

  /**
   * Subscribes to a player event; returns an unsubscribe function. While anyone listens to
   * `position` or `level`, the worklet reports every ~25 ms of playback instead of ~100 ms.
   */
  on<K extends keyof WebAudioPlayerEvents>(type: K, listener: PlayerListener<K>): () => void {
    return this.events.on(type, listener);
  }

  /**
   * Calls `listener` at each worklet position report and when an item's tail was heard (the
   * model folds it into its ledger): at every transition (an item starts, ends or is dropped)
   * and, while audio plays, about every `options.everyMs` ms of playback (default 100; 0:
   * transitions only). Each report wakes the main thread, so ask only for what is needed.
   */
  onPlayback(listener: () => void, options?: { everyMs?: number }): () => void {
    return this.events.onPlayback(listener, options?.everyMs);
  }

  /** Follows the session's output format; applies to items that start after the change. */
  setAudioFormat(format: AudioFormatLike): void {
    this.encoding = toEncoding(format);
  }

  /**
   * The item being heard, the ms of it that reached the listener, and when its first frame did
   * (performance.now() clock).
   */
  getState(): PlaybackState {
    const { current: cur, report: r, previous: prev } = this;
    // The worklet moved on (or the item after it was dropped), but for one output latency the
    // listener still hears the previous item's tail: report it until the first frame of `cur` is heard.
    if (prev && (!cur || !r || (cur.startFrame ?? r.end) > this.clock.heardTime(this.ctx!) * this.ctx!.sampleRate)) return this.stateOf(prev.item, prev.report);
    if (!cur || !r) return { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };
    return this.stateOf(cur, r);
  }

  // --- PlaybackTracker, for apps that feed the player by hand ----------------------------------

  /** No-op: the player counts played frames itself. */
  onPlayBytes(_itemId: string, _contentIndex: number, _bytes: Uint8Array): void {}
  /** No-op: the player counts played frames itself. */
  onPlayMs(_itemId: string, _contentIndex: number, _ms: number): void {}

  /** The model stopped the item being heard: drop everything (a hand-fed player knows no more). */
  onInterrupted(): void {
    this.interrupt();
  }

  /** Current estimate of the device output latency in ms (context time rendered but not heard). */
  get outputLatencyMs(): number {
    return this.ctx ? this.clock.latencyMs(this.ctx) : 0;
  }

  // --- internals -------------------------------------------------------------------------------

  private stateOf(item: ItemRecord, r: PosReport): PlaybackState {
    return { currentItemId: item.itemId, currentItemContentIndex: item.contentIndex, elapsedMs: this.elapsedOf(item, r), heardStartAt: item.heardStartAt };
  }

  private elapsedOf(item: ItemRecord, r: PosReport | null = this.report): number {
    const ctx = this.ctx;
    if (!ctx || !r || r.id !== item.id) return 0;
    const heardFrame = this.clock.heardTime(ctx) * ctx.sampleRate;
    // The worklet's last report maps context frames to item frames: frame r.end held item frame
    // r.frames, one for one before and (unless the queue ran dry) after it. Transitions are
    // reported at once, so extrapolating from the audio clock in between is exact up to the
    // report's delivery, and is capped by what the worklet was sent (or, when dry, rendered): a
    // report of the queue running dry that is late, on a busy main thread, cannot make it overshoot.
    const frames = Math.min(r.dry ? r.frames : item.sentFrames, Math.max(0, r.frames + heardFrame - r.end));
    const receivedMs = encodedMs(item.encoding, item.receivedBytes);
    // A complete item heard to its last frame counts whole: after resampling its frame count can
    // fall a fraction of a frame short of the received length, and the model must see it finished.
    if (item.done && frames >= fedFrames(item, ctx.sampleRate)) return receivedMs;
    return Math.min((frames / ctx.sampleRate) * 1000, receivedMs);
  }

  /** When the output falls silent if the worklet renders silence from its next quantum. */
  private silentAt(): number {
    const ctx = this.ctx!;
    const now = performance.now();
    if (ctx.state !== 'running') return now; // nothing renders: already silent
    const r = this.report;
    // Already dry: silent once its last rendered frame is heard; else after the next quantum.
    const lastFrame = r?.dry ? r.end : ctx.currentTime * ctx.sampleRate + QUANTUM;
    return Math.max(now, this.clock.heardAt(ctx, lastFrame));
  }

  private onWorkletMessage(m: Record<string, unknown>): void {
    if (m.t === 'dropped') return this.events.notifyPlayback(); // the dropped item's last frame left the worklet
    if (m.t !== 'pos') return;
    const r = m as unknown as PosReport & { level: number };
    const item = this.items.byWorkletId(r.id);
    if (!item) return; // a report posted before the worklet saw a drop
    const prev = this.report;
    if (this.current !== item || (prev?.dry && !r.dry)) {
      const left = this.current !== null && this.current !== item;
      if (left) this.finish(this.current!);
      this.current = item;
      if (item.startFrame === null) this.noteStart(item, r);
      // The previous item is heard until this one's first frame is: fold its end in then.
      if (left) this.tail.watch(this.ctx!, item.startFrame!);
      this.events.emit('started', { itemId: item.itemId, contentIndex: item.contentIndex });
    }
    this.report = r;
    if (r.dry && !prev?.dry) {
      this.events.emit('ended', { itemId: item.itemId, contentIndex: item.contentIndex, playedMs: this.elapsedOf(item), interrupted: false });
      this.tail.watch(this.ctx!, r.end); // the worklet stays quiet while dry: report the end once heard
    }
    if (this.events.watched) {
      this.events.emit('position', { itemId: item.itemId, contentIndex: item.contentIndex, ms: this.elapsedOf(item) });
      this.events.emit('level', { rms: r.level });
    }
    this.events.notifyPlayback();
  }

  /**
   * The first report of an item comes from the quantum of its first frame (the worklet reports
   * every item switch), so its frames ran without a gap: the item started at r.end - r.frames.
   */
  private noteStart(item: ItemRecord, r: PosReport): void {
    item.startFrame = r.end - r.frames;
    item.heardStartAt = this.clock.heardAt(this.ctx!, item.startFrame);
  }

  private finish(item: ItemRecord): void {
    if (this.report) this.previous = { item, report: this.report };
    if (!this.report?.dry) this.events.emit('ended', { itemId: item.itemId, contentIndex: item.contentIndex, playedMs: (this.report!.frames / this.ctx!.sampleRate) * 1000, interrupted: false });
    this.items.release(item);
  }

  /**
   * An item's tail reached the listener: between reports nothing else would tell the model (and
   * position/level listeners) that it was heard to its end.
   */
  private tailHeard(): void {
    if (this.events.watched) {
      const state = this.getState();
      if (state.currentItemId !== null) {
        this.events.emit('position', { itemId: state.currentItemId, contentIndex: state.currentItemContentIndex ?? 0, ms: state.elapsedMs ?? 0 });
      }
      if (this.report?.dry) this.events.emit('level', { rms: 0 }); // the listener hears silence now
    }
    this.events.notifyPlayback();
  }

  private itemFor(itemId: string, contentIndex: number): ItemRecord {
    const item = this.items.get(itemId, contentIndex);
    if (item) return item;
    // Items stream one after another: audio of a new item means the others are complete.
    for (const other of this.items.values()) this.flushItem(other);
    return this.items.create(itemId, contentIndex, this.encoding);
  }

  /**
   * Sends whole samples to the worklet, as bytes (`owned`: they may be transferred as they are)
   * or as base64 of `length` bytes.
   */
  private send(item: ItemRecord, bytes: Uint8Array | string, owned: boolean, length = bytes.length): void {
    if (length === 0) return;
    const samples = length / ENCODING_BYTES[item.encoding];
    item.samples += samples;
    this.feed.push(item.id, item.encoding, bytes, owned, this.holdMs((samples * this.ctx!.sampleRate) / ENCODING_RATE[item.encoding]), length);
  }

  /** Everything fed so far was posted: the worklet can render all of it. */
  private notePosted(): void {
    const rate = this.ctx!.sampleRate;
    for (const item of this.items.values()) item.sentFrames = fedFrames(item, rate);
  }

  /**
   * How long `frames` more frames may wait before they are posted: the worklet renders them only
   * after everything queued before them, so while that is more than FEED_MARGIN_MS they can
   * join the next chunks in one message (at most FEED_HOLD_MS later, and never within the margin).
   */
  private holdMs(frames: number): number {
    const ctx = this.ctx!;
    const now = ctx.currentTime * ctx.sampleRate;
    const start = Math.max(this.queuedUntil, now);
    this.queuedUntil = start + frames;
    return Math.min(FEED_HOLD_MS, ((start - now) / ctx.sampleRate) * 1000 - FEED_MARGIN_MS);
  }

  private flushItem(item: ItemRecord): void {
    if (item.done) return;
    item.done = true;
    endStream(item, this.ctx!.sampleRate);
    this.feed.done(item.id);
  }
}

function handedOffError(): RealtimeUserError {
  return new RealtimeUserError('invalid_argument', 'WebAudioPlayer: a worker model drives this player; its audio comes through the model');
}
