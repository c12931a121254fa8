// Worker mode, the page's side: RealtimeWorkerModel has the model's API (listeners, connect, the
// sends, interrupt, close) and forwards it to a model running in a worker (worker/serve.ts). The
// page keeps what only a page can have: the AudioContext and the player's worklet node, whose
// port it hands to the worker, and a clock snapshot it sends every CLOCK_PUMP_MS while the context
// runs. Audio frames, their parsing, the ledger and the player's bookkeeping all stay off the page.
// Only events the page listens to cross (the listener hub tells the worker which), so a page that
// listens to nothing per frame is not woken per frame. Errors cross as records and are rebuilt
// (protocol.ts). A worker that never serves, or fails to load, rejects the pending calls: nothing
// waits forever.
import { RealtimeProtocolError, RealtimeUserError } from '../core/errors.js';
import type { AudioItemSnapshot } from '../core/ledger.js';
import type { SendQueueStats } from '../core/model-events.js';
import type { RealtimeSendEvent } from '../core/send.js';
import { DEFAULT_MODEL } from '../core/session-config.js';
import type { PlaybackState } from '../core/types.js';
import { PLAYER_HAND_OFF, type PlayerHandOff, WebAudioPlayer } from '../audio/player.js';
import { ListenerHub } from '../listener-hub.js';
import { ModelSends } from '../model-sends.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../open-socket.js';
import type { RealtimeConnectOptions } from '../options.js';
import { readClock, startClockPump } from './clock-mirror.js';
import { type FromWorker, type ToWorker, type WorkerMethod, decodeEvent, fromWire, postOrExplain, toWire } from './protocol.js';

/** The part of a Worker (or a port to one) the page uses. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: Event) => void): void;
  removeEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: Event) => void): void;
}

/** `connect` options in worker mode: plain data, a WebAudioPlayer, and an optional key function. */
export interface RealtimeWorkerConnectOptions extends Omit<RealtimeConnectOptions, 'player' | 'playbackTracker'> {
  /** The player the worker's model drives; started here if it was not. */
  player?: WebAudioPlayer;
}

/**
 * The model's API on the page, for a model running in a worker (`serveRealtimeModel()` in the
 * worker module). Event listeners, `connect`, the sends and `close` work as on the model; the
 * getters return promises. Pass a `WebAudioPlayer` as `player`: it plays on this page while the
 * worker feeds it.
 */
export class RealtimeWorkerModel extends ModelSends {
  /** The model name in use, as the worker last reported it. */
  model: string = DEFAULT_MODEL;
  readonly #worker: WorkerLike;
  readonly #hub: ListenerHub;
  readonly #calls = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  #nextCall = 0;
  readonly #players = new Map<WebAudioPlayer, { id: number; context: AudioContext; emit: PlayerHandOff['emit']; stopPump: () => void }>();
  #nextPlayer = 0;
  #apiKey: (() => string | Promise<string>) | null = null;
  #ready = false;
  /** Add to a time on the worker model's clock to get this page's performance.now() time. */
  #clockShift = 0;
  #terminated = false;
  readonly #onMessage = (e: Event) => this.#receive((e as MessageEvent).data as FromWorker);
  readonly #onError = (e: Event) => this.#workerFailed(e);

  constructor(worker: WorkerLike) {
    const hub = new ListenerHub();
    super(hub);
    this.#hub = hub;
    this.#worker = worker;
    worker.addEventListener('message', this.#onMessage);
    worker.addEventListener('error', this.#onError);
    worker.addEventListener('messageerror', this.#onError);
    hub.onChange = () => this.#post({ t: 'listen', types: hub.listened() });
    (worker as { start?: () => void }).start?.(); // a MessagePort delivers only once started
  }

  /** Connects the worker's model (see the model's `connect`); rejects with the same errors. */
  async connect(options: RealtimeWorkerConnectOptions = {}): Promise<void> {
    const { player, apiKey, ...rest } = options;
    if ((options as RealtimeConnectOptions).playbackTracker) {
      throw new RealtimeUserError('invalid_argument', 'In worker mode the model drives a WebAudioPlayer (`player`); a playbackTracker cannot cross to the worker');
    }
    const args: Record<string, unknown> = { ...rest };
    if (player) {
      if (!(player instanceof WebAudioPlayer)) throw new RealtimeUserError('invalid_argument', 'In worker mode `player` must be a WebAudioPlayer');
      await player.start();
      args.player = this.#handOff(player);
    }
    if (typeof apiKey === 'function') {
      this.#apiKey = apiKey;
      args.apiKeyFromPage = true;
    } else if (apiKey !== undefined) args.apiKey = apiKey;
    const connected = this.#call('connect', [args]);
    if (this.#ready) return void (await connected);
    // A worker that never serves would leave connect waiting forever.
    const deadline = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RealtimeProtocolError('connect_timeout', `The worker did not answer within ${deadline} ms: does it call serveRealtimeModel()?`)), deadline);
    });
    try {
      await Promise.race([connected, silent]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends one event through the worker's model (see the model's `sendEvent`). */
  override sendEvent(event: RealtimeSendEvent): Promise<void> {
    // An interrupt reads the player in the worker: its clock mirror gets this moment's clock first.
    if (event?.type === 'interrupt') this.#sendClocks();
    return this.#call('sendEvent', [event]) as Promise<void>;
  }

  /**
   * The worker's model plays through `player` (started, on this page), as `model.attachPlayer`.
   * Returns `detach()`.
   */
  attachPlayer(player: WebAudioPlayer): () => void {
    const id = this.#handOff(player);
    void this.#call('attachPlayer', [id]).catch((error: unknown) => this.#exception(error, 'attachPlayer'));
    return () => void this.#call('detachPlayer', [id]).catch((error: unknown) => this.#exception(error, 'detachPlayer'));
  }

  /** Closes the worker's model (see the model's `close`); the worker keeps running. */
  close(): void {
    void this.#call('close', []).catch((error: unknown) => this.#exception(error, 'close'));
  }

  /** What the ledger knows of each recent assistant audio item. */
  getAudioItems(): Promise<AudioItemSnapshot[]> {
    return this.#call('getAudioItems', []) as Promise<AudioItemSnapshot[]>;
  }

  /** The send queue's counters. */
  getSendQueue(): Promise<SendQueueStats> {
    return this.#call('getSendQueue', []) as Promise<SendQueueStats>;
  }

  /**
   * The playback position the model would use for a truncate now; `heardStartAt` on this page's
   * performance.now() clock (unless the worker's model was given a `clock` of its own).
   */
  async getPlaybackState(): Promise<PlaybackState> {
    const state = (await this.#call('getPlaybackState', [])) as PlaybackState;
    if (typeof state.heardStartAt === 'number') state.heardStartAt += this.#clockShift;
    return state;
  }

  /**
   * Stops talking to the worker: pending calls reject (`closed`), clock snapshots stop. The
   * worker itself is the app's to terminate.
   */
  dispose(): void {
    if (this.#terminated) return;
    this.#post({ t: 'call', id: -1, method: 'close', args: [] }); // nobody waits for its answer
    this.#terminated = true;
    for (const { stopPump } of this.#players.values()) stopPump();
    this.#players.clear();
    this.#rejectAll(new RealtimeUserError('closed', 'The worker model was disposed'));
    this.#worker.removeEventListener('message', this.#onMessage);
    this.#worker.removeEventListener('error', this.#onError);
    this.#worker.removeEventListener('messageerror', this.#onError);
  }

  #handOff(player: WebAudioPlayer): number {
    const known = this.#players.get(player);
    if (known) return known.id;
    const { port, sampleRate, encoding, context, watchListeners, emit } = player[PLAYER_HAND_OFF]();
    const id = this.#nextPlayer++;
    this.#post({ t: 'player', player: id, port, sampleRate, encoding, timeOrigin: performance.timeOrigin, clock: readClock(context) }, [port]);
    const stopPump = startClockPump(context, (clock) => this.#post({ t: 'clock', clocks: [{ player: id, clock }] }));
    this.#players.set(player, { id, context, emit, stopPump });
    // The player's own events (a level meter, a progress bar) come from the worker's player.
    watchListeners((types) => this.#post({ t: 'player-listen', player: id, types }));
    return id;
  }

  #call(method: WorkerMethod, args: unknown[]): Promise<unknown> {
    if (this.#terminated) return Promise.reject(new RealtimeUserError('closed', 'The worker model was disposed'));
    const id = this.#nextCall++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      try {
        this.#post({ t: 'call', id, method, args });
      } catch (error) {
        this.#calls.delete(id);
        reject(error);
      }
    });
  }

  #post(message: ToWorker, transfer: Transferable[] = []): void {
    if (this.#terminated) return;
    postOrExplain((m) => this.#worker.postMessage(m, transfer), message, message.t === 'call' ? `${message.method}'s argument` : `'${message.t}'`);
  }

  #receive(m: FromWorker): void {
    if (typeof m !== 'object' || m === null) return;
    switch (m.t) {
      case 'ready':
        this.#ready = true;
        if (m.timeOrigin !== null) this.#clockShift = m.timeOrigin - performance.timeOrigin;
        return;
      case 'event':
        return this.#hub.emit(decodeEvent(m.event));
      case 'done':
      case 'fail': {
        this.#ready = true;
        if (m.t === 'done' && m.model) this.model = m.model;
        const call = this.#calls.get(m.id);
        this.#calls.delete(m.id);
        if (m.t === 'done') call?.resolve(m.value);
        else call?.reject(fromWire(m.error));
        return;
      }
      case 'key':
        return void this.#answerKey(m.id);
      case 'clock?':
        return this.#sendClocks(m.id);
      case 'player-events': {
        const entry = [...this.#players.values()].find((p) => p.id === m.player);
        for (const [type, event] of m.events) entry?.emit(type as 'level', event as { rms: number });
        return;
      }
    }
  }

  /** Every player's clock now (answering the worker's request `request`, if any). */
  #sendClocks(request?: number): void {
    const clocks = [...this.#players.values()].map(({ id, context }) => ({ player: id, clock: readClock(context) }));
    this.#post({ t: 'clock', clocks, ...(request === undefined ? {} : { request }) });
  }

  async #answerKey(id: number): Promise<void> {
    try {
      if (!this.#apiKey) throw new Error('no apiKey function was given to connect');
      this.#post({ t: 'key', id, key: await this.#apiKey() });
    } catch (error) {
      this.#post({ t: 'key', id, error: toWire(error) });
    }
  }

  /** The worker failed to load, threw uncaught, or sent what cannot be read. */
  #workerFailed(e: Event): void {
    const message = (e as ErrorEvent).message || `the worker reported ${e.type}`;
    const error = new RealtimeProtocolError('connection_error', `Worker: ${message}`, e);
    // Before the worker served, nothing will ever answer: fail what waits.
    if (!this.#ready) this.#rejectAll(error);
    this.#hub.emit({ type: 'exception', exception: error, context: 'Worker' });
  }

  #rejectAll(error: Error): void {
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const call of calls) call.reject(error);
  }

  #exception(error: unknown, context: string): void {
    const exception = error instanceof Error ? error : new Error(String(error));
    this.#hub.emit({ type: 'exception', exception, context: `Worker model ${context}` });
  }
}
