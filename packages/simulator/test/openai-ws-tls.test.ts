// The `openai` package's OpenAIRealtimeWS (6.x, a thin event client that forces wss://) against
// the simulator started with `tls: true`, trusting the generated CA through the `ca` option it
// passes to `ws`: connect, session.update with features turned off by null, text turn, tool
// round trip, interrupt + truncate, audio append + commit, close; no `error` event, only valid
// GA frames. Then the CLI's --tls --ca-out with NODE_EXTRA_CA_CERTS in a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type ConnectionInfo, type Simulator } from '../src/index.js';
import { serverEventErrors } from '../src/validate.js';
import { speechPcm, Waiter } from './helpers.js';

type Obj = Record<string, any>;
const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    tls: true,
    pace: 3,
    script: {
      userTranscripts: ['What time is it?'],
      rules: [
        { match: 'hello', reply: 'Hi there, nice to meet you.' },
        { match: 'weather', toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, afterToolReply: 'It is {output}.' },
        { match: 'time', reply: 'It is noon.' },
        { match: 'story', reply: 'Once upon a time a small robot lived by the sea. Every morning it counted the waves, and every evening it told the gulls how many there had been.' },
      ],
    },
  });
});
afterAll(() => sim.close());

/** One OpenAIRealtimeWS connection and every event it emitted. */
class Conn {
  readonly events: Obj[] = [];
  readonly errors: Obj[] = [];
  readonly invalid: string[] = [];
  closed: number | null = null;
  info!: ConnectionInfo;
  private readonly waiter = new Waiter(() => this.events.map((e) => e.type).slice(-15).join(','));

  constructor(readonly rt: OpenAIRealtimeWS) {
    rt.on('event', (ev) => {
      const errors = serverEventErrors(ev);
      if (errors) this.invalid.push(`${ev.type}: ${JSON.stringify(errors).slice(0, 300)}`);
      this.events.push(ev);
      this.wake();
    });
    rt.on('error', (err) => { this.errors.push({ message: err.message, error: err.error }); this.wake(); });
    rt.socket.on('close', (code) => { this.closed = code; this.wake(); });
  }

  private wake(): void {
    this.waiter.wake();
  }

  /** Waits until `pred` holds (checked on every event, and every 200 ms). */
  until<T>(pred: () => T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
    return this.waiter.until(pred, what, timeoutMs);
  }

  /** Waits for the nth event of a type; fails at once if an error arrives first. */
  async next(type: string, nth = 1): Promise<Obj> {
    const ev = await this.until(() => this.errors[0] ?? this.events.filter((e) => e.type === type)[nth - 1], `${type} #${nth}`);
    if (!ev.type) throw new Error(`error instead of ${type}: ${ev.message}`);
    return ev;
  }

  received(type: string): Obj[] {
    return (this.info.received as Obj[]).filter((f) => f.type === type);
  }

  expectClean(): void {
    expect(this.errors).toEqual([]);
    expect(this.invalid).toEqual([]);
  }
}

/** Opens OpenAIRealtimeWS on the simulator, trusting its CA through the ws `ca` option. */
async function open(): Promise<Conn> {
  const client = new OpenAI({ apiKey: 'sk-test-openai', baseURL: `https://127.0.0.1:${sim.port}/v1` });
  const before = sim.connections.length;
  const c = new Conn(await OpenAIRealtimeWS.create(client, { model: 'gpt-realtime', options: { ca: sim.ca } }));
  await c.next('session.created');
  c.info = sim.connections[before]!;
  return c;
}

/** Text-only replies without VAD, for the turns where audio is beside the point. */
const TEXT_SESSION = { type: 'realtime', output_modalities: ['text'], audio: { input: { turn_detection: null } } } as const;

describe("openai's OpenAIRealtimeWS over TLS", () => {
  it('connects over wss:// trusting the generated CA, and a client without it is refused by TLS', async () => {
    expect(sim.url.startsWith('wss://')).toBe(true);
    expect(sim.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const c = await open();
    expect(c.rt.url.href).toBe(`wss://127.0.0.1:${sim.port}/v1/realtime?model=gpt-realtime`);
    expect(c.info).toMatchObject({ apiKey: 'sk-test-openai', refused: null });
    c.rt.close();
    const untrusted = new Conn(new OpenAIRealtimeWS({ model: 'gpt-realtime' }, new OpenAI({ apiKey: 'k', baseURL: `https://127.0.0.1:${sim.port}/v1` })));
    await untrusted.until(() => untrusted.errors[0], 'TLS error');
    expect(untrusted.errors[0]!.message).toMatch(/certificate/i);
    expect(untrusted.events).toEqual([]);
  });

  it('updates the session, turning transcription, noise reduction, VAD, include and tracing off with null', async () => {
    const c = await open();
    c.rt.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.',
      audio: { input: { transcription: { model: 'whisper-1' }, noise_reduction: { type: 'far_field' } } } } });
    expect((await c.next('session.updated')).session.audio.input.noise_reduction).toEqual({ type: 'far_field' });
    const off = { type: 'realtime', include: null, tracing: null,
      audio: { input: { transcription: null, noise_reduction: null, turn_detection: null } } };
    c.rt.send({ type: 'session.update', session: off as never });
    const s = (await c.next('session.updated', 2)).session;
    expect(s).toMatchObject({ instructions: 'Be brief.', include: null, tracing: null,
      audio: { input: { transcription: null, noise_reduction: null, turn_detection: null } } });
    // The session the server sent, sent back whole, is accepted and changes nothing.
    c.rt.send({ type: 'session.update', session: s as never });
    expect((await c.next('session.updated', 3)).session).toEqual(s);
    c.expectClean();
    c.rt.close();
  });

  it('runs a text turn', async () => {
    const c = await open();
    c.rt.send({ type: 'session.update', session: TEXT_SESSION as never });
    c.rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
    c.rt.send({ type: 'response.create' });
    expect((await c.next('response.output_text.done')).text).toBe('Hi there, nice to meet you.');
    expect((await c.next('response.done')).response.status).toBe('completed');
    c.expectClean();
    c.rt.close();
  });

  it('runs a tool round trip: arguments out, function_call_output back, an answer that uses it', async () => {
    const c = await open();
    const tools = [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    c.rt.send({ type: 'session.update', session: { ...TEXT_SESSION, tools } as never });
    c.rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] } });
    c.rt.send({ type: 'response.create' });
    const call = await c.next('response.function_call_arguments.done');
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    await c.next('response.done');
    c.rt.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: 'sunny in Paris' } });
    c.rt.send({ type: 'response.create' });
    expect((await c.next('response.output_text.done')).text).toBe('It is sunny in Paris.');
    expect(c.received('conversation.item.create')[1]!.item.call_id).toBe(call.call_id);
    c.expectClean();
    c.rt.close();
  });

  it('interrupts a spoken reply: response.cancel and a truncate at the audio received so far', async () => {
    const c = await open();
    c.rt.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    c.rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Tell me a story' }] } });
    c.rt.send({ type: 'response.create' });
    await c.until(() => c.events.filter((e) => e.type === 'response.output_audio.delta').length >= 3, 'three audio deltas');
    const deltas = c.events.filter((e) => e.type === 'response.output_audio.delta');
    const heardMs = Math.floor(deltas.reduce((n, e) => n + Buffer.from(e.delta, 'base64').length, 0) / 48);
    c.rt.send({ type: 'response.cancel' });
    c.rt.send({ type: 'conversation.item.truncate', item_id: deltas[0]!.item_id, content_index: 0, audio_end_ms: heardMs });
    expect((await c.next('response.done')).response.status_details).toMatchObject({ reason: 'client_cancelled' });
    expect(await c.next('conversation.item.truncated')).toMatchObject({ item_id: deltas[0]!.item_id, audio_end_ms: heardMs });
    c.expectClean();
    c.rt.close();
  });

  it('appends real speech and commits it by hand (VAD off), then answers the scripted transcript', async () => {
    const c = await open();
    c.rt.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'],
      audio: { input: { transcription: { model: 'whisper-1' }, turn_detection: null } } } });
    const { pcm } = await speechPcm('What time is it?', 300, 500);
    for (let i = 0; i < pcm.length; i += 4800) c.rt.send({ type: 'input_audio_buffer.append', audio: pcm.subarray(i, i + 4800).toString('base64') });
    c.rt.send({ type: 'input_audio_buffer.commit' });
    const committed = await c.next('input_audio_buffer.committed');
    const completed = await c.next('conversation.item.input_audio_transcription.completed');
    expect(completed).toMatchObject({ item_id: committed.item_id, transcript: 'What time is it?' });
    c.rt.send({ type: 'response.create' });
    expect((await c.next('response.output_text.done')).text).toBe('It is noon.');
    expect(c.events.map((e) => e.type)).not.toContain('input_audio_buffer.speech_started');
    c.expectClean();
    c.rt.close();
  });

  it('closes cleanly with code 1000 on both sides', async () => {
    const c = await open();
    c.rt.close();
    expect(await c.until(() => c.closed, 'client close')).toBe(1000);
    expect((await c.until(() => c.info.closed, 'server close')).code).toBe(1000);
    c.expectClean();
  });
});

describe('CLI --tls', () => {
  let cli: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sim-ca-'));
  afterAll(() => { cli?.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); });

  it('writes the CA to --ca-out, and a client process trusts it through NODE_EXTRA_CA_CERTS', async () => {
    const caPath = join(dir, 'ca.pem');
    cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--tls', '--ca-out', caPath], { cwd: PKG });
    let stderr = '';
    cli.stderr!.on('data', (d) => { stderr += String(d); });
    const url = await new Promise<string>((resolve, reject) => {
      cli!.stdout!.once('data', (d) => resolve(String(d).trim()));
      cli!.once('exit', (code) => reject(new Error(`CLI exited ${code}: ${stderr}`)));
    });
    expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?model=gpt-realtime$/);
    expect(readFileSync(caPath, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(stderr).toContain(`NODE_EXTRA_CA_CERTS=${caPath}`);
    // The client sets no TLS option at all: only the environment makes the CA trusted.
    const script = `import OpenAI from 'openai'; import { OpenAIRealtimeWS } from 'openai/realtime/ws';
      const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime' }, new OpenAI({ apiKey: 'k', baseURL: process.argv[1] }));
      rt.on('error', (e) => { console.log('error ' + e.message); process.exit(1); });
      rt.on('session.created', (e) => { console.log(e.type); rt.close(); });`;
    const baseURL = url.replace('wss://', 'https://').replace(/\/realtime\?.*$/, '');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, baseURL], { cwd: PKG, env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath } });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(out.trim()).toBe('session.created');
    expect(code).toBe(0);
  });
});
