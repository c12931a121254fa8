// The simulator driven through the library (@open-realtime/client, imported by relative path
// because this package does not depend on it): a full scripted conversation compared with a
// reviewed expectation (fixtures/conversation.expected.json), the truncate error path and the
// library's clamp, and every fault injection as the library reports it. Every server frame the
// model receives is validated against #/$defs/RealtimeServerEvent (raw_server_event), and every
// client frame the simulator received against #/$defs/RealtimeClientEvent.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ManualPlaybackTracker,
  OpenAIRealtimeWebSocketModel,
  type RealtimeModelEvent,
} from '../../client/src/index.node.js';
import { clientEventErrors } from '../../client/test/helpers/schema.js';
import { startSimulator, type Simulator } from '../src/index.js';
import { serverEventErrors } from '../src/validate.js';
import { speechPcm } from './helpers.js';

type Model = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
type Obj = Record<string, any>;

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'conversation.expected.json');
const CHUNK = 4800; // 100 ms of 24 kHz pcm16

/** Every model event in order, with server-frame validation and a waiter. */
class Recorder {
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

function newModel(): Model {
  return new OpenAIRealtimeWebSocketModel();
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(options: Parameters<typeof startSimulator>[0], settings: Obj = {}, tracker?: ManualPlaybackTracker) {
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
function expectValidWire(sim: Simulator, rec: Recorder): void {
  expect(rec.invalid, 'server frames that are not valid GA server events').toEqual([]);
  const bad = sim.connections.flatMap((c) => c.received.map((f) => [f, clientEventErrors(f)] as const))
    .filter(([, e]) => e).map(([f, e]) => `${JSON.stringify(f).slice(0, 200)}: ${e}`);
  expect(bad, 'client frames that are not valid GA client events').toEqual([]);
}

async function sendPcm(model: Model, pcm: Buffer): Promise<void> {
  for (let i = 0; i < pcm.length; i += CHUNK) await model.sendAudio(pcm.subarray(i, i + CHUNK));
}

/** Replaces ids by placeholders numbered in order of first appearance, per kind. */
class Ids {
  private map = new Map<string, string>();
  private counts: Record<string, number> = {};
  get(id: unknown, kind: string): string {
    if (typeof id !== 'string' || !id) return String(id);
    let p = this.map.get(id);
    if (!p) {
      this.counts[kind] = (this.counts[kind] ?? 0) + 1;
      p = `<${kind}${this.counts[kind]}>`;
      this.map.set(id, p);
    }
    return p;
  }
}

/** A compact, timing-independent picture of the conversation. */
function normalize(rec: Recorder, received: unknown[]): { modelEvents: string[]; retrieved: string[]; clientFrames: string[] } {
  const ids = new Ids();
  const modelEvents: string[] = [];
  const push = (line: string) => { if (modelEvents[modelEvents.length - 1] !== line) modelEvents.push(line); };
  // The item_updated of a conversation.item.retrieved (the library re-reads its current item on
  // every transcription.completed / truncated) lands at a timing-dependent place inside the next
  // response's delta burst, so those are listed apart, in their (deterministic) order.
  const retrieved: string[] = [];
  let lastRaw = '';
  for (const e of rec.events) {
    if (e.type === 'item_updated' && lastRaw === 'conversation.item.retrieved') {
      retrieved.push(`item_updated ${ids.get(e.item.itemId, 'item')} ${e.item.type}/${e.item.role ?? '-'}/${e.item.status}`);
      continue;
    }
    switch (e.type) {
      case 'raw_server_event': lastRaw = String((e.data as Obj)?.type); break;
      case 'usage': break;
      // Audio, transcript and text deltas arrive in bursts whose size depends on timing.
      case 'audio': case 'transcript_delta': case 'output_text_delta': push(`deltas ${ids.get(e.responseId, 'resp')}`); break;
      case 'connection_status': push(`connection_status ${e.status}`); break;
      case 'turn_started': case 'turn_ended': push(`${e.type} ${ids.get(e.responseId, 'resp')}`); break;
      case 'item_updated': push(`item_updated ${ids.get(e.item.itemId, 'item')} ${e.item.type}/${e.item.role ?? '-'}/${e.item.status}`); break;
      case 'audio_interrupted': case 'audio_done': push(`${e.type} ${ids.get(e.itemId, 'item')}:${e.contentIndex}`); break;
      case 'function_call': push(`function_call ${e.name} ${e.arguments} ${ids.get(e.callId, 'call')} ${ids.get(e.id, 'item')}`); break;
      case 'input_audio_transcription_completed': push(`input_audio_transcription_completed ${ids.get(e.itemId, 'item')} ${JSON.stringify(e.transcript)}`); break;
      case 'error': push(`error ${e.error.source} ${e.error.code}`); break;
      case 'exception': push(`exception ${(e.exception as { code?: string }).code ?? e.exception.message}`); break;
      default: push(e.type);
    }
  }
  const clientFrames: string[] = [];
  for (const f of received as Obj[]) {
    let line = String(f.type);
    if (f.type === 'conversation.item.truncate') line += ` ${ids.get(f.item_id, 'item')}:${f.content_index} audio_end_ms=${f.audio_end_ms}`;
    else if (f.type === 'conversation.item.retrieve') line += ` ${ids.get(f.item_id, 'item')}`;
    else if (f.type === 'conversation.item.create') {
      const item = f.item as Obj;
      line += item.type === 'function_call_output'
        ? ` function_call_output ${ids.get(item.call_id, 'call')} ${item.output}`
        : ` ${item.type}/${item.role} ${JSON.stringify(item.content?.map((c: Obj) => c.text ?? c.type))}`;
    } else if (f.type === 'session.update') line += f.session.tracing !== undefined ? ' tracing' : ' full';
    else if (f.type === 'response.cancel' && f.response_id) line += ` ${ids.get(f.response_id, 'resp')}`;
    if (f.type === 'input_audio_buffer.append' && clientFrames[clientFrames.length - 1] === 'input_audio_buffer.append') continue;
    clientFrames.push(line);
  }
  return { modelEvents, retrieved, clientFrames };
}

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
const AFTER_TOOL = 'It is sunny and 22 degrees in Paris.';

describe('the simulator through @open-realtime/client', () => {
  it('runs a full scripted conversation (text, audio turn, barge-in with truncate, tool call) that matches the recorded expectation', async () => {
    // interrupt_response: true — the simulator cancels the response itself on speech_started
    // (status_details.reason "turn_detected") and the library only truncates (it sends no
    // response.cancel when the server cancels). This is the flow the real server drives with
    // server VAD; with interrupt_response false the library would send truncate + response.cancel
    // itself and the response would end with reason "client_cancelled" instead.
    const tracker = new ManualPlaybackTracker();
    const { sim, model, rec } = await open(
      {
        pace: 10, // 100 ms audio chunks every 10 ms: a reply can be barged into while it streams
        script: {
          rules: [
            { match: /weather/i, toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, afterToolReply: AFTER_TOOL },
            { match: /shorter/i, reply: 'Okay, briefly then.' },
          ],
          userTranscripts: ['What time is it?', 'Stop, something shorter please.'],
        },
      },
      {
        tools: [WEATHER_TOOL],
        turnDetection: { type: 'server_vad', createResponse: true, interruptResponse: true, silenceDurationMs: 500 },
      },
      tracker,
    );
    const session = rec.raw().filter((e) => e.type === 'session.updated')[0]!.session;
    expect(session.tools.map((t: Obj) => t.name)).toEqual(['get_weather']);
    expect(session.audio.input.turn_detection).toMatchObject({ type: 'server_vad', create_response: true, interrupt_response: true });

    // (a) text turn → audio and a transcript quoting the user.
    let from = rec.events.length;
    await model.sendUserInput('Hello there');
    const doneA = await rec.turn(from);
    expect(doneA.response.status).toBe('completed');
    expect(rec.of('audio', from).length).toBeGreaterThan(10);
    expect(rec.transcript(doneA.response.id)).toMatch(/^You said: Hello there\./);
    // The app played the whole reply and reports it, as a player would, before the user speaks.
    for (const a of rec.of('audio', from)) tracker.onPlayBytes(a.itemId, a.contentIndex, a.data);

    // (b) audio turn: synthesized speech and 1 s of silence in 100 ms appends.
    from = rec.events.length;
    const { pcm, speechMs } = await speechPcm('What time is it?', 200, 1000);
    await sendPcm(model, pcm);
    const started = await rec.nextRaw('input_audio_buffer.speech_started', from);
    const stopped = await rec.nextRaw('input_audio_buffer.speech_stopped', from);
    expect(started.audio_start_ms).toBeGreaterThanOrEqual(0);
    expect(started.audio_start_ms).toBeLessThan(400);
    expect(stopped.audio_end_ms).toBeGreaterThan(200 + speechMs * 0.6);
    expect(stopped.audio_end_ms).toBeLessThanOrEqual(200 + speechMs + 100);
    const committed = await rec.nextRaw('input_audio_buffer.committed', from);
    const heard = await rec.next('input_audio_transcription_completed', from);
    expect(heard).toMatchObject({ itemId: committed.item_id, transcript: 'What time is it?' });
    const doneB = await rec.turn(from);
    expect(doneB.response.status).toBe('completed');
    expect(rec.transcript(doneB.response.id)).toMatch(/^You said: What time is it\?/);

    // (c) barge-in during a long reply: the listener heard 300 ms, then speaks.
    from = rec.events.length;
    await model.sendUserInput('Tell me a long story');
    const firstAudio = await rec.until(() => { const a = rec.of('audio', from); return a.length >= 5 && a[0]; }, '5 audio chunks');
    tracker.onPlayMs(firstAudio.itemId, firstAudio.contentIndex, 300);
    const barge = await speechPcm('Stop, something shorter please.', 0, 1000);
    const speechPart = barge.pcm.subarray(0, Math.ceil(barge.speechMs / 100) * CHUNK);
    const rxBefore = sim.connections[0]!.received.length;
    await sendPcm(model, speechPart);
    await rec.nextRaw('input_audio_buffer.speech_started', from);
    const interrupted = await rec.next('audio_interrupted', from);
    expect(interrupted).toEqual({ type: 'audio_interrupted', itemId: firstAudio.itemId, contentIndex: 0 });
    const truncated = await rec.nextRaw('conversation.item.truncated', from);
    expect(truncated).toMatchObject({ item_id: firstAudio.itemId, content_index: 0, audio_end_ms: 300 });
    const truncate = sim.connections[0]!.received.slice(rxBefore).find((f) => (f as Obj).type === 'conversation.item.truncate');
    expect(truncate).toEqual({ type: 'conversation.item.truncate', item_id: firstAudio.itemId, content_index: 0, audio_end_ms: 300 });
    expect(sim.connections[0]!.received.slice(rxBefore).map((f) => (f as Obj).type)).not.toContain('response.cancel');
    const doneC = await rec.nextRaw('response.done', from);
    expect(doneC.response).toMatchObject({ id: firstAudio.responseId, status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } });
    expect(rec.of('turn_ended', from).map((e) => e.responseId)).toContain(firstAudio.responseId);
    // The client re-reads the truncated item; the simulator kept only the whole words heard.
    const retrieved = await rec.nextRaw('conversation.item.retrieved', from, (e) => e.item.id === firstAudio.itemId);
    const part = retrieved.item.content[0];
    expect(Buffer.from(part.audio, 'base64').length).toBe(300 * 48);
    expect(rec.transcript(firstAudio.responseId).startsWith(part.transcript)).toBe(true);
    expect(part.transcript.length).toBeLessThan(rec.transcript(firstAudio.responseId).length);
    // Audio of the interrupted response that arrives after the barge-in is not played.
    const bargeAt = rec.events.indexOf(interrupted);
    expect(rec.of('audio', bargeAt).filter((a) => a.responseId === firstAudio.responseId)).toEqual([]);
    // The rest of the barge-in turn: silence ends it and the scripted reply answers.
    const fromSilence = rec.events.length;
    await sendPcm(model, barge.pcm.subarray(speechPart.length));
    expect(await rec.next('input_audio_transcription_completed', from)).toMatchObject({ transcript: 'Stop, something shorter please.' });
    const doneC2 = await rec.turn(fromSilence);
    expect(doneC2.response.status).toBe('completed');
    expect(rec.transcript(doneC2.response.id)).toBe('Okay, briefly then.');

    // (d) tool call → tool output with startResponse → the scripted after-tool reply.
    from = rec.events.length;
    await model.sendUserInput("What's the weather in Paris?");
    const call = await rec.next('function_call', from);
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(call.callId).toMatch(/^call_/);
    const doneD1 = await rec.turn(from);
    expect(doneD1.response.output[0]).toMatchObject({ type: 'function_call', call_id: call.callId, name: 'get_weather', arguments: '{"city":"Paris"}' });
    const fromTool = rec.events.length;
    await model.sendEvent({
      type: 'tool_output',
      toolCall: { callId: call.callId, id: call.id, name: call.name, arguments: call.arguments },
      output: '{"temperature":22,"sky":"sunny"}',
      startResponse: true,
    });
    const doneD2 = await rec.turn(fromTool);
    expect(doneD2.response.status).toBe('completed');
    expect(rec.transcript(doneD2.response.id)).toBe(AFTER_TOOL);

    expect(rec.of('error')).toEqual([]);
    expect(rec.of('exception')).toEqual([]);
    model.close();
    await rec.next('connection_status', 0, (e) => e.status === 'disconnected');
    expectValidWire(sim, rec);

    const actual = normalize(rec, sim.connections[0]!.received);
    if (!existsSync(FIXTURE)) {
      mkdirSync(dirname(FIXTURE), { recursive: true });
      writeFileSync(FIXTURE, JSON.stringify(actual, null, 2) + '\n');
      expect.fail(`wrote ${FIXTURE}: review it and commit it, then run the test again`);
    }
    expect(actual).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  });

  it('reports a truncate past the audio received as an error, stays usable, and the library clamp avoids it', async () => {
    const tracker = new ManualPlaybackTracker();
    // interrupt_response true: interrupt() then only truncates (no response.cancel).
    const { sim, model, rec } = await open({}, { turnDetection: { type: 'server_vad', interruptResponse: true } }, tracker);

    let from = rec.events.length;
    await model.sendUserInput('First');
    const done = await rec.turn(from);
    const first = rec.of('audio', from)[0]!;
    const receivedBytes = rec.of('audio', from).reduce((n, a) => n + a.data.length, 0);
    const receivedMs = receivedBytes / 48;

    // A raw truncate past the end: the observed server error, event_id null.
    from = rec.events.length;
    await model.sendEvent({
      type: 'raw_message',
      message: { type: 'conversation.item.truncate', otherData: { item_id: first.itemId, content_index: 0, audio_end_ms: Math.floor(receivedMs) + 5000 } },
    });
    const err = await rec.next('error', from);
    expect(err.error).toMatchObject({ source: 'server', type: 'invalid_request_error', code: 'invalid_value', eventId: null });
    expect(err.error.message).toMatch(/Audio content of \d+ms is already shorter than \d+ms/);
    expect(err.error.message).toBe(`Audio content of ${Math.floor(receivedMs)}ms is already shorter than ${Math.floor(receivedMs) + 5000}ms`);
    expect(rec.of('connection_status', from)).toEqual([]);

    // Still usable: a later text turn completes.
    from = rec.events.length;
    await model.sendUserInput('Second');
    const second = await rec.turn(from);
    expect(second.response.status).toBe('completed');
    expect(rec.transcript(second.response.id)).toMatch(/^You said: Second\./);

    // The clamp: interrupt() while the response is still open on the client (at audio_done, after
    // the simulator stored the item) with a tracker reporting far more than was received.
    from = rec.events.length;
    let interrupted: Promise<void> | null = null;
    const onDone = (e: { itemId: string; contentIndex: number }) => {
      if (interrupted) return;
      tracker.onPlayMs(e.itemId, e.contentIndex, 10 * 60_000);
      interrupted = model.sendEvent({ type: 'interrupt' }); // the seed's defaults: no cancel when the server cancels
    };
    model.on('audio_done', onDone);
    const rxBefore = sim.connections[0]!.received.length;
    await model.sendUserInput('Third');
    const third = await rec.turn(from);
    model.off('audio_done', onDone);
    await interrupted;
    const audio = rec.of('audio', from);
    const thirdMs = Math.floor(audio.reduce((n, a) => n + a.data.length, 0) / 48);
    expect(rec.of('audio_interrupted', from)).toEqual([{ type: 'audio_interrupted', itemId: audio[0]!.itemId, contentIndex: 0 }]);
    const truncated = await rec.nextRaw('conversation.item.truncated', from);
    expect(truncated).toMatchObject({ item_id: audio[0]!.itemId, content_index: 0, audio_end_ms: thirdMs });
    const sent = sim.connections[0]!.received.slice(rxBefore).map((f) => f as Obj);
    expect(sent.filter((f) => f.type === 'conversation.item.truncate'))
      .toEqual([{ type: 'conversation.item.truncate', item_id: audio[0]!.itemId, content_index: 0, audio_end_ms: thirdMs }]);
    expect(sent.map((f) => f.type)).not.toContain('response.cancel');
    expect(third.response.status).toBe('completed');
    expect(rec.of('error', from)).toEqual([]);
    expect(done.response.status).toBe('completed');
    expectValidWire(sim, rec);
  });
});

describe('the first frame after the handshake', () => {
  // Regression: `ws` can deliver the server's immediate session.created in the same tick as the
  // handshake; the model holds such early frames until it is attached, so none is lost and the
  // tracing session.update that session.created triggers is sent.
  it('receives the session.created sent right after the handshake with the default Node socket', async () => {
    const sim = await startSimulator({ port: 0, pace: Infinity });
    cleanups.push(() => sim.close());
    const model = new OpenAIRealtimeWebSocketModel();
    const rec = new Recorder(model);
    cleanups.push(() => model.close());
    await model.connect({ apiKey: 'sk-test', url: sim.url, initialModelSettings: { turnDetection: null } });
    await rec.nextRaw('session.updated');
    await new Promise((r) => setTimeout(r, 200));
    expect(rec.raw().map((e) => e.type)).toEqual(['session.created', 'session.updated', 'session.updated']);
    expect(sim.connections[0]!.received.map((e) => e.type)).toEqual(['session.update', 'session.update']);
    expect(sim.connections[0]!.received[1]).toEqual({ type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime', tracing: 'auto' } });
  });
});

describe('fault injection through @open-realtime/client', () => {
  const NO_VAD = { turnDetection: null };

  async function expectDropped(rec: Recorder, model: Model, from: number): Promise<void> {
    const exception = await rec.next('exception', from);
    expect(exception.exception.message).toContain('1006');
    expect(exception.exception).toMatchObject({ code: 'connection_closed' });
    await rec.next('connection_status', from, (e) => e.status === 'disconnected');
    await expect(model.sendUserInput('after the drop')).rejects.toMatchObject({ code: 'closed' });
  }

  it('reports dropAfterFrames as an exception with code 1006, then disconnected, and refuses to send', async () => {
    // Frames: session.created, session.updated ×2, then the user item's added/done: drop after 4.
    const sim = await startSimulator({ port: 0, pace: Infinity, faults: { dropAfterFrames: 4 } });
    cleanups.push(() => sim.close());
    const model = newModel();
    const rec = new Recorder(model);
    cleanups.push(() => model.close());
    await model.connect({ apiKey: 'sk-test', url: sim.url, initialModelSettings: NO_VAD });
    await rec.until(() => rec.raw().length >= 3, '3 frames');
    const from = rec.events.length;
    await model.sendUserInput('x');
    await expectDropped(rec, model, from);
    expect(rec.raw()).toHaveLength(4);
    expect(rec.of('turn_started')).toEqual([]);
    expectValidWire(sim, rec);
  });

  it('reports dropMidResponseAfterDeltas as an exception with code 1006 after three audio chunks', async () => {
    const { sim, model, rec } = await open({ faults: { dropMidResponseAfterDeltas: 3 } }, NO_VAD);
    const from = rec.events.length;
    await model.sendUserInput('hello');
    await expectDropped(rec, model, from);
    expect(rec.of('audio', from)).toHaveLength(3);
    expect(rec.of('turn_started', from)).toHaveLength(1);
    // Every turn ends: the dropped reply ends for the app with the reason, its audio stopped.
    expect(rec.of('turn_ended', from)).toEqual([{ type: 'turn_ended', responseId: rec.of('turn_started', from)[0]!.responseId, reason: 'connection_lost' }]);
    expect(rec.of('audio_interrupted', from)).toEqual([{ type: 'audio_interrupted', itemId: rec.of('audio', from)[0]!.itemId, contentIndex: 0 }]);
    expectValidWire(sim, rec);
  });

  it('reports a non-JSON frame as an invalid_json exception and keeps handling later frames', async () => {
    // After frame 6 (session.created, session.updated ×2, user item added/done, response.created).
    const { sim, model, rec } = await open({ faults: { malformedAfterFrames: 6 } }, NO_VAD);
    const from = rec.events.length;
    await model.sendUserInput('still works');
    const done = await rec.turn(from);
    expect(done.response.status).toBe('completed');
    expect(rec.transcript(done.response.id)).toMatch(/^You said: still works\./);
    const exceptions = rec.of('exception', from);
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]!.exception).toMatchObject({ code: 'invalid_json', raw: '{"type":"response.output_audio.delta","delta":"AAAA' });
    expect(exceptions[0]!.context).toBe('Failed to parse WebSocket message');
    // The bad frame came right after response.created, before the first output item.
    const types = rec.events.slice(from).map((e) => e.type);
    expect(types.indexOf('exception')).toBeGreaterThan(types.indexOf('turn_started'));
    expect(types.indexOf('exception')).toBeLessThan(types.indexOf('audio'));
    expect(rec.of('connection_status', from)).toEqual([]);
    expectValidWire(sim, rec);
  });

  it('reports a JSON frame of an unknown type as a client-side error and keeps handling later frames', async () => {
    const bogus = '{"type":"response.bogus_event","event_id":"event_bogus"}';
    const sim = await startSimulator({ port: 0, pace: Infinity, faults: { malformedAfterFrames: 6, malformedFrame: bogus } });
    cleanups.push(() => sim.close());
    const model = newModel();
    const rec = new Recorder(model);
    rec.allowInvalid.add(bogus);
    cleanups.push(() => model.close());
    await model.connect({ apiKey: 'sk-test', url: sim.url, initialModelSettings: NO_VAD });
    await rec.until(() => rec.raw().filter((e) => e.type === 'session.updated').length >= 2, 'session.updated ×2');
    const from = rec.events.length;
    await model.sendUserInput('still works');
    const done = await rec.turn(from);
    expect(done.response.status).toBe('completed');
    const errors = rec.of('error', from);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toMatchObject({ source: 'client', type: 'invalid_server_event', code: 'unknown_event_type', eventId: 'event_bogus' });
    expect(rec.of('exception', from)).toEqual([]);
    // Only the injected frame is invalid.
    expect(rec.raw().filter((e) => serverEventErrors(e))).toEqual([JSON.parse(bogus)]);
    expectValidWire(sim, rec);
  });

  it('delivers delayed frames in the order they were sent and the turn completes', async () => {
    const record = join(mkdtempSync(join(tmpdir(), 'sim-through-')), 'frames.jsonl');
    const { sim, model, rec } = await open({ faults: { delayMs: 5 }, record }, { ...NO_VAD, outputModalities: ['text'] });
    const from = rec.events.length;
    const t0 = Date.now();
    await model.sendUserInput('delayed');
    const done = await rec.turn(from);
    const elapsed = Date.now() - t0;
    expect(done.response.status).toBe('completed');
    const text = rec.of('output_text_delta', from).map((e) => e.delta).join('');
    expect(text).toMatch(/^You said: delayed\./);
    const raw = rec.raw(from).map((e) => e.type);
    expect(elapsed).toBeGreaterThanOrEqual(raw.length * 5 * 0.8);
    const types = rec.events.slice(from).map((e) => e.type).filter((t) => t !== 'raw_server_event' && t !== 'item_updated');
    expect(types[0]).toBe('turn_started');
    expect(types.slice(-2)).toEqual(['usage', 'turn_ended']);
    // Received in exactly the order the simulator recorded sending them.
    model.close();
    await sim.close();
    const sent = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.dir === 'out').map((l) => l.data.type);
    expect(rec.raw().map((e) => e.type)).toEqual(sent);
    expectValidWire(sim, rec);
  });
});
