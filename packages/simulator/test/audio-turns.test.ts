// Audio input: server VAD turns from synthesized speech, transcripts from the script (or an
// honest failure), barge-in, truncate, retrieve / delete and the idle timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { appendPcm, connect, installGuards, NO_VAD, speechPcm, userText, type TestClient } from './helpers.js';

installGuards();
let sim: Simulator;
let slow: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ pace: Infinity, script: (info) => ({ userTranscripts: info.url.includes('scripted') ? ['What time is it?'] : [] }) });
  slow = await startSimulator({ pace: 4 });
});
afterAll(async () => { await sim.close(); await slow.close(); });

const VAD = (extra: Record<string, unknown> = {}) => ({
  type: 'session.update',
  session: { type: 'realtime', audio: { input: { transcription: { model: 'whisper-1' }, turn_detection: { type: 'server_vad', silence_duration_ms: 500, ...extra } } } },
});

/**
 * A round trip instead of a sleep: the simulator handles client events in order and runs VAD as
 * audio is appended, so its answer to this retrieve (an error: no such item) comes after every
 * event the audio appended before it caused. Returns the answer's index in the received events.
 */
async function roundTrip(c: TestClient): Promise<number> {
  const from = c.events.length;
  c.send({ type: 'conversation.item.retrieve', item_id: 'item_marker_none' });
  const answer = await c.next('error', from);
  return c.events.indexOf(answer);
}

describe('server VAD', () => {
  it('detects speech in synthesized audio with plausible start and end times, then answers', async () => {
    const c = await connect(sim.url + '&scripted');
    c.send(VAD());
    await c.next('session.updated');
    const { pcm, speechMs } = await speechPcm('Good morning, what time is it now?', 1000, 1500);
    appendPcm(c, pcm);
    const started = await c.next('input_audio_buffer.speech_started');
    const stopped = await c.next('input_audio_buffer.speech_stopped');
    expect(started.audio_start_ms).toBeGreaterThanOrEqual(950);
    expect(started.audio_start_ms).toBeLessThan(1200);
    expect(stopped.audio_end_ms).toBeGreaterThan(1000 + speechMs - 400);
    expect(stopped.audio_end_ms).toBeLessThanOrEqual(1000 + speechMs + 50);
    expect(stopped.item_id).toBe(started.item_id);
    const committed = await c.next('input_audio_buffer.committed');
    expect(committed.item_id).toBe(started.item_id);
    const completed = await c.next('conversation.item.input_audio_transcription.completed');
    expect(completed.transcript).toBe('What time is it?');
    const done = await c.next('response.done');
    expect(done.response.output[0].content[0].transcript).toContain('What time is it?');
    c.send({ type: 'conversation.item.retrieve', item_id: committed.item_id });
    const item = (await c.next('conversation.item.retrieved')).item;
    const ms = Buffer.from(item.content[0].audio, 'base64').length / 48;
    expect(ms).toBeGreaterThan(speechMs);
    c.close();
  });

  it('says truthfully that it cannot transcribe when the script gives no transcript', async () => {
    const c = await connect(sim.url);
    c.send(VAD({ create_response: false }));
    await c.next('session.updated');
    const { pcm } = await speechPcm('Testing one two three.', 300, 1000);
    appendPcm(c, pcm);
    const failed = await c.next('conversation.item.input_audio_transcription.failed');
    expect(failed.error.message).toMatch(/cannot transcribe/);
    expect(c.types()).not.toContain('response.created');
    c.close();
  });

  it('honours semantic_vad eagerness as a silence duration', async () => {
    const c = await connect(sim.url);
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'low', create_response: false } } } } });
    await c.next('session.updated');
    const { pcm } = await speechPcm('Hello there.', 300, 1000);
    appendPcm(c, pcm);
    await c.next('input_audio_buffer.speech_started');
    const marker = await roundTrip(c);
    // 1 s of trailing silence is shorter than the 1.5 s that eagerness "low" waits for.
    expect(c.types().slice(0, marker)).not.toContain('input_audio_buffer.speech_stopped');
    appendPcm(c, Buffer.alloc(48 * 1000));
    await c.next('input_audio_buffer.speech_stopped');
    c.close();
  });

  it('commits a manual buffer and refuses an empty commit', async () => {
    const c = await connect(sim.url);
    c.send(NO_VAD);
    await c.next('session.updated');
    c.send({ type: 'input_audio_buffer.commit', event_id: 'empty' });
    expect((await c.next('error')).error).toMatchObject({ code: 'input_audio_buffer_commit_empty', event_id: 'empty' });
    appendPcm(c, Buffer.alloc(48 * 300));
    c.send({ type: 'input_audio_buffer.commit' });
    await c.next('input_audio_buffer.committed');
    appendPcm(c, Buffer.alloc(48 * 300));
    c.send({ type: 'input_audio_buffer.clear' });
    await c.next('input_audio_buffer.cleared');
    c.close();
  });

  it('cancels the active response when the user barges in, then answers the new turn', async () => {
    const c = await connect(slow.url);
    c.send(VAD());
    await c.next('session.updated');
    c.send(userText('Tell me a story'));
    c.send({ type: 'response.create' });
    await c.next('response.output_audio.delta');
    const { pcm } = await speechPcm('Stop, please stop.', 200, 800);
    appendPcm(c, pcm);
    await c.next('input_audio_buffer.speech_started');
    const done = await c.next('response.done');
    expect(done.response.status).toBe('cancelled');
    expect(done.response.status_details.reason).toBe('turn_detected');
    await c.next('input_audio_buffer.committed');
    const second = await c.next('response.created', 0, 2);
    expect(second.response.id).not.toBe(done.response.id);
    c.close();
  });

  it('fires input_audio_buffer.timeout_triggered after idle_timeout_ms of silence following a response', async () => {
    const c = await connect(sim.url);
    c.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 5000 } } } } });
    await c.next('session.updated');
    c.send(userText('hi'));
    c.send({ type: 'response.create' });
    await c.next('response.done');
    await new Promise((r) => setTimeout(r, 50));
    appendPcm(c, Buffer.alloc(48 * 4000));
    const marker = await roundTrip(c);
    expect(c.types().slice(0, marker)).not.toContain('input_audio_buffer.timeout_triggered');
    appendPcm(c, Buffer.alloc(48 * 1500));
    const t = await c.next('input_audio_buffer.timeout_triggered');
    expect(t.audio_end_ms - t.audio_start_ms).toBeGreaterThanOrEqual(5000);
    await c.next('response.done', 0, 2);
    c.close();
  });
});

describe('truncate, retrieve, delete', () => {
  async function audioReply(): Promise<{ c: TestClient; itemId: string; ms: number }> {
    const c = await connect(sim.url);
    c.send(NO_VAD);
    c.send(userText('Say something long'));
    c.send({ type: 'response.create' });
    const done = await c.next('response.done');
    const bytes = c.events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + Buffer.from(e.delta, 'base64').length, 0);
    return { c, itemId: done.response.output[0].id, ms: bytes / 48 };
  }

  it('truncates the audio and transcript to the heard part', async () => {
    const { c, itemId, ms } = await audioReply();
    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 1000 });
    expect(await c.next('conversation.item.truncated')).toMatchObject({ item_id: itemId, content_index: 0, audio_end_ms: 1000 });
    c.send({ type: 'conversation.item.retrieve', item_id: itemId });
    const item = (await c.next('conversation.item.retrieved')).item;
    expect(Buffer.from(item.content[0].audio, 'base64').length).toBe(48 * 1000);
    const full = c.events.find((e) => e.type === 'response.output_audio_transcript.done')!.transcript as string;
    expect(item.content[0].transcript.length).toBeLessThan(full.length * (1000 / ms) + 20);
    expect(full.startsWith(item.content[0].transcript)).toBe(true);
    c.close();
  });

  it('truncates an item whose response is still streaming, as clients do on barge-in', async () => {
    const c = await connect(slow.url);
    c.send(NO_VAD);
    c.send(userText('Say something long'));
    c.send({ type: 'response.create' });
    const first = await c.next('response.output_audio.delta');
    await c.until(() => c.events.filter((e) => e.type === 'response.output_audio.delta').length >= 6, 'six audio deltas');
    c.send({ type: 'conversation.item.truncate', item_id: first.item_id, content_index: 0, audio_end_ms: 300 });
    expect(await c.next('conversation.item.truncated')).toMatchObject({ item_id: first.item_id, audio_end_ms: 300 });
    c.send({ type: 'response.cancel' });
    expect((await c.next('response.done')).response.status).toBe('cancelled');
    c.send({ type: 'conversation.item.retrieve', item_id: first.item_id });
    const item = (await c.next('conversation.item.retrieved')).item;
    expect(Buffer.from(item.content[0].audio, 'base64').length).toBe(48 * 300);
    c.close();
  });

  it('refuses to truncate past the end with the real "already shorter" error', async () => {
    const { c, itemId, ms } = await audioReply();
    c.send({ type: 'conversation.item.truncate', event_id: 'tr', item_id: itemId, content_index: 0, audio_end_ms: Math.ceil(ms) + 500 });
    const err = await c.next('error');
    expect(err.error).toEqual({
      type: 'invalid_request_error', code: 'invalid_value', param: null, event_id: null,
      message: `Audio content of ${Math.floor(ms)}ms is already shorter than ${Math.ceil(ms) + 500}ms`,
    });
    c.close();
  });

  it('retrieves an item with base64 audio and deletes it', async () => {
    const { c, itemId, ms } = await audioReply();
    c.send({ type: 'conversation.item.retrieve', item_id: itemId });
    const item = (await c.next('conversation.item.retrieved')).item;
    expect(item).toMatchObject({ id: itemId, type: 'message', role: 'assistant', status: 'completed' });
    expect(Buffer.from(item.content[0].audio, 'base64').length / 48).toBe(ms);
    c.send({ type: 'conversation.item.delete', item_id: itemId });
    expect((await c.next('conversation.item.deleted')).item_id).toBe(itemId);
    c.send({ type: 'conversation.item.retrieve', item_id: itemId });
    expect((await c.next('error')).error.code).toBe('item_not_found');
    c.close();
  });
});
