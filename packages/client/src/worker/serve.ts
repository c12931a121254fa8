// Worker mode, the worker's side: the real model (browser transport) runs here, with the socket,
// the parser, the ledger and the player's bookkeeping; the page keeps only the AudioContext and
// the worklet node (worker/model.ts). Audio goes from this thread straight to the worklet over a
// port the page handed off, and the worklet's reports come back here, so a frame never wakes
// the page: only the events the page listens to cross to it, and a clock snapshot every
// CLOCK_PUMP_MS (clock-mirror.ts). A message that is not ours is ignored; a failing call
// answers `fail` with the error as a record (protocol.ts); an event that cannot be cloned
// crosses with its `raw` as text.
import { RealtimeUserError } from '../core/errors.js';
import type { RealtimeModelEvent } from '../core/model-events.js';
import type { RealtimeSendEvent } from '../core/send.js';
import { PLAYER_OVER_PORT, WebAudioPlayer } from '../audio/player.js';
import { OpenAIRealtimeWebSocketModel } from '../index.browser.js';
import { browserTransport } from '../transport/browser.js';
import type { RealtimeConnectOptions, RealtimeModelOptions } from '../options.js';
import { holdForClock } from './clock-hold.js';
import { ClockMirror } from './clock-mirror.js';
import { ERROR_KEY, type FromWorker, type ToWorker, encodeEvent, postOrExplain, toWire } from './protocol.js';

/** Where the worker talks to the page: the worker's global scope, or a MessagePort. */
export interface WorkerEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** Options of {@link serveRealtimeModel}: the model's own (functions stay in the worker). */
export interface ServeRealtimeModelOptions extends RealtimeModelOptions {
  /** Where to serve; default the worker's global scope. */
  endpoint?: WorkerEndpoint;
}

/**
 * Runs a model in this worker for a page's `RealtimeWorkerModel`. Call once at the top of the
 * worker module: `serveRealtimeModel()`. Returns the model, for code in the worker itself (a
 * tool that runs here, say); the page drives it through its RealtimeWorkerModel.
 */
export function serveRealtimeModel(options: ServeRealtimeModelOptions = {}): InstanceType<typeof OpenAIRealtimeWebSocketModel> {
  const { endpoint = globalThis as unknown as WorkerEndpoint, ...modelOptions } = options;
  const post = (message: FromWorker) => endpoint.postMessage(message);
  const players = new Map<number, { player: WebAudioPlayer; clock: ClockMirror; forwarded: Map<string, () => void> }>();
  const clockWaits = new Map<number, () => void>();
  let nextClock = 0;
  // A barge-in's reading of the player waits for the page's fresh clocks (clock-hold.ts).
  const refreshClocks = () =>
    players.size === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const id = nextClock++;
          clockWaits.set(id, resolve);
          post({ t: 'clock?', id });
        });
  const createWebSocket = modelOptions.createWebSocket ?? browserTransport.createWebSocket;
  const model = new OpenAIRealtimeWebSocketModel({
    ...modelOptions,
    createWebSocket: async (o) => holdForClock(await createWebSocket(o), refreshClocks),
  });
  const keys = new Map<number, { resolve(key: string): void; reject(error: unknown): void }>();
  let nextKey = 0;
  const forwarded = new Map<string, (event: RealtimeModelEvent) => void>();
  const all = { onEvent: (event: RealtimeModelEvent) => forward(event) };
  let listeningToAll = false;

  const forward = (event: RealtimeModelEvent) => {
    const message = { t: 'event', event: encodeEvent(event) } as const;
    // `raw` of an event is whatever the server or a listener produced: text when it cannot cross.
    postOrExplain(post as (m: unknown) => void, message, 'event', () => ({ t: 'event', event: { ...message.event, ...rawAsText(event) } }));
  };

  const listen = (types: '*' | string[]) => {
    if (types === '*' && !listeningToAll) model.addListener(all);
    if (types !== '*' && listeningToAll) model.removeListener(all);
    listeningToAll = types === '*';
    const wanted = new Set(types === '*' ? [] : types);
    for (const [type, handler] of forwarded) {
      if (!wanted.has(type)) {
        model.off(type as RealtimeModelEvent['type'], handler);
        forwarded.delete(type);
      }
    }
    for (const type of wanted) {
      if (forwarded.has(type)) continue;
      const handler = (event: RealtimeModelEvent) => forward(event);
      forwarded.set(type, handler);
      model.on(type as RealtimeModelEvent['type'], handler);
    }
  };

  // The page's player events, from this player: one message per task (a report's position and level together).
  const playerBatches = new Map<number, Array<[string, unknown]>>();
  const forwardPlayerEvents = (id: number, types: string[]) => {
    const entry = players.get(id);
    if (!entry) return;
    for (const [type, off] of entry.forwarded) {
      if (!types.includes(type)) {
        off();
        entry.forwarded.delete(type);
      }
    }
    for (const type of types) {
      if (entry.forwarded.has(type)) continue;
      entry.forwarded.set(type, entry.player.on(type as 'level', (event) => {
        let batch = playerBatches.get(id);
        if (!batch) {
          playerBatches.set(id, (batch = []));
          queueMicrotask(() => {
            playerBatches.delete(id);
            post({ t: 'player-events', player: id, events: batch! });
          });
        }
        batch.push([type, event]);
      }));
    }
  };

  const askKey = () =>
    new Promise<string>((resolve, reject) => {
      const id = nextKey++;
      keys.set(id, { resolve, reject });
      post({ t: 'key', id });
    });

  const playerOf = (id: unknown): WebAudioPlayer => {
    const entry = players.get(id as number);
    if (!entry) throw new RealtimeUserError('invalid_argument', `No player ${String(id)} was handed to this worker`);
    return entry.player;
  };

  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    switch (method) {
      case 'connect': {
        const options = { ...(args[0] as RealtimeConnectOptions & { player?: unknown; apiKeyFromPage?: boolean }) };
        if (options.player !== undefined) options.player = playerOf(options.player);
        if (options.apiKeyFromPage) options.apiKey = askKey;
        delete options.apiKeyFromPage;
        return model.connect(options as RealtimeConnectOptions);
      }
      case 'sendEvent':
        return model.sendEvent(args[0] as RealtimeSendEvent);
      case 'close':
        return model.close();
      case 'attachPlayer': {
        const player = playerOf(args[0]);
        detachers.set(args[0] as number, model.attachPlayer(player));
        return undefined;
      }
      case 'detachPlayer':
        detachers.get(args[0] as number)?.();
        detachers.delete(args[0] as number);
        return undefined;
      case 'getAudioItems':
        return model.getAudioItems();
      case 'getSendQueue':
        return model.getSendQueue();
      case 'getPlaybackState':
        return model.getPlaybackState();
      default:
        throw new RealtimeUserError('invalid_argument', `Unknown worker model method ${method}`);
    }
  };
  const detachers = new Map<number, () => void>();

  endpoint.addEventListener('message', (e: MessageEvent) => {
    const m = e.data as ToWorker;
    if (typeof m !== 'object' || m === null) return;
    switch (m.t) {
      case 'call':
        call(m.method, m.args).then(
          (value) => post({ t: 'done', id: m.id, value, model: model.model }),
          (error: unknown) => post({ t: 'fail', id: m.id, error: toWire(error) }),
        );
        return;
      case 'listen':
        return listen(m.types);
      case 'player': {
        const clock = new ClockMirror(m.sampleRate, m.timeOrigin, m.clock);
        players.set(m.player, { player: WebAudioPlayer[PLAYER_OVER_PORT](clock, m.port, m.encoding), clock, forwarded: new Map() });
        return;
      }
      case 'player-listen':
        return forwardPlayerEvents(m.player, m.types);
      case 'clock': {
        for (const { player, clock } of m.clocks) players.get(player)?.clock.update(clock);
        if (m.request === undefined) return;
        clockWaits.get(m.request)?.();
        clockWaits.delete(m.request);
        return;
      }
      case 'key': {
        const pending = keys.get(m.id);
        keys.delete(m.id);
        if (m.error) pending?.reject(new RealtimeUserError('missing_api_key', `The page's apiKey function failed: ${m.error.message}`));
        else pending?.resolve(m.key ?? '');
        return;
      }
    }
  });
  (endpoint as { start?: () => void }).start?.(); // a MessagePort delivers only once started
  post({ t: 'ready', timeOrigin: modelOptions.clock ? null : performance.timeOrigin });
  return model;
}

/** An event's `raw` fields (its own, its error's, its error info's) as text. */
function rawAsText(event: RealtimeModelEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (event.type === 'raw_server_event' || event.type === 'other') out.data = safeText(event.data);
  if (event.type === 'error') out.error = { ...event.error, raw: safeText(event.error.raw) };
  if (event.type === 'exception') out.exception = { [ERROR_KEY]: { ...toWire(event.exception), raw: safeText((event.exception as { raw?: unknown }).raw) } };
  return out;
}

function safeText(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
