// Source of the playback AudioWorkletProcessor, kept as a plain-JS string so the package needs no
// bundler asset handling: player.ts loads it through a Blob URL. The processor only renders queued
// chunks and counts frames per item; it never decodes or resamples. Invariants: process() copies
// samples without allocating; its only allocation is the small report it posts every 4 quanta and
// on transitions (item switch, queue ran dry/refilled); silence inserted while the queue is dry is
// never counted; 'drop' removes the items' chunks before the next quantum renders.

/** Name under which the player processor is registered. */
export const PLAYER_PROCESSOR_NAME = 'open-realtime-player';

/**
 * Quanta between throttled position reports (4 × 128 frames ≈ 10.7 ms at 48 kHz). Posting every
 * quantum would cost ~375 messages/s for no gain: getState() extrapolates from the audio clock
 * between reports, and transitions (where extrapolation would be wrong) are reported at once.
 */
export const PLAYER_REPORT_EVERY_QUANTA = 4;

/** The processor's JavaScript source (registered as PLAYER_PROCESSOR_NAME). */
export const PLAYER_WORKLET_SOURCE = `
class OpenRealtimePlayer extends AudioWorkletProcessor {
  constructor() {
    super();
    this.chunks = [];   // { id, data: Float32Array, off }
    this.head = 0;
    this.curId = -1;    // item being (or last) rendered
    this.curFrames = 0; // frames of curId rendered so far
    this.endFrame = 0;  // context frame just after curId's last rendered frame
    this.dry = true;
    this.quanta = 0;
    this.sumSq = 0;
    this.levelFrames = 0;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }
  onMessage(m) {
    if (m.t === 'push') {
      if (this.head > 64) { this.chunks = this.chunks.slice(this.head); this.head = 0; }
      this.chunks.push({ id: m.id, data: m.data, off: 0 });
    } else if (m.t === 'drop') {
      // Keep the other items' chunks in order (a partly rendered head chunk keeps its offset).
      const ids = m.ids;
      let w = 0;
      for (let r = this.head; r < this.chunks.length; r++) {
        const c = this.chunks[r];
        if (ids.indexOf(c.id) < 0) this.chunks[w++] = c;
      }
      this.chunks.length = w; this.head = 0;
      if (this.curId >= 0 && ids.indexOf(this.curId) >= 0) {
        // The item being rendered: the next quantum is silence (or the next item's audio).
        this.port.postMessage({ t: 'dropped', id: this.curId, frames: this.curFrames, end: this.endFrame });
        this.curId = -1; this.curFrames = 0; this.dry = true;
      }
    }
  }
  report(frame) {
    const rms = this.levelFrames > 0 ? Math.sqrt(this.sumSq / this.levelFrames) : 0;
    this.port.postMessage({ t: 'pos', id: this.curId, frames: this.curFrames, end: this.endFrame,
      dry: this.dry, frame, level: rms });
    this.quanta = 0; this.sumSq = 0; this.levelFrames = 0;
  }
  process(inputs, outputs) {
    const out = outputs[0];
    const ch0 = out[0];
    const len = ch0.length;
    let w = 0;
    let changed = false;
    while (w < len && this.head < this.chunks.length) {
      const c = this.chunks[this.head];
      if (c.id !== this.curId) {
        if (this.curId >= 0) this.report(currentFrame + w); // closes the previous item exactly
        this.curId = c.id; this.curFrames = 0; changed = true;
      }
      const data = c.data;
      const n = Math.min(len - w, data.length - c.off);
      for (let i = 0; i < n; i++) {
        const s = data[c.off + i];
        ch0[w + i] = s;
        this.sumSq += s * s;
      }
      c.off += n; w += n; this.curFrames += n;
      this.endFrame = currentFrame + w;
      if (c.off >= data.length) { this.chunks[this.head] = null; this.head++; }
    }
    this.levelFrames += len;
    for (let i = w; i < len; i++) ch0[i] = 0;
    for (let c = 1; c < out.length; c++) out[c].set(ch0);
    const dry = this.head >= this.chunks.length;
    if (dry !== this.dry) { this.dry = dry; changed = true; }
    if (changed || ++this.quanta >= ${PLAYER_REPORT_EVERY_QUANTA}) {
      if (this.curId >= 0) this.report(currentFrame + len); else this.quanta = 0;
    }
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
