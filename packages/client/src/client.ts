// The only glue (STYLE.md): an eventemitter3 surface over a transport, the sans-I/O core and a
// playback tracker. Frames go to the parser then the core; what the core returns is written and
// emitted. Nothing received throws; a throwing listener is reported and never stops the others.
import { EventEmitter } from 'eventemitter3';
import { RealtimeProtocolError, RealtimeUserError } from './core/errors.js';
import type { StepResult } from './core/interrupt.js';
import type { RealtimeModelEvent, RealtimeModelEventOf, RealtimeModelEventType } from './core/model-events.js';
import { parseServerEvent } from './core/parse.js';
import { receiveServerEvent } from './core/receive.js';
import { type RealtimeSendEvent, type UserInput, planSend } from './core/send.js';
import { DEFAULT_MODEL, type RealtimeModelSettings, buildSessionUpdate, buildTracingUpdate } from './core/session-config.js';
import { type ClientEvent, type CoreState, createCoreState, estimatePlayback } from './core/state.js';
import type { CreateWebSocket, PlaybackState, PlaybackTracker, WebSocketLike } from './core/types.js';
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
  #phase: 'idle' | 'connecting' | 'open' | 'closed' = 'idle';
  #reportingListenerError = false;
  /** Reused for every received frame: the receive path allocates no context per frame. */
  readonly #receiveContext = { now: 0, readPlayback: () => this.#readPlayback() };

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
      this.#tracker = options.playbackTracker ?? null;
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

  /** Adds a listener that receives every event. */
  addListener(listener: RealtimeModelListener): void {
    this.#listeners.push(listener);
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
    this.#apply(planSend(state, event, () => this.#readPlayback()));
  }

  /** Sends a user message (text or text/image parts) and asks for a response. */
  sendUserInput(userInput: UserInput): Promise<void> {
    return this.sendEvent({ type: 'user_input', userInput });
  }

  /** Appends pcm/G.711 bytes to the input buffer, optionally committing it. */
  sendAudio(audio: Uint8Array | ArrayBuffer, options: { commit?: boolean } = {}): Promise<void> {
    return this.sendEvent({ type: 'audio', audio, commit: options.commit === true });
  }

  /** Interrupts playback (and the response) at what the listener heard. */
  interrupt(options: Omit<Extract<RealtimeSendEvent, { type: 'interrupt' }>, 'type'> = {}): Promise<void> {
    return this.sendEvent({ type: 'interrupt', ...options });
  }

  /** Sends a `session.update` built from settings. */
  updateSession(sessionSettings: RealtimeModelSettings): Promise<void> {
    return this.sendEvent({ type: 'session_update', sessionSettings });
  }

  /** The playback position the model would use for a truncate now. */
  getPlaybackState(): PlaybackState {
    return this.#readPlayback();
  }

  /** Closes the socket; idempotent. */
  close(): void {
    if (this.#phase === 'idle' || this.#phase === 'closed') return;
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closed';
    const socket = this.#socket;
    this.#socket = null;
    this.#state = null;
    if (socket) {
      try {
        socket.close(1000, 'client closed');
      } catch (error) {
        this.#emit({ type: 'exception', exception: toError(error), context: 'Error closing WebSocket' });
      }
    }
    if (wasOpen) this.#emit({ type: 'connection_status', status: 'disconnected' });
  }

  #readPlayback(): PlaybackState {
    if (this.#tracker) return this.#tracker.getState();
    return this.#state ? estimatePlayback(this.#state, this.#clock()) : { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };
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
      this.#receiveContext.now = this.#clock();
      step = receiveServerEvent(state, parsed.event as Record<string, unknown>, this.#receiveContext);
    } catch (error) {
      this.#emit({ type: 'exception', exception: toError(error), context: 'Error handling WebSocket event' });
      return;
    }
    this.#apply(step);
  }

  #apply(step: StepResult): void {
    for (const event of step.send) this.#write(event);
    if (step.audioFormat !== undefined) this.#callTracker((t) => t.setAudioFormat(step.audioFormat));
    if (step.resetTracker) this.#callTracker((t) => t.onInterrupted());
    for (const event of step.emit) this.#emit(event);
  }

  #callTracker(call: (tracker: PlaybackTracker) => void): void {
    if (!this.#tracker) return;
    try {
      call(this.#tracker);
    } catch (error) {
      this.#emit({ type: 'exception', exception: toError(error), context: 'Playback tracker failed' });
    }
  }

  #write(event: ClientEvent): void {
    const socket = this.#socket;
    try {
      if (!socket || socket.readyState !== OPEN) throw new RealtimeProtocolError('send_failed', `Socket is not open; ${event.type} was not sent`);
      socket.send(JSON.stringify(event));
    } catch (error) {
      this.#emit({ type: 'exception', exception: toError(error), context: `Failed to send ${event.type}` });
    }
  }

  #lost(code: number, reason: string): void {
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
