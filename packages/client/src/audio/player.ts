// WebAudioPlayer: the core's AudioPlayer on Web Audio. It renders what the model appends and drops
// what the model tells it to drop, and reports what the listener heard from the audio clock.
// It keeps no conversation state (STYLE.md rule 11): which responses were interrupted is the
// core's to know; a dropped item is simply never rendered again.
// Invariants: decoding and resampling happen here, the worklet only renders and counts frames;
// elapsedMs counts only frames rendered for the item, minus the output latency, never silence,
// never more than was received; nothing advances while suspended. Records of items the worklet
// moved past, or that were dropped, are released.
import { RealtimeUserError } from '../core/errors.js';
import type { AudioFormatLike, AudioItemRef, AudioPlayer, PlaybackState, PlaybackTracker } from '../core/types.js';
import { ENCODING_BYTES, ENCODING_RATE, LinearResampler, decodeToFloat32, encodedMs, toEncoding } from './codec.js';
import type { AudioEncoding } from './codec.js';
import { OutputClock } from './output-clock.js';
import { PLAYER_PROCESSOR_NAME, loadPlayerWorklet } from './player.worklet.js';

export { loadPlayerWorklet };

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

/** Events of {@link WebAudioPlayer}, with their payloads. */
export interface WebAudioPlayerEvents {
  /** The worklet began rendering an item (again after a stall). */
  started: { itemId: string; contentIndex: number };
  /** The item stopped rendering: the next item began, the queue ran dry, or it was dropped. */
  ended: { itemId: string; contentIndex: number; playedMs: number; interrupted: boolean };
  /** Played position of the current item, at each worklet report (~every 4 render quanta). */
  position: { itemId: string; contentIndex: number; ms: number };
  /** RMS level of the output since the previous report, 0..1. */
  level: { rms: number };
}

type Listener<K extends keyof WebAudioPlayerEvents> = (event: WebAudioPlayerEvents[K]) => void;

interface ItemRecord {
  id: number;
  itemId: string;
  contentIndex: number;
  receivedBytes: number;
  encoding: AudioEncoding;
  postedFrames: number;
  carry: Uint8Array | null;
  resampler: LinearResampler;
  /** Complete (itemDone, or audio of a later item came): the posted frames are the whole item. */
  done: boolean;
  /** Context frame of its first rendered frame, from the worklet's first report of it. */
  startFrame: number | null;
  /** performance.now() time at which the item's first frame reaches the listener, once known. */
  heardStartAt: number | null;
}

/** The worklet's report: item `id` had rendered `frames` frames at context frame `end`. */
interface PosReport { id: number; frames: number; end: number; dry: boolean; frame: number }

/** Frames per render quantum (Web Audio fixes it at 128). */
const QUANTUM = 128;

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
  private encoding: AudioEncoding;
  private readonly items = new Map<string, ItemRecord>();
  private readonly byId = new Map<number, ItemRecord>();
  private nextId = 0;
  private report: PosReport | null = null;
  private current: ItemRecord | null = null;
  /** The item the worklet left last, with its closing report (its tail may still be heard). */
  private previous: { item: ItemRecord; report: PosReport } | null = null;
  private pending: Array<{ id: number; data: Float32Array }> = [];
  private readonly listeners = new Map<keyof WebAudioPlayerEvents, Set<(event: never) => void>>();
  private readonly playbackListeners = new Set<() => void>();
  private closed = false;
  private readonly clock = new OutputClock();

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
    if (this.node) return;
    if (this.closed) throw new Error('WebAudioPlayer is closed');
    const ctx = (this.ctx ??= new AudioContext({ latencyHint: 'interactive' }));
    await loadPlayerWorklet(ctx, this.workletUrl);
    const node = new AudioWorkletNode(ctx, PLAYER_PROCESSOR_NAME, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    node.port.onmessage = (e: MessageEvent) => this.onWorkletMessage(e.data as Record<string, unknown>);
    node.connect(this.destination ?? ctx.destination);
    this.node = node;
    for (const p of this.pending) this.post(p.id, p.data);
    this.pending = [];
  }

  /**
   * Queues encoded audio of (itemId, contentIndex), to play after everything appended before it.
   * The player plays whatever it is given: deciding what must not play is the model's job.
   */
  append(itemId: string, contentIndex: number, data: Uint8Array, _responseId?: string): void {
    if (this.closed || data.length === 0) return;
    if (!this.ctx) throw new RealtimeUserError('invalid_argument', 'WebAudioPlayer: call start() (or pass a context) before append()');
    const item = this.itemFor(itemId, contentIndex);
    item.receivedBytes += data.length;
    item.done = false;
    this.push(item, item.resampler.process(this.decode(item, data)));
  }

  /** Alias of append(), for apps that feed the player by hand from the model's `audio` events. */
  enqueue(itemId: string, contentIndex: number, data: Uint8Array, responseId?: string): void {
    this.append(itemId, contentIndex, data, responseId);
  }

  /**
   * The item's audio is complete (`response.output_audio.done`): plays the resampler's last held
   * frame. Also done implicitly for other items when audio of a new item arrives.
   */
  itemDone(itemId: string, contentIndex: number): void {
    const item = this.items.get(keyOf(itemId, contentIndex));
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
      const key = keyOf(ref.itemId, ref.contentIndex);
      // The item the worklet left last: nothing of it is rendered any more, stop reporting it.
      if (this.previous && keyOf(this.previous.item.itemId, this.previous.item.contentIndex) === key) this.previous = null;
      const item = this.items.get(key);
      if (!item) continue;
      ids.push(item.id);
      if (item === this.current) stopsCurrent = true;
      this.release(item);
    }
    if (ids.length === 0) return;
    if (this.pending.length > 0) this.pending = this.pending.filter((p) => !ids.includes(p.id));
    this.node?.port.postMessage({ t: 'drop', ids });
    if (!stopsCurrent) return;
    const silentAt = this.silentAt();
    const cur = this.current!;
    this.emit('ended', { itemId: cur.itemId, contentIndex: cur.contentIndex, playedMs: this.elapsedOf(cur), interrupted: true });
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
    this.playbackListeners.clear();
    this.node?.disconnect();
    this.node = null;
    if (this.ownsContext && this.ctx && this.ctx.state !== 'closed') await this.ctx.close();
  }

  /** Subscribes to a player event; returns an unsubscribe function. */
  on<K extends keyof WebAudioPlayerEvents>(type: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const fn = listener as (event: never) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Calls `listener` at each worklet position report (the model folds it into its ledger). */
  onPlayback(listener: () => void): () => void {
    this.playbackListeners.add(listener);
    return () => this.playbackListeners.delete(listener);
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
    // r.frames, one for one before and (unless the queue ran dry) after it. Reports come every
    // 4 quanta and on every transition, so extrapolating from the audio clock in between covers
    // at most ~11 ms and is capped by what was posted (or, when dry, by what was rendered).
    const cap = r.dry ? r.frames : item.postedFrames;
    const frames = Math.min(cap, Math.max(0, r.frames + heardFrame - r.end));
    const receivedMs = encodedMs(item.encoding, item.receivedBytes);
    // A complete item heard to its last frame counts whole: after resampling its frame count can
    // fall a fraction of a frame short of the received length, and the model must see it finished.
    if (item.done && frames >= item.postedFrames) return receivedMs;
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
    if (m.t === 'dropped') return this.notifyPlayback(); // the dropped item's last frame left the worklet
    if (m.t !== 'pos') return;
    const r = m as unknown as PosReport & { level: number };
    const item = this.byId.get(r.id);
    if (!item) return; // a report posted before the worklet saw a drop
    const prev = this.report;
    if (this.current !== item || (prev?.dry && !r.dry)) {
      if (this.current && this.current !== item) this.finish(this.current);
      this.current = item;
      if (item.startFrame === null) this.noteStart(item, r);
      this.emit('started', { itemId: item.itemId, contentIndex: item.contentIndex });
    }
    this.report = r;
    if (r.dry && !prev?.dry) this.emit('ended', { itemId: item.itemId, contentIndex: item.contentIndex, playedMs: this.elapsedOf(item), interrupted: false });
    this.emit('position', { itemId: item.itemId, contentIndex: item.contentIndex, ms: this.elapsedOf(item) });
    this.emit('level', { rms: r.level });
    this.notifyPlayback();
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
    if (!this.report?.dry) this.emit('ended', { itemId: item.itemId, contentIndex: item.contentIndex, playedMs: (this.report!.frames / this.ctx!.sampleRate) * 1000, interrupted: false });
    this.release(item);
  }

  private release(item: ItemRecord): void {
    this.items.delete(keyOf(item.itemId, item.contentIndex));
    this.byId.delete(item.id);
  }

  private itemFor(itemId: string, contentIndex: number): ItemRecord {
    const key = keyOf(itemId, contentIndex);
    let item = this.items.get(key);
    if (!item) {
      // Items stream one after another: audio of a new item means the others are complete.
      for (const other of this.items.values()) this.flushItem(other);
      const rate = this.ctx!.sampleRate;
      item = {
        id: this.nextId++, itemId, contentIndex, receivedBytes: 0, encoding: this.encoding, postedFrames: 0, carry: null,
        resampler: new LinearResampler(ENCODING_RATE[this.encoding], rate), done: false, startFrame: null, heardStartAt: null,
      };
      this.items.set(key, item);
      this.byId.set(item.id, item);
    }
    return item;
  }

  private decode(item: ItemRecord, bytes: Uint8Array): Float32Array {
    let data = bytes;
    if (item.carry) {
      data = new Uint8Array(item.carry.length + bytes.length);
      data.set(item.carry);
      data.set(bytes, item.carry.length);
      item.carry = null;
    }
    const width = ENCODING_BYTES[item.encoding];
    const extra = data.length % width;
    if (extra) item.carry = data.slice(data.length - extra);
    return decodeToFloat32(item.encoding, extra ? data.subarray(0, data.length - extra) : data);
  }

  private push(item: ItemRecord, out: Float32Array): void {
    if (out.length === 0) return;
    item.postedFrames += out.length;
    if (this.node) this.post(item.id, out);
    else this.pending.push({ id: item.id, data: out });
  }

  private flushItem(item: ItemRecord): void {
    if (item.done) return;
    item.done = true;
    this.push(item, item.resampler.flush());
  }

  private post(id: number, data: Float32Array): void {
    this.node!.port.postMessage({ t: 'push', id, data }, [data.buffer]);
  }

  private notifyPlayback(): void {
    callEach(this.playbackListeners, undefined);
  }

  private emit<K extends keyof WebAudioPlayerEvents>(type: K, event: WebAudioPlayerEvents[K]): void {
    const set = this.listeners.get(type) as Set<Listener<K>> | undefined;
    if (set) callEach(set, event);
  }
}

/** Calls each listener; one that throws is rethrown later and never breaks playback. */
function callEach<E>(listeners: Iterable<(event: E) => void>, event: E): void {
  for (const fn of listeners) {
    try {
      fn(event);
    } catch (err) {
      queueMicrotask(() => { throw err; });
    }
  }
}

function keyOf(itemId: string, contentIndex: number): string {
  return `${itemId}\u0000${contentIndex}`;
}
