// Wire-level behaviour of OpenAIRealtimeWebSocketModel through an in-memory socket: the exact JSON
// written and the events emitted (seed-behaviour.md §3–§7). Every sent event is schema-checked.
import { describe, expect, it } from 'vitest';
import { OpenAIRealtimeSIPModel, OpenAIRealtimeWebSocketModel, type RealtimeModelEvent } from '../src/index.node.js';
import { audioDelta, responseCreated, responseDone, serverError, sessionEvent, transcriptDelta } from './helpers/frames.js';
import { MemorySocket, memorySockets } from './helpers/memory-socket.js';
import { closeAfterEach, connected } from './helpers/model.js';

const open = closeAfterEach();

describe('connect', () => {
  it('sends the default session.update and reports connecting then connected', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    open.push(model);
    const statuses: string[] = [];
    model.on('connection_status', (e) => void statuses.push(e.status));
    await model.connect({ apiKey: 'sk-test' });
    expect(statuses).toEqual(['connecting', 'connected']);
    expect(wire.last.options.url).toBe('wss://api.openai.com/v1/realtime?model=gpt-realtime');
    expect(wire.last.options.headers?.Authorization).toBe('Bearer sk-test');
    expect(wire.last.options.headers?.['OpenAI-Beta']).toBeUndefined();
    expect(wire.last.options.headers?.['User-Agent']).toMatch(/^open-realtime\//);
    expect(wire.last.sent).toEqual([
      {
        type: 'session.update',
        session: {
          type: 'realtime',
          audio: {
            input: {
              format: { type: 'audio/pcm', rate: 24000 },
              transcription: { model: 'gpt-4o-mini-transcribe' },
              turn_detection: { type: 'semantic_vad', interrupt_response: true },
            },
            output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'ash' },
          },
          model: 'gpt-realtime',
          output_modalities: ['audio'],
          tools: [],
        },
      },
    ]);
  });

  it('handles a frame the server sends in the same tick as the handshake, after its own session.update', async () => {
    const sockets: MemorySocket[] = [];
    const model = new OpenAIRealtimeWebSocketModel({
      createWebSocket: (options) => {
        const socket = new MemorySocket(options);
        sockets.push(socket);
        // Like `ws` when the 101 response and the first frame share one TCP read.
        setTimeout(() => {
          socket.open();
          socket.serverSend(sessionEvent('session.created'));
        }, 0);
        return socket;
      },
    });
    open.push(model);
    const raw: string[] = [];
    model.on('raw_server_event', (e) => void raw.push((e.data as { type: string }).type));
    await model.connect({ apiKey: 'k' });
    expect(raw).toEqual(['session.created']);
    expect(sockets[0]!.sent.map((e) => e.session.tracing ?? 'initial')).toEqual(['initial', 'auto']);
  });

  it('uses call_id in the URL and omits audio formats when attaching to a call', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    open.push(model);
    await model.connect({ apiKey: 'sk-test', callId: 'rtc_123' });
    expect(wire.last.options.url).toBe('wss://api.openai.com/v1/realtime?call_id=rtc_123');
    const audio = wire.last.sent[0]!.session.audio;
    expect(audio.input.format).toBeUndefined();
    expect(audio.output.format).toBeUndefined();
  });

  it('rejects callId together with modelName and keeps the previous model name', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    await expect(model.connect({ apiKey: 'k', callId: 'c', initialModelSettings: { modelName: 'x' } })).rejects.toMatchObject({ code: 'call_id_with_model_name' });
    expect(model.model).toBe('gpt-realtime');
    expect(wire.sockets).toHaveLength(0);
  });

  it('resolves an async apiKey function and sends exactly the caller headers when given', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    open.push(model);
    await model.connect({ apiKey: async () => 'sk-async', url: 'wss://example.test/openai/v1/realtime?model=dep', headers: { 'api-key': 'azure' } });
    expect(wire.last.options.url).toBe('wss://example.test/openai/v1/realtime?model=dep');
    expect(wire.last.options.headers?.['api-key']).toBe('azure');
    expect(wire.last.options.headers?.Authorization).toBeUndefined();
  });

  it('falls back to OPENAI_API_KEY in Node and fails clearly without any key', async () => {
    const wire = memorySockets();
    const saved = process.env.OPENAI_API_KEY;
    try {
      process.env.OPENAI_API_KEY = 'sk-env';
      const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
      open.push(model);
      await model.connect({});
      expect(wire.last.options.headers?.Authorization).toBe('Bearer sk-env');
      delete process.env.OPENAI_API_KEY;
      const other = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
      await expect(other.connect({})).rejects.toMatchObject({ code: 'missing_api_key' });
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  it('refuses a second connect while connected', async () => {
    const { model } = await connected();
    open.push(model);
    await expect(model.connect({ apiKey: 'k' })).rejects.toMatchObject({ code: 'already_connected' });
  });

  it('requires callId for the SIP model', async () => {
    const wire = memorySockets();
    const sip = new OpenAIRealtimeSIPModel({ createWebSocket: wire.createWebSocket });
    await expect(sip.connect({ apiKey: 'k' })).rejects.toMatchObject({ code: 'missing_call_id' });
  });

  it('sends the tracing session.update when session.created arrives, and none when tracing is null', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    open.push(model);
    await model.connect({ apiKey: 'k' });
    wire.last.serverSend(sessionEvent('session.created'));
    expect(wire.last.sent[1]).toEqual({ type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime', tracing: 'auto' } });
    const off = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    open.push(off);
    await off.connect({ apiKey: 'k', initialModelSettings: { tracing: null } });
    wire.last.serverSend(sessionEvent('session.created'));
    expect(wire.last.sent).toHaveLength(1);
  });
});

describe('receiving', () => {
  it('emits audio as Uint8Array and transcript deltas with camelCase fields', async () => {
    const t = await connected();
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    t.socket.serverSend(transcriptDelta('resp_1', 'item_a', 'Hello'));
    const [audio] = t.of('audio') as Array<Extract<RealtimeModelEvent, { type: 'audio' }>>;
    expect(audio!.data).toBeInstanceOf(Uint8Array);
    expect(audio!.data.byteLength).toBe(4800);
    expect(audio).toMatchObject({ itemId: 'item_a', contentIndex: 0, responseId: 'resp_1' });
    expect(t.of('transcript_delta')).toEqual([{ type: 'transcript_delta', itemId: 'item_a', delta: 'Hello', responseId: 'resp_1' }]);
    expect(t.of('turn_started')).toEqual([{ type: 'turn_started', responseId: 'resp_1' }]);
    expect(t.of('raw_server_event')).toHaveLength(3);
  });

  it('emits usage then turn_ended on response.done', async () => {
    const t = await connected();
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(responseDone('resp_1', { total_tokens: 30, input_tokens: 10, output_tokens: 20 }));
    const types = t.events.filter((e) => e.type !== 'raw_server_event').map((e) => e.type);
    expect(types).toEqual(['turn_started', 'usage', 'turn_ended']);
    expect(t.of('usage')[0]).toMatchObject({ usage: { requests: 1, inputTokens: 10, outputTokens: 20, totalTokens: 30 } });
  });

  it('turns a function_call output item into item_updated and function_call', async () => {
    const t = await connected();
    t.socket.serverSend({
      type: 'response.output_item.done', event_id: 'e1', response_id: 'resp_1', output_index: 0,
      item: { id: 'item_f', object: 'realtime.item', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
    });
    expect(t.of('function_call')).toEqual([{ type: 'function_call', callId: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}', id: 'item_f' }]);
    expect(t.of('item_updated')[0]).toMatchObject({ item: { itemId: 'item_f', type: 'function_call', status: 'in_progress' } });
  });

  it('reports server error events with their code and keeps going', async () => {
    const t = await connected();
    t.socket.serverSend(serverError({ type: 'invalid_request_error', code: 'invalid_value', message: 'Audio content of 2450ms is already shorter than 2535ms', param: null, event_id: null }));
    t.socket.serverSend(responseCreated('resp_2'));
    expect(t.of('error')[0]).toMatchObject({ error: { source: 'server', code: 'invalid_value', message: 'Audio content of 2450ms is already shorter than 2535ms' } });
    expect(t.of('turn_started')).toHaveLength(1);
  });
});

describe('sending', () => {
  it('sends user text as conversation.item.create then an automatic response.create', async () => {
    const t = await connected();
    await t.model.sendEvent({ type: 'user_input', userInput: 'Hi there' });
    expect(t.socket.sent).toEqual([
      { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi there' }] } },
      { type: 'response.create', event_id: 'open_realtime_response_create_1' },
    ]);
  });

  it('keeps text and image parts and drops malformed ones', async () => {
    const t = await connected();
    await t.model.sendUserInput({
      content: [
        { type: 'input_text', text: 'look' },
        { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
        { type: 'input_image', image_url: '' } as never,
        { type: 'input_text' } as never,
      ],
    });
    expect(t.socket.sent[0]!.item.content).toEqual([
      { type: 'input_text', text: 'look' },
      { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
    ]);
  });

  it('sends audio as base64 append and commit', async () => {
    const t = await connected();
    await t.model.sendEvent({ type: 'audio', audio: new Uint8Array([1, 2, 3, 4]), commit: true });
    expect(t.socket.sent).toEqual([{ type: 'input_audio_buffer.append', audio: 'AQIDBA==' }, { type: 'input_audio_buffer.commit' }]);
  });

  it('sends tool output, emits the completed item, and starts a response', async () => {
    const t = await connected();
    await t.model.sendEvent({ type: 'tool_output', toolCall: { callId: 'call_1', id: 'item_f', name: 'get_weather', arguments: '{}' }, output: '{"temp":3}', startResponse: true });
    expect(t.socket.sent).toEqual([
      { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_1', output: '{"temp":3}' } },
      { type: 'response.create', event_id: 'open_realtime_response_create_1' },
    ]);
    expect(t.of('item_updated')[0]).toMatchObject({ item: { itemId: 'item_f', status: 'completed', output: '{"temp":3}' } });
  });

  it('holds response.create back until the running response is done, coalescing automatic ones', async () => {
    const t = await connected();
    t.socket.serverSend(responseCreated('resp_1'));
    await t.model.sendUserInput('one');
    await t.model.sendUserInput('two');
    expect(t.socket.sentOfType('response.create')).toHaveLength(0);
    t.socket.serverSend(responseDone('resp_1'));
    expect(t.socket.sentOfType('response.create')).toEqual([{ type: 'response.create', event_id: 'open_realtime_response_create_1' }]);
  });

  it('sequences a raw response.create with its own body and event id', async () => {
    const t = await connected();
    await t.model.sendEvent({ type: 'raw_message', message: { type: 'response.create', otherData: { event_id: 'mine', response: { instructions: 'Say hello.' } } } });
    expect(t.socket.sent).toEqual([{ type: 'response.create', event_id: 'mine', response: { instructions: 'Say hello.' } }]);
  });

  it('releases a refused response.create so the next one can go', async () => {
    const t = await connected();
    await t.model.sendUserInput('one');
    await t.model.sendUserInput('two');
    expect(t.socket.sentOfType('response.create')).toHaveLength(1);
    t.socket.serverSend(serverError({ type: 'invalid_request_error', code: 'bad_response_create', message: 'bad', param: null, event_id: null }));
    expect(t.socket.sentOfType('response.create').map((e) => e.event_id)).toEqual(['open_realtime_response_create_1', 'open_realtime_response_create_2']);
  });

  it('rejects a raw message that is not a GA client event, sending nothing', async () => {
    const t = await connected();
    await expect(t.model.sendEvent({ type: 'raw_message', message: { type: 'nope.event' } })).rejects.toMatchObject({ code: 'invalid_client_event' });
    await expect(t.model.sendEvent({ type: 'raw_message', message: { type: 'conversation.item.truncate', otherData: { item_id: 'x', content_index: 0 } } })).rejects.toMatchObject({ code: 'invalid_client_event' });
    await t.model.sendEvent({ type: 'raw_message', message: { type: 'input_audio_buffer.clear' } });
    expect(t.socket.sent).toEqual([{ type: 'input_audio_buffer.clear' }]);
  });

  it('rejects sendEvent before connect and after close; close is idempotent', async () => {
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    await expect(model.sendUserInput('x')).rejects.toMatchObject({ code: 'not_connected' });
    await model.connect({ apiKey: 'k' });
    const statuses: string[] = [];
    model.on('connection_status', (e) => void statuses.push(e.status));
    model.close();
    model.close();
    expect(statuses).toEqual(['disconnected']);
    await expect(model.sendUserInput('x')).rejects.toMatchObject({ code: 'closed' });
  });
});
