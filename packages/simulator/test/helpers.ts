// Test helpers: a plain `ws` client that validates EVERY server event against
// #/$defs/RealtimeServerEvent (nulls dropped) and every client event sent against
// #/$defs/RealtimeClientEvent; installGuards() fails the test on any invalid one.
import { afterEach, expect } from 'vitest';
import WebSocket from 'ws';
import { clientEventErrors, serverEventErrors } from '../src/validate.js';
import { synthesize } from '../src/tts.js';

export type Ev = Record<string, any> & { type: string };
const failures: string[] = [];

/** Registers the after-each check that no invalid event crossed any wire in the test. */
export function installGuards(): void {
  afterEach(() => {
    expect(failures.splice(0), 'events that are not valid GA events').toEqual([]);
  });
}

/** A connected test client. */
export class TestClient {
  readonly events: Ev[] = [];
  readonly raw: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      let ev: Ev;
      try { ev = JSON.parse(text); } catch { this.notify(); return; }
      const errors = serverEventErrors(ev);
      if (errors) failures.push(`${ev.type}: ${JSON.stringify(errors).slice(0, 400)}`);
      this.events.push(ev);
      this.notify();
    });
    ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; this.notify(); });
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Sends a client event after checking it against the GA client union. */
  send(ev: Ev): void {
    const errors = clientEventErrors(ev);
    if (errors) failures.push(`client ${ev.type}: ${JSON.stringify(errors).slice(0, 400)}`);
    this.ws.send(JSON.stringify(ev));
  }

  /** Sends raw text (for invalid frames on purpose; not validated). */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Waits until `pred` holds over the events received so far. */
  async until<T>(pred: () => T | undefined | false, what = 'condition', timeoutMs = 20000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${this.types().join(',')}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 200); });
    }
  }

  /** Waits for the n-th (1-based) event of a type after index `from`. */
  next(type: string, from = 0, nth = 1): Promise<Ev> {
    return this.until(() => this.events.slice(from).filter((e) => e.type === type)[nth - 1], type);
  }

  /** Waits for the socket to close. */
  waitClose(): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed ?? undefined, 'close');
  }

  /** Event types received, in order. */
  types(from = 0): string[] {
    return this.events.slice(from).map((e) => e.type);
  }

  close(): void {
    this.ws.close();
  }
}

/** Opens a client; default auth is a Bearer header. Resolves after session.created (or a close). */
export async function connect(
  url: string,
  opts: { protocols?: string[]; headers?: Record<string, string>; noAuth?: boolean } = {},
): Promise<TestClient> {
  const headers = opts.noAuth || opts.protocols ? { ...opts.headers } : { Authorization: 'Bearer sk-test', ...opts.headers };
  const ws = new WebSocket(url, opts.protocols ?? [], { headers });
  const client = new TestClient(ws);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  await client.until(() => client.events.length > 0 || client.closed, 'first event');
  return client;
}

/** Base64 audio helpers. */
export function b64ToInt16(b64: string): Int16Array {
  const buf = Buffer.from(b64, 'base64');
  const out = new Int16Array(buf.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
  return out;
}

/** 24 kHz PCM: `leadMs` silence, speech of `text`, `tailMs` silence. */
export async function speechPcm(text: string, leadMs: number, tailMs: number): Promise<{ pcm: Buffer; speechMs: number }> {
  const speech = await synthesize(text, 'echo');
  const total = new Int16Array(((leadMs + tailMs) * 24) + speech.length);
  total.set(speech, leadMs * 24);
  return { pcm: Buffer.from(total.buffer), speechMs: speech.length / 24 };
}

/** Sends PCM in 100 ms appends. */
export function appendPcm(c: TestClient, pcm: Buffer, chunkBytes = 4800): void {
  for (let i = 0; i < pcm.length; i += chunkBytes) {
    c.send({ type: 'input_audio_buffer.append', audio: pcm.subarray(i, i + chunkBytes).toString('base64') });
  }
}

/** Creates a user text item. */
export function userText(text: string): Ev {
  return { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } };
}

/** Disables server VAD (turn_detection null) so text tests stay quiet. */
export const NO_VAD: Ev = { type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } };

/**
 * Waits for positive signals: `wake()` on every event, `until(pred)` resolves with the first truthy
 * value of `pred` (checked on every wake, and every 200 ms), failing after `timeoutMs` with `what`
 * and the tail the caller describes.
 */
export class Waiter {
  private waiters: Array<() => void> = [];

  constructor(private readonly describeTail: () => string = () => '') {}

  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until<T>(pred: () => T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${this.describeTail()}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 200); });
    }
  }
}
