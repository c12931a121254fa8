// The soak: one client process holds N sessions of ours streaming at real time for an hour (the
// sessions bench's traffic: 10 audio + 10 transcript deltas/s in, 25 microphone chunks/s out, 5 s
// responses, so items are opened, finished and retired all hour) and samples memory after full
// GCs every minute. Prints each sample and the growth of heap + external per session-hour, fitted
// over the second half of the run: memory rises for the first ~17 minutes while each session's
// conversation history (kept for replay after a reconnect) fills to its 200-item bound, 5 s per
// response, and must be flat after. Nothing asserts.
// Run: cd packages/client && node bench/soak.mjs [--minutes=60] [--n=100] [--subject=ours|peer|floor]
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOurs, startServer } from './session-harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const MINUTES = Number(arg('minutes', 60));
const N = Number(arg('n', 100));
const SUBJECT = arg('subject', 'ours');
const SAMPLE_SEC = Number(arg('sample-sec', 60));
const mb = (b) => (b / 1048576).toFixed(2);

const ours = await bundleOurs();
const server = await startServer();
const child = fork(join(HERE, 'session-client.mjs'), [SUBJECT, String(N), server.url, ours], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const inbox = [];
let waiting = null;
child.on('message', (m) => (waiting ? (waiting(m), (waiting = null)) : inbox.push(m)));
child.once('exit', (code) => code && (console.log(`client exited (${code})`), process.exit(1)));
const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => (waiting = r)));

console.log(`open-realtime soak — ${SUBJECT}, N=${N}, ${MINUTES} min, node ${process.version}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const { idleBytesPerSession } = await next();
console.log(`memory per session idle (heap + external): ${(idleBytesPerSession / 1024).toFixed(1)} KB`);
await server.call('start');
child.send({ warmSec: 2, measureSec: MINUTES * 60, sampleSec: SAMPLE_SEC });
const samples = [];
console.log('minute  heap MB  external MB  rss MB  lag p99 ms  mic on time  cores  errors');
for (;;) {
  const m = await next();
  if (!m.sample) break;
  const s = m.sample;
  samples.push(s);
  console.log(`${s.minutes.toFixed(1).padStart(6)}  ${mb(s.heap).padStart(7)}  ${mb(s.external).padStart(11)}  ${mb(s.rss).padStart(6)}  ${s.lagP99.toFixed(1).padStart(10)}  ${(s.micOnTime * 100).toFixed(2).padStart(10)}%  ${s.cpuCores.toFixed(2)}  ${s.errors}`);
}
const stopped = await server.call('stop');
child.send({ expectAudioBytes: stopped.sent.audioBytes });
const { final } = await next();
server.close();

/** Least-squares slope of y over x. */
const slope = (xs, ys) => {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
};
const fit = samples.filter((s) => s.minutes >= MINUTES / 2);
const used = fit.length >= 3 ? fit : samples;
const perMinute = slope(used.map((s) => s.minutes), used.map((s) => s.heap + s.external));
const rssPerMinute = slope(used.map((s) => s.minutes), used.map((s) => s.rss));
const first = used[0];
const last = used[used.length - 1];
console.log(`\nheap + external: ${mb(first.heap + first.external)} MB at minute ${first.minutes.toFixed(0)}, ${mb(last.heap + last.external)} MB at minute ${last.minutes.toFixed(0)}; fitted growth ${(perMinute * 60 / N / 1024).toFixed(2)} KB per session-hour (${mb(perMinute * 60)} MB/hour for all ${N})`);
console.log(`rss: fitted growth ${mb(rssPerMinute * 60)} MB/hour; audio delivered: ${final.audioBytes === final.expectAudioBytes ? 'all' : `${final.audioBytes}/${final.expectAudioBytes} B`}; errors ${final.errors}${final.firstError ? ` (${final.firstError})` : ''}`);
process.exit(0);
