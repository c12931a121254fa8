// The only glue (STYLE.md): the connection over a transport, the sans-I/O core, the audio output
// (output.ts) and the listeners (listener-hub.ts; API in model-listeners.ts, send conveniences in
// model-sends.ts). Frames go to the parser then the core with the clock and the latest playback
// reading as values; what the core returns is written (through the backpressure queue), played and
// emitted. Nothing received throws. The network is not trusted: the handshake has a deadline, a
// silent socket is detected, turns end with the socket, `reconnect` continues on a new session.
import { RealtimeProtocolError, RealtimeUserError } from './core/errors.js';
import { audioLengthMs } from './audio/pcm.js';
import { endConnection, type DisconnectReason } from './core/connection.js';
import { type History, createHistory, replayItems } from './core/history.js';
import { type AudioItemSnapshot, estimatePlayback, headItem, snapshotItems } from './core/ledger.js';
import type { DisconnectInfo, SendQueueStats } from './core/model-events.js';
import { parseServerEvent } from './core/parse.js';
import { msUntilHeardMoves, noteSilenced, playbackStep } from './core/playback.js';
import { DELTA_EVENTS, type ReceiveContext, receiveServerEvent } from './core/receive.js';
import { type RealtimeSendEvent, asciiFrameParts, planSend, serializeClientEvent } from './core/send.js';
import { DEFAULT_MODEL, type RealtimeModelSettings, buildSessionUpdate, buildTracingUpdate } from './core/session-config.js';
import { type ClientEvent, type CoreState, type StepResult, createCoreState } from './core/state.js';
import type { AudioFormatLike, AudioPlayer, CreateWebSocket, PlaybackState, WebSocketLike } from './core/types.js';
import { startKeepAlive } from './keepalive.js';
import { ListenerHub } from './listener-hub.js';
import { type ConnectAbort, DEFAULT_CONNECT_TIMEOUT_MS, abortConnect, closeBounded, closedDuringConnect, defaultUrl, openSocket, releaseSocket, resolveApiKey } from './open-socket.js';
import type { RealtimeConnectOptions, RealtimeModelOptions } from './options.js';
import { ModelSends } from './model-sends.js';
import { OutputBridge } from './output.js';
import { TimerSet } from './timers.js';
import { refusedFrameEvents } from './refused-frame.js';
import { backoffDelay, holdWhileDown, reconnectSchedule } from './reconnect.js';
import { SendQueue } from './send-queue.js';
import type { Transport } from './transport/types.js';

export type { RealtimeModelListener } from './listener-hub.js';
export type { RealtimeConnectOptions, RealtimeModelOptions } from './options.js';

type Phase = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The connection and its glue; model-base.ts adds the send conveniences, models.ts the transport. */
export class RealtimeConnection extends ModelSends {
  /** The model name in use (from `initialModelSettings.modelName`, else the default). */
  model: string = DEFAULT_MODEL;
  readonly #transport: Transport;
  readonly #createWebSocket: CreateWebSocket;
  readonly #clock: () => number;
  readonly #hub: ListenerHub;
  readonly #output = new OutputBridge((error, context) => this.#fail(error, context), () => this.#onPlayback(), () => !this.#hub.has('audio'));
  #socket: WebSocketLike | null = null;
  #queue: SendQueue | null = null;
  #state: CoreState | null = null;
  #phase: Phase = 'idle';
  #options: RealtimeConnectOptions = {};
  #settings: RealtimeModelSettings = {};
  #history: History = createHistory();
  #abort: ConnectAbort | null = null;
  readonly #timers = new TimerSet();
  #stopKeepAlive: () => void = () => {};
  #pending: RealtimeSendEvent[] = [];
  readonly #dropped = { frames: 0, ms: 0 };
  #renewWhenQuiet = false;
  /** The output format of the last session, for counting audio dropped while reconnecting. */
  #format: AudioFormatLike = null;
  /** Reused for every received frame: the receive path allocates no context per frame. */
  readonly #receiveContext: ReceiveContext = { now: 0, playback: null };

  constructor(options: RealtimeModelOptions = {}, transport: Transport) {
    const hub = new ListenerHub();
    super(hub);
    this.#hub = hub;
    hub.onChange = () => {
      const following = hub.has('heard_transcript');
      const started = following && !this.#output.following;
      this.#output.following = following;
      if (this.#state) this.#state.followHeard = following;
      // Splits are not made while nobody follows: a new follower gets the current one right
      // after (not inside the on() call, which may come from a listener mid-delivery).
      if (started && this.#state) queueMicrotask(() => this.#onPlayback());
      else this.#wakeForHeard();
    };
    this.#transport = transport;
    this.#createWebSocket = options.createWebSocket ?? transport.createWebSocket;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** Opens the socket, then sends the initial `session.update`. Rejects on misuse or failure. */
  async connect(options: RealtimeConnectOptions = {}): Promise<void> {
    if (this.#phase === 'connecting' || this.#phase === 'open' || this.#phase === 'reconnecting') throw new RealtimeUserError('already_connected', 'Already connected');
    const settings = options.initialModelSettings ?? {};
    if (options.callId && settings.modelName) {
      throw new RealtimeUserError('call_id_with_model_name', 'Cannot specify both `callId` and `modelName` when attaching to an existing realtime call.');
    }
    const model = settings.modelName ?? this.model;
    buildSessionUpdate(settings, { model, callId: options.callId || null }); // refuse bad settings before any socket
    this.#output.set(options.player ?? this.#output.player, options.playbackTracker ?? null);
    this.#options = options;
    this.#settings = { ...settings };
    this.#history = createHistory();
    this.#dropped.frames = 0;
    this.#dropped.ms = 0;
    this.#phase = 'connecting';
    this.#hub.emit({ type: 'connection_status', status: 'connecting' });
    try {
      await this.#open(model);
    } catch (error) {
      if (this.#phase === 'connecting') {
        this.#phase = 'idle';
        this.#hub.emit({ type: 'connection_status', status: 'disconnected' });
      }
      throw error;
    }
  }

  /** Opens a socket for the current options and settings; the phase must be connecting or reconnecting. */
  async #open(model: string): Promise<void> {
    const options = this.#options;
    const callId = options.callId || null;
    const sessionUpdate = buildSessionUpdate(this.#settings, { model, callId });
    const apiKey = (await resolveApiKey(options.apiKey)) ?? this.#transport.environmentApiKey();
    const handshake = this.#transport.authenticate({ apiKey, headers: options.headers, dangerouslyAllowApiKeyInBrowser: options.dangerouslyAllowApiKeyInBrowser === true });
    const url = options.url ?? defaultUrl(model, callId);
    const abort: ConnectAbort = (this.#abort = { aborted: null, onAbort: null });
    const { socket, early } = await openSocket(this.#createWebSocket, { url, ...handshake }, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, abort);
    if (this.#abort !== abort || abort.aborted) {
      releaseSocket(socket);
      throw abort.aborted ?? closedDuringConnect();
    }
    this.#abort = null;
    const state = createCoreState(model, callId);
    state.history = this.#history;
    state.followHeard = this.#output.following;
    state.tracingUpdate = buildTracingUpdate('tracing' in this.#settings ? this.#settings.tracing : undefined, model) as ClientEvent | null;
    this.model = model;
    this.#socket = socket;
    this.#state = state;
    this.#queue = new SendQueue(socket, options.sendQueue ?? {}, this.#dropped, (stats) => this.#hub.emit({ type: 'backpressure', active: stats.backpressured, ...stats }));
    this.#attach(socket);
    if (options.keepAlive !== false) this.#stopKeepAlive = startKeepAlive(socket, options.keepAlive ?? {}, () => this.#fail(new RealtimeProtocolError('connection_closed', 'No pong within the keepalive deadline: the connection is dead'), 'Keepalive'));
    this.#phase = 'open';
    this.#hub.emit({ type: 'connection_status', status: 'connected' });
    this.#write(sessionUpdate as ClientEvent);
    for (const data of early) if (this.#socket === socket) this.#receive(data);
  }

  /**
   * Wires an audio output in one step: the model appends each item's audio to it, tells it what
   * to drop on interrupts, and reads what it reports as heard for truncates, the heard transcript
   * and latency. Works before or after `connect`. Returns `detach()`.
   */
  attachPlayer(player: AudioPlayer): () => void {
    this.#output.set(player, this.#output.tracker);
    if (this.#state) this.#output.run([{ op: 'format', format: this.#state.audioFormat }]);
    return () => {
      if (this.#output.player === player) this.#output.set(null, this.#output.tracker);
    };
  }

  /** What the ledger knows of each recent assistant audio item (received, heard, phase, heard split). */
  getAudioItems(): AudioItemSnapshot[] {
    return this.#state ? snapshotItems(this.#state.ledger) : [];
  }

  /** The send queue's counters (backpressure, queued and dropped audio). */
  getSendQueue(): SendQueueStats {
    const empty = { backpressured: false, bufferedAmount: 0, queuedFrames: 0, queuedAudioMs: 0 };
    return { ...(this.#queue?.stats() ?? empty), droppedAudioFrames: this.#dropped.frames, droppedAudioMs: this.#dropped.ms };
  }

  /**
   * Sends one event; rejects with RealtimeUserError before `connect`, after `close`, or on misuse.
   * While reconnecting, text and control sends wait (bounded) and audio is dropped and counted.
   */
  override async sendEvent(event: RealtimeSendEvent): Promise<void> {
    if (this.#phase === 'reconnecting') return this.#sendWhileReconnecting(event);
    const state = this.#state;
    if (this.#phase !== 'open' || !state) {
      throw new RealtimeUserError(this.#phase === 'closed' ? 'closed' : 'not_connected', `Cannot send ${String(event?.type)}: the model is ${this.#phase === 'closed' ? 'closed' : 'not connected'}`);
    }
    const playback = event?.type === 'interrupt' ? this.#output.reading() : null;
    const step = planSend(state, event, playback, this.#clock());
    if (event.type === 'session_update') this.#settings = { ...this.#settings, ...event.sessionSettings };
    this.#apply(step);
  }

  #sendWhileReconnecting(event: RealtimeSendEvent): void {
    const settings = holdWhileDown(event, { dropped: this.#dropped, pending: this.#pending, format: this.#format, model: this.model, callId: this.#options.callId || null });
    if (settings) this.#settings = { ...this.#settings, ...settings }; // replayed with the session
  }

  /** The playback position the model would use for a truncate now. */
  getPlaybackState(): PlaybackState {
    const reading = this.#output.reading();
    if (reading) return reading;
    return this.#state ? estimatePlayback(this.#state.ledger, this.#clock()) : { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };
  }

  /**
   * Closes the connection; idempotent. A pending connect rejects at once; a running turn ends
   * (`turn_ended` with reason `closed`); buffered data gets a bounded time to flush, then the
   * socket is terminated where the runtime can.
   */
  close(): void {
    const phase = this.#phase;
    if (phase === 'idle' || phase === 'closed') return;
    this.#phase = 'closed';
    this.#timers.clear();
    this.#renewWhenQuiet = false;
    this.#pending = [];
    if (this.#abort) abortConnect(this.#abort, closedDuringConnect());
    this.#abort = null;
    const socket = this.#socket;
    if (socket) {
      this.#endTurns('closed');
      this.#detach();
      closeBounded(socket);
    }
    if (phase !== 'connecting') this.#hub.emit({ type: 'connection_status', status: 'disconnected', reason: { by: 'client', code: 1000, reason: 'client closed' } });
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
      this.#hub.emit({ type: 'exception', exception: new RealtimeProtocolError('connection_error', message), context: 'WebSocket error' });
    });
  }

  /** Forgets the socket and everything tied to it (queue, keepalive, core state). */
  #detach(): void {
    this.#stopKeepAlive();
    this.#stopKeepAlive = () => {};
    this.#output.wakeIn(null);
    this.#queue?.clear();
    this.#queue = null;
    this.#socket = null;
    this.#format = this.#state?.audioFormat ?? this.#format;
    this.#state = null;
  }

  /** Every turn of the connection ends (core/connection.ts) and the output drops what it holds. */
  #endTurns(reason: DisconnectReason): void {
    const state = this.#state;
    if (state) this.#apply(endConnection(state, this.#output.reading(), this.#clock(), reason));
  }

  #lost(code: number, reason: string): void {
    const lostResponseId = this.#state?.ongoingResponseId ?? null;
    const renewal = this.#renewWhenQuiet && code === 1000;
    const by = renewal ? 'client' : code === 1006 || code === 0 ? 'network' : 'server';
    const info: DisconnectInfo = { by, code, reason };
    this.#endTurns(renewal ? 'session_renewal' : 'connection_lost');
    this.#detach();
    if (code !== 1000) {
      const error = new RealtimeProtocolError('connection_closed', `WebSocket connection closed unexpectedly (code ${code}${reason ? `: ${reason}` : ''})`, { code, reason });
      this.#hub.emit({ type: 'exception', exception: error, context: 'WebSocket connection closed unexpectedly' });
    }
    if (reconnectSchedule(this.#options.reconnect)) return this.#reconnect(1, lostResponseId, info);
    this.#phase = 'closed';
    this.#timers.clear();
    this.#renewWhenQuiet = false;
    this.#hub.emit({ type: 'connection_status', status: 'disconnected', reason: info });
  }

  /** Attempt `attempt` of a reconnect after its backoff delay; replays the conversation on success. */
  #reconnect(attempt: number, lostResponseId: string | null, info: DisconnectInfo): void {
    const schedule = reconnectSchedule(this.#options.reconnect)!;
    if (attempt > schedule.maxAttempts) {
      this.#phase = 'closed';
      const dropped = this.#pending.length;
      this.#pending = [];
      if (dropped > 0) this.#fail(new RealtimeProtocolError('connection_closed', `Reconnect gave up after ${schedule.maxAttempts} attempts; ${dropped} queued sends were not sent`), 'Reconnect failed');
      this.#hub.emit({ type: 'connection_status', status: 'disconnected', reason: info });
      return;
    }
    this.#phase = 'reconnecting';
    this.#hub.emit({ type: 'connection_status', status: 'reconnecting', attempt, reason: info });
    this.#timers.after(backoffDelay(attempt, schedule), () => {
      this.#open(this.model).then(
        () => this.#restore(attempt, lostResponseId),
        (error: unknown) => {
          if (this.#phase !== 'reconnecting') return; // closed meanwhile
          this.#fail(error, `Reconnect attempt ${attempt} failed`);
          this.#reconnect(attempt + 1, lostResponseId, info);
        },
      );
    });
  }

  /** On the new session: the conversation as items, then the sends made while down. */
  #restore(attempt: number, lostResponseId: string | null): void {
    const { events, lost } = replayItems(this.#history);
    for (const event of events) this.#write(event);
    const pending = this.#pending.splice(0);
    for (const event of pending) this.sendEvent(event).catch((error: unknown) => this.#fail(error, `Replaying ${event.type}`));
    this.#renewWhenQuiet = false;
    this.#hub.emit({
      type: 'conversation_restored', attempt, session: true, restoredItems: events.length, lostItems: lost,
      lostResponseId, replayedSends: pending.length, droppedAudioFrames: this.#dropped.frames,
    });
  }

  #receive(data: unknown): void {
    const parsed = parseServerEvent(data);
    if (!parsed.ok) {
      for (const event of refusedFrameEvents(parsed)) this.#hub.emit(event);
      return;
    }
    if (this.#hub.has('raw_server_event')) this.#hub.emit({ type: 'raw_server_event', data: parsed.raw });
    const state = this.#state;
    if (!state) return;
    const event = parsed.event as Record<string, unknown> & { type: string };
    const delta = DELTA_EVENTS.has(event.type);
    let step: StepResult;
    try {
      const ctx = this.#receiveContext;
      ctx.now = this.#clock();
      ctx.playback = delta ? null : this.#output.reading();
      step = receiveServerEvent(state, event, ctx);
    } catch (error) {
      this.#hub.emit({ type: 'exception', exception: toError(error), context: 'Error handling WebSocket event' });
      return;
    }
    this.#apply(step);
    if (!delta) this.#wakeForHeard(); // a reading was folded in: the next word's due time moved
    if (event.type === 'session.created') this.#watchExpiry(event.session as { expires_at?: unknown } | undefined);
    if (this.#renewWhenQuiet) this.#renewIfQuiet();
  }

  /** Warns before the session expires; with reconnect on, renews it at the next quiet moment. */
  #watchExpiry(session: { expires_at?: unknown } | undefined): void {
    const expiresAt = session?.expires_at;
    if (typeof expiresAt !== 'number' || expiresAt <= 0) return;
    const warnMs = this.#options.sessionExpiryWarningMs ?? 60_000;
    const socket = this.#socket;
    this.#timers.after(Math.max(0, expiresAt * 1000 - Date.now() - warnMs), () => {
      if (this.#socket !== socket) return;
      this.#hub.emit({ type: 'session_expiring', expiresAt, inMs: Math.max(0, expiresAt * 1000 - Date.now()) });
      if (reconnectSchedule(this.#options.reconnect)) {
        this.#renewWhenQuiet = true;
        this.#renewIfQuiet();
      }
    });
  }

  /** Renews the session (a planned reconnect) when no response runs and nothing is audible. */
  #renewIfQuiet(): void {
    const state = this.#state;
    const socket = this.#socket;
    if (!state || !socket || state.ongoingResponse || headItem(state.ledger)) return;
    socket.close(1000, 'session renewal'); // its close event runs the reconnect path
  }

  /**
   * The player reports transitions only, which is all latency, releases and renewal need; the
   * heard transcript moves between them, so while someone follows it the model reads the player
   * again when the next word's start is due to be heard.
   */
  #wakeForHeard(): void {
    const state = this.#state;
    this.#output.wakeIn(this.#output.following && state ? msUntilHeardMoves(state) : null);
  }

  #onPlayback(): void {
    const state = this.#state;
    if (!state) return;
    this.#apply(playbackStep(state, this.#output.reading(), this.#clock()));
    this.#wakeForHeard();
    if (this.#renewWhenQuiet) this.#renewIfQuiet();
  }

  #apply(step: StepResult): void {
    for (const event of step.send) this.#write(event);
    const silencedAt = this.#output.run(step.play);
    if (step.silenceFrom) {
      const clock = this.#output.player && silencedAt !== null ? 'audio' : 'estimate';
      const extra: StepResult = { send: [], emit: [], play: [] };
      noteSilenced(extra, step.silenceFrom, silencedAt ?? this.#clock(), clock);
      step.emit.push(...extra.emit);
    }
    for (const event of step.emit) this.#hub.emit(event);
  }

  #write(event: ClientEvent): void {
    const socket = this.#socket;
    try {
      if (!socket || socket.readyState !== OPEN || !this.#queue) throw new RealtimeProtocolError('send_failed', `Socket is not open; ${event.type} was not sent`);
      const audioMs = event.type === 'input_audio_buffer.append' ? audioLengthMs(this.#state?.audioFormat ?? null, ((event.audio as string).length * 3) / 4) : 0;
      const parts = asciiFrameParts(event);
      this.#queue.send(serializeClientEvent(event, parts), audioMs, parts);
    } catch (error) {
      this.#hub.emit({ type: 'exception', exception: toError(error), context: `Failed to send ${event.type}` });
    }
  }

  #fail(error: unknown, context: string): void {
    this.#hub.emit({ type: 'exception', exception: toError(error), context });
  }

}

const OPEN = 1;
function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
