// Shared by the tests that drive the simulator through the library (through-client*.test.ts): a
// recorder of the model's events that validates every server frame, a simulator plus connected
// model (closed by runCleanups), and the wire check of the frames both sides saw.
import { expect } from 'vitest';
import {
  type ManualPlaybackTracker,
  OpenAIRealtimeWebSocketModel,
  type RealtimeModelEvent,
} from '../../client/src/index.node.js';
import { clientEventErrors } from '../../client/test/helpers/schema.js';
import { startSimulator, type Simulator } from '../src/index.js';
import { serverEventErrors } from '../src/validate.js';

export type Model = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
export type Obj = Record<string, any>;

/** 100 ms of 24 kHz pcm16. */
export const CHUNK = 4800;

/** Every model event in order, with server-frame validation and a waiter. */
export class Recorder {
  readonly events: RealtimeModelEvent[] = [];
  readonly invalid: string[] = [];
  /** Raw frames that are invalid on purpose (a fault test injects them). */
  readonly allowInvalid = new Set<string>();
  private waiters: Array<() => void> = [];

  constructor(readonly model: Model) {
    model.addListener({
      onEvent: (event) => {
        if (event.type === 'raw_server_event') {
          const errors = serverEventErrors(event.data);
          const text = JSON.stringify(event.data);
          if (errors && !this.allowInvalid.has(text)) this.invalid.push(`${text.slice(0, 200)}: ${errors.slice(0, 300)}`);
        }
        this.events.push(event);
        for (const w of this.waiters.splice(0)) w();
      },
    });
  }

  of<T extends RealtimeModelEvent['type']>(type: T, from = 0): Array<Extract<RealtimeModelEvent, { type: T }>> {
    return this.events.slice(from).filter((e) => e.type === type) as never;
  }

  raw(from = 0): Obj[] {
    return this.of('raw_server_event', from).map((e) => e.data as Obj);
  }

  /** Waits until `pred` returns a truthy value. */
  async until<T>(pred: () => T | undefined | null | false, what: string, timeoutMs = 20_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > end) {
        const tail = this.events.slice(-15).map((e) => (e.type === 'raw_server_event' ? `raw:${(e.data as Obj)?.type}` : e.type));
        throw new Error(`timed out waiting for ${what}; last events: ${tail.join(', ')}`);
      }
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
  }

  /** Waits for the first model event of `type` at or after index `from`. */
  next<T extends RealtimeModelEvent['type']>(type: T, from = 0, pred: (e: Extract<RealtimeModelEvent, { type: T }>) => boolean = () => true) {
    return this.until(() => this.of(type, from).find(pred), type);
  }

  /** Waits for the raw server frame of `type` at or after `from`. */
  nextRaw(type: string, from = 0, pred: (e: Obj) => boolean = () => true): Promise<Obj> {
    return this.until(() => this.raw(from).find((e) => e.type === type && pred(e)), `raw ${type}`);
  }

  /** Waits for the turn_ended of the response that started at or after `from`; returns its response.done. */
  async turn(from: number): Promise<Obj> {
    const started = await this.next('turn_started', from);
    await this.next('turn_ended', from, (e) => e.responseId === started.responseId);
    return this.nextRaw('response.done', from, (e) => e.response.id === started.responseId);
  }

  /** Text spoken (transcript deltas) in a response. */
  transcript(responseId: string | null): string {
    return this.of('transcript_delta').filter((e) => e.responseId === responseId).map((e) => e.delta).join('');
  }
}

export function newModel(): Model {
  return new OpenAIRealtimeWebSocketModel();
}

const cleanups: Array<() => Promise<void> | void> = [];
/** Runs `cleanup` after the test (runCleanups), newest first. */
export function cleanUpLater(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}
/** Closes what `open` started, newest first: call it from each test file's afterEach. */
export async function runCleanups(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

export async function open(options: Parameters<typeof startSimulator>[0], settings: Obj = {}, tracker?: ManualPlaybackTracker) {
  const sim = await startSimulator({ port: 0, pace: Infinity, ...options });
  cleanups.push(() => sim.close());
  const model = newModel();
  const rec = new Recorder(model);
  cleanups.push(() => model.close());
  await model.connect({ apiKey: 'sk-test', url: sim.url, initialModelSettings: settings as never, playbackTracker: tracker });
  // session.created, then session.updated for the initial session.update and the tracing one.
  await rec.until(() => rec.raw().filter((e) => e.type === 'session.updated').length >= 2, 'session.updated ×2');
  return { sim, model, rec };
}

/** Schema checks at the end of a test: server frames the model saw, client frames the simulator saw. */
export function expectValidWire(sim: Simulator, rec: Recorder): void {
  expect(rec.invalid, 'server frames that are not valid GA server events').toEqual([]);
  const bad = sim.connections.flatMap((c) => c.received.map((f) => [f, clientEventErrors(f)] as const))
    .filter(([, e]) => e).map(([f, e]) => `${JSON.stringify(f).slice(0, 200)}: ${e}`);
  expect(bad, 'client frames that are not valid GA client events').toEqual([]);
}

export async function sendPcm(model: Model, pcm: Buffer): Promise<void> {
  for (let i = 0; i < pcm.length; i += CHUNK) await model.sendAudio(pcm.subarray(i, i + CHUNK));
}
