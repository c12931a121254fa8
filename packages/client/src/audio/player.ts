// WebAudioPlayer: plays streamed model audio through an AudioWorklet and is the core's
// PlaybackTracker, reporting played ms from the audio clock rather than the wall clock.
// Invariants: decoding and resampling happen here, the worklet only renders and counts frames;
// elapsedMs counts only frames the worklet rendered for the item, minus the device output
// latency, never silence, never more than was received; nothing advances while suspended.
// Memory stays bounded: item records are dropped once the worklet has moved past them.
import { RealtimeUserError } from '../core/errors.js';
import type { AudioFormatLike, PlaybackState, PlaybackTracker } from '../core/types.js';
import { ENCODING_BYTES, ENCODING_RATE, LinearResampler, decodeToFloat32, encodedMs, toEncoding } from './codec.js';
import type { AudioEncoding } from './codec.js';
import { PLAYER_PROCESSOR_NAME, PLAYER_WORKLET_SOURCE } from './player.worklet.js';

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
  /** The item stopped rendering: the next item began, the queue ran dry, or it was interrupted. */
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
  responseId: string | undefined;
  receivedBytes: number;
  encoding: AudioEncoding;
  postedFrames: number;
  carry: Uint8Array | null;
  resampler: LinearResampler;
}

interface PosReport {
  id: number;
  frames: number;
  end: number;
  dry: boolean;
  frame: number;
}

const contextsLoaded = new WeakMap<BaseAudioContext, Promise<void>>();
const BLOCKED_MEMORY = 32;

/** Registers the player processor on `context` once (Blob URL: no bundler configuration). */
export function loadPlayerWorklet(context: BaseAudioContext, moduleUrl?: string): Promise<void> {
  let loaded = contextsLoaded.get(context);
  if (!loaded) {
    if (moduleUrl) loaded = context.audioWorklet.addModule(moduleUrl);
    else {
      const url = URL.createObjectURL(new Blob([PLAYER_WORKLET_SOURCE], { type: 'text/javascript' }));
      loaded = context.audioWorklet.addModule(url).finally(() => URL.revokeObjectURL(url));
    }
    contextsLoaded.set(context, loaded);
  }
  return loaded;
}

/** Plays pcm16 24 kHz or G.711 8 kHz audio as it streams, and tracks what the listener heard. */
export class WebAudioPlayer implements PlaybackTracker {
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
  private blockedResponse: string | null = null;
  private readonly blockedItems = new Set<string>();
  private readonly listeners = new Map<keyof WebAudioPlayerEvents, Set<(event: never) => void>>();
  private closed = false;
  private latencySec: number | null = null;

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
    const node = new AudioWorkletNode(ctx, PLAYER_PROCESSOR_NAME, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    node.port.onmessage = (e: MessageEvent) => this.onWorkletMessage(e.data as Record<string, unknown>);
    node.connect(this.destination ?? ctx.destination);
    this.node = node;
    for (const p of this.pending) this.post(p.id, p.data);
    this.pending = [];
  }

  /**
   * Queues encoded audio of (itemId, contentIndex). Chunks of an interrupted response (or item)
   * are dropped until responseDone() or a chunk of another response arrives.
   */
  enqueue(itemId: string, contentIndex: number, bytes: Uint8Array, responseId?: string): void {
    if (this.closed || bytes.length === 0) return;
    if (!this.ctx) throw new RealtimeUserError('invalid_argument', 'WebAudioPlayer: call start() (or pass a context) before enqueue()');
    if (responseId !== undefined && responseId === this.blockedResponse) return;
    if (responseId !== undefined && this.blockedResponse !== null) this.unblock();
    if (this.blockedItems.has(itemId)) return;
    const item = this.itemFor(itemId, contentIndex, responseId);
    item.receivedBytes += bytes.length;
    this.push(item, item.resampler.process(this.decode(item, bytes)));
  }

  /**
   * The item's audio is complete (`response.output_audio.done`): plays the resampler's last held
   * frame. Also done implicitly for other items when audio of a new item arrives.
   */
  itemDone(itemId: string, contentIndex: number): void {
    const item = this.items.get(keyOf(itemId, contentIndex));
    if (item) this.flushItem(item);
  }

  /** Silences output within one render quantum and drops everything queued. */
  interrupt(): void {
    const cur = this.current;
    if (cur) {
      this.blockedResponse = cur.responseId ?? this.blockedResponse;
      this.remember(cur.itemId);
      this.emit('ended', { itemId: cur.itemId, contentIndex: cur.contentIndex, playedMs: this.elapsedOf(cur), interrupted: true });
    }
    for (const item of this.items.values()) {
      // Queued but not yet heard (e.g. still suspended): its response is interrupted all the same.
      if (!cur && item.responseId !== undefined) this.blockedResponse = item.responseId;
      this.remember(item.itemId);
    }
    this.node?.port.postMessage({ t: 'interrupt' });
    this.pending = [];
    this.items.clear();
    this.byId.clear();
    this.current = null;
    this.previous = null;
    this.report = null;
  }

  /** The response finished on the server: its late chunks can no longer arrive, stop blocking. */
  responseDone(responseId: string): void {
    if (this.blockedResponse === responseId) this.unblock();
  }

  /** Disconnects the worklet and closes the context if the player created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.interrupt();
    this.closed = true;
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

  // --- PlaybackTracker -------------------------------------------------------------------------

  /** No-op: the player measures played audio itself from the worklet's frame counts. */
  onPlayBytes(_itemId: string, _contentIndex: number, _bytes: Uint8Array): void {}

  /** No-op: the player measures played audio itself from the worklet's frame counts. */
  onPlayMs(_itemId: string, _contentIndex: number, _ms: number): void {}

  /** The model interrupted playback: stop and forget the current item. */
  onInterrupted(): void {
    this.interrupt();
  }

  /** Follows the session's output format; applies to items that start after the change. */
  setAudioFormat(format: AudioFormatLike): void {
    this.encoding = toEncoding(format);
  }

  /** The item being heard and the ms of it that reached the listener. */
  getState(): PlaybackState {
    const cur = this.current;
    if (!cur) return { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };
    const prev = this.previous;
    const r = this.report;
    // The worklet moved on to `cur`, but for one output latency the listener still hears the
    // previous item's tail: report that item until the first frame of `cur` is heard.
    if (prev && r && this.ctx && r.end - r.frames > this.heardTime(this.ctx) * this.ctx.sampleRate)
      return { currentItemId: prev.item.itemId, currentItemContentIndex: prev.item.contentIndex, elapsedMs: this.elapsedOf(prev.item, prev.report) };
    return { currentItemId: cur.itemId, currentItemContentIndex: cur.contentIndex, elapsedMs: this.elapsedOf(cur) };
  }

  /** Current estimate of the device output latency in ms (context time rendered but not heard). */
  get outputLatencyMs(): number {
    const ctx = this.ctx;
    return ctx ? Math.max(0, (ctx.currentTime - this.heardTime(ctx)) * 1000) : 0;
  }

  // --- internals -------------------------------------------------------------------------------

  private elapsedOf(item: ItemRecord, r: PosReport | null = this.report): number {
    const ctx = this.ctx;
    if (!ctx || !r || r.id !== item.id) return 0;
    const heardFrame = this.heardTime(ctx) * ctx.sampleRate;
    // The worklet's last report maps context frames to item frames: frame r.end held item frame
    // r.frames, one for one before and (unless the queue ran dry) after it. Reports come every
    // 4 quanta and on every transition, so extrapolating from the audio clock in between covers
    // at most ~11 ms and is capped by what was posted (or, when dry, by what was rendered).
    const cap = r.dry ? r.frames : item.postedFrames;
    const frames = Math.min(cap, Math.max(0, r.frames + heardFrame - r.end));
    const ms = (frames / ctx.sampleRate) * 1000;
    return Math.min(ms, encodedMs(item.encoding, item.receivedBytes));
  }

  /** Context time (s) of the sample the listener hears now; frozen while not running. */
  private heardTime(ctx: AudioContext): number {
    const now = ctx.currentTime;
    if (ctx.state === 'running' && typeof ctx.getOutputTimestamp === 'function') {
      const ts = ctx.getOutputTimestamp();
      if (ts.contextTime !== undefined && ts.performanceTime !== undefined && ts.contextTime > 0) {
        // getOutputTimestamp pairs a context time with the moment the device outputs it;
        // advancing it by performance time gives what is heard now, never ahead of rendering.
        const t = Math.min(now, ts.contextTime + (performance.now() - ts.performanceTime) / 1000);
        this.latencySec = now - t;
        return t;
      }
    }
    // Suspended (or no timestamp yet): the clock is frozen, so keep the last measured latency
    // rather than jump to a different estimate; before any measurement use the context's own.
    const latency = this.latencySec ?? (ctx.outputLatency || ctx.baseLatency || 0);
    return Math.max(0, now - latency);
  }

  private onWorkletMessage(m: Record<string, unknown>): void {
    if (m.t !== 'pos') return;
    const r = m as unknown as PosReport & { level: number };
    const item = this.byId.get(r.id);
    if (!item) return;
    const prev = this.report;
    if (this.current !== item || (prev?.dry && !r.dry)) {
      if (this.current && this.current !== item) this.finish(this.current);
      this.current = item;
      this.emit('started', { itemId: item.itemId, contentIndex: item.contentIndex });
    }
    this.report = r;
    if (r.dry && !prev?.dry) this.emit('ended', { itemId: item.itemId, contentIndex: item.contentIndex, playedMs: this.elapsedOf(item), interrupted: false });
    this.emit('position', { itemId: item.itemId, contentIndex: item.contentIndex, ms: this.elapsedOf(item) });
    this.emit('level', { rms: r.level });
  }

  private finish(item: ItemRecord): void {
    if (this.report) this.previous = { item, report: this.report };
    if (!this.report?.dry) this.emit('ended', { itemId: item.itemId, contentIndex: item.contentIndex, playedMs: (this.report!.frames / this.ctx!.sampleRate) * 1000, interrupted: false });
    this.items.delete(keyOf(item.itemId, item.contentIndex));
    this.byId.delete(item.id);
  }

  private itemFor(itemId: string, contentIndex: number, responseId: string | undefined): ItemRecord {
    const key = keyOf(itemId, contentIndex);
    let item = this.items.get(key);
    if (!item) {
      // Items stream one after another: audio of a new item means the others are complete.
      for (const other of this.items.values()) this.flushItem(other);
      const rate = this.ctx!.sampleRate;
      item = {
        id: this.nextId++, itemId, contentIndex, responseId, receivedBytes: 0, encoding: this.encoding,
        postedFrames: 0, carry: null, resampler: new LinearResampler(ENCODING_RATE[this.encoding], rate),
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
    this.push(item, item.resampler.flush());
  }

  private post(id: number, data: Float32Array): void {
    this.node!.port.postMessage({ t: 'push', id, data }, [data.buffer]);
  }

  private remember(itemId: string): void {
    this.blockedItems.add(itemId);
    if (this.blockedItems.size > BLOCKED_MEMORY) this.blockedItems.delete(this.blockedItems.values().next().value!);
  }

  private unblock(): void {
    this.blockedResponse = null;
    this.blockedItems.clear();
  }

  private emit<K extends keyof WebAudioPlayerEvents>(type: K, event: WebAudioPlayerEvents[K]): void {
    const set = this.listeners.get(type) as Set<Listener<K>> | undefined;
    if (!set) return;
    for (const fn of set) {
      try {
        fn(event);
      } catch (err) {
        queueMicrotask(() => { throw err; }); // a throwing listener must not break playback
      }
    }
  }
}

function keyOf(itemId: string, contentIndex: number): string {
  return `${itemId}\u0000${contentIndex}`;
}
