// Bad input from the network through OpenAIRealtimeWebSocketModel: malformed, unknown and
// mis-shaped frames become typed error events, and the model keeps handling the frames after them.
import { describe, expect, it } from 'vitest';
import { OpenAIRealtimeWebSocketModel, type RealtimeModelEvent } from '../src/index.node.js';
import { audioDelta, responseCreated, responseDone, serverError } from './helpers/frames.js';
import { memorySockets } from './helpers/memory-socket.js';
import { closeAfterEach, connected, flush } from './helpers/model.js';

const open = closeAfterEach();

describe('bad input from the network', () => {
  it('reports invalid JSON, non-objects and binary frames as exceptions and keeps handling frames', async () => {
    const t = await connected();
    t.socket.serverSend('{not json');
    t.socket.serverSend('[1,2]');
    t.socket.serverSend(new Uint8Array([1, 2, 3]));
    t.socket.serverSend(responseCreated('resp_1'));
    const codes = t.of('exception').map((e) => (e as unknown as { exception: { code: string } }).exception.code);
    expect(codes).toEqual(['invalid_json', 'not_an_object', 'binary_frame']);
    expect(t.of('turn_started')).toHaveLength(1);
  });

  it('reports unknown types and wrong shapes as raw_server_event plus error', async () => {
    const t = await connected();
    t.socket.serverSend({ type: 'brand.new_event', event_id: 'e9' });
    t.socket.serverSend({ type: 'response.output_audio.delta', event_id: 'e10', response_id: 'r', item_id: 'i', output_index: 0, content_index: 0 });
    t.socket.serverSend(responseCreated('resp_1'));
    expect(t.of('error').map((e) => (e as { error: { code: string } }).error.code)).toEqual(['unknown_event_type', 'invalid_event_shape']);
    expect(t.of('error')[0]).toMatchObject({ error: { source: 'client', eventId: 'e9' } });
    expect(t.of('raw_server_event')).toHaveLength(3);
    expect(t.of('audio')).toHaveLength(0);
    expect(t.of('turn_started')).toHaveLength(1);
  });

  it('keeps one copy of a listener added twice (defect 6)', async () => {
    const t = await connected();
    const seen: string[] = [];
    const listener = { onEvent: (e: RealtimeModelEvent) => void seen.push(e.type) };
    t.model.addListener(listener);
    t.model.addListener(listener);
    t.socket.serverSend(responseCreated('resp_1'));
    expect(seen.filter((type) => type === 'turn_started')).toEqual(['turn_started']);
    t.model.removeListener(listener);
    t.socket.serverSend(responseDone('resp_1'));
    expect(seen.filter((type) => type === 'turn_ended')).toEqual([]);
  });

  it('reports a throwing listener and still delivers to the others', async () => {
    const t = await connected();
    const seen: string[] = [];
    t.model.on('turn_started', () => {
      throw new Error('boom');
    });
    t.model.on('turn_started', (e) => void seen.push(String(e.responseId)));
    t.model.on('exception', () => {
      throw new Error('exception listener also fails');
    });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(responseCreated('resp_2'));
    expect(seen).toEqual(['resp_1', 'resp_2']);
    expect(t.of('exception').map((e) => (e as { context: string }).context)).toEqual(['Listener error', 'Listener error']);
  });

  it('survives an error event with no listener and an async listener that rejects', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    open.push(model);
    const exceptions: string[] = [];
    model.addListener({ onEvent: async (e) => { if (e.type === 'turn_started') throw new Error('async boom'); } });
    model.on('exception', (e) => void exceptions.push(e.exception.message));
    await model.connect({ apiKey: 'k' });
    wire.last.serverSend(serverError({ type: 'server_error', code: null, message: 'x', param: null, event_id: null }));
    wire.last.serverSend(responseCreated('resp_1'));
    await flush();
    expect(exceptions).toEqual(['A listener of "turn_started" threw: async boom']);
  });

  it('ends the running turn when the socket drops mid-response, then reports disconnected with the reason', async () => {
    const t = await connected();
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    t.socket.serverClose(1006, 'abnormal');
    const ends = t.events.filter((e) => ['audio_interrupted', 'turn_ended', 'connection_status'].includes(e.type));
    expect(ends).toEqual([
      { type: 'audio_interrupted', itemId: 'item_a', contentIndex: 0 },
      { type: 'turn_ended', responseId: 'resp_1', reason: 'connection_lost' },
      { type: 'connection_status', status: 'disconnected', reason: { by: 'network', code: 1006, reason: 'abnormal' } },
    ]);
    const exception = t.of("exception")[0] as unknown as { exception: { code: string; message: string }; context: string };
    expect(exception.context).toBe('WebSocket connection closed unexpectedly');
    expect(exception.exception.code).toBe('connection_closed');
    expect(exception.exception.message).toContain('1006');
    expect(exception.exception.message).toContain('abnormal');
    await expect(t.model.sendUserInput('x')).rejects.toMatchObject({ code: 'closed' });
  });
});
