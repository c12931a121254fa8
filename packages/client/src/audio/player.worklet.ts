// Source of the playback AudioWorkletProcessor, kept as a plain-JS string so the package needs no
// bundler asset handling: player.ts loads it through a Blob URL. The processor queues the encoded
// bytes the main thread transferred (player-feed.ts) and decodes and resamples each frame as it
// renders it, with the integer arithmetic of codec.ts (LinearResampler, resampledFrames): the work
// per render quantum stays 128 frames, never a burst of a whole chunk. Invariants: process()
// allocates nothing but the reports it posts; reports come every `reportMs` of rendered audio (if
// any is asked for) and at once on transitions (item switch, queue ran dry or refilled, render
// quanta skipped by the context), never while dry; silence is never counted; a drop applies
// before the next quantum renders; a feed message's ops apply in order.
import { type AudioEncoding, ENCODING_RATE } from './codec.js';

/** Name under which the player processor is registered. */
export const PLAYER_PROCESSOR_NAME = 'open-realtime-player';

/**
 * Op codes of a feed message: `[FEED_PUSH, id, encoding, byteOffset, byteLength]`; its bytes are
 * the next buffer, or the next string's base64 (whole and padded, decoded here).
 */
export const FEED_PUSH = 1;
/** `[FEED_DONE, id]`: the item's stream is complete; its held last frame plays. */
export const FEED_DONE = 2;
/** `[FEED_DROP, count, ...ids]`: never render these items again. */
export const FEED_DROP = 3;
/** The encoding of each code FEED_PUSH carries (its index). */
export const FEED_ENCODINGS: readonly AudioEncoding[] = ['pcm16', 'pcmu', 'pcma'];

/**
 * Interval of position reports, in ms of rendered audio, while playback listeners (the model's
 * ledger) follow them. getState() extrapolates from the audio clock between reports, and
 * transitions (where extrapolation would be wrong) are reported at once, so the interval only sets
 * how fresh `position`/`level` events and the ledger are; with no listener at all the worklet
 * reports transitions only.
 */
export const PLAYER_REPORT_MS = 100;
/** Interval while someone listens to `position` or `level` events (a meter, a progress bar). */
export const PLAYER_FAST_REPORT_MS = 25;

/** The processor's JavaScript source (registered as PLAYER_PROCESSOR_NAME). */
export const PLAYER_WORKLET_SOURCE = `
const PUSH = ${FEED_PUSH}, DONE = ${FEED_DONE}, DROP = ${FEED_DROP};
const RATES = [${FEED_ENCODINGS.map((e) => ENCODING_RATE[e]).join(', ')}]; // source rate by encoding code
const PCM16 = ${FEED_ENCODINGS.indexOf('pcm16')};
// Base64 to bytes: the engine's decoder where it has one, else a table (the input is whole and padded).
const B64 = new Uint8Array(128);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
function fromBase64(s) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(s);
  const n = s.length, pad = n && s.charCodeAt(n - 1) === 61 ? (s.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  const out = new Uint8Array((n * 3) / 4 - pad);
  for (let i = 0, o = 0; i < n; i += 4) {
    const v = (B64[s.charCodeAt(i)] << 18) | (B64[s.charCodeAt(i + 1)] << 12) | (B64[s.charCodeAt(i + 2)] << 6) | B64[s.charCodeAt(i + 3)];
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}
class OpenRealtimePlayer extends AudioWorkletProcessor {
  constructor() {
    super();
    this.rate = sampleRate; // read once: the global is an accessor, too slow for a per-frame loop
    this.chunks = [];   // see chunk(): encoded bytes, converted as they render
    this.head = 0;
    this.streams = new Map(); // id -> { enc, n, k, prev }: input samples and output frames so far, last sample
    this.tables = []; // G.711 sample tables by encoding code (codec.ts), from the 'init' message
    this.curId = -1;    // item being (or last) rendered
    this.curFrames = 0; // frames of curId rendered so far
    this.endFrame = 0;  // context frame just after curId's last rendered frame
    this.nextFrame = 0; // context frame the next process() call should start at
    this.dry = true;
    this.reportFrames = Infinity; // transitions only, until 'init' says otherwise
    this.sinceReport = 0;
    this.sumSq = 0;
    this.levelFrames = 0;
    this.out = this.port; // where reports go: the node's port, or a worker's after 'port'
    this.port.onmessage = (e) => this.onMessage(e.data);
  }
  framesOf(ms) { return ms > 0 ? Math.max(128, Math.round((this.rate * ms) / 1000)) : Infinity; }
  onMessage(m) {
    if (m.t === 'feed') this.feed(m.ops, m.bufs);
    else if (m.t === 'rate') this.reportFrames = this.framesOf(m.ms);
    else if (m.t === 'init') { this.tables = m.tables; this.reportFrames = this.framesOf(m.reportMs); }
    else if (m.t === 'port') { this.out = m.port; m.port.onmessage = (e) => this.onMessage(e.data); } // a worker drives it now
  }
  feed(ops, bufs) {
    let b = 0;
    for (let i = 0; i < ops.length;) {
      const op = ops[i];
      if (op === PUSH) {
        const buf = bufs[b++];
        this.push(ops[i + 1], ops[i + 2], typeof buf === 'string' ? fromBase64(buf) : new Uint8Array(buf, ops[i + 3], ops[i + 4]));
        i += 5;
      }
      else if (op === DONE) { this.flush(ops[i + 1]); i += 2; }
      else if (op === DROP) { this.drop(ops.slice(i + 2, i + 2 + ops[i + 1])); i += 2 + ops[i + 1]; }
      else break; // unknown op: the rest cannot be parsed
    }
  }
  // A queued run of output frames of item id: output frames k0.. of its stream, computed as they
  // render from the bytes (input samples n0..) and the stream's sample before them (prev); or,
  // with bytes null, a run of the constant value (the held last frame of a complete stream).
  chunk(id, bytes, table, inRate, n0, k0, prev, frames, value) {
    return { id, bytes, table, inRate, n0, k0, prev, frames, value, off: 0 };
  }
  push(id, enc, bytes) {
    let st = this.streams.get(id);
    if (!st) this.streams.set(id, (st = { enc, n: 0, k: 0, prev: 0 }));
    const count = st.enc === PCM16 ? bytes.length >> 1 : bytes.length;
    if (count === 0) return;
    const inRate = RATES[st.enc];
    // Frame k sits at input position k*in/out and needs its right neighbour (codec.ts resampledFrames).
    const rate = this.rate;
    const end = inRate === rate ? st.n + count : Math.ceil(((st.n + count - 1) * rate) / inRate);
    const c = this.chunk(id, bytes, this.tables[st.enc] || null, inRate, st.n, st.k, st.prev, end - st.k, 0);
    st.prev = this.sample(c, count - 1);
    st.n += count; st.k = end;
    this.queue(c);
  }
  flush(id) {
    const st = this.streams.get(id);
    if (!st) return;
    this.streams.delete(id);
    const inRate = RATES[st.enc];
    if (inRate === this.rate || st.n === 0) return;
    const end = Math.ceil((st.n * this.rate) / inRate);
    this.queue(this.chunk(id, null, null, inRate, st.n, st.k, st.prev, end - st.k, st.prev));
  }
  queue(c) {
    if (c.frames <= 0) return;
    if (this.head > 64) { this.chunks = this.chunks.slice(this.head); this.head = 0; }
    this.chunks.push(c);
  }
  // Input sample j of chunk c as a float: little-endian int16 read byte by byte (no alignment or
  // platform-endianness assumption; / 32768 is exact, as a product), or a G.711 table lookup.
  sample(c, j) {
    const b = c.bytes;
    if (c.table !== null) return c.table[b[j]];
    return (((b[2 * j] | (b[2 * j + 1] << 8)) << 16) >> 16) * ${1 / 32768};
  }
  // Writes output frames off..off+n-1 of chunk c to out[w..]; returns their sum of squares.
  render(c, out, w, n) {
    let sq = 0;
    if (c.bytes === null) {
      const v = c.value;
      for (let i = 0; i < n; i++) out[w + i] = v;
      return v * v * n;
    }
    const rate = this.rate;
    if (c.inRate === rate) {
      for (let i = 0; i < n; i++) { const s = this.sample(c, c.off + i); out[w + i] = s; sq += s * s; }
      return sq;
    }
    // Integer phase as in codec.ts LinearResampler: frame k at input position k*in/out, that is
    // input frame n0 + j plus rem/out, with rem advanced by in per frame (exact integers).
    const inRate = c.inRate;
    const num = (c.k0 + c.off) * inRate;
    let j = Math.floor(num / rate);
    let rem = num - j * rate;
    j -= c.n0;
    let s0 = j < 0 ? c.prev : this.sample(c, j);
    let s1 = this.sample(c, j + 1);
    for (let i = 0; i < n; i++) {
      const s = s0 + (s1 - s0) * (rem / rate);
      out[w + i] = s;
      sq += s * s;
      rem += inRate;
      if (rem >= rate && i + 1 < n) {
        const j0 = j;
        do { rem -= rate; j++; } while (rem >= rate);
        s0 = j === j0 + 1 ? s1 : this.sample(c, j);
        s1 = this.sample(c, j + 1);
      }
    }
    return sq;
  }
  drop(ids) {
    for (const id of ids) this.streams.delete(id);
    // Keep the other items' chunks in order (a partly rendered head chunk keeps its offset).
    let w = 0;
    for (let r = this.head; r < this.chunks.length; r++) {
      const c = this.chunks[r];
      if (ids.indexOf(c.id) < 0) this.chunks[w++] = c;
    }
    this.chunks.length = w; this.head = 0;
    if (this.curId >= 0 && ids.indexOf(this.curId) >= 0) {
      // The item being rendered: the next quantum is silence (or the next item's audio).
      this.out.postMessage({ t: 'dropped', id: this.curId, frames: this.curFrames, end: this.endFrame });
      this.curId = -1; this.curFrames = 0; this.dry = true;
    }
  }
  report(frame) {
    const rms = this.levelFrames > 0 ? Math.sqrt(this.sumSq / this.levelFrames) : 0;
    this.out.postMessage({ t: 'pos', id: this.curId, frames: this.curFrames, end: this.endFrame,
      dry: this.dry, frame, level: rms });
    this.sinceReport = 0; this.sumSq = 0; this.levelFrames = 0;
  }
  process(inputs, outputs) {
    const out = outputs[0];
    const ch0 = out[0];
    const len = ch0.length;
    let w = 0;
    // A loaded audio thread can fall behind and the context skip render quanta: the item did not
    // play in them, so the frame mapping of the last report no longer holds. Report it at once.
    let changed = currentFrame !== this.nextFrame && !this.dry;
    this.nextFrame = currentFrame + len;
    while (w < len && this.head < this.chunks.length) {
      const c = this.chunks[this.head];
      if (c.id !== this.curId) {
        if (this.curId >= 0) this.report(currentFrame + w); // closes the previous item exactly
        this.curId = c.id; this.curFrames = 0; changed = true;
      }
      const n = Math.min(len - w, c.frames - c.off);
      this.sumSq += this.render(c, ch0, w, n);
      c.off += n; w += n; this.curFrames += n;
      this.endFrame = currentFrame + w;
      if (c.off >= c.frames) { this.chunks[this.head] = null; this.head++; }
    }
    for (let i = w; i < len; i++) ch0[i] = 0;
    for (let c = 1; c < out.length; c++) out[c].set(ch0);
    const dry = this.head >= this.chunks.length;
    if (dry !== this.dry) { this.dry = dry; changed = true; }
    // While dry nothing moves: no reports, no level (the main thread's heard-tail timer reports
    // the end once heard, player.ts), so the next report's level covers only rendered audio.
    this.levelFrames += dry ? w : len;
    if (!dry) this.sinceReport += len;
    if (this.curId >= 0 && (changed || this.sinceReport >= this.reportFrames)) this.report(currentFrame + len);
    return true;
  }
}
registerProcessor('${PLAYER_PROCESSOR_NAME}', OpenRealtimePlayer);
`;

const contextsLoaded = new WeakMap<BaseAudioContext, Promise<void>>();

/** Registers the player processor on `context` once (Blob URL: no bundler configuration). */
export function loadPlayerWorklet(context: BaseAudioContext, moduleUrl?: string): Promise<void> {
  let loaded = contextsLoaded.get(context);
  if (!loaded) {
    if (moduleUrl) loaded = context.audioWorklet.addModule(moduleUrl);
    else {
      const url = URL.createObjectURL(new Blob([PLAYER_WORKLET_SOURCE], { type: 'text/javascript' }));
      loaded = context.audioWorklet.addModule(url).finally(() => URL.revokeObjectURL(url));
    }
    contextsLoaded.set(context, loaded);
  }
  return loaded;
}
