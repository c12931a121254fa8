// Sessions per core: one Node process holding N realtime sessions at real time against a
// streaming server in another process (bench/stream-server.mjs). Each session receives 10 audio
// deltas/s (100 ms pcm16) and 10 transcript deltas/s and sends 25 microphone chunks/s (40 ms).
// Run: cd packages/client && node bench/sessions.mjs [--quick]   (~4 min; --quick ~1.5 min)
// Options: --only=A,B,C (parts), --n=200 (part A's N), --ramp=400,700 and --subject=socket (part B's
// ramp, and whose: `socket` shows what our bare socket holds on this machine).
// Prints CPU per session-second (process.cpuUsage of the client process), delivery lag p99, share
// of microphone chunks on time, audio delivered, memory per session, for ours beside the peer at
// the same N (median of interleaved rounds), then the largest N ours holds at real time, then
// ws's optional native helper and permessage-deflate measured on and off. Nothing asserts.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOurs, startServer } from './session-harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PKG = resolve(HERE, '..');
const QUICK = process.argv.includes('--quick');
const WARM_SEC = 2;
const MEASURE_SEC = QUICK ? 4 : 8;
const ROUNDS = QUICK ? 1 : 3;
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const ONLY = arg('only')?.split(',') ?? ['A', 'B', 'C'];
const COMPARE_N = Number(arg('n') ?? 200);
const RAMP = arg('ramp')?.split(',').map(Number) ?? (QUICK ? [600, 1000, 1400] : [400, 550, 700, 1000, 1300, 1600, 2000]);
const RAMP_SUBJECT = arg('subject') ?? 'ours';
const HOLD = { lagP99: 50, micOnTime: 0.99 };
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** One client process of `subject` holding `n` sessions through one measured window. */
async function measure(server, subject, n, ours, env = {}) {
  // BENCH_CLIENT_NODE_ARGS (e.g. "--cpu-prof") reaches only the measured client process.
  const execArgv = process.env.BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = fork(join(HERE, 'session-client.mjs'), [subject, String(n), server.url, ours], { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox = [];
  let waiting = null;
  child.on('message', (m) => (waiting ? (waiting(m), (waiting = null)) : inbox.push(m)));
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  const next = () => Promise.race([
    inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => (waiting = r)),
    exited.then((code) => { throw new Error(`${subject} client exited (${code}) at N=${n}`); }),
  ]);
  const { idleBytesPerSession } = await next();
  await server.call('start');
  child.send({ warmSec: WARM_SEC, measureSec: MEASURE_SEC });
  const { window } = await next();
  const stopped = await server.call('stop');
  child.send({ expectAudioBytes: stopped.sent.audioBytes });
  const { final } = await next();
  await exited;
  await server.call('close-all');
  // A client that fell behind processed less than was sent: its CPU per session-second is understated.
  const keptUp = window.lagSamples >= 0.98 * window.expectedLagSamples && window.lagP99 < 1000;
  const held = window.lagP99 < HOLD.lagP99 && window.micOnTime >= HOLD.micOnTime && final.audioBytes === final.expectAudioBytes;
  return { subject, n, ...window, idleBytesPerSession, ...final, serverLatenessP99: stopped.latenessP99, serverCores: stopped.cpuCores, held, keptUp, load: load() };
}

const kb = (b) => (b / 1024).toFixed(1);
const pct = (x) => `${(x * 100).toFixed(2)}%`;
/** A figure in ms; NaN (no samples) crosses IPC as null. */
const ms = (x) => (typeof x === 'number' ? x.toFixed(1) : 'n/a');
function line(r) {
  const delivered = r.audioBytes === r.expectAudioBytes ? 'all audio delivered' : `AUDIO MISSING ${r.audioBytes}/${r.expectAudioBytes} B`;
  return `${r.subject.padEnd(5)} N=${String(r.n).padEnd(5)} ${r.cpuMsPerSessionSecond.toFixed(3)}${r.keptUp ? '' : ' (FELL BEHIND: understated)'} ms CPU/session-s (${r.cpuCores.toFixed(2)} cores, ${(r.systemShare * 100).toFixed(0)}% kernel)  lag p50 ${ms(r.lagP50)} p99 ${ms(r.lagP99)} ms (${r.lagSamples}/${r.expectedLagSamples} samples)  mic on time ${pct(r.micOnTime)}  loop delay p99 ${ms(r.loopDelayP99)} ms  ${delivered}${r.errors ? `  ERRORS ${r.errors}: ${r.firstError}` : ''}  [server late p99 ${ms(r.serverLatenessP99)} ms, ${r.serverCores.toFixed(2)} cores; load ${r.load}]`;
}

console.log(`open-realtime sessions-per-core bench — node ${process.version}${QUICK ? ' (--quick)' : ''}; ${WARM_SEC} s warm-up + ${MEASURE_SEC} s measured per run; load ${load()}`);
console.log(`Each session: 10 audio deltas/s (100 ms pcm16, 6.6 KB frames) + 10 transcript deltas/s in, 25 mic chunks/s (40 ms, 1920 B) out; server in another process.`);
console.log(`"Real time": lag p99 < ${HOLD.lagP99} ms (server send -> typed transcript event), >= ${HOLD.micOnTime * 100}% of mic chunks handed over <= 20 ms late, all audio delivered.\n`);
const ours = await bundleOurs();
const server = await startServer();

let compare;
let cpuRatio = NaN;
let largest = 0;
if (ONLY.includes('A')) {
console.log(`== A. ours vs peer at N=${COMPARE_N} (${ROUNDS} interleaved round(s); medians) ==`);
const rows = { ours: [], peer: [], floor: [], socket: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const subject of r % 2 ? ['peer', 'ours', 'floor', 'socket'] : ['ours', 'peer', 'socket', 'floor']) {
    const result = await measure(server, subject, COMPARE_N, ours);
    rows[subject].push(result);
    console.log(`  round ${r + 1}: ${line(result)}`);
  }
}
// CPU figures only from rounds the subject kept up with (all of them when none did).
const valid = (subject) => (rows[subject].some((x) => x.keptUp) ? rows[subject].filter((x) => x.keptUp) : rows[subject]);
const med = (subject, key) => median(valid(subject).map((x) => x[key]));
compare = Object.fromEntries(['ours', 'peer', 'floor', 'socket'].map((s) => [s, { cpu: med(s, 'cpuMsPerSessionSecond'), lag: med(s, 'lagP99'), mic: med(s, 'micOnTime'), idle: med(s, 'idleBytesPerSession'), streaming: med(s, 'streamingBytesPerSession'), growth: med(s, 'growthBytesPerSessionMinute'), allAudio: rows[s].every((x) => x.audioBytes === x.expectAudioBytes) }]));
for (const [s, c] of Object.entries(compare)) {
  console.log(`  median ${s.padEnd(5)} (${valid(s).filter((x) => x.keptUp).length}/${rows[s].length} rounds kept up) ${c.cpu.toFixed(3)} ms CPU/session-s, lag p99 ${c.lag.toFixed(1)} ms, mic on time ${pct(c.mic)}, all audio delivered: ${c.allAudio ? 'yes' : 'NO'}, memory/session idle ${kb(c.idle)} KB, streaming ${kb(c.streaming)} KB, growth ${c.growth.toFixed(0)} B/session-minute`);
}
cpuRatio = compare.peer.cpu / compare.ours.cpu;
console.log(`  peer/ours CPU per session-second: ${cpuRatio.toFixed(2)}x (goal >= 4x: ${cpuRatio >= 4 ? 'MET' : 'NOT MET'}); floor (bare ws + JSON.parse + base64) is ${(compare.floor.cpu / compare.ours.cpu * 100).toFixed(0)}% of ours`);
console.log(`  socket alone (our Node socket, no JSON, no base64, prebuilt frames) is ${(compare.socket.cpu / compare.ours.cpu * 100).toFixed(0)}% of ours: the library's own work is ${(compare.ours.cpu - compare.socket.cpu).toFixed(3)} ms per session-second, the peer's ${(compare.peer.cpu - compare.socket.cpu).toFixed(3)} ms (${((compare.peer.cpu - compare.socket.cpu) / (compare.ours.cpu - compare.socket.cpu)).toFixed(1)}x)`);

}
if (ONLY.includes('B')) {
console.log(`\n== B. ${RAMP_SUBJECT}: largest N held at real time (ramp ${RAMP.join(', ')}; each N in up to 3 windows, held when 2 hold) ==`);
// One window says little on shared cores: the same code at the same N read lag p99 34 ms in one
// window and 134 ms in the next. An N counts as held when two of three windows hold.
for (const n of RAMP) {
  let held = 0;
  let behind = 0;
  while (held < 2 && behind < 2) {
    const result = await measure(server, RAMP_SUBJECT, n, ours);
    if (result.held) held++;
    else behind++;
    console.log(`  ${result.held ? 'held  ' : 'BEHIND'} ${line(result)}`);
  }
  console.log(`  N=${n}: ${held >= 2 ? `held in ${held}` : `behind in ${behind}`} of ${held + behind} windows`);
  if (held < 2) break;
  largest = n;
}
console.log(`  largest N held: ${largest || `< ${RAMP[0]}`} (goal >= 1000: ${largest >= 1000 ? 'MET' : 'NOT MET'})`);
}
server.close();
if (ONLY.includes('C')) {
console.log(`\n== C. ws options for this traffic: ours at N=${COMPARE_N * 2}, one run each ==`);
const bufferutilFound = existsSync(join(PKG, 'node_modules/bufferutil')) || !!process.env.NODE_PATH;
const configs = [
  { name: 'default (no deflate; bufferutil if installed)', deflate: false, env: {} },
  { name: 'WS_NO_BUFFER_UTIL=1 (JS masking)', deflate: false, env: { WS_NO_BUFFER_UTIL: '1' } },
  { name: 'permessage-deflate offered and accepted', deflate: true, env: { BENCH_OFFER_DEFLATE: '1' } },
];
const options = [];
for (const config of configs) {
  const s = await startServer({ deflate: config.deflate });
  const result = await measure(s, 'ours', COMPARE_N * 2, ours, config.env);
  s.close();
  options.push({ ...config, result });
  console.log(`  ${config.name.padEnd(48)} ${line(result)}`);
}
console.log(`  bufferutil resolvable: ${bufferutilFound ? 'yes' : 'no (install it to measure it; ws then masks in JS in both rows)'}`);
}
if (!compare) process.exit(0);

console.log(`
== Summary (sessions per core, node ${process.version}, load at end ${load()}) ==
CPU per session-second at N=${COMPARE_N}: ours ${compare.ours.cpu.toFixed(3)} ms vs peer ${compare.peer.cpu.toFixed(3)} ms — ${cpuRatio.toFixed(2)}x; bare ws floor ${compare.floor.cpu.toFixed(3)} ms
Largest N ours holds at real time: ${largest || `< ${RAMP[0]}`}; memory per session (ours): idle ${kb(compare.ours.idle)} KB, streaming ${kb(compare.ours.streaming)} KB (peer ${kb(compare.peer.idle)} / ${kb(compare.peer.streaming)} KB)
Reproduce: cd packages/client && node bench/sessions.mjs${QUICK ? ' --quick' : ''}`);
process.exit(0);
