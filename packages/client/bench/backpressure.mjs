// Send backpressure against a server that stops reading: 40 ms pcm16 chunks sent at 25x real time
// for SECONDS seconds through a real socket on 127.0.0.1 (the server runs in another process and
// pauses its socket), ours and @openai/agents-realtime measured the same way in one run. Prints the
// RSS growth, what the socket buffered, and (ours) what was queued and dropped, then how long
// close() takes to free it. Not a test: it asserts nothing.
// Run: cd packages/client && node bench/backpressure.mjs [--seconds 20]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as esbuild from 'esbuild';
import WebSocket from 'ws';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = process.argv.indexOf('--seconds');
const SECONDS = arg > 0 ? Number(process.argv[arg + 1]) : 20;
const CHUNK_MS = 40;
const SPEEDUP = 25;
const mb = (n) => (n / 1024 / 1024).toFixed(1);

// The stalled server: accepts, answers the handshake, then never reads again.
const tmp = mkdtempSync(join(tmpdir(), 'open-realtime-bp-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const serverFile = join(tmp, 'server.cjs');
writeFileSync(serverFile, `
const { WebSocketServer } = require(${JSON.stringify(createRequire(import.meta.url).resolve('ws'))});
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('connection', (ws) => { ws._socket.pause(); });
wss.on('listening', () => process.send(wss.address().port));
`);
const server = fork(serverFile);
const port = await new Promise((r) => server.once('message', r));
const url = `ws://127.0.0.1:${port}/v1/realtime?model=gpt-realtime`;

await esbuild.build({
  entryPoints: [join(PKG, 'src/index.node.ts')], outfile: join(tmp, 'ours.mjs'), bundle: true, format: 'esm', platform: 'node',
  target: 'node20', external: ['bufferutil', 'utf-8-validate'], logLevel: 'silent',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const { OpenAIRealtimeWebSocketModel } = await import(pathToFileURL(join(tmp, 'ours.mjs')).href);
const { OpenAIRealtimeWebSocket } = await import('@openai/agents-realtime');

async function run(name, open) {
  gc();
  const retained = () => { const m = process.memoryUsage(); return m.heapUsed + m.external; };
  const rss0 = process.memoryUsage().rss;
  const kept0 = retained();
  const { send, buffered, stats, close } = await open();
  const chunk = new Uint8Array(24 * CHUNK_MS * 2);
  const frames = (SECONDS * 1000 * SPEEDUP) / CHUNK_MS; // SECONDS of wall time
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    await send(chunk);
    const due = t0 + ((i + 1) * CHUNK_MS) / SPEEDUP;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  gc();
  const rss1 = process.memoryUsage().rss;
  const line = `${name.padEnd(5)} retained +${mb(retained() - kept0)} MB (heap + external after GC), RSS +${mb(rss1 - rss0)} MB, socket buffered ${mb(buffered())} MB${stats ? `, ${stats()}` : ''}`;
  const c0 = performance.now();
  await close();
  gc();
  console.log(`${line}; close() took ${(performance.now() - c0).toFixed(0)} ms, retained after: +${mb(retained() - kept0)} MB`);
}

console.log(`backpressure: ${SECONDS} s of sending ${CHUNK_MS} ms pcm16 chunks at ${SPEEDUP}x real time to a server that stopped reading (node ${process.version})`);
await run('ours', async () => {
  let socket;
  const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: (o) => (socket = new WebSocket(o.url, o.protocols ?? [], { headers: o.headers })) });
  await model.connect({ apiKey: 'sk-bench', url, keepAlive: false });
  return {
    send: (c) => model.sendAudio(c),
    buffered: () => socket.bufferedAmount,
    stats: () => { const s = model.getSendQueue(); return `queued ${s.queuedAudioMs.toFixed(0)} ms, dropped ${s.droppedAudioFrames} chunks (${(s.droppedAudioMs / 1000).toFixed(1)} s)`; },
    close: () => new Promise((r) => { socket.once('close', r); model.close(); }),
  };
});
await run('peer', async () => {
  let socket;
  const model = new OpenAIRealtimeWebSocket({ createWebSocket: async () => (socket = new WebSocket(url, ['realtime'], { headers: { Authorization: 'Bearer sk-bench' } })) });
  await model.connect({ apiKey: 'sk-bench', url });
  return {
    send: async (c) => model.sendAudio(c.buffer),
    buffered: () => socket.bufferedAmount,
    close: () => new Promise((r) => { const t = setTimeout(r, 5000); socket.once('close', () => { clearTimeout(t); r(); }); model.close(); }),
  };
});
server.kill();
