// Nulls in session.update, as GA clients send them: the simulator's own session sent back is
// accepted unchanged; each setting the spec lets a client turn off with null is echoed as null
// and really turns the feature off (no VAD, no transcription events); other nulls change nothing;
// genuinely wrong shapes are still refused with the real error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { appendPcm, connect, installGuards, speechPcm, userText, type Ev, type TestClient } from './helpers.js';

installGuards();
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ pace: Infinity, script: { userTranscripts: ['What time is it?'], minReplySeconds: 0 } });
});
afterAll(() => sim.close());

const errors = (c: TestClient): Ev[] => c.events.filter((e) => e.type === 'error');

/**
 * Sends a session.update as JSON text (its nulls are on purpose, so the strict helper check is
 * skipped) and returns the nth session.updated session; fails at once on a new error event.
 */
async function update(c: TestClient, session: Record<string, unknown>, nth: number): Promise<Ev> {
  const seen = errors(c).length;
  c.sendRaw(JSON.stringify({ type: 'session.update', session }));
  const ev = await c.until(() => errors(c)[seen] ?? c.events.filter((e) => e.type === 'session.updated')[nth - 1], 'session.updated');
  if (ev.type === 'error') throw new Error(`session.update refused: ${JSON.stringify(ev.error)}`);
  return ev.session;
}

/** A session with every optional feature on, so that turning each off is visible. */
const RICH = {
  type: 'realtime',
  instructions: 'Be brief.',
  tools: [{ type: 'function', name: 'get_time', description: 'Current time', parameters: { type: 'object', properties: {} } }],
  tracing: 'auto',
  prompt: { id: 'pmpt_123', version: '2' },
  include: ['item.input_audio_transcription.logprobs'],
  truncation: 'auto',
  audio: {
    input: {
      transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' },
      noise_reduction: { type: 'near_field' },
      turn_detection: { type: 'server_vad', silence_duration_ms: 500, idle_timeout_ms: 6000 },
    },
    output: { voice: 'cedar', speed: 1.1 },
  },
};


describe('a session sent back', () => {
  it('accepts its own session.created session unchanged, with its nulls, and echoes the same session', async () => {
    const c = await connect(sim.url);
    const created = c.events[0]!.session;
    expect(created.audio.input).toMatchObject({ transcription: null, noise_reduction: null });
    expect(created.include).toBeNull();
    const echoed = await update(c, created, 1);
    expect(echoed).toEqual(created);
    expect(errors(c)).toEqual([]);
    c.close();
  });

  it('accepts a session.updated session with every feature on and echoes it unchanged', async () => {
    const c = await connect(sim.url);
    const rich = await update(c, RICH, 1);
    expect(rich).toMatchObject({ ...RICH, audio: { input: { ...RICH.audio.input, turn_detection: { ...RICH.audio.input.turn_detection, threshold: 0.5 } } } });
    expect(await update(c, rich, 2)).toEqual(rich);
    expect(errors(c)).toEqual([]);
    c.close();
  });
});

describe('null settings', () => {
  const cases: Array<[string, Record<string, unknown>, (s: Ev) => unknown]> = [
    ['tracing', { tracing: null }, (s) => s.tracing],
    ['prompt', { prompt: null }, (s) => s.prompt],
    ['include', { include: null }, (s) => s.include],
    ['audio.input.transcription', { audio: { input: { transcription: null } } }, (s) => s.audio.input.transcription],
    ['audio.input.noise_reduction', { audio: { input: { noise_reduction: null } } }, (s) => s.audio.input.noise_reduction],
    ['audio.input.turn_detection', { audio: { input: { turn_detection: null } } }, (s) => s.audio.input.turn_detection],
    ['turn_detection.idle_timeout_ms', { audio: { input: { turn_detection: { ...RICH.audio.input.turn_detection, idle_timeout_ms: null } } } },
      (s) => s.audio.input.turn_detection.idle_timeout_ms],
  ];

  it.each(cases)('turns %s off and echoes null, leaving every other setting as it was', async (_name, change, read) => {
    const c = await connect(sim.url);
    const rich = await update(c, RICH, 1);
    expect(read(rich)).not.toBeNull();
    const after = await update(c, { type: 'realtime', ...change }, 2);
    expect(read(after)).toBeNull();
    // Put the one value back: the rest of the session must be exactly as before.
    const path = _name === 'turn_detection.idle_timeout_ms' ? ['audio', 'input', 'turn_detection', 'idle_timeout_ms'] : _name.split('.');
    const restored = structuredClone(after);
    let at: Ev = restored;
    for (const k of path.slice(0, -1)) at = at[k];
    at[path.at(-1)!] = read(rich);
    expect(restored).toEqual(rich);
    expect(errors(c)).toEqual([]);
    c.close();
  });

  it('drops truncation back to its default, which the session does not list', async () => {
    const c = await connect(sim.url);
    expect((await update(c, RICH, 1)).truncation).toBe('auto');
    expect(await update(c, { type: 'realtime', truncation: null }, 2)).not.toHaveProperty('truncation');
    c.close();
  });

  it('leaves fields whose null the spec gives no meaning unchanged', async () => {
    const c = await connect(sim.url);
    const rich = await update(c, RICH, 1);
    const after = await update(c, {
      type: 'realtime', instructions: null, tools: null, tool_choice: null, output_modalities: null, max_output_tokens: null,
      audio: { input: { format: null }, output: { voice: null, speed: null, format: null } },
    }, 2);
    expect(after).toEqual(rich);
    expect(errors(c)).toEqual([]);
    c.close();
  });
});

describe('what the nulls do', () => {
  it('with turn_detection null runs no VAD on speech: the turn ends only on a manual commit', async () => {
    const c = await connect(sim.url);
    await update(c, { type: 'realtime', output_modalities: ['text'], audio: { input: { transcription: { model: 'whisper-1' }, noise_reduction: null, turn_detection: null } } }, 1);
    const { pcm } = await speechPcm('Good morning, what time is it now?', 500, 1500);
    appendPcm(c, pcm);
    c.send({ type: 'input_audio_buffer.commit' });
    const committed = await c.next('input_audio_buffer.committed');
    expect(c.types()).not.toContain('input_audio_buffer.speech_started');
    expect((await c.next('conversation.item.input_audio_transcription.completed')).item_id).toBe(committed.item_id);
    // No VAD means no automatic response either: the first response is the one asked for.
    c.send({ type: 'response.create' });
    const done = await c.next('response.done');
    expect(c.types().filter((t) => t === 'response.created')).toHaveLength(1);
    expect(done.response.output[0].content[0].text).toContain('What time is it?');
    expect(errors(c)).toEqual([]);
    c.close();
  });

  it('with transcription and noise_reduction null still detects the turn and answers, without transcription events', async () => {
    const c = await connect(sim.url);
    const s = await update(c, { type: 'realtime', output_modalities: ['text'],
      audio: { input: { transcription: null, noise_reduction: null, turn_detection: { type: 'server_vad', silence_duration_ms: 500 } } } }, 1);
    expect(s.audio.input).toMatchObject({ transcription: null, noise_reduction: null });
    const { pcm } = await speechPcm('Good morning, what time is it now?', 500, 1500);
    appendPcm(c, pcm);
    await c.next('input_audio_buffer.speech_stopped');
    const done = await c.next('response.done');
    // The scripted transcript still drives the reply; it just is not sent as transcription.
    expect(done.response.output[0].content[0].text).toContain('What time is it?');
    expect(c.types().filter((t) => t.startsWith('conversation.item.input_audio_transcription'))).toEqual([]);
    expect(errors(c)).toEqual([]);
    c.close();
  });
});

describe('wrong shapes are still refused', () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['noise_reduction as a string', { type: 'session.update', event_id: 'e1', session: { type: 'realtime', audio: { input: { noise_reduction: 'near_field' } } } }, 'session.audio.input.noise_reduction'],
    ['an unknown turn_detection type', { type: 'session.update', event_id: 'e1', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'loud_vad' } } } } }, 'session.audio.input.turn_detection.type'],
    ['a null inside include', { type: 'session.update', event_id: 'e1', session: { type: 'realtime', include: [null] } }, 'session.include.0'],
    ['a null session', { type: 'session.update', event_id: 'e1', session: null }, 'session'],
    ['a null session.type', { type: 'session.update', event_id: 'e1', session: { type: null, instructions: 'x' } }, 'session.type'],
    ['a truncate with audio_end_ms null', { type: 'conversation.item.truncate', event_id: 'e1', item_id: 'i', content_index: 0, audio_end_ms: null }, 'audio_end_ms'],
  ];

  it.each(bad)('refuses %s with an invalid_request_error naming the field, and changes nothing', async (_name, frame, param) => {
    const c = await connect(sim.url);
    c.sendRaw(JSON.stringify(frame));
    const err = await c.next('error');
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param, event_id: 'e1' });
    expect(err.error.code).toMatch(/^(invalid_value|missing_required_parameter)$/);
    const after = await update(c, { type: 'realtime' }, 1);
    expect(after).toEqual(c.events[0]!.session);
    c.close();
  });

  it('answers a text turn after a refused update, so the socket stays usable', async () => {
    const c = await connect(sim.url);
    c.sendRaw(JSON.stringify({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: 'whisper-1' } } } }));
    await c.next('error');
    await update(c, { type: 'realtime', output_modalities: ['text'], audio: { input: { turn_detection: null } } }, 1);
    c.send(userText('ping'));
    c.send({ type: 'response.create' });
    expect((await c.next('response.done')).response.status).toBe('completed');
    c.close();
  });
});
