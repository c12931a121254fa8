// The transport conformance scenarios, written once and run unchanged in every runtime (Node,
// Chromium, Deno, Bun, workerd) on the library as that runtime's bundle resolved it, against the
// simulator. Each scenario reports what it observed as plain JSON; contract.ts checks the report
// together with what the simulator saw on the wire. Only timers, Promise and the library are used
// here. A scenario never throws out of runConformance and every wait is bounded.
import type * as Client from '../../src/index.js';

/** What a runtime entry passes in: `import * as lib from '@open-realtime/client'`. */
export type ClientLibrary = Pick<typeof Client, 'OpenAIRealtimeWebSocketModel' | 'ManualPlaybackTracker'>;
type Model = InstanceType<typeof Client.OpenAIRealtimeWebSocketModel>;
type ModelEvent = Client.RealtimeModelEvent;
type ConnectOptions = Client.RealtimeConnectOptions;
type Obj = Record<string, any>;

/** Where and how to connect. */
export interface ConformanceConfig {
  /** The simulator's URL (`ws://127.0.0.1:PORT/v1/realtime?model=gpt-realtime`). */
  url: string;
  /** A URL where nothing listens. */
  unreachableUrl: string;
  /** A key the simulator accepts; passed explicitly as `apiKey`. */
  apiKey: string;
  /** A key the simulator refuses (error, then close 1008). */
  badApiKey: string;
  /** Bound on every wait, in ms (default 15 s). */
  timeoutMs?: number;
  /** Run only these scenarios (default: all, in order). */
  scenarios?: ScenarioName[];
}

/** The scenarios, in the order they run; each opens its own connection tagged `scenario=<name>`. */
export const SCENARIOS = [
  'auth', 'env_key', 'custom_headers', 'text_turn', 'audio', 'interrupt', 'tool_call',
  'server_error', 'client_close', 'server_close', 'drop', 'unreachable',
] as const;
/** One scenario's name. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** What one scenario observed. `events` lists model events, runs of deltas collapsed. */
export interface ScenarioResult {
  ok: boolean;
  error?: string;
  events: string[];
  data: Obj;
}
/** A whole run. */
export type ConformanceReport = Record<ScenarioName, ScenarioResult>;

/** The tool the tool_call scenario offers; the simulator's script calls it for "weather". */
export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
/** The after-tool reply the simulator's script gives. */
export const AFTER_TOOL_REPLY = 'It is sunny and 22 degrees in Paris.';
/** The tool output the scenario sends back. */
export const TOOL_OUTPUT = '{"temperature":22,"sky":"sunny"}';
/** The played position the interrupt scenario's tracker reports. */
export const PLAYED_MS = 250;

/** 300 ms of a 440 Hz tone, pcm16 little-endian 24 kHz mono: what the audio scenario appends. */
export function conformanceTone(): Uint8Array {
  const samples = 7200;
  const bytes = new Uint8Array(samples * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples; i++) view.setInt16(i * 2, Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24000)), true);
  return bytes;
}

/** The URL of a scenario's connection: the simulator's, tagged so the test can find it. */
export function scenarioUrl(base: string, name: ScenarioName): string {
  return `${base}${base.includes('?') ? '&' : '?'}scenario=${name}`;
}

/** One line per model event; deltas, audio and raw frames are summarised elsewhere. */
function describeEvent(event: ModelEvent): string | null {
  switch (event.type) {
    case 'raw_server_event': case 'usage': case 'item_updated': return null;
    case 'connection_status': return `connection_status:${event.status}`;
    case 'error': return `error:${event.error.source}:${event.error.code}`;
    case 'exception': return `exception:${(event.exception as { code?: string }).code ?? event.exception.name}`;
    default: return event.type;
  }
}

/** One connected model and everything it emitted, with bounded waits on positive signals. */
class Session {
  readonly events: ModelEvent[] = [];
  private wake: Array<() => void> = [];

  constructor(readonly model: Model, private readonly timeoutMs: number) {
    model.addListener({
      onEvent: (event) => {
        this.events.push(event);
        for (const w of this.wake.splice(0)) w();
      },
    });
  }

  /**
   * Resolves with the first truthy `pred()`, re-checked on every event. Rejects at once when the
   * model disconnected without `pred` holding (nothing more can arrive), else after the bound.
   */
  until<T>(pred: () => T | null | undefined | false, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`${why} waiting for ${what}; events: ${this.log().slice(-12).join(', ')}`));
      const timer = setTimeout(() => {
        this.wake = this.wake.filter((w) => w !== check);
        fail('timed out');
      }, this.timeoutMs);
      const check = () => {
        const value = pred();
        if (value) return void (clearTimeout(timer), resolve(value));
        if (!this.isDisconnected()) return void this.wake.push(check);
        clearTimeout(timer);
        fail('disconnected');
      };
      check();
    });
  }

  isDisconnected(): boolean {
    return this.of('connection_status').some((e) => e.status === 'disconnected');
  }

  of<T extends ModelEvent['type']>(type: T): Array<Extract<ModelEvent, { type: T }>> {
    return this.events.filter((e) => e.type === type) as never;
  }

  raw(type: string): Obj[] {
    return this.of('raw_server_event').map((e) => e.data as Obj).filter((d) => d?.type === type);
  }

  /** Waits for the turn_ended of the n-th turn_started (1-based). */
  turn(n: number): Promise<string | null> {
    return this.until(() => {
      const started = this.of('turn_started')[n - 1];
      return started && this.of('turn_ended').some((e) => e.responseId === started.responseId) && { id: started.responseId };
    }, `turn ${n} to end`).then((t) => t.id);
  }

  /** session.created answered: both session.updated (initial settings, tracing) arrived. */
  ready(): Promise<unknown> {
    return this.until(() => this.raw('session.updated').length >= 2, 'two session.updated');
  }

  disconnected(): Promise<unknown> {
    return this.until(() => this.isDisconnected(), 'disconnected');
  }

  log(): string[] {
    const out: string[] = [];
    for (const event of this.events) {
      const line = describeEvent(event);
      if (line !== null && !(line === out[out.length - 1] && /delta|^audio$/.test(line))) out.push(line);
    }
    return out;
  }

  /** The exceptions emitted, as JSON. */
  exceptions(): Obj[] {
    return this.of('exception').map(({ exception, context }) => {
      const { code, raw } = exception as Error & { code?: string; raw?: unknown };
      return { code, message: exception.message, raw, context };
    });
  }

  audioBytes(responseId?: string | null): number {
    return this.of('audio').filter((a) => responseId === undefined || a.responseId === responseId).reduce((n, a) => n + a.data.byteLength, 0);
  }

  text(type: 'transcript_delta' | 'output_text_delta', responseId: string | null): string {
    return this.of(type).filter((e) => e.responseId === responseId).map((e) => e.delta).join('');
  }
}

interface Ctx {
  lib: ClientLibrary;
  config: ConformanceConfig;
  name: ScenarioName;
  /** Creates the model, records its events, connects; the runner closes it afterwards. */
  open(options?: ConnectOptions): Promise<Session>;
  /** The same without connecting, for scenarios whose connect is expected to fail. */
  create(): Session;
}

const errorCode = (error: unknown) => (error as { code?: string })?.code ?? (error as Error)?.name ?? String(error);
const errorText = (error: unknown) => `${errorCode(error)}: ${(error as Error)?.message ?? String(error)}`;

/** connect() either resolves or rejects; both are observations here. */
async function tryConnect(ctx: Ctx, options: ConnectOptions): Promise<Obj> {
  const session = ctx.create();
  try {
    await session.model.connect({ url: scenarioUrl(ctx.config.url, ctx.name), ...options });
    await session.ready();
    return { connected: true };
  } catch (error) {
    return { connected: false, rejected: errorCode(error), message: (error as Error)?.message };
  }
}

const SCENARIO_RUNS: Record<ScenarioName, (ctx: Ctx) => Promise<Obj>> = {
  async auth(ctx) {
    const s = await ctx.open();
    await s.ready();
    return { sessionCreated: s.raw('session.created').length };
  },
  env_key: (ctx) => tryConnect(ctx, {}),
  custom_headers: (ctx) => tryConnect(ctx, { headers: { 'api-key': ctx.config.apiKey } }),
  async text_turn(ctx) {
    const s = await ctx.open();
    await s.ready();
    await s.model.sendUserInput('Hello from the conformance suite');
    const responseId = await s.turn(1);
    return { transcript: s.text('transcript_delta', responseId), audioBytes: s.audioBytes(responseId), audioDone: s.of('audio_done').length };
  },
  async audio(ctx) {
    const s = await ctx.open({ initialModelSettings: { turnDetection: null } });
    await s.ready();
    const tone = conformanceTone();
    for (let i = 0; i < tone.byteLength; i += 4800) {
      await s.model.sendAudio(tone.subarray(i, i + 4800), { commit: i + 4800 >= tone.byteLength });
    }
    await s.until(() => s.raw('input_audio_buffer.committed').length, 'input_audio_buffer.committed');
    await s.model.sendEvent({ type: 'raw_message', message: { type: 'response.create' } });
    const responseId = await s.turn(1);
    const audio = s.of('audio').filter((a) => a.responseId === responseId);
    return {
      sentBytes: tone.byteLength, transcript: s.text('transcript_delta', responseId), audioBytes: s.audioBytes(responseId),
      audioChunks: audio.length, audioItem: audio[0]?.itemId ?? null, audioDoneItems: s.of('audio_done').map((e) => e.itemId),
    };
  },
  async interrupt(ctx) {
    // interrupt_response: the server cancels on speech by itself, but a button press is not speech:
    // interrupt() sends the truncate and response.cancel. It fires at audio_done: the item is
    // complete, deterministic on every runtime.
    const tracker = new ctx.lib.ManualPlaybackTracker();
    const s = await ctx.open({ initialModelSettings: { turnDetection: { type: 'server_vad', interruptResponse: true } }, playbackTracker: tracker });
    await s.ready();
    let interrupted: Promise<void> | null = null;
    s.model.on('audio_done', (e) => {
      if (interrupted) return;
      tracker.onPlayMs(e.itemId, e.contentIndex, PLAYED_MS);
      interrupted = s.model.interrupt();
    });
    await s.model.sendUserInput('Tell me a story');
    const sent = await s.until(() => interrupted && { interrupted }, 'interrupt at audio_done');
    await sent.interrupted;
    const truncated = await s.until(() => s.raw('conversation.item.truncated')[0], 'conversation.item.truncated');
    return { audioItem: s.of('audio')[0]?.itemId ?? null, interrupted: s.of('audio_interrupted'), truncated };
  },
  async tool_call(ctx) {
    const s = await ctx.open({ initialModelSettings: { outputModalities: ['text'], tools: [WEATHER_TOOL] } });
    await s.ready();
    await s.model.sendUserInput("What's the weather in Paris?");
    const call = await s.until(() => s.of('function_call')[0], 'function_call');
    await s.turn(1);
    await s.model.sendEvent({ type: 'tool_output', toolCall: { callId: call.callId, id: call.id, name: call.name, arguments: call.arguments }, output: TOOL_OUTPUT, startResponse: true });
    const responseId = await s.turn(2);
    return { call: { name: call.name, arguments: call.arguments, callId: call.callId }, reply: s.text('output_text_delta', responseId) };
  },
  async server_error(ctx) {
    const s = await ctx.open();
    await s.ready();
    await s.model.sendEvent({ type: 'raw_message', message: { type: 'response.cancel' } });
    const error = await s.until(() => s.of('error')[0], 'error event');
    return { error: error.error };
  },
  async client_close(ctx) {
    const s = await ctx.open();
    await s.ready();
    s.model.close();
    await s.disconnected();
    return {};
  },
  async server_close(ctx) {
    const s = await ctx.open({ apiKey: ctx.config.badApiKey });
    await s.disconnected();
    return { error: s.of('error')[0]?.error ?? null, exceptions: s.exceptions() };
  },
  async drop(ctx) {
    const s = await ctx.open();
    await s.ready();
    await s.model.sendUserInput('Hello, then the connection drops');
    await s.disconnected();
    const after = await s.model.sendUserInput('after the drop').then(() => 'sent', errorCode);
    return { exceptions: s.exceptions(), sendAfterDrop: after };
  },
  async unreachable(ctx) {
    const s = ctx.create();
    const outcome = await s.model.connect({ apiKey: ctx.config.apiKey, url: ctx.config.unreachableUrl }).then(() => ({ connected: true }), (error) => ({ connected: false, rejected: errorCode(error) }));
    return outcome;
  },
};

/** Runs the scenarios in order and reports what each observed. Never throws. */
export async function runConformance(lib: ClientLibrary, config: ConformanceConfig): Promise<ConformanceReport> {
  const report = {} as ConformanceReport;
  for (const name of config.scenarios ?? SCENARIOS) {
    const sessions: Session[] = [];
    const create = () => {
      const session = new Session(new lib.OpenAIRealtimeWebSocketModel(), config.timeoutMs ?? 15_000);
      sessions.push(session);
      return session;
    };
    const ctx: Ctx = {
      lib, config, name, create,
      async open(options = {}) {
        const session = create();
        await session.model.connect({ apiKey: config.apiKey, url: scenarioUrl(config.url, name), ...options });
        return session;
      },
    };
    try {
      const data = await SCENARIO_RUNS[name](ctx);
      report[name] = { ok: true, events: sessions.flatMap((s) => s.log()), data: JSON.parse(JSON.stringify(data)) };
    } catch (error) {
      report[name] = { ok: false, error: errorText(error), events: sessions.flatMap((s) => s.log()), data: {} };
    } finally {
      for (const s of sessions) s.model.close();
    }
  }
  return report;
}
