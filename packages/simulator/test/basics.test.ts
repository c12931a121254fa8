// Handshake, auth, session lifecycle and client-event validation of the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { connect, installGuards } from './helpers.js';

installGuards();
let sim: Simulator;
beforeAll(async () => { sim = await startSimulator({ pace: Infinity }); });
afterAll(() => sim.close());

describe('handshake and auth', () => {
  it('accepts a Bearer key and greets with a full GA session.created', async () => {
    const c = await connect(sim.url);
    const ev = c.events[0]!;
    expect(ev.type).toBe('session.created');
    expect(ev.session).toMatchObject({ type: 'realtime', object: 'realtime.session', model: 'gpt-realtime',
      audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad' } }, output: { voice: 'marin' } } });
    expect(sim.connections.at(-1)).toMatchObject({ apiKey: 'sk-test', url: '/v1/realtime?model=gpt-realtime', refused: null });
    c.close();
  });

  it('accepts the realtime + insecure-api-key subprotocols and selects realtime', async () => {
    const c = await connect(sim.url, { protocols: ['realtime', 'openai-insecure-api-key.ek_abc'] });
    expect(c.ws.protocol).toBe('realtime');
    expect(c.events[0]!.type).toBe('session.created');
    expect(sim.connections.at(-1)).toMatchObject({ apiKey: 'ek_abc', protocols: ['realtime', 'openai-insecure-api-key.ek_abc'] });
    c.close();
  });

  it('accepts an Azure api-key header and a call_id URL', async () => {
    const c = await connect(sim.url.replace('model=gpt-realtime', 'call_id=rtc_1'), { noAuth: true, headers: { 'api-key': 'az' } });
    expect(c.events[0]!.type).toBe('session.created');
    expect(sim.connections.at(-1)!.url).toContain('call_id=rtc_1');
    c.close();
  });

  it('refuses a connection without a key with an error event and a close', async () => {
    const c = await connect(sim.url, { noAuth: true });
    await c.waitClose();
    expect(c.events).toHaveLength(1);
    expect(c.events[0]!.error).toMatchObject({ type: 'invalid_request_error', code: 'missing_api_key' });
  });

  it('refuses the OpenAI-Beta header with beta_api_shape_disabled and closes', async () => {
    const c = await connect(sim.url, { headers: { 'OpenAI-Beta': 'realtime=v1' } });
    await c.waitClose();
    expect(c.events[0]!.error.code).toBe('beta_api_shape_disabled');
  });

  it('refuses the beta subprotocol with beta_api_shape_disabled and closes', async () => {
    const c = await connect(sim.url, { protocols: ['realtime', 'openai-insecure-api-key.k', 'openai-beta.realtime-v1'] });
    await c.waitClose();
    expect(c.events[0]!.error.code).toBe('beta_api_shape_disabled');
  });

  it('reports every handshake to onConnection and keeps the client frames each connection received', async () => {
    const seen: string[] = [];
    const s2 = await startSimulator({ pace: Infinity, onConnection: (i) => seen.push(String(i.headers['x-probe'])) });
    const c = await connect(s2.url, { headers: { 'x-probe': 'yes' } });
    expect(seen).toEqual(['yes']);
    c.send({ type: 'input_audio_buffer.clear', event_id: 'probe' });
    await c.next('input_audio_buffer.cleared');
    expect(s2.connections[0]!.received).toEqual([{ type: 'input_audio_buffer.clear', event_id: 'probe' }]);
    c.close();
    await s2.close();
  });
});

describe('session and validation', () => {
  it('merges session.update and echoes the whole session in session.updated', async () => {
    const c = await connect(sim.url);
    c.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.', audio: { output: { voice: 'cedar', format: { type: 'audio/pcmu' } } } } });
    const ev = await c.next('session.updated');
    expect(ev.session.instructions).toBe('Be brief.');
    expect(ev.session.audio.output).toMatchObject({ voice: 'cedar', format: { type: 'audio/pcmu' } });
    expect(ev.session.audio.input.turn_detection.type).toBe('server_vad');
    c.close();
  });

  it('answers an invalid client event with the real error shape and keeps the socket open', async () => {
    const c = await connect(sim.url);
    c.sendRaw(JSON.stringify({ type: 'conversation.item.truncate', event_id: 'evt_bad', item_id: 'x', content_index: 0 }));
    const err = await c.next('error');
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'missing_required_parameter', param: 'audio_end_ms', event_id: 'evt_bad' });
    c.sendRaw(JSON.stringify({ type: 'nonsense.event', event_id: 'evt_unknown' }));
    const err2 = await c.next('error', 0, 2);
    expect(err2.error).toMatchObject({ code: 'invalid_value', param: 'type', event_id: 'evt_unknown' });
    c.sendRaw('{not json');
    const err3 = await c.next('error', 0, 3);
    expect(err3.error.code).toBe('invalid_json');
    c.send({ type: 'session.update', session: { type: 'realtime', instructions: 'still here' } });
    expect((await c.next('session.updated')).session.instructions).toBe('still here');
    expect(c.closed).toBeNull();
    c.close();
  });

  it('explains that output_audio_buffer.clear is WebRTC-only', async () => {
    const c = await connect(sim.url);
    c.send({ type: 'output_audio_buffer.clear', event_id: 'e1' });
    const err = await c.next('error');
    expect(err.error.message).toMatch(/WebRTC/);
    expect(err.error.event_id).toBe('e1');
    c.close();
  });
});
