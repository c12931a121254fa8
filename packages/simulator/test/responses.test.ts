// Text turns and responses: event order, real synthesized audio, formats, text modality,
// cancel, concurrent response.create, tools and out-of-band responses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms, startSimulator, type Simulator } from '../src/index.js';
import { b64ToInt16, connect, installGuards, NO_VAD, userText, type TestClient } from './helpers.js';

installGuards();
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    pace: Infinity,
    script: {
      rules: [
        { match: 'weather', toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, afterToolReply: 'It is {output} in Paris.' },
        { match: 'short', reply: 'Okay.' },
      ],
    },
  });
});
afterAll(() => sim.close());

async function ready(): Promise<TestClient> {
  const c = await connect(sim.url);
  c.send(NO_VAD);
  await c.next('session.updated');
  return c;
}

describe('text turn with audio reply', () => {
  it('emits the full GA event sequence in order and quotes the user', async () => {
    const c = await ready();
    const from = c.events.length;
    c.send(userText('Hello simulator'));
    c.send({ type: 'response.create' });
    const done = await c.next('response.done', from);
    const types = c.types(from).filter((t) => !t.endsWith('.delta'));
    expect(types).toEqual([
      'conversation.item.added', 'conversation.item.done',
      'response.created', 'response.output_item.added', 'conversation.item.added', 'response.content_part.added',
      'response.output_audio.done', 'response.output_audio_transcript.done', 'response.content_part.done',
      'response.output_item.done', 'conversation.item.done', 'response.done',
    ]);
    expect(done.response.status).toBe('completed');
    expect(done.response.usage.output_token_details.audio_tokens).toBeGreaterThan(0);
    const transcript = c.events.find((e) => e.type === 'response.output_audio_transcript.done')!.transcript;
    expect(transcript).toContain('Hello simulator');
    const deltas = c.events.filter((e) => e.type === 'response.output_audio_transcript.delta').map((e) => e.delta).join('');
    expect(deltas).toBe(transcript);
    c.close();
  });

  it('streams real speech of at least 4 s at 24 kHz', async () => {
    const c = await ready();
    c.send(userText('Tell me something'));
    c.send({ type: 'response.create' });
    await c.next('response.done');
    const pcm = c.events.filter((e) => e.type === 'response.output_audio.delta').map((e) => b64ToInt16(e.delta));
    const all = new Int16Array(pcm.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of pcm) { all.set(p, off); off += p.length; }
    expect(all.length / 24000).toBeGreaterThanOrEqual(4);
    expect(rms(all)).toBeGreaterThan(500);
    // Speech has pauses and loud parts: some 100 ms windows are near silent, most are not.
    const windows = Array.from({ length: Math.floor(all.length / 2400) }, (_, i) => rms(all.subarray(i * 2400, (i + 1) * 2400)));
    expect(windows.filter((w) => w > 300).length / windows.length).toBeGreaterThan(0.5);
    c.close();
  });

  it('encodes G.711 mu-law and A-law at 8 bytes per ms', async () => {
    for (const type of ['audio/pcmu', 'audio/pcma'] as const) {
      const c = await ready();
      c.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type } } } } });
      await c.next('session.updated', 0, 2);
      c.send(userText('short'));
      c.send({ type: 'response.create' });
      const done = await c.next('response.done');
      expect(done.response.audio.output.format.type).toBe(type);
      const bytes = c.events.filter((e) => e.type === 'response.output_audio.delta')
        .reduce((n, e) => n + Buffer.from(e.delta, 'base64').length, 0);
      c.send(userText('short'));
      c.send({ type: 'response.create', response: { audio: { output: { format: { type: 'audio/pcm', rate: 24000 } } } } });
      await c.next('response.done', 0, 2);
      const pcmBytes = c.events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + Buffer.from(e.delta, 'base64').length, 0) - bytes;
      // Same text, same voice: 48 bytes/ms of PCM against 8 bytes/ms of G.711.
      expect(Math.abs(pcmBytes / 48 - bytes / 8)).toBeLessThan(2);
      c.close();
    }
  });

  it('answers with text events when output_modalities is text', async () => {
    const c = await ready();
    c.send(userText('Hi in text'));
    c.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await c.next('response.done');
    expect(c.types().some((t) => t.startsWith('response.output_audio'))).toBe(false);
    const text = c.events.find((e) => e.type === 'response.output_text.done')!.text;
    expect(text).toContain('Hi in text');
    expect(done.response.output[0].content[0]).toEqual({ type: 'output_text', text });
    c.close();
  });
});

describe('voice', () => {
  it('speaks the same text differently in different voices and then keeps the voice fixed', async () => {
    const audioOf = async (voice: string): Promise<{ c: TestClient; b64: string }> => {
      const c = await ready();
      c.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice } } } });
      await c.next('session.updated', 0, 2);
      c.send(userText('short'));
      c.send({ type: 'response.create' });
      await c.next('response.done');
      return { c, b64: c.events.filter((e) => e.type === 'response.output_audio.delta').map((e) => e.delta).join('') };
    };
    const a = await audioOf('marin');
    const b = await audioOf('cedar');
    expect(a.b64).not.toBe(b.b64);
    a.c.send({ type: 'session.update', event_id: 'v', session: { type: 'realtime', audio: { output: { voice: 'ash' } } } });
    expect((await a.c.next('error')).error).toMatchObject({ code: 'cannot_update_voice', event_id: 'v' });
    a.c.close();
    b.c.close();
  });
});

describe('response control', () => {
  it('refuses a second response.create while one is active', async () => {
    const c = await ready();
    c.send(userText('one'));
    c.send({ type: 'response.create' });
    c.send({ type: 'response.create', event_id: 'second' });
    const err = await c.next('error');
    expect(err.error).toMatchObject({ code: 'conversation_already_has_active_response', event_id: 'second' });
    await c.next('response.done');
    c.close();
  });

  it('cancels an active response on response.cancel and stops the audio', async () => {
    // Paced at 4× real time so the cancel surely lands while audio is still streaming.
    const slow = await startSimulator({ pace: 4 });
    const c = await connect(slow.url);
    c.send(NO_VAD);
    c.send(userText('a long one please'));
    c.send({ type: 'response.create' });
    await c.next('response.output_audio.delta');
    c.send({ type: 'response.cancel' });
    const done = await c.next('response.done');
    expect(done.response.status).toBe('cancelled');
    expect(done.response.status_details).toMatchObject({ type: 'cancelled', reason: 'client_cancelled' });
    const after = c.events.slice(c.events.indexOf(done) + 1);
    expect(after.filter((e) => e.type === 'response.output_audio.delta')).toEqual([]);
    const transcript = c.events.find((e) => e.type === 'response.output_audio_transcript.done')!.transcript;
    expect(done.response.output[0]).toMatchObject({ status: 'incomplete', content: [{ type: 'output_audio', transcript }] });
    c.close();
    await slow.close();
  });

  it('answers response.cancel without an active response with response_cancel_not_active', async () => {
    const c = await ready();
    c.send({ type: 'response.cancel', event_id: 'c1' });
    const err = await c.next('error');
    expect(err.error).toMatchObject({ code: 'response_cancel_not_active', event_id: 'c1' });
    c.close();
  });

  it('keeps an out-of-band response (conversation none) out of the conversation', async () => {
    const c = await ready();
    c.send({ type: 'response.create', response: { conversation: 'none', instructions: 'Summarise politely', output_modalities: ['text'], metadata: { topic: 'x' } } });
    const done = await c.next('response.done');
    expect(done.response.conversation_id).toBeNull();
    expect(done.response.metadata).toEqual({ topic: 'x' });
    expect(c.types().filter((t) => t.startsWith('conversation.item'))).toEqual([]);
    expect(done.response.output[0].content[0].text).toContain('Summarise politely');
    c.send({ type: 'conversation.item.retrieve', item_id: done.response.output[0].id });
    expect((await c.next('error')).error.code).toBe('item_not_found');
    c.close();
  });
});

describe('response input', () => {
  it('answers an out-of-band response from its own input and item references', async () => {
    const c = await ready();
    c.send({ type: 'conversation.item.create', item: { id: 'item_ref1', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'referenced words' }] } });
    await c.next('conversation.item.done');
    c.send({ type: 'response.create', response: { conversation: 'none', output_modalities: ['text'], input: [{ type: 'item_reference', id: 'item_ref1' }] } });
    const done = await c.next('response.done');
    expect(done.response.output[0].content[0].text).toContain('referenced words');
    c.send({ type: 'response.create', response: { conversation: 'none', output_modalities: ['text'], input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'inline words' }] }] } });
    const done2 = await c.next('response.done', 0, 2);
    expect(done2.response.output[0].content[0].text).toContain('inline words');
    c.close();
  });

  it('inserts a created item after previous_item_id and refuses an unknown one', async () => {
    const c = await ready();
    c.send({ type: 'conversation.item.create', item: { id: 'item_a', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'a' }] } });
    c.send({ type: 'conversation.item.create', previous_item_id: 'root', item: { id: 'item_b', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'b' }] } });
    const added = await c.next('conversation.item.added', 0, 2);
    expect(added).toMatchObject({ previous_item_id: null, item: { id: 'item_b', object: 'realtime.item', status: 'completed' } });
    c.send({ type: 'conversation.item.create', event_id: 'p', previous_item_id: 'item_nope', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'c' }] } });
    expect((await c.next('error')).error).toMatchObject({ param: 'previous_item_id', event_id: 'p' });
    c.close();
  });
});

describe('function calling', () => {
  it('calls a session tool when a script rule matches and continues after its output', async () => {
    const c = await ready();
    c.send({ type: 'session.update', session: { type: 'realtime', tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] } });
    await c.next('session.updated', 0, 2);
    c.send(userText('What is the weather?'));
    c.send({ type: 'response.create' });
    const done = await c.next('response.done');
    const call = done.response.output[0];
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    const argDone = c.events.find((e) => e.type === 'response.function_call_arguments.done')!;
    expect(argDone).toMatchObject({ call_id: call.call_id, name: 'get_weather', arguments: call.arguments });
    expect(c.events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('')).toBe(call.arguments);
    c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: 'sunny' } });
    c.send({ type: 'response.create' });
    const done2 = await c.next('response.done', 0, 2);
    expect(done2.response.output[0].content[0].transcript).toBe('It is sunny in Paris.');
    c.close();
  });

  it('does not call a tool the session does not offer', async () => {
    const c = await ready();
    c.send(userText('weather?'));
    c.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await c.next('response.done');
    expect(done.response.output[0].type).toBe('message');
    c.close();
  });
});
