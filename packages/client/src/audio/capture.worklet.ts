// Source of the capture AudioWorkletProcessor, a plain-JS string loaded through a Blob URL (no
// bundler configuration). It only downmixes the input to mono and hands fixed-size blocks at the
// context rate to the main thread; resampling and pcm16 encoding happen in capture.ts.
// Invariants: process() writes into a preallocated block and allocates only when a full block is
// posted (its buffer is transferred, so a fresh one replaces it: one allocation per ~20 ms).

/** Name under which the capture processor is registered. */
export const CAPTURE_PROCESSOR_NAME = 'open-realtime-capture';

/** The processor's JavaScript source; processorOptions.blockFrames sets the block size. */
export const CAPTURE_WORKLET_SOURCE = `
class OpenRealtimeCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.size = (options.processorOptions && options.processorOptions.blockFrames) || 960;
    this.block = new Float32Array(this.size);
    this.fill = 0;
    this.running = true;
    this.port.onmessage = (e) => { if (e.data === 'stop') this.running = false; };
  }
  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return this.running;
    const channels = input.length;
    const len = input[0].length;
    for (let i = 0; i < len; i++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += input[c][i];
      this.block[this.fill++] = s / channels;
      if (this.fill === this.size) {
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(this.size);
        this.fill = 0;
      }
    }
    return this.running;
  }
}
registerProcessor('${CAPTURE_PROCESSOR_NAME}', OpenRealtimeCapture);
`;
