// Truncation accuracy of WebAudioPlayer in Chromium, against the wall-clock estimate.
// Run: cd packages/client && node bench/web-audio.mjs [--quick] [--load-only]   (needs /usr/bin/chromium; ~6 min)
//
// Each trial streams a self-indexing ramp 5× faster than real time into a player in its own
// AudioContext, with random late start, stall, context rate and interrupt moment; a tap worklet
// after the player gives the ground truth (test/audio/fixtures/player-page.ts). Error = |reported −
// heard truth|; the wall clock estimates ms since the first chunk, capped at what was received.
// Then main-thread time per second of playback (CDP Performance.getMetrics, baseline subtracted).
// Not a test: nothing here asserts.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const QUICK = process.argv.includes('--quick');
const PARALLEL = 8;
const LOAD_ONLY = process.argv.includes('--load-only');
const TRIALS_ONLY = process.argv.includes('--trials-only'); // just the model trials (worker vs page)
const ROUNDS = LOAD_ONLY || TRIALS_ONLY ? 0 : QUICK ? 5 : 25;
const MODEL_ROUNDS = LOAD_ONLY ? 0 : QUICK ? 2 : 10;

if (!existsSync(CHROMIUM)) {
  console.log(`web-audio bench skipped: no Chromium at ${CHROMIUM}`);
  process.exit(0);
}

// Deterministic trials (mulberry32), so runs compare like with like.
let seed = 0x5eed;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const trial = () => ({
  rate: pick([48000, 48000, 44100, 24000]),
  lateStartMs: rand() < 0.5 ? 0 : Math.round(rand() * 500),
  stallAfterMs: rand() < 0.5 ? 1e9 : 100 + Math.round(rand() * 1400),
  stallMs: Math.round(rand() * 800),
  interruptAtMs: 150 + Math.round(rand() * 1650),
});
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const dir = mkdtempSync(join(tmpdir(), 'or-bench-audio-'));
await esbuild.build({
  entryPoints: [join(PKG, 'test/audio/fixtures/load-page.ts')], // the player tests' page plus the load measure
  bundle: true, format: 'esm', outfile: join(dir, 'entry.js'), logLevel: 'silent',
});
await esbuild.build({
  entryPoints: [join(PKG, 'test/worker/fixtures/bench-worker.ts')], // worker mode: the model and the "server" in a worker
  bundle: true, format: 'esm', outfile: join(dir, 'bench-worker.js'), logLevel: 'silent',
});
writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="entry.js"></script>');
const server = createServer((req, res) => {
  const name = req.url === '/' ? 'index.html' : req.url === '/bench-worker.js' ? 'bench-worker.js' : 'entry.js';
  res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' });
  res.end(readFileSync(join(dir, name)));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => globalThis.harnessReady === true);
  const ours = [];
  const wall = [];
  const after = [];
  for (let round = 0; round < ROUNDS; round++) {
    const trials = Array.from({ length: PARALLEL }, trial);
    const results = await page.evaluate((ts) => Promise.all(ts.map((t) => globalThis.harness.runScenario(t))), trials);
    results.forEach((r, i) => (r.trial = trials[i]));
    for (const r of results) {
      ours.push(Math.abs(r.reportedMs - r.heardTruthMs));
      after.push(r.audioFramesAfterMark);
      if (process.env.DEBUG) console.log((r.reportedMs - r.heardTruthMs).toFixed(3), JSON.stringify(r.trial));
      wall.push(Math.abs(r.wallMs - r.heardTruthMs));
    }
  }
  const max = Math.max(...ours);
  if (ROUNDS > 0) {
  console.log(`${ours.length} interrupts, ${PARALLEL} contexts at a time, rates 48/44.1/24 kHz`);
  // Outliers of one audio callback (512 frames ≈ 10.7 ms) are the measurement's own race: the tap's
  // mark can be handled one render callback after getState() ran (see test/audio/player.test.ts).
  console.log(`audio frames after interrupt: median ${pct(after, 0.5)}, p95 ${pct(after, 0.95)}, max ${Math.max(...after)}`);
  console.log(`truncation error median: ${pct(ours, 0.5).toFixed(2)} ms (wall clock: ${pct(wall, 0.5).toFixed(1)} ms)`);
  console.log(`truncation error max: ${max.toFixed(2)} ms (wall clock: ${Math.max(...wall).toFixed(1)} ms)`);
  console.log(`truncation error p95: ${pct(ours, 0.95).toFixed(2)} ms (wall clock: ${pct(wall, 0.95).toFixed(1)} ms)`);
  }

  // Worker mode's reading against this page's clock: the same random trials through a model on the
  // page and through one in a worker (fixtures/load-page.ts runModelTrial), alternating per round.
  // Truth: what a fresh output timestamp on the page had the listener hear at the moment of the read.
  if (MODEL_ROUNDS > 0) {
    const errs = { page: [], worker: [] };
    let unclocked = 0;
    for (let round = 0; round < MODEL_ROUNDS; round++) {
      const trials = Array.from({ length: PARALLEL }, trial);
      for (const where of round % 2 ? ['worker', 'page'] : ['page', 'worker']) {
        const results = await page.evaluate(([ts, w]) => Promise.all(ts.map((t) => globalThis.harness.runModelTrial({ ...t, where: w }))), [trials, where]);
        for (const r of results) {
          if (r.heardTruthMs === null) unclocked++;
          else errs[where].push(Math.abs(r.reportedMs - r.heardTruthMs));
          if (process.env.DEBUG && r.heardTruthMs !== null) console.log(where, (r.reportedMs - r.heardTruthMs).toFixed(3), JSON.stringify(trials[results.indexOf(r)]));
        }
      }
    }
    const line = (xs) => `p95 ${pct(xs, 0.95).toFixed(2)} ms, median ${pct(xs, 0.5).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms (${xs.length} interrupts)`;
    console.log(`model's reading at an interrupt against the page's own clock: in a worker ${line(errs.worker)}; on the page ${line(errs.page)}${unclocked ? `; ${unclocked} read before the context had a clock, left out` : ''}`);
  }
  await page.close();

  // Main-thread cost: CDP TaskDuration (all main-thread tasks of the page's renderer) over a
  // known playback, streamed like a server does (5× real time), minus a baseline run with the
  // same context and timers but no player. ThreadTime is the main thread's CPU time (what a busy
  // machine's preemption does not inflate); ScriptDuration isolates the JS part; enqueue time is
  // also measured directly with performance.now() around each call. Then the same with the model
  // receiving the frames and driving the player (fixtures/load-page.ts): parse, base64, ledger.
  if (!TRIALS_ONLY) {
  const loadPage = await browser.newPage();
  await loadPage.goto(`http://127.0.0.1:${server.address().port}/`);
  await loadPage.waitForFunction(() => globalThis.harnessReady === true);
  const cdp = await loadPage.context().newCDPSession(loadPage);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const SECONDS = QUICK ? 2 : 4;
  const load = async (mode) => {
    await loadPage.evaluate(([m, s]) => globalThis.harness.loadPrepare(m, s), [mode, SECONDS]);
    const before = await metrics();
    const r = await loadPage.evaluate((s) => globalThis.harness.loadStream(s), SECONDS);
    const after = await metrics();
    await loadPage.evaluate(() => globalThis.harness.loadTeardown());
    const ms = (key) => (after[key] - before[key]) * 1000;
    return { task: ms('TaskDuration'), script: ms('ScriptDuration'), cpu: ms('ThreadTime'), ...r };
  };
  const MODES = ['none', 'player', 'wakes', 'model', 'model-heard', 'model-heard-speech', 'worker-model', 'worker-model-heard', 'worker-model-heard-speech'];
  const runs = Object.fromEntries(MODES.map((m) => [m, []]));
  // One round first, not counted: it compiles each mode's code. Then rounds alternate the modes,
  // so background load hits all alike.
  for (const mode of MODES) await load(mode);
  const ROUNDS_LOAD = QUICK ? 2 : 7;
  for (let i = 0; i < ROUNDS_LOAD; i++) for (const mode of MODES) runs[mode].push(await load(mode));
  const med = (xs) => pct(xs, 0.5);
  const low = (xs) => Math.min(...xs);
  // Per second of playback, above the baseline: the medians' difference, and the lowest runs'
  // (on this shared machine a run only ever gains time from the rest of the machine).
  const per = (mode, key, stat = med) => (stat(runs[mode].map((r) => r[key])) - stat(runs.none.map((r) => r[key]))) / SECONDS;
  const row = (mode) => `${per(mode, 'task').toFixed(2)} ms per second of playback (lowest runs ${per(mode, 'task', low).toFixed(2)}; CPU ${per(mode, 'cpu').toFixed(2)} ms, script ${per(mode, 'script').toFixed(2)} ms)`;
  const fed = (mode) => `frames delivered to the model ${(med(runs[mode].map((r) => r.enqueueMs)) / SECONDS).toFixed(2)} ms`;
  const timerRow = (mode) => {
    const calls = med(runs[mode].map((r) => r.timerCalls)) / SECONDS;
    const each = med(runs[mode].map((r) => (r.timerCalls ? (r.timerMs / r.timerCalls) * 1000 : 0)));
    return `the library's timer callbacks: ${calls.toFixed(1)} a second, ${each.toFixed(0)} µs each (${((calls * each) / 1000).toFixed(2)} ms/s)`;
  };
  const wakeUs = (per('wakes', 'task') - per('player', 'task')) * 100; // 10 wakes a second: ms/s → µs each
  console.log(`main-thread load: ${SECONDS} s of 24 kHz pcm16 at 48 kHz, median of ${runs.player.length} runs after a warm-up round, baseline ${(med(runs.none.map((r) => r.task)) / SECONDS).toFixed(2)} ms/s subtracted (CDP TaskDuration; CPU is ThreadTime)`);
  console.log(`main-thread time: ${row('player')}, enqueue() ${(med(runs.player.map((r) => r.enqueueMs)) / SECONDS).toFixed(2)} ms`);
  console.log(`  an empty timer task ten times a second beside it: ${row('wakes')}: ${wakeUs.toFixed(0)} µs per wake of the page, the floor of anything that wakes it once per word`);
  console.log(`with the model driving it: ${row('model')}, ${fed('model')}; ${timerRow('model')}`);
  console.log(`  and the app following the heard transcript (the model wakes at each word, 10 words a second here): ${row('model-heard')}, ${fed('model-heard')}; ${timerRow('model-heard')}`);
  console.log(`  the same at a speaking pace (10 transcript deltas a second, a word every third, 3.3 words a second): ${row('model-heard-speech')}, ${fed('model-heard-speech')}; ${timerRow('model-heard-speech')}`);
  // Worker mode: the socket, the model and the player's bookkeeping in a worker; the page keeps the
  // context, the worklet node and a clock snapshot every CLOCK_PUMP_MS, and wakes for the events it listens to.
  console.log(`worker mode (model in a Web Worker, nothing listened to on the page): ${row('worker-model')}`);
  console.log(`  and the page following the heard transcript (10 words a second): ${row('worker-model-heard')}`);
  console.log(`  the same at a speaking pace (3.3 words a second): ${row('worker-model-heard-speech')}`);
  if (process.env.DEBUG_RUNS) for (const [m, rs] of Object.entries(runs)) console.log(m.padEnd(20), rs.map((r) => `${(r.task / SECONDS).toFixed(2)}/${(r.cpu / SECONDS).toFixed(2)}`).join('  '));
  }
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
