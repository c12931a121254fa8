// MicrophoneCapture: getUserMedia → AudioWorklet → pcm16 24 kHz mono chunks of a fixed length.
// The worklet only hands over blocks at the device/context rate; this class resamples, encodes and
// cuts chunks, and measures the input level. Invariants: every emitted chunk is exactly
// chunkMs × 48 bytes; stop() releases every track it opened; failures are CaptureError with a code.
import { RealtimeUserError } from '../core/errors.js';
import { LinearResampler, float32ToInt16 } from './codec.js';
import { CAPTURE_PROCESSOR_NAME, CAPTURE_WORKLET_SOURCE } from './capture.worklet.js';

/** Why capture could not start. */
export type CaptureErrorCode = 'permission_denied' | 'no_device' | 'context_closed' | 'unsupported';

/** A microphone capture failure, with a stable `code` and the browser's error as `cause`. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Maps a getUserMedia rejection to a CaptureError (DOMException names per Media Capture spec). */
export function toCaptureError(err: unknown): CaptureError {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError')
    return new CaptureError('permission_denied', 'Microphone permission was denied', { cause: err });
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError')
    return new CaptureError('no_device', 'No microphone is available', { cause: err });
  if (err instanceof CaptureError) return err;
  return new CaptureError('unsupported', `Microphone capture failed: ${String((err as Error)?.message ?? err)}`, { cause: err });
}

/** Options for {@link MicrophoneCapture}. */
export interface MicrophoneCaptureOptions {
  /** Context to capture through; by default one is created (and closed on stop()). */
  context?: AudioContext;
  /** Chunk length in ms, 20–100; default 40. */
  chunkMs?: number;
  /** getUserMedia constraints; each defaults to true. */
  echoCancellation?: boolean;
  noiseSuppression?: boolean;
  autoGainControl?: boolean;
  /** A specific input device. */
  deviceId?: string;
  /** Receives each pcm16 24 kHz mono chunk (also emitted as the 'chunk' event). */
  onChunk?: (chunk: Uint8Array) => void;
}

/** Events of {@link MicrophoneCapture}. */
export interface MicrophoneCaptureEvents {
  chunk: Uint8Array;
  /** RMS input level (0..1) of each worklet block, for meters. */
  level: { rms: number };
}

const loaded = new WeakMap<BaseAudioContext, Promise<void>>();
const OUTPUT_RATE = 24000;

function loadCaptureWorklet(context: BaseAudioContext): Promise<void> {
  let p = loaded.get(context);
  if (!p) {
    const url = URL.createObjectURL(new Blob([CAPTURE_WORKLET_SOURCE], { type: 'text/javascript' }));
    p = context.audioWorklet.addModule(url).finally(() => URL.revokeObjectURL(url));
    loaded.set(context, p);
  }
  return p;
}

/** Captures the microphone as pcm16 24 kHz mono chunks for `input_audio_buffer.append`. */
export class MicrophoneCapture {
  private readonly options: MicrophoneCaptureOptions;
  private readonly chunkSamples: number;
  private ctx: AudioContext | null;
  private readonly ownsContext: boolean;
  private stream: MediaStream | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private node: AudioWorkletNode | null = null;
  private resampler: LinearResampler | null = null;
  private pending = new Float32Array(0);
  private lastLevel = 0;
  private readonly listeners = new Map<keyof MicrophoneCaptureEvents, Set<(e: never) => void>>();

  constructor(options: MicrophoneCaptureOptions = {}) {
    const chunkMs = options.chunkMs ?? 40;
    if (!(chunkMs >= 20 && chunkMs <= 100))
      throw new RealtimeUserError('invalid_argument', `chunkMs must be between 20 and 100, got ${chunkMs}`);
    this.options = options;
    this.chunkSamples = Math.round((chunkMs * OUTPUT_RATE) / 1000);
    this.ctx = options.context ?? null;
    this.ownsContext = !options.context;
  }

  /** Latest RMS input level, 0..1. */
  get level(): number {
    return this.lastLevel;
  }

  /** True between a successful start() and stop(). */
  get active(): boolean {
    return this.node !== null;
  }

  /** Asks for the microphone and starts emitting chunks. Rejects with a CaptureError. */
  async start(): Promise<void> {
    if (this.node) return;
    if (this.contextClosed()) throw new CaptureError('context_closed', 'The AudioContext is closed');
    if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia)
      throw new CaptureError('unsupported', 'getUserMedia is not available (needs a secure context)');
    const o = this.options;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          echoCancellation: o.echoCancellation ?? true,
          noiseSuppression: o.noiseSuppression ?? true,
          autoGainControl: o.autoGainControl ?? true,
          channelCount: 1,
          ...(o.deviceId ? { deviceId: { exact: o.deviceId } } : {}),
        },
      });
    } catch (err) {
      throw toCaptureError(err);
    }
    try {
      await this.connect();
    } catch (err) {
      await this.stop();
      throw this.contextClosed() ? new CaptureError('context_closed', 'The AudioContext is closed', { cause: err }) : toCaptureError(err);
    }
  }

  /** Stops capture, releases the microphone tracks and closes the context if it created it. */
  async stop(): Promise<void> {
    this.node?.port.postMessage('stop');
    this.node?.disconnect();
    this.source?.disconnect();
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.node = null;
    this.source = null;
    this.stream = null;
    this.pending = new Float32Array(0);
    if (this.ownsContext && this.ctx && this.ctx.state !== 'closed') await this.ctx.close();
    if (this.ownsContext) this.ctx = null;
  }

  /** Subscribes to an event; returns an unsubscribe function. */
  on<K extends keyof MicrophoneCaptureEvents>(type: K, listener: (event: MicrophoneCaptureEvents[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const fn = listener as (e: never) => void;
    set.add(fn);
    return () => void set.delete(fn);
  }

  private contextClosed(): boolean {
    return this.ctx?.state === 'closed';
  }

  private async connect(): Promise<void> {
    const ctx = (this.ctx ??= new AudioContext({ latencyHint: 'interactive' }));
    if (ctx.state === 'suspended') await ctx.resume();
    await loadCaptureWorklet(ctx);
    this.resampler = new LinearResampler(ctx.sampleRate, OUTPUT_RATE);
    this.source = ctx.createMediaStreamSource(this.stream!);
    const node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      processorOptions: { blockFrames: Math.round(ctx.sampleRate / 50) }, // 20 ms blocks
    });
    node.port.onmessage = (e: MessageEvent) => this.onBlock(e.data as Float32Array);
    this.source.connect(node);
    this.node = node;
  }

  private onBlock(block: Float32Array): void {
    if (!this.node || !this.resampler) return;
    let sum = 0;
    for (let i = 0; i < block.length; i++) sum += block[i]! * block[i]!;
    this.lastLevel = Math.sqrt(sum / Math.max(1, block.length));
    this.emit('level', { rms: this.lastLevel });
    const out = this.resampler.process(block);
    const merged = new Float32Array(this.pending.length + out.length);
    merged.set(this.pending);
    merged.set(out, this.pending.length);
    let off = 0;
    for (; off + this.chunkSamples <= merged.length; off += this.chunkSamples) {
      const chunk = float32ToInt16(merged.subarray(off, off + this.chunkSamples));
      this.options.onChunk?.(chunk);
      this.emit('chunk', chunk);
    }
    this.pending = merged.slice(off);
  }

  private emit<K extends keyof MicrophoneCaptureEvents>(type: K, event: MicrophoneCaptureEvents[K]): void {
    for (const fn of (this.listeners.get(type) ?? []) as Set<(e: MicrophoneCaptureEvents[K]) => void>) {
      try {
        fn(event);
      } catch (err) {
        queueMicrotask(() => { throw err; }); // a throwing listener must not stop capture
      }
    }
  }
}
