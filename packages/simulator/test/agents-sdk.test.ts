// OpenAI's Agents SDK (@openai/agents-realtime 0.20.0: RealtimeAgent + RealtimeSession over its
// WebSocket transport, `url` pointed at the simulator, session config left at the SDK defaults)
// against the simulator: nine scenarios, each checking what the SDK reports and what the
// simulator received, and that the simulator sent no `error` event and only valid GA frames.
// Audio turns feed speech made by the simulator's own synthesizer.
import { RealtimeAgent, RealtimeSession, tool, type RealtimeItem } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startSimulator, type ConnectionInfo, type Simulator } from '../src/index.js';
import { serverEventErrors } from '../src/validate.js';
import { speechPcm, Waiter } from './helpers.js';

type Obj = Record<string, any>;
const STORY = 'Once upon a time a small robot lived by the sea. Every morning it counted the waves, '
  + 'and every evening it told the gulls how many there had been, which they never believed.';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    pace: 3,
    script: (info) => ({
      minReplySeconds: 1,
      userTranscripts: info.url.includes('scripted') ? ['What time is it?'] : [],
      rules: [
        { match: 'hello', reply: 'Hi there, nice to meet you.' },
        { match: 'weather', toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, afterToolReply: 'It is {output}.' },
        { match: 'time', reply: 'It is noon.' },
        { match: 'story', reply: STORY },
      ],
    }),
  });
});
afterAll(() => sim.close());

/** One RealtimeSession on the simulator, with everything it reported. */
class Run {
  readonly frames: Obj[] = [];
  readonly sdkErrors: unknown[] = [];
  readonly invalid: string[] = [];
  history: RealtimeItem[] = [];
  conn!: ConnectionInfo;
  private readonly waiter = new Waiter(() => this.types().slice(-20).join(','));

  constructor(readonly session: RealtimeSession) {
    session.on('transport_event', (ev) => {
      const frame = ev as Obj;
      const errors = serverEventErrors(frame);
      if (errors) this.invalid.push(`${frame.type}: ${JSON.stringify(errors).slice(0, 300)}`);
      this.frames.push(frame);
      this.wake();
    });
    session.on('history_updated', (h) => { this.history = h; this.wake(); });
    session.on('error', (e) => { this.sdkErrors.push(e); this.wake(); });
  }

  private wake(): void {
    this.waiter.wake();
  }

  /** Waits until `pred` holds (checked on every event, and every 200 ms). */
  until<T>(pred: () => T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
    return this.waiter.until(pred, what, timeoutMs);
  }

  /** Waits for the nth server frame of a type. */
  frame(type: string, nth = 1): Promise<Obj> {
    return this.until(() => this.frames.filter((f) => f.type === type)[nth - 1], `${type} #${nth}`);
  }

  types(): string[] {
    return this.frames.map((f) => f.type).filter((t) => !t.endsWith('.delta'));
  }

  /** Client frames of a type the simulator received on this connection. */
  received(type: string): Obj[] {
    return (this.conn.received as Obj[]).filter((f) => f.type === type);
  }

  /** The assistant transcripts in the SDK's history, in order. */
  assistantTexts(): string[] {
    return this.history.flatMap((i) => (i.type === 'message' && i.role === 'assistant'
      ? i.content.map((c) => ('transcript' in c ? c.transcript : 'text' in c ? c.text : '') ?? '') : []));
  }

  /** Sends 24 kHz pcm16 in 100 ms chunks, as an app's microphone loop would. */
  sendPcm(pcm: Buffer): void {
    for (let i = 0; i < pcm.length; i += 4800) {
      const chunk = pcm.subarray(i, i + 4800);
      this.session.sendAudio(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length) as ArrayBuffer);
    }
  }

  /** The checks every scenario ends with: no error event, only valid GA frames, no SDK error. */
  expectClean(): void {
    expect(this.frames.filter((f) => f.type === 'error')).toEqual([]);
    expect(this.invalid).toEqual([]);
    expect(this.sdkErrors).toEqual([]);
  }
}

const executed: Obj[] = [];
const getWeather = tool({
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => { executed.push({ city }); return `sunny in ${city}`; },
});

/** Connects a default RealtimeSession (agent instructions + one tool) to the simulator. */
async function start(tag = ''): Promise<Run> {
  const agent = new RealtimeAgent({ name: 'Assistant', instructions: 'Be brief.', tools: [getWeather] });
  const run = new Run(new RealtimeSession(agent, { transport: 'websocket', model: 'gpt-realtime' }));
  const before = sim.connections.length;
  await run.session.connect({ apiKey: 'sk-test-agents', url: `${sim.url}&case=${tag}` });
  run.conn = sim.connections[before]!;
  // The SDK's first session.update (defaults + agent) must be applied, not refused.
  await run.until(() => run.frames.find((f) => f.type === 'session.updated' && f.session.instructions === 'Be brief.'), 'agent session');
  return run;
}

describe('OpenAI Agents SDK (RealtimeSession over WebSocket) against the simulator', () => {
  it('connects and gets its default session applied: instructions, tool, semantic VAD, transcription, noise_reduction null', async () => {
    const run = await start();
    expect(run.conn).toMatchObject({ apiKey: 'sk-test-agents', refused: null });
    const sent = run.received('session.update').find((u) => u.session.instructions)!.session;
    expect(sent.audio.input.noise_reduction).toBeNull();
    const s = run.frames.filter((f) => f.type === 'session.updated').at(-1)!.session;
    expect(s.tools.map((t: Obj) => t.name)).toEqual(['get_weather']);
    expect(s.audio.input).toMatchObject({
      noise_reduction: null, transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: { type: 'semantic_vad' },
    });
    run.expectClean();
    run.session.close();
  });

  it('runs a text turn: the reply reaches the history and agent_end', async () => {
    const run = await start();
    const ended = new Promise<string>((resolve) => run.session.on('agent_end', (_c, _a, text) => resolve(text)));
    run.session.sendMessage('hello');
    expect(await ended).toBe('Hi there, nice to meet you.');
    await run.until(() => run.assistantTexts().includes('Hi there, nice to meet you.'), 'reply in history');
    expect(run.received('conversation.item.create')[0]!.item.content).toEqual([{ type: 'input_text', text: 'hello' }]);
    run.expectClean();
    run.session.close();
  });

  it('runs a tool round trip: the tool gets the arguments, its output goes back, the model answers with it', async () => {
    const run = await start();
    executed.length = 0;
    run.session.sendMessage('What is the weather in Paris?');
    await run.until(() => run.assistantTexts().includes('It is sunny in Paris.'), 'reply after the tool');
    expect(executed).toEqual([{ city: 'Paris' }]);
    const call = (await run.frame('response.function_call_arguments.done'));
    const output = run.received('conversation.item.create').find((f) => f.item.type === 'function_call_output')!;
    expect(output.item).toMatchObject({ call_id: call.call_id, output: 'sunny in Paris' });
    run.expectClean();
    run.session.close();
  });

  it('interrupts a spoken reply: response.cancel, then a truncate the simulator applies at the audio_end_ms sent', async () => {
    const run = await start();
    run.session.sendMessage('Tell me a story');
    await run.until(() => run.frames.filter((f) => f.type === 'response.output_audio.delta').length >= 3, 'three audio deltas');
    run.session.interrupt();
    const truncated = await run.frame('conversation.item.truncated');
    const [truncate] = run.received('conversation.item.truncate');
    expect(Number.isInteger(truncate!.audio_end_ms)).toBe(true);
    expect(truncated).toMatchObject({ item_id: truncate!.item_id, audio_end_ms: truncate!.audio_end_ms });
    expect(run.received('response.cancel')).toHaveLength(1);
    expect((await run.frame('response.done')).response.status).toBe('cancelled');
    run.expectClean();
    run.session.close();
  });

  it('answers a VAD audio turn of real speech (semantic VAD, no transcript scripted)', async () => {
    const run = await start();
    const { pcm } = await speechPcm('Good morning, could you tell me what time it is?', 500, 1500);
    run.sendPcm(pcm);
    const started = await run.frame('input_audio_buffer.speech_started');
    await run.frame('input_audio_buffer.speech_stopped');
    expect((await run.frame('input_audio_buffer.committed')).item_id).toBe(started.item_id);
    const done = await run.frame('response.done');
    expect(done.response.status).toBe('completed');
    expect(done.response.output[0].content[0].transcript).toMatch(/seconds of audio/);
    // The simulator says honestly that it cannot transcribe; that is not an `error` event.
    expect(run.types()).toContain('conversation.item.input_audio_transcription.failed');
    run.expectClean();
    run.session.close();
  });

  it('answers an audio turn with a scripted transcript, which the SDK puts in its history', async () => {
    const run = await start('scripted');
    const { pcm } = await speechPcm('What time is it?', 500, 1500);
    run.sendPcm(pcm);
    const completed = await run.frame('conversation.item.input_audio_transcription.completed');
    expect(completed.transcript).toBe('What time is it?');
    await run.until(() => run.assistantTexts().includes('It is noon.'), 'reply in history');
    await run.until(() => run.history.some((i) => i.type === 'message' && i.role === 'user'
      && i.content.some((c) => 'transcript' in c && c.transcript === 'What time is it?')), 'user transcript in history');
    run.expectClean();
    run.session.close();
  });

  it('handles barge-in: the simulator cancels on speech, the SDK truncates, the new turn is answered', async () => {
    const { pcm } = await speechPcm('Stop, please stop.', 200, 1500);
    const run = await start();
    run.session.sendMessage('Tell me a story');
    await run.frame('response.output_audio.delta');
    run.sendPcm(pcm);
    const first = await run.frame('response.done');
    expect(first.response.status_details).toMatchObject({ type: 'cancelled', reason: 'turn_detected' });
    const truncated = await run.frame('conversation.item.truncated');
    expect(truncated.item_id).toBe(first.response.output[0].id);
    expect(truncated.audio_end_ms).toBe(run.received('conversation.item.truncate')[0]!.audio_end_ms);
    // interrupt_response is on, so the SDK leaves the cancel to the server.
    expect(run.received('response.cancel')).toEqual([]);
    const second = await run.frame('response.done', 2);
    expect(second.response.status).toBe('completed');
    run.expectClean();
    run.session.close();
  });

  it('updates the session when the agent changes, and session.updated reflects it', async () => {
    const run = await start();
    await run.session.updateAgent(new RealtimeAgent({ name: 'French', instructions: 'Answer in French.' }));
    const updated = await run.until(() => run.frames.find((f) => f.type === 'session.updated' && f.session.instructions === 'Answer in French.'), 'new instructions');
    expect(updated.session.tools).toEqual([]);
    expect(updated.session.audio.input.noise_reduction).toBeNull();
    run.expectClean();
    run.session.close();
  });

  it('closes cleanly: the simulator sees a close frame and the transport disconnects', async () => {
    const run = await start();
    run.session.close();
    expect(run.session.transport.status).toBe('disconnected');
    const closed = await run.until(() => run.conn.closed, 'server-side close');
    expect(closed.code).not.toBe(1006);
    run.expectClean();
  });
});
