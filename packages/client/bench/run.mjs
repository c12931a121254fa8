// Benchmark of @open-realtime/client against @openai/agents-realtime (the peer).
// Run: cd packages/client && node bench/run.mjs [--quick] [--no-sessions]   (N_AUDIO=… sets audio frames per round)
//      (Node >= 20; no network; ~5 min on 2 cores, --quick ~2 min)
//
// 1. Browser bundle size (esbuild, minified, gzip -9) of the WebSocket model class, ours vs peer.
// 2. Receive-path throughput: frames per CPU-second from "text frame handed to the socket's message
//    listener" to "typed event delivered to a listener", for 100 ms pcm audio deltas and transcript
//    deltas, both libraries fed by the same in-memory socket through their socket factory option,
//    each in a process of its own (bench/subject.mjs), rounds alternating between them.
// 3. Send-path throughput: sendAudio of 40 ms pcm16 chunks, frames per CPU-second, up to the text
//    frame written into a reused buffer (as a socket would encode it).
// 4. A plain-text summary, then bench/sessions.mjs (sessions per core, real sockets, two processes).
//
// Rates are per CPU-second of the subject's process (process.cpuUsage), not wall time: other work
// on the shared cores then slows a round less. Not a test: PASS/OVER/BELOW lines are informational.
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// 15 KB until the ledger (heard transcript, latency) and the network work (reconnect, backpressure,
// keepalive) landed; 20 KB keeps the same ratio to the peer in view (README "Benchmarks").
const BUDGET_KB = 20;
const AUDIO_FLOOR = 5;
const SEND_FLOOR = 3;
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 15;
const N_AUDIO = Number(process.env.N_AUDIO ?? (QUICK ? 5_000 : 10_000));
const N_TEXT = QUICK ? 20_000 : 50_000;
const N_SEND = QUICK ? 10_000 : 20_000;
const kb = (n) => (n / 1024).toFixed(2);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const peerVersion = JSON.parse(readFileSync(join(PKG, 'node_modules/@openai/agents-realtime/package.json'), 'utf8')).version;
const esbuildVersion = esbuild.version;

// ---------------------------------------------------------------------------------------------
// 1. Bundle size
// ---------------------------------------------------------------------------------------------
async function browserBundle(contents, external = []) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: PKG, loader: 'js', sourcefile: 'entry.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external,
    logLevel: 'silent',
    metafile: true,
  });
  const text = result.outputFiles[0].text;
  const raw = Buffer.byteLength(text);
  const gz = gzipSync(text, { level: 9 }).byteLength;
  // Minified bytes per package (or per source file), largest first.
  const parts = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
    const m = file.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const key = m ? m[1] : file;
    parts.set(key, (parts.get(key) ?? 0) + bytesInOutput);
  }
  const top = [...parts].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${kb(v)}`).join(', ');
  return { text, raw, gz, top, warnings: result.warnings.length, inputs: Object.keys(result.metafile.inputs).length };
}

console.log(`open-realtime bench — node ${process.version}, esbuild ${esbuildVersion}, peer @openai/agents-realtime ${peerVersion}${QUICK ? ' (--quick)' : ''}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log('== 1. Browser bundle size (esbuild --bundle --minify --format=esm --platform=browser, gzip -9) ==');
const ours = await browserBundle(
  `import { OpenAIRealtimeWebSocketModel } from './src/index.browser.ts';\nconsole.log(OpenAIRealtimeWebSocketModel);\n`,
);
// The peer resolves its `browser` export conditions (dist/index.mjs and the browser `_shims`, the
// native WebSocket); nothing needs to be external. If esbuild ever fails, retry with node
// builtins external and say so.
let peerExternal = [];
let peer;
try {
  peer = await browserBundle(`import { OpenAIRealtimeWebSocket } from '@openai/agents-realtime';\nconsole.log(OpenAIRealtimeWebSocket);\n`);
} catch {
  peerExternal = ['node:*', 'ws', 'events', 'stream', 'crypto', 'async_hooks', 'process', 'buffer', 'util'];
  peer = await browserBundle(`import { OpenAIRealtimeWebSocket } from '@openai/agents-realtime';\nconsole.log(OpenAIRealtimeWebSocket);\n`, peerExternal);
}
const sizeRatio = peer.gz / ours.gz;
const budgetOk = ours.gz <= BUDGET_KB * 1024;
const hasIsoWs = ours.text.includes('isomorphic-ws');
const hasRequireWs = ours.text.includes('require("ws")');
const hasWsSpecifier = /["']ws["']/.test(ours.text);
console.log(`ours  { OpenAIRealtimeWebSocketModel } from '@open-realtime/client' (src/index.browser.ts): ${kb(ours.raw)} KB min, ${kb(ours.gz)} KB gzip (${ours.inputs} modules)`);
console.log(`peer  { OpenAIRealtimeWebSocket } from '@openai/agents-realtime' ${peerVersion}: ${kb(peer.raw)} KB min, ${kb(peer.gz)} KB gzip (${peer.inputs} modules; external: ${peerExternal.length ? peerExternal.join(', ') : 'none'})`);
console.log(`      largest parts of ours (KB minified, before gzip): ${ours.top}`);
console.log(`      largest parts of peer (KB minified, before gzip): ${peer.top}`);
console.log(`ratio peer/ours (gzip): ${sizeRatio.toFixed(1)}x smaller`);
console.log(`budget ours <= ${BUDGET_KB} KB gzip: ${budgetOk ? 'PASS' : 'OVER'} (${kb(ours.gz)} KB)`);
console.log(`ours browser bundle free of 'isomorphic-ws': ${hasIsoWs ? 'FAIL (found)' : 'PASS'}; free of require("ws"): ${hasRequireWs ? 'FAIL (found)' : 'PASS'}; any "ws" specifier: ${hasWsSpecifier ? 'found' : 'none'}`);

// ---------------------------------------------------------------------------------------------
// 2. Receive-path throughput
// ---------------------------------------------------------------------------------------------
// Our Node entry, bundled to a temp dir (Node 20 cannot run .ts). Everything is bundled, so the
// output needs no node_modules next to it; ws's optional native add-ons stay external.
const tmp = mkdtempSync(join(tmpdir(), 'open-realtime-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
await esbuild.build({
  entryPoints: [join(PKG, 'src/index.node.ts')],
  outfile: join(tmp, 'index.node.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['bufferutil', 'utf-8-validate'],
  // ws is CommonJS; give the ESM bundle a `require` for its node builtins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'silent',
});
const oursBundle = pathToFileURL(join(tmp, 'index.node.mjs')).href;

// Realistic frames. Ids in the shape the API uses; 100 ms of 24 kHz pcm16 = 4800 bytes.
const rid = (prefix, n = 22) => {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = prefix;
  for (let i = 0; i < n; i++) s += abc[(Math.random() * abc.length) | 0];
  return s;
};
const RESPONSE_ID = rid('resp_');
const ITEM_ID = rid('item_');
const SESSION = {
  type: 'realtime',
  object: 'realtime.session',
  id: rid('sess_'),
  model: 'gpt-realtime',
  output_modalities: ['audio'],
  instructions: 'You are a helpful assistant.',
  tools: [],
  tool_choice: 'auto',
  max_output_tokens: 'inf',
  tracing: null,
  prompt: null,
  expires_at: 1767225600,
  include: null,
  audio: {
    input: {
      format: { type: 'audio/pcm', rate: 24000 },
      transcription: null,
      noise_reduction: null,
      turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200, idle_timeout_ms: null, create_response: true, interrupt_response: true },
    },
    output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
  },
};
const handshake = [
  { type: 'session.created', event_id: rid('event_'), session: SESSION },
  { type: 'session.updated', event_id: rid('event_'), session: SESSION },
  {
    type: 'response.created',
    event_id: rid('event_'),
    response: {
      object: 'realtime.response', id: RESPONSE_ID, status: 'in_progress', status_details: null, output: [], conversation_id: rid('conv_'),
      output_modalities: ['audio'], max_output_tokens: 'inf',
      audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' } }, usage: null, metadata: null,
    },
  },
  {
    type: 'response.output_item.added', event_id: rid('event_'), response_id: RESPONSE_ID, output_index: 0,
    item: { id: ITEM_ID, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
  },
  {
    type: 'response.content_part.added', event_id: rid('event_'), response_id: RESPONSE_ID, item_id: ITEM_ID, output_index: 0, content_index: 0,
    part: { type: 'audio', transcript: '' },
  },
].map((e) => JSON.stringify(e));

// A pool of distinct frames, cycled, so no two consecutive frames are the same string.
const POOL = 256;
const pcm = () => {
  const b = Buffer.alloc(4800);
  let phase = Math.random() * 6.28;
  for (let i = 0; i < 2400; i++, phase += 0.0576) b.writeInt16LE(Math.round(Math.sin(phase) * 8000 + (Math.random() - 0.5) * 600), i * 2);
  return b.toString('base64');
};
const audioFrames = Array.from({ length: POOL }, () =>
  JSON.stringify({ type: 'response.output_audio.delta', event_id: rid('event_'), response_id: RESPONSE_ID, item_id: ITEM_ID, output_index: 0, content_index: 0, delta: pcm() }),
);
const WORDS = [' Hello', ' there', '!', ' How', ' can', ' I', ' help', ' you', ' today', '?', ' The', ' weather', ' in', ' Paris', ' is', ' mild'];
const textFrames = Array.from({ length: POOL }, (_, i) =>
  JSON.stringify({ type: 'response.output_audio_transcript.delta', event_id: rid('event_'), response_id: RESPONSE_ID, item_id: ITEM_ID, output_index: 0, content_index: 0, delta: WORDS[i % WORDS.length] }),
);
if (Buffer.from(JSON.parse(audioFrames[0]).delta, 'base64').byteLength !== 4800) throw new Error('bad audio frame');

// 40 ms pcm16 microphone chunks (1920 bytes, as a microphone worklet hands them over).
const micChunks = Array.from({ length: 64 }, () => {
  const b = new Uint8Array(1920);
  for (let i = 0; i < b.length; i++) b[i] = (Math.random() * 256) | 0;
  return b;
});

/** One subject in a process of its own (bench/subject.mjs), given the same frames as the others. */
async function startSubject(name) {
  const child = fork(join(PKG, 'bench/subject.mjs'), [name, oursBundle], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending = null;
  child.on('message', (m) => pending?.(m));
  child.once('exit', (code) => pending?.({ error: `${name} subject exited (${code})` }));
  const call = (message) =>
    new Promise((resolve, reject) => {
      pending = (m) => {
        pending = null;
        if (m.error) reject(new Error(m.error));
        else resolve(m);
      };
      child.send(message);
    });
  await call({ handshake, audioFrames, textFrames, micChunks });
  return { name, call, close: () => child.send({ cmd: 'exit' }) };
}
const subjects = [await startSubject('ours'), await startSubject('peer'), await startSubject('limit')];

/** Frames per CPU-second of each subject, `ROUNDS` rounds alternating between them; paired ratios. */
async function measure(kind, n) {
  const command = kind === 'send' ? { cmd: 'send', n } : { cmd: 'receive', kind, n };
  // Warm-up: one full round each. Our audio path reaches its steady speed only after ~3,000
  // frames (V8 tiers it up late); a shorter warm-up measured its first round at a sixth of the rest.
  for (const s of subjects) await s.call(command);
  const rates = Object.fromEntries(subjects.map((s) => [s.name, []]));
  // Alternate subjects each round so background noise on shared cores hits all alike.
  for (let r = 0; r < ROUNDS; r++) for (const s of subjects) rates[s.name].push((await s.call(command)).rate);
  if (process.env.BENCH_VERBOSE) for (const [k, v] of Object.entries(rates)) console.log(`    [${kind}] ${k} rounds: ${v.map(fmt).join(' ')}`);
  // Ratios are paired per round (same background load), then the median is taken.
  const paired = (a, b) => rates[a].map((x, i) => x / rates[b][i]);
  const spread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}x`;
  return {
    ours: median(rates.ours), peer: median(rates.peer), limit: median(rates.limit),
    vsPeer: median(paired('ours', 'peer')), vsPeerSpread: spread(paired('ours', 'peer')),
    vsLimit: median(paired('ours', 'limit')), ceiling: median(paired('limit', 'peer')),
  };
}

console.log(`\n== 2. Receive-path throughput (frame handed to the socket's message listener -> typed event delivered), frames per CPU-second, median of ${ROUNDS} interleaved rounds; ratios are medians of per-round ratios ==`);
const audio = await measure('audio', N_AUDIO);
const text = await measure('text', N_TEXT);
const errors = (await Promise.all(subjects.map(async (s) => [s.name, await s.call({ cmd: 'errors' })])))
  .map(([name, e]) => `${name}=${e.errors}${e.first ? ` (first: ${e.first.slice(0, 160)})` : ''}`).join(' ');
const audioRatio = audio.vsPeer;
const textRatio = text.vsPeer;
const pct = (r) => `${(r * 100).toFixed(0)}%`;
const mbps = (fps) => ((fps * 6400) / 1e6).toFixed(0);
const audioFrameBytes = Buffer.byteLength(audioFrames[0]);
console.log(`(a) response.output_audio.delta, 100 ms pcm16 24 kHz (4800 B audio, ${audioFrameBytes} B frame), ${fmt(N_AUDIO)} frames/round`);
console.log(`    ours  ${fmt(audio.ours)} frames/s  ('audio', Uint8Array)`);
console.log(`    peer  ${fmt(audio.peer)} frames/s  ('audio', ArrayBuffer)`);
console.log(`    limit ${fmt(audio.limit)} frames/s  (JSON.parse + Buffer.from(b64,'base64') only)`);
console.log(`    ours/peer ${audioRatio.toFixed(2)}x (per-round range ${audio.vsPeerSpread}); ours at ${pct(audio.vsLimit)} of the limit; ours ~${mbps(audio.ours)} MB/s of base64 audio, i.e. ~${fmt(audio.ours / 10)} real-time 24 kHz streams per core`);
console.log(`    limit/peer ${audio.ceiling.toFixed(2)}x: what a client doing JSON.parse of the whole frame + base64 would reach; ours slices the base64 out instead`);
console.log(`    floor ours >= ${AUDIO_FLOOR}x peer on audio: ${audioRatio >= AUDIO_FLOOR ? 'PASS' : 'BELOW'} (${audioRatio.toFixed(2)}x)`);
console.log(`(b) response.output_audio_transcript.delta, ${fmt(N_TEXT)} frames/round`);
console.log(`    ours  ${fmt(text.ours)} frames/s  ('transcript_delta')`);
console.log(`    peer  ${fmt(text.peer)} frames/s  ('audio_transcript_delta')`);
console.log(`    limit ${fmt(text.limit)} frames/s  (JSON.parse only)`);
console.log(`    ours/peer ${textRatio.toFixed(2)}x (per-round range ${text.vsPeerSpread}); ours at ${pct(text.vsLimit)} of the limit`);
console.log(`error/exception events during the receive runs: ${errors}`);

// ---------------------------------------------------------------------------------------------
// 3. Send-path throughput
// ---------------------------------------------------------------------------------------------
console.log(`\n== 3. Send-path throughput (sendAudio of a 40 ms pcm16 chunk -> text frame encoded by the socket), frames per CPU-second, median of ${ROUNDS} interleaved rounds ==`);
const sendRates = await measure('send', N_SEND);
for (const s of subjects) s.close();
console.log(`    ours  ${fmt(sendRates.ours)} frames/s  (sendAudio(Uint8Array))`);
console.log(`    peer  ${fmt(sendRates.peer)} frames/s  (sendAudio(ArrayBuffer))`);
console.log(`    limit ${fmt(sendRates.limit)} frames/s  (Buffer base64 + JSON.stringify only)`);
console.log(`    ours/peer ${sendRates.vsPeer.toFixed(2)}x (per-round range ${sendRates.vsPeerSpread}); ours at ${pct(sendRates.vsLimit)} of the limit; floor ours >= ${SEND_FLOOR}x peer: ${sendRates.vsPeer >= SEND_FLOOR ? 'PASS' : 'BELOW'}`);

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------
console.log(`
== Summary (node ${process.version}, esbuild ${esbuildVersion}, vs @openai/agents-realtime ${peerVersion}) ==
Bundle (browser, minified, gzip -9): ours ${kb(ours.gz)} KB vs peer ${kb(peer.gz)} KB — ${sizeRatio.toFixed(1)}x smaller; budget <= ${BUDGET_KB} KB: ${budgetOk ? 'PASS' : 'OVER'}
Browser bundle contains no 'isomorphic-ws' / require("ws"): ${!hasIsoWs && !hasRequireWs ? 'yes' : 'NO'}
Audio deltas (100 ms pcm16): ours ${fmt(audio.ours)}/s vs peer ${fmt(audio.peer)}/s — ${audioRatio.toFixed(1)}x; ${pct(audio.vsLimit)} of JSON.parse+base64 (${fmt(audio.limit)}/s); floor >= ${AUDIO_FLOOR}x: ${audioRatio >= AUDIO_FLOOR ? 'PASS' : 'BELOW'}
Transcript deltas: ours ${fmt(text.ours)}/s vs peer ${fmt(text.peer)}/s — ${textRatio.toFixed(1)}x; ${pct(text.vsLimit)} of JSON.parse limit (${fmt(text.limit)}/s)
sendAudio, 40 ms chunks: ours ${fmt(sendRates.ours)}/s vs peer ${fmt(sendRates.peer)}/s — ${sendRates.vsPeer.toFixed(1)}x; floor >= ${SEND_FLOOR}x: ${sendRates.vsPeer >= SEND_FLOOR ? 'PASS' : 'BELOW'}
Load average (1, 5, 15 min) at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}
Reproduce: cd packages/client && node bench/run.mjs${QUICK ? ' --quick' : ''}`);

// ---------------------------------------------------------------------------------------------
// 4. Sessions per core (its own processes; see bench/sessions.mjs)
// ---------------------------------------------------------------------------------------------
if (!process.argv.includes('--no-sessions')) {
  console.log('');
  const sessions = spawnSync(process.execPath, [join(PKG, 'bench/sessions.mjs'), ...(QUICK ? ['--quick'] : [])], { stdio: 'inherit' });
  if (sessions.status !== 0) process.exitCode = sessions.status ?? 1;
}
