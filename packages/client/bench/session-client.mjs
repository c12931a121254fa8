// One measured client process of the sessions-per-core bench (run by bench/sessions.mjs, never
// alone): holds N sessions of one subject against bench/stream-server.mjs, each sending a 40 ms
// pcm16 microphone chunk every 40 ms, and reports CPU (process.cpuUsage, all threads) per
// session-second, delivery lag of the transcript deltas, microphone chunks sent on time, audio
// delivered, and memory per session idle and streaming. Subjects: `ours` (the Node entry, bundled
// by the parent), `peer` (@openai/agents-realtime), `floor` (bare `ws`: JSON.parse + base64 only),
// `socket` (our Node socket alone: no JSON, no base64, prebuilt microphone frames; the part of the
// cost no client library can avoid on this machine).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const [subject, nArg, url, oursPath] = process.argv.slice(2);
const N = Number(nArg);
const MIC_MS = 40;
const ON_TIME_MS = 20; // a chunk is on time when it is handed to the library at most this late
// The machine's monotonic clock (CLOCK_MONOTONIC, the same in every process), in ms: the wall
// clock behind performance.timeOrigin can be stepped while the server runs (a stepped clock once
// added a steady 4 s to every lag a run measured), and each process reads it at its own start.
const monoNow = () => Number(process.hrtime.bigint()) / 1e6;
const send = (m) => process.send(m);
const nextMessage = (key) => new Promise((resolve) => process.once('message', function on(m) {
  if (key in m) resolve(m);
  else process.once('message', on);
}));

const mic = Array.from({ length: 32 }, (_, c) => {
  const b = new Uint8Array(1920);
  for (let i = 0; i < 1920; i += 2) b[i] = (c * 31 + i) & 255;
  return b;
});

/** The microphone chunks as append frames, built once (the `socket` subject sends these as they are). */
const micFrames = mic.map((b) => JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.from(b).toString('base64') }));

/** Counters shared by every session; `window` ones are reset when the measured window opens. */
const total = { audioBytes: 0, audioEvents: 0, errors: 0, firstError: '' };
let window = { lags: [], micDue: 0, micOnTime: 0 };
const onTranscript = (delta) => {
  const at = delta.lastIndexOf('@');
  if (at >= 0) window.lags.push(monoNow() - Number(delta.slice(at + 1)));
};
const onAudio = (bytes) => {
  total.audioBytes += bytes;
  total.audioEvents++;
};
const onError = (what) => {
  total.errors++;
  total.firstError ||= String(what).slice(0, 200);
};

/** Opens one session of the subject; resolves to `{ sendMic(chunk), close() }`. */
async function openSession(lib) {
  if (subject === 'ours') {
    // BENCH_OFFER_DEFLATE=1: a `ws` socket that offers permessage-deflate, which ours no longer does.
    const offer = process.env.BENCH_OFFER_DEFLATE === '1' && (await import('ws')).WebSocket;
    const createWebSocket = offer ? ({ url: u, protocols, headers }) => new offer(u, protocols ?? [], { headers, perMessageDeflate: true }) : undefined;
    const model = new lib.OpenAIRealtimeWebSocketModel({ createWebSocket });
    model.on('audio', (e) => onAudio(e.data.byteLength));
    model.on('transcript_delta', (e) => onTranscript(e.delta));
    model.on('error', (e) => onError(e.error?.message));
    model.on('exception', (e) => onError(e.exception?.message));
    await model.connect({ apiKey: 'sk-bench', url });
    return { sendMic: (chunk) => model.sendAudio(chunk).catch(onError), close: () => model.close() };
  }
  if (subject === 'peer') {
    const model = new lib.OpenAIRealtimeWebSocket();
    model.on('audio', (e) => onAudio(e.data.byteLength));
    model.on('audio_transcript_delta', (e) => onTranscript(e.delta));
    model.on('error', (e) => onError(e.error?.message ?? e.error));
    await model.connect({ apiKey: 'sk-bench', model: 'gpt-realtime', url });
    return { sendMic: (chunk) => model.sendAudio(chunk.buffer), close: () => model.close() };
  }
  if (subject === 'socket') {
    const ws = lib.nodeWebSocket()({ url, protocols: [], headers: { Authorization: 'Bearer sk-bench' } });
    ws.addEventListener('message', (m) => {
      const s = m.data;
      const key = s.indexOf('"delta":"');
      if (key < 0) return;
      if (s.startsWith('{"type":"response.output_audio.delta"')) {
        const end = s.length - 2; // the base64 runs to the closing quote, as the server writes it
        const n = end - key - 9;
        onAudio((n * 3) / 4 - (s.charCodeAt(end - 1) === 61 ? (s.charCodeAt(end - 2) === 61 ? 2 : 1) : 0));
      } else if (s.startsWith('{"type":"response.output_audio_transcript.delta"')) {
        const at = s.lastIndexOf('@');
        if (at >= 0) window.lags.push(monoNow() - Number(s.slice(at + 1, s.indexOf('"', at))));
      }
    });
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    return { sendMic: (chunk) => ws.send(micFrames[mic.indexOf(chunk)]), close: () => ws.close() };
  }
  const ws = new lib.WebSocket(url, { headers: { Authorization: 'Bearer sk-bench' } });
  ws.on('message', (data, isBinary) => {
    const e = JSON.parse(isBinary ? '{}' : data.toString());
    if (e.type === 'response.output_audio.delta') onAudio(Buffer.from(e.delta, 'base64').byteLength);
    else if (e.type === 'response.output_audio_transcript.delta') onTranscript(e.delta);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const sendMic = (chunk) => ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') }));
  return { sendMic, close: () => ws.close() };
}

const loadLib = () => (subject === 'ours' || subject === 'socket' ? import(oursPath) : subject === 'peer' ? import('@openai/agents-realtime') : import('ws'));
const memory = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
};

/** The soak (bench/soak.mjs): every `sampleSec`, memory after full GCs plus that period's lag and
 * microphone figures; the period's lag samples are dropped so they do not grow the heap. */
async function soak(measureSec, sampleSec) {
  const t0 = performance.now();
  let cpu0 = process.cpuUsage();
  while (performance.now() - t0 < measureSec * 1000) {
    await new Promise((r) => setTimeout(r, sampleSec * 1000));
    const period = window;
    window = { lags: [], micDue: 0, micOnTime: 0 };
    const lags = Float64Array.from(period.lags).sort();
    const cpu = process.cpuUsage(cpu0);
    cpu0 = process.cpuUsage();
    const m = memory();
    send({ sample: { minutes: (performance.now() - t0) / 60000, heap: m.heap, external: m.external, rss: m.rss, lagP99: lags.length ? lags[Math.floor(0.99 * lags.length)] : NaN, lagSamples: lags.length, micOnTime: period.micDue ? period.micOnTime / period.micDue : 0, cpuCores: (cpu.user + cpu.system) / 1e6 / sampleSec, audioBytes: total.audioBytes, errors: total.errors } });
  }
}

const lib = await loadLib();
const mem0 = memory();
const sessions = [];
for (let i = 0; i < N; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => openSession(lib)));
  sessions.push(...batch);
}
await new Promise((r) => setTimeout(r, 300)); // the handshake's last frames (session.created) settle
const memIdle = memory();
send({ connected: sessions.length, idleBytesPerSession: (memIdle.heap + memIdle.external - mem0.heap - mem0.external) / N });

// Microphone: every session is due every 40 ms, phases spread evenly; a late tick sends the
// chunks that came due since (a capture buffer would hold them), counting each as late.
const { warmSec, measureSec, sampleSec } = await nextMessage('warmSec');
const start = monoNow();
const due = sessions.map((_, i) => start + (i / N) * MIC_MS);
let chunk = 0;
const micTimer = setInterval(() => {
  const now = monoNow();
  for (let i = 0; i < N; i++) {
    while (due[i] <= now) {
      window.micDue++;
      if (now - due[i] <= ON_TIME_MS) window.micOnTime++;
      sessions[i].sendMic(mic[chunk++ & 31]);
      due[i] += MIC_MS;
    }
  }
}, 5);

await new Promise((r) => setTimeout(r, warmSec * 1000));
const memWarm = memory();
window = { lags: [], micDue: 0, micOnTime: 0 };
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
if (sampleSec) await soak(measureSec, sampleSec);
else await new Promise((r) => setTimeout(r, measureSec * 1000));
const cpu = process.cpuUsage(cpu0);
const seconds = (performance.now() - t0) / 1000;
loop.disable();
const measured = window;
window = { lags: [], micDue: 0, micOnTime: 0 };
const memStreaming = memory();
clearInterval(micTimer);
const lags = Float64Array.from(measured.lags).sort();
const q = (x) => (lags.length ? lags[Math.min(lags.length - 1, Math.floor(x * lags.length))] : NaN);
send({
  window: {
    cpuMsPerSessionSecond: (cpu.user + cpu.system) / 1000 / (N * seconds),
    cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
    systemShare: cpu.system / (cpu.user + cpu.system),
    lagP50: q(0.5),
    lagP99: q(0.99),
    lagSamples: lags.length,
    expectedLagSamples: Math.round(N * 10 * seconds),
    micOnTime: measured.micDue ? measured.micOnTime / measured.micDue : 0,
    micDue: measured.micDue,
    loopDelayP99: loop.percentile(99) / 1e6,
    streamingBytesPerSession: (memStreaming.heap + memStreaming.external - mem0.heap - mem0.external) / N,
    // Heap + external growth per session over the measured window (after full GCs): flat is ~0.
    growthBytesPerSessionMinute: (memStreaming.heap + memStreaming.external - memWarm.heap - memWarm.external) / N / (seconds / 60),
  },
});

// After the server stops: wait until every audio byte it sent has arrived (or 15 s).
const { expectAudioBytes } = await nextMessage('expectAudioBytes');
const deadline = performance.now() + 15_000;
while (total.audioBytes < expectAudioBytes && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
send({ final: { audioBytes: total.audioBytes, expectAudioBytes, errors: total.errors, firstError: total.firstError } });
for (const s of sessions) s.close();
setTimeout(() => process.exit(0), 200);
