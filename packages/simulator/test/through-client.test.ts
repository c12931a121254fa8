// The simulator driven through the library (@open-realtime/client, imported by relative path
// because this package does not depend on it): a full scripted conversation compared with a
// reviewed expectation (fixtures/conversation.expected.json), the truncate error path and the
// library's clamp (fault injection: through-client-faults.test.ts). Every server frame the model
// receives is validated against #/$defs/RealtimeServerEvent (raw_server_event), and every client
// frame the simulator received against #/$defs/RealtimeClientEvent.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualPlaybackTracker, OpenAIRealtimeWebSocketModel } from '../../client/src/index.node.js';
import { startSimulator } from '../src/index.js';
import { speechPcm } from './helpers.js';
import { CHUNK, type Obj, Recorder, cleanUpLater, expectValidWire, open, runCleanups, sendPcm } from './through-client-helpers.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'conversation.expected.json');

afterEach(runCleanups);

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
    cleanUpLater(() => sim.close());
    const model = new OpenAIRealtimeWebSocketModel();
    const rec = new Recorder(model);
    cleanUpLater(() => model.close());
    await model.connect({ apiKey: 'sk-test', url: sim.url, initialModelSettings: { turnDetection: null } });
    const updated = () => rec.raw().filter((e) => e.type === 'session.updated').length;
    await rec.until(() => updated() >= 2, 'session.updated ×2');
    // A marker round trip instead of a sleep: the server answers in order, so once its reply to
    // the marker arrived, everything it sent before has too.
    await model.updateSession({ instructions: 'marker' });
    await rec.until(() => updated() >= 3, 'the reply to the marker');
    expect(rec.raw().map((e) => e.type)).toEqual(['session.created', 'session.updated', 'session.updated', 'session.updated']);
    const received = sim.connections[0]!.received as Obj[];
    expect(received.map((e) => e.type)).toEqual(['session.update', 'session.update', 'session.update']);
    expect(received[1]).toEqual({ type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime', tracing: 'auto' } });
  });
});
