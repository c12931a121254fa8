// The only glue (STYLE.md): an eventemitter3 surface over a transport, the sans-I/O core and an
// audio output (a player the model drives, or the seed's playback tracker). Frames go to the
// parser then the core with the clock and the latest playback reading as values; what the core
// returns is written, played and emitted. Nothing received throws; a throwing listener is
// reported and never stops the others.
import { EventEmitter } from 'eventemitter3';
import { RealtimeProtocolError, RealtimeUserError } from './core/errors.js';
import { type AudioItemSnapshot, estimatePlayback, snapshotItems } from './core/ledger.js';
import type { RealtimeModelEvent, RealtimeModelEventOf, RealtimeModelEventType } from './core/model-events.js';
import { parseServerEvent } from './core/parse.js';
import { noteSilenced, playbackStep } from './core/playback.js';
import { DELTA_EVENTS, type ReceiveContext, receiveServerEvent } from './core/receive.js';
import { type RealtimeSendEvent, type UserInput, planSend, serializeClientEvent } from './core/send.js';
import { DEFAULT_MODEL, type RealtimeModelSettings, buildSessionUpdate, buildTracingUpdate } from './core/session-config.js';
import { type ClientEvent, type CoreState, type StepResult, createCoreState } from './core/state.js';
import type { AudioPlayer, CreateWebSocket, PlaybackState, PlaybackTracker, PlayerCommand, WebSocketLike } from './core/types.js';
import type { Transport } from './transport/types.js';

/** Options of the model's constructor. */
export interface RealtimeModelOptions {
  /** Opens the socket; defaults to the runtime's (native WebSocket in browsers, `ws` in Node). */
  createWebSocket?: CreateWebSocket;
  /** Monotonic clock in ms for the default playback estimate (default `performance.now`). */
  clock?: () => number;
}

/** Options of `connect` (seed-behaviour.md §7). */
export interface RealtimeConnectOptions {
  apiKey?: string | (() => string | Promise<string>);
  url?: string;
  headers?: Record<string, string>;
  callId?: string;
  initialModelSettings?: RealtimeModelSettings;
  /** The audio output the model drives (same as `model.attachPlayer(player)`). */
  player?: AudioPlayer;
  /** The seed's tracker interface, for outputs the model does not drive (the app plays audio). */
  playbackTracker?: PlaybackTracker;
  /** Allow a non-ephemeral key in a browser (it is visible to anyone using the page). */
  dangerouslyAllowApiKeyInBrowser?: boolean;
}

/** A seed-style listener receiving every event. */
export interface RealtimeModelListener {
  onEvent(event: RealtimeModelEvent): void | Promise<void>;
}

const OPEN = 1;

/** Shared implementation; the runtime entry points bind the default transport. */
export class RealtimeWebSocketModelBase {
  /** The model name in use (from `initialModelSettings.modelName`, else the default). */
  model: string = DEFAULT_MODEL;
  readonly #transport: Transport;
  readonly #createWebSocket: CreateWebSocket;
  readonly #clock: () => number;
  readonly #emitter = new EventEmitter();
  readonly #listeners: RealtimeModelListener[] = [];
  #socket: WebSocketLike | null = null;
  #state: CoreState | null = null;
  #tracker: PlaybackTracker | null = null;
  #player: AudioPlayer | null = null;
  #unsubscribePlayer: (() => void) | null = null;
  #phase: 'idle' | 'connecting' | 'open' | 'closed' = 'idle';
  #reportingListenerError = false;
  /** Reused for every received frame: the receive path allocates no context per frame. */
  readonly #receiveContext: ReceiveContext = { now: 0, playback: null };

  constructor(options: RealtimeModelOptions = {}, transport: Transport) {
    this.#transport = transport;
    this.#createWebSocket = options.createWebSocket ?? transport.createWebSocket;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** Opens the socket, then sends the initial `session.update`. Rejects on misuse or failure. */
  async connect(options: RealtimeConnectOptions = {}): Promise<void> {
    if (this.#phase === 'connecting' || this.#phase === 'open') throw new RealtimeUserError('already_connected', 'Already connected');
    this.#phase = 'connecting';
    const previousModel = this.model;
    try {
      const settings = options.initialModelSettings ?? {};
      const callId = options.callId || null;
      if (callId && settings.modelName) {
        throw new RealtimeUserError('call_id_with_model_name', 'Cannot specify both `callId` and `modelName` when attaching to an existing realtime call.');
      }
      if (settings.modelName) this.model = settings.modelName;
      const sessionUpdate = buildSessionUpdate(settings, { model: this.model, callId });
      const apiKey = (await resolveApiKey(options.apiKey)) ?? this.#transport.environmentApiKey();
      const handshake = this.#transport.authenticate({
        apiKey,
        headers: options.headers,
        dangerouslyAllowApiKeyInBrowser: options.dangerouslyAllowApiKeyInBrowser === true,
      });
      const url = options.url ?? defaultUrl(this.model, callId);
      const state = createCoreState(this.model, callId);
      state.tracingUpdate = buildTracingUpdate('tracing' in settings ? settings.tracing : undefined, this.model) as ClientEvent | null;
      this.#setOutputs(options.player, options.playbackTracker ?? null);
      this.#emit({ type: 'connection_status', status: 'connecting' });
      const socket = await this.#createWebSocket({ url, ...handshake });
      // The server speaks first (session.created) and `ws` can deliver that frame in the same
      // tick as `open`, before this function resumes: hold early frames until we are attached.
      const early: unknown[] = [];
      const hold = (event: { data: unknown }) => void early.push(event.data);
      socket.addEventListener('message', hold);
      try {
        await waitForOpen(socket);
      } finally {
        socket.removeEventListener('message', hold as (event: never) => void);
      }
      if (this.#phase !== 'connecting') {
        socket.close(1000, 'closed during connect');
        throw new RealtimeUserError('closed', 'close() was called while connecting');
      }
      this.#socket = socket;
      this.#state = state;
      this.#attach(socket);
      this.#phase = 'open';
      this.#emit({ type: 'connection_status', status: 'connected' });
      this.#write(sessionUpdate as ClientEvent);
      for (const data of early) if (this.#socket === socket) this.#receive(data);
    } catch (error) {
      this.model = previousModel;
      if (this.#phase === 'connecting') {
        this.#phase = 'idle';
        this.#emit({ type: 'connection_status', status: 'disconnected' });
      }
      throw error;
    }
  }

  /** Adds a listener that receives every event; adding the same listener again keeps one copy. */
  addListener(listener: RealtimeModelListener): void {
    if (!this.#listeners.includes(listener)) this.#listeners.push(listener);
  }

  /**
   * Wires an audio output in one step: the model appends each item's audio to it, tells it what
   * to drop on interrupts, and reads what it reports as heard for truncates, the heard transcript
   * and latency. Works before or after `connect`. Returns `detach()`.
   */
  attachPlayer(player: AudioPlayer): () => void {
    this.#setOutputs(player, this.#tracker);
    return () => {
      if (this.#player === player) this.#setOutputs(undefined, this.#tracker === (player as unknown) ? null : this.#tracker);
    };
  }

  /** What the ledger knows of each recent assistant audio item (received, heard, phase, heard split). */
  getAudioItems(): AudioItemSnapshot[] {
    return this.#state ? snapshotItems(this.#state.ledger) : [];
  }

  /** Removes a listener added with `addListener`. */
  removeListener(listener: RealtimeModelListener): void {
    const index = this.#listeners.indexOf(listener);
    if (index >= 0) this.#listeners.splice(index, 1);
  }

  /** Subscribes to one event type. */
  on<T extends RealtimeModelEventType>(type: T, handler: (event: RealtimeModelEventOf<T>) => void): this {
    this.#emitter.on(type, handler as (event: unknown) => void);
    return this;
  }

  /** Unsubscribes a handler added with `on`. */
  off<T extends RealtimeModelEventType>(type: T, handler: (event: RealtimeModelEventOf<T>) => void): this {
    this.#emitter.off(type, handler as (event: unknown) => void);
    return this;
  }

  /** Sends one event; rejects with RealtimeUserError before `connect`, after `close`, or on misuse. */
  async sendEvent(event: RealtimeSendEvent): Promise<void> {
    const state = this.#state;
    if (this.#phase !== 'open' || !state) {
      throw new RealtimeUserError(this.#phase === 'closed' ? 'closed' : 'not_connected', `Cannot send ${String(event?.type)}: the model is ${this.#phase === 'closed' ? 'closed' : 'not connected'}`);
    }
    const playback = event?.type === 'interrupt' ? this.#reading() : null;
    this.#apply(planSend(state, event, playback, this.#clock()));
  }

  /** Sends a user message (text or text/image parts) and asks for a response. */
  sendUserInput(userInput: UserInput): Promise<void> {
    return this.sendEvent({ type: 'user_input', userInput });
  }

  /** Appends pcm/G.711 bytes to the input buffer, optionally committing it. */
  sendAudio(audio: Uint8Array | ArrayBuffer, options: { commit?: boolean } = {}): Promise<void> {
    return this.sendEvent({ type: 'audio', audio, commit: options.commit === true });
  }

  /**
   * Stops the reply: every bit of assistant audio the listener has not heard is dropped and
   * truncated at what was heard, and the running response is cancelled on the server even when
   * the session's `interrupt_response` is on (the server cancels by itself only on VAD speech).
   * `{ playbackOnly: true }` keeps the response running; `sendEvent({ type: 'interrupt' })`
   * keeps the seed's defaults exactly.
   */
  interrupt(options: Omit<Extract<RealtimeSendEvent, { type: 'interrupt' }>, 'type'> = {}): Promise<void> {
    const cancelByDefault = !options.playbackOnly && !options.cancelResponseOnly && options.forceResponseCancel === undefined;
    return this.sendEvent({ type: 'interrupt', ...options, ...(cancelByDefault ? { forceResponseCancel: true } : {}) });
  }

  /** Sends a `session.update` built from settings. */
  updateSession(sessionSettings: RealtimeModelSettings): Promise<void> {
    return this.sendEvent({ type: 'session_update', sessionSettings });
  }

  /** The playback position the model would use for a truncate now. */
  getPlaybackState(): PlaybackState {
    const reading = this.#reading();
    if (reading) return reading;
    return this.#state ? estimatePlayback(this.#state.ledger, this.#clock()) : { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };
  }

  /** Closes the socket; idempotent. */
  close(): void {
    if (this.#phase === 'idle' || this.#phase === 'closed') return;
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closed';
    const socket = this.#socket;
    this.#socket = null;
    this.#state = null;
    this.#stopOutput();
    if (socket) {
      try {
        socket.close(1000, 'client closed');
      } catch (error) {
        this.#emit({ type: 'exception', exception: toError(error), context: 'Error closing WebSocket' });
      }
    }
    if (wasOpen) this.#emit({ type: 'connection_status', status: 'disconnected' });
  }

  /** Sets the player and the tracker; the player reports playback, so it also serves as tracker. */
  #setOutputs(player: AudioPlayer | undefined, tracker: PlaybackTracker | null): void {
    if (player && tracker && (tracker as unknown) !== player) {
      throw new RealtimeUserError('invalid_argument', 'Pass either a player or a playbackTracker, not two different objects: a player reports playback itself.');
    }
    if ((player ?? null) !== this.#player) {
      this.#unsubscribePlayer?.();
      this.#unsubscribePlayer = null;
      this.#player = player ?? null;
      if (player?.onPlayback) this.#unsubscribePlayer = player.onPlayback(() => this.#onPlayback());
      if (player && this.#state) this.#callOutput(() => player.setAudioFormat(this.#state!.audioFormat));
    }
    this.#tracker = (tracker as unknown) === player ? null : tracker;
  }

  /** The latest playback reading, or null when no output reports one (the core estimates). */
  #reading(): PlaybackState | null {
    const source = this.#player ?? this.#tracker;
    if (!source) return null;
    try {
      return source.getState();
    } catch (error) {
      this.#emit({ type: 'exception', exception: toError(error), context: 'Playback reading failed' });
      return null;
    }
  }

  #onPlayback(): void {
    const state = this.#state;
    if (!state) return;
    this.#apply(playbackStep(state, this.#reading(), this.#clock()));
  }

  /** On close or drop: whatever the output still plays belongs to a connection that is gone. */
  #stopOutput(): void {
    const state = this.#state;
    if (!state || !this.#player) return;
    const items = [...state.ledger.items.values()].filter((i) => i.receivedMs > 0).map(({ itemId, contentIndex }) => ({ itemId, contentIndex }));
    if (items.length > 0) this.#callOutput(() => this.#player!.drop(items));
  }

  #attach(socket: WebSocketLike): void {
    socket.addEventListener('message', (event) => {
      if (this.#socket === socket) this.#receive(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket === socket) this.#lost(event.code, event.reason);
    });
    socket.addEventListener('error', (event) => {
      if (this.#socket !== socket) return;
      const message = (event as { message?: string })?.message ?? 'WebSocket error';
      this.#emit({ type: 'exception', exception: new RealtimeProtocolError('connection_error', message), context: 'WebSocket error' });
    });
  }

  #receive(data: unknown): void {
    const parsed = parseServerEvent(data);
    if (!parsed.ok) {
      const error = new RealtimeProtocolError(parsed.code, parsed.message, parsed.raw);
      if (parsed.code === 'unknown_event_type' || parsed.code === 'invalid_event_shape') {
        // Seed §4 step 3: a frame that fails validation yields raw_server_event then `error`.
        this.#emit({ type: 'raw_server_event', data: parsed.raw });
        const eventId = (parsed.raw as { event_id?: unknown })?.event_id;
        this.#emit({
          type: 'error',
          error: { source: 'client', type: 'invalid_server_event', code: parsed.code, message: parsed.message, param: null, eventId: typeof eventId === 'string' ? eventId : null, raw: parsed.raw },
        });
      } else {
        this.#emit({ type: 'exception', exception: error, context: 'Failed to parse WebSocket message' });
      }
      return;
    }
    this.#emit({ type: 'raw_server_event', data: parsed.raw });
    const state = this.#state;
    if (!state) return;
    let step: StepResult;
    try {
      const ctx = this.#receiveContext;
      ctx.now = this.#clock();
      ctx.playback = DELTA_EVENTS.has((parsed.event as { type: string }).type) ? null : this.#reading();
      step = receiveServerEvent(state, parsed.event as Record<string, unknown>, ctx);
    } catch (error) {
      this.#emit({ type: 'exception', exception: toError(error), context: 'Error handling WebSocket event' });
      return;
    }
    this.#apply(step);
  }

  #apply(step: StepResult): void {
    for (const event of step.send) this.#write(event);
    let silencedAt: number | null = null;
    for (const command of step.play) {
      const at = this.#play(command);
      if (typeof at === 'number') silencedAt = at;
    }
    const emit = step.emit;
    if (step.silenceFrom) {
      const clock = this.#player && silencedAt !== null ? 'audio' : 'estimate';
      const extra = { send: [], emit: [] as RealtimeModelEvent[], play: [] };
      noteSilenced(extra, step.silenceFrom, silencedAt ?? this.#clock(), clock);
      emit.push(...extra.emit);
    }
    for (const event of emit) this.#emit(event);
  }

  /** Carries out one command of the core on the player (or the seed's tracker). */
  #play(command: PlayerCommand): number | void {
    const player = this.#player;
    const tracker = this.#tracker;
    switch (command.op) {
      case 'append':
        if (player) this.#callOutput(() => player.append(command.itemId, command.contentIndex, command.data, command.responseId));
        return;
      case 'done':
        if (player) this.#callOutput(() => player.itemDone(command.itemId, command.contentIndex));
        return;
      case 'drop':
        if (tracker && command.stop) this.#callOutput(() => tracker.onInterrupted());
        return player ? this.#callOutput(() => player.drop(command.items)) : undefined;
      case 'format':
        if (player) this.#callOutput(() => player.setAudioFormat(command.format));
        if (tracker) this.#callOutput(() => tracker.setAudioFormat(command.format));
        return;
    }
  }

  #callOutput<T>(call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      this.#emit({ type: 'exception', exception: toError(error), context: 'Audio output failed' });
      return undefined;
    }
  }

  #write(event: ClientEvent): void {
    const socket = this.#socket;
    try {
      if (!socket || socket.readyState !== OPEN) throw new RealtimeProtocolError('send_failed', `Socket is not open; ${event.type} was not sent`);
      socket.send(serializeClientEvent(event));
    } catch (error) {
      this.#emit({ type: 'exception', exception: toError(error), context: `Failed to send ${event.type}` });
    }
  }

  #lost(code: number, reason: string): void {
    this.#stopOutput();
    this.#socket = null;
    this.#state = null;
    this.#phase = 'closed';
    if (code !== 1000) {
      const error = new RealtimeProtocolError('connection_closed', `WebSocket connection closed unexpectedly (code ${code}${reason ? `: ${reason}` : ''})`, { code, reason });
      this.#emit({ type: 'exception', exception: error, context: 'WebSocket connection closed unexpectedly' });
    }
    this.#emit({ type: 'connection_status', status: 'disconnected' });
  }

  /** Delivers to every listener; a throwing or rejecting listener is reported, never propagated. */
  #emit(event: RealtimeModelEvent): void {
    const fail = (error: unknown) => this.#listenerFailed(error, event.type);
    for (const listener of [...this.#listeners]) {
      try {
        const result = listener.onEvent(event);
        if (result && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).then(undefined, fail);
      } catch (error) {
        fail(error);
      }
    }
    for (const handler of this.#emitter.listeners(event.type)) {
      try {
        (handler as (e: RealtimeModelEvent) => void)(event);
      } catch (error) {
        fail(error);
      }
    }
  }

  #listenerFailed(error: unknown, eventType: string): void {
    if (this.#reportingListenerError) return; // a failing exception listener must not loop
    this.#reportingListenerError = true;
    try {
      const wrapped = new RealtimeProtocolError('listener_error', `A listener of "${eventType}" threw: ${toError(error).message}`, error);
      this.#emit({ type: 'exception', exception: wrapped, context: 'Listener error' });
    } finally {
      this.#reportingListenerError = false;
    }
  }
}

function defaultUrl(model: string, callId: string | null): string {
  return callId
    ? `wss://api.openai.com/v1/realtime?call_id=${encodeURIComponent(callId)}`
    : `wss://api.openai.com/v1/realtime?model=${encodeURIComponent(model)}`;
}

async function resolveApiKey(apiKey: RealtimeConnectOptions['apiKey']): Promise<string | undefined> {
  if (typeof apiKey === 'function') return await apiKey();
  return apiKey;
}

function waitForOpen(socket: WebSocketLike): Promise<void> {
  if (socket.readyState === OPEN) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('error', onError);
      socket.removeEventListener('close', onClose);
    };
    const onOpen = () => (done(), resolve());
    const onError = (event: unknown) => {
      done();
      reject(new RealtimeProtocolError('connection_error', `WebSocket failed to open: ${(event as { message?: string })?.message ?? 'error'}`, event));
    };
    const onClose = (event: { code: number; reason: string }) => {
      done();
      reject(new RealtimeProtocolError('connection_closed', `WebSocket closed before opening (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`, event));
    };
    socket.addEventListener('open', onOpen);
    socket.addEventListener('error', onError);
    socket.addEventListener('close', onClose);
  });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
