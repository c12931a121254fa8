// One subject of bench/run.mjs's in-memory measures (ours, the peer, or the limit), in a process
// of its own: run.mjs forks one per subject and asks each for one timed round at a time, so the
// rounds still alternate (same background load) while each library has its own V8 heap. In one
// process, the peer's rounds changed V8's collection of ours: interleaved with it, ours ran about
// 30% slower than alone (four full collections in ten rounds against none), the peer no slower
// (README "Benchmarks"). A server runs one library, not both.
// Protocol (fork with serialization 'advanced'): the first message is
// { handshake, audioFrames, textFrames, micChunks }; then { cmd: 'receive', kind, n } or
// { cmd: 'send', n } answers { rate } (frames per CPU-second of this process) or { error };
// { cmd: 'errors' } answers { errors, first }; { cmd: 'exit' } ends it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full GC before each timed round, so garbage of the round before is not collected on its clock.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const [name, oursPath] = process.argv.slice(2);

/** CPU microseconds (user + system, all threads) of this process since `from`. */
const cpuSince = (from) => {
  const d = process.cpuUsage(from);
  return d.user + d.system;
};

const SEND_BUFFER = Buffer.allocUnsafe(1 << 20);

/** The same in-memory WHATWG-like socket for both libraries. */
class MemorySocket {
  readyState = 0;
  sentFrames = 0;
  #listeners = { open: [], message: [], close: [], error: [] };
  constructor() {
    setTimeout(() => {
      this.readyState = 1;
      for (const l of [...this.#listeners.open]) l({ type: 'open' });
    }, 0);
  }
  /** Encodes the frame as a socket would (flattening a concatenated string), into a reused buffer. */
  send(data) {
    SEND_BUFFER.write(data, 0, 'utf8');
    this.sentFrames++;
  }
  close() {
    this.readyState = 3;
  }
  addEventListener(type, listener) {
    this.#listeners[type].push(listener);
  }
  removeEventListener(type, listener) {
    const ls = this.#listeners[type];
    const i = ls.indexOf(listener);
    if (i >= 0) ls.splice(i, 1);
  }
  /** Hands one text frame to the message listeners (what the runtime's socket would do). */
  deliver(data) {
    const ls = this.#listeners.message;
    for (let i = 0; i < ls.length; i++) ls[i]({ type: 'message', data });
  }
}

const counter = { audio: 0, text: 0, bytes: 0, errors: 0, first: undefined };
const note = (what) => {
  counter.errors++;
  counter.first ??= what;
};

/** The two libraries' audio and transcript events carry the same fields under different names. */
const countAudio = (e) => {
  counter.audio++;
  counter.bytes += e.data.byteLength;
};
const countText = (e) => {
  counter.text++;
  counter.bytes += e.delta.length;
};

/** A connected subject: its socket, and how it sends a microphone chunk. */
async function connect(handshake) {
  if (name === 'ours') {
    const { OpenAIRealtimeWebSocketModel } = await import(oursPath);
    let socket;
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: () => (socket = new MemorySocket()) });
    model.on('audio', countAudio);
    model.on('transcript_delta', countText);
    model.on('error', (e) => note(`error ${e.error?.code ?? ''}: ${e.error?.message ?? ''}`));
    model.on('exception', (e) => note(`exception (${e.context}): ${e.exception?.message}`));
    await model.connect({ apiKey: 'sk-bench', url: 'wss://api.openai.com/v1/realtime?model=gpt-realtime' });
    for (const f of handshake) socket.deliver(f);
    return { socket, sendMic: (chunk) => void model.sendAudio(chunk) };
  }
  if (name === 'peer') {
    // The peer, as published (its Node `_shims` import `ws`, unused here since we inject the socket).
    const { OpenAIRealtimeWebSocket } = await import('@openai/agents-realtime');
    let socket;
    const model = new OpenAIRealtimeWebSocket({ createWebSocket: async () => (socket = new MemorySocket()) });
    model.on('audio', countAudio);
    model.on('audio_transcript_delta', countText); // the peer's name for our transcript_delta
    model.on('error', (e) => note(`error: ${String(e.error?.message ?? e.error ?? e).slice(0, 160)}`));
    await model.connect({ apiKey: 'sk-bench', model: 'gpt-realtime', url: 'wss://api.openai.com/v1/realtime?model=gpt-realtime' });
    for (const f of handshake) socket.deliver(f);
    return { socket, sendMic: (chunk) => model.sendAudio(chunk.buffer) };
  }
  // The limit: JSON.parse of the frame plus (for audio) Buffer base64 decode, nothing else; on
  // the send side Buffer base64 plus JSON.stringify.
  const socket = new MemorySocket();
  socket.addEventListener('message', (m) => {
    const e = JSON.parse(m.data);
    if (e.type === 'response.output_audio.delta') {
      counter.audio++;
      counter.bytes += Buffer.from(e.delta, 'base64').byteLength;
    } else {
      counter.text++;
      counter.bytes += e.delta.length;
    }
  });
  const sendMic = (chunk) => socket.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') }));
  return { socket, sendMic };
}

/** One timed receive round: `n` frames of `frames` (cycled) delivered; frames per CPU-second. */
function receive(subject, frames, n, kind) {
  const before = counter[kind];
  gc();
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) subject.socket.deliver(frames[i % frames.length]);
  const s = cpuSince(t0) / 1e6;
  if (counter[kind] - before !== n) throw new Error(`${name}: ${counter[kind] - before} ${kind} events for ${n} frames`);
  return n / s;
}

/** One timed send round: `n` microphone chunks (cycled) sent; frames per CPU-second. */
function send(subject, chunks, n) {
  const before = subject.socket.sentFrames;
  gc();
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) subject.sendMic(chunks[i % chunks.length]);
  const s = cpuSince(t0) / 1e6;
  if (subject.socket.sentFrames - before !== n) throw new Error(`${name}: ${subject.socket.sentFrames - before} frames sent for ${n} chunks`);
  return n / s;
}

// The bench ended or died: nothing is left to measure for.
process.on('disconnect', () => process.exit(0));

let input;
let subject;
process.on('message', async (m) => {
  try {
    if (!input) {
      // Typed arrays arrive as views into the message's one buffer: each chunk gets its own again
      // (the peer takes `chunk.buffer`, which must be the chunk's 1920 bytes).
      input = { ...m, micChunks: m.micChunks.map((c) => new Uint8Array(c)) };
      subject = await connect(m.handshake);
      process.send({ ready: true });
    } else if (m.cmd === 'receive') {
      process.send({ rate: receive(subject, m.kind === 'audio' ? input.audioFrames : input.textFrames, m.n, m.kind) });
    } else if (m.cmd === 'send') {
      process.send({ rate: send(subject, input.micChunks, m.n) });
    } else if (m.cmd === 'errors') {
      process.send({ errors: counter.errors, first: counter.first });
    } else if (m.cmd === 'exit') {
      process.exit(0);
    }
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) });
  }
});
