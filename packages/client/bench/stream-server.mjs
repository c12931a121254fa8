// The streaming server of the sessions-per-core bench (bench/sessions.mjs), run in its own process
// so its work is not on the measured client's clock. Every connection gets, at real time, one
// 100 ms pcm16 audio delta plus one transcript delta every 100 ms, in 5 s responses framed like the
// GA server's (response.created ... response.done); microphone frames are counted, not parsed.
// Control by IPC from the parent: start / stop streaming; on stop it reports what it sent.
// Each transcript delta ends in `@<send time, monotonic ms>` so the client can measure delivery lag.
import { WebSocketServer } from 'ws';

const DEFLATE = process.env.BENCH_DEFLATE === '1';
const DELTAS_PER_RESPONSE = 50;
const PERIOD_MS = 10; // tick of the streaming loop; each connection is due every 100 ms
// The machine's monotonic clock (CLOCK_MONOTONIC, the same in every process), in ms: the wall
// clock behind performance.timeOrigin can be stepped while the server runs (a stepped clock once
// added a steady 4 s to every lag a run measured), and each process reads it at its own start.
const monoNow = () => Number(process.hrtime.bigint()) / 1e6;

// 64 distinct 100 ms chunks of 24 kHz pcm16 (a tone with noise), base64 once.
const chunks = Array.from({ length: 64 }, (_, c) => {
  const b = Buffer.alloc(4800);
  for (let i = 0; i < 2400; i++) b.writeInt16LE(Math.round(Math.sin((c * 2400 + i) * 0.0576) * 8000 + (Math.random() - 0.5) * 600), i * 2);
  return b.toString('base64');
});
const WORDS = [' Hello', ' there', '!', ' How', ' can', ' I', ' help', ' you', ' today', '?'];
const rid = (prefix, n) => `${prefix}_${n.toString(36).padStart(22, '0')}`;

let started = false;
let sent = { audioFrames: 0, audioBytes: 0, textFrames: 0, controlFrames: 0 };
let lateness = [];
let micFrames = 0;
let micBytes = 0;
let nextId = 1;
let cpuAtStart = process.cpuUsage();
let startedAt = 0;
const streams = new Set();

/** One connection's place in its conversation: response number and delta index. */
function openStream(ws) {
  const id = nextId++;
  const stream = { ws, id, response: 0, step: 0, due: 0, event: 0 };
  ws.on('message', (data) => {
    micFrames++;
    micBytes += data.length;
  });
  ws.on('close', () => streams.delete(stream));
  ws.on('error', () => streams.delete(stream));
  streams.add(stream);
  if (started) stream.due = monoNow() + Math.random() * 100;
}

const ids = (s) => ({ response_id: rid('resp', s.id * 1e6 + s.response), item_id: rid('item', s.id * 1e6 + s.response) });
function control(s, type, extra) {
  s.ws.send(JSON.stringify({ type, event_id: rid('event', s.event++), ...extra }));
  sent.controlFrames++;
}

/** Sends what is due now: one audio delta and one transcript delta, plus the response framing. */
function sendStep(s) {
  const { response_id, item_id } = ids(s);
  const where = { response_id, item_id, output_index: 0, content_index: 0 };
  if (s.step === 0) {
    control(s, 'response.created', { response: { object: 'realtime.response', id: response_id, status: 'in_progress', output: [], usage: null } });
    control(s, 'response.output_item.added', { response_id, output_index: 0, item: { id: item_id, type: 'message', status: 'in_progress', role: 'assistant', content: [] } });
    control(s, 'response.content_part.added', { ...where, part: { type: 'audio', transcript: '' } });
  }
  const delta = chunks[(s.id + s.step) & 63];
  const head = `{"type":"response.output_audio.delta","event_id":"${rid('event', s.event++)}","response_id":"${response_id}","item_id":"${item_id}","output_index":0,"content_index":0,"delta":"`;
  s.ws.send(`${head}${delta}"}`);
  sent.audioFrames++;
  sent.audioBytes += 4800;
  const word = `${WORDS[s.step % WORDS.length]}@${monoNow().toFixed(3)}`;
  s.ws.send(`{"type":"response.output_audio_transcript.delta","event_id":"${rid('event', s.event++)}","response_id":"${response_id}","item_id":"${item_id}","output_index":0,"content_index":0,"delta":"${word}"}`);
  sent.textFrames++;
  if (++s.step === DELTAS_PER_RESPONSE) {
    control(s, 'response.output_audio.done', where);
    control(s, 'response.output_audio_transcript.done', { ...where, transcript: 'Hello there!' });
    control(s, 'response.content_part.done', { ...where, part: { type: 'audio', transcript: 'Hello there!' } });
    control(s, 'response.output_item.done', { response_id, output_index: 0, item: { id: item_id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_audio', transcript: 'Hello there!' }] } });
    const usage = { total_tokens: 120, input_tokens: 20, output_tokens: 100, input_token_details: { text_tokens: 20, audio_tokens: 0 }, output_token_details: { text_tokens: 20, audio_tokens: 80 } };
    control(s, 'response.done', { response: { object: 'realtime.response', id: response_id, status: 'completed', output: [], usage } });
    s.step = 0;
    s.response++;
  }
}

function tick() {
  if (!started) return;
  const now = monoNow();
  for (const s of streams) {
    if (s.ws.readyState !== 1) continue;
    while (s.due <= now) {
      lateness.push(now - s.due);
      sendStep(s);
      s.due += 100;
    }
  }
}

const p = (xs, q) => {
  if (xs.length === 0) return 0;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: DEFLATE, skipUTF8Validation: true, maxPayload: 1 << 20 });
wss.on('connection', (ws) => {
  ws.send(JSON.stringify({ type: 'session.created', event_id: rid('event', 0), session: { type: 'realtime', object: 'realtime.session', id: rid('sess', nextId), model: 'gpt-realtime', output_modalities: ['audio'], audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad', interrupt_response: true, create_response: true } }, output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' } } } }));
  openStream(ws);
});
wss.on('listening', () => process.send({ ready: true, port: wss.address().port, deflate: DEFLATE }));
setInterval(tick, PERIOD_MS);

process.on('message', (m) => {
  if (m.cmd === 'start') {
    sent = { audioFrames: 0, audioBytes: 0, textFrames: 0, controlFrames: 0 };
    lateness = [];
    micFrames = micBytes = 0;
    const now = monoNow();
    // Spread the connections over the 100 ms period so the load is even, as independent calls are.
    for (const s of streams) s.due = now + Math.random() * 100;
    started = true;
    cpuAtStart = process.cpuUsage();
    startedAt = performance.now();
    process.send({ started: streams.size });
  } else if (m.cmd === 'stop') {
    started = false;
    const cpu = process.cpuUsage(cpuAtStart);
    const seconds = (performance.now() - startedAt) / 1000;
    process.send({ stopped: true, sent, micFrames, micBytes, latenessP99: p(lateness, 0.99), cpuCores: (cpu.user + cpu.system) / 1e6 / seconds });
  } else if (m.cmd === 'close-all') {
    for (const s of streams) s.ws.terminate();
    process.send({ closed: true });
  }
});
process.on('disconnect', () => process.exit(0));
