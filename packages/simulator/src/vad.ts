// Server VAD on the real input signal: WebRTC VAD (libfvad in wasm) on 10 ms frames at 8 kHz,
// gated by an RMS floor derived from `threshold`. Times are ms of all audio appended in the
// session (the real server's audio_start_ms / audio_end_ms clock), so they are true to the audio.
// semantic_vad has no semantic model here: eagerness maps to a fixed silence duration (assumed).
import fvadFactory from '@echogarden/fvad-wasm';
import { rms } from './audio-codec.js';
import type { TurnDetection } from './session.js';

/** A VAD decision, on the session's appended-audio clock. */
export type VadEvent =
  | { type: 'speech_started'; audioStartMs: number }
  | { type: 'speech_stopped'; audioEndMs: number; stopDecidedMs: number };

interface FvadModule {
  _fvad_new(): number; _fvad_free(p: number): void; _fvad_set_mode(p: number, m: number): number;
  _fvad_set_sample_rate(p: number, r: number): number; _fvad_process(p: number, buf: number, n: number): number;
  _malloc(n: number): number; _free(p: number): void; HEAP16: Int16Array;
}

let fvadModule: Promise<FvadModule> | undefined;
/** Loads the wasm VAD once per process. */
export function loadFvad(): Promise<FvadModule> {
  fvadModule ??= (fvadFactory as unknown as () => Promise<FvadModule>)();
  return fvadModule;
}

const FRAME_MS = 10;
const FRAME_8K = 80;
/** Consecutive voiced frames needed to declare speech (debounce of clicks). */
const ONSET_FRAMES = 3;
/** Assumed silence before semantic_vad ends a turn, per eagerness. */
const SEMANTIC_SILENCE_MS: Record<string, number> = { low: 1500, medium: 800, auto: 800, high: 400 };

/** Effective silence duration of a turn-detection config. */
export function silenceMs(td: TurnDetection): number {
  if (td.type === 'semantic_vad') return SEMANTIC_SILENCE_MS[String(td.eagerness ?? 'auto')] ?? 800;
  return Number(td.silence_duration_ms ?? 500);
}

/** Stateful detector for one connection. */
export class VoiceDetector {
  private readonly handle: number;
  private readonly buf: number;
  private pending: number[] = [];
  private frameIndex = 0;
  private voicedRun = 0;
  private silenceRun = 0;
  private inSpeech = false;
  private lastVoicedEndMs = 0;

  constructor(private readonly mod: FvadModule) {
    this.handle = mod._fvad_new();
    mod._fvad_set_sample_rate(this.handle, 8000);
    this.buf = mod._malloc(FRAME_8K * 2);
  }

  /** True while the detector thinks the user is speaking. */
  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Feeds decoded samples (24 kHz or 8 kHz) and returns the decisions they caused. */
  push(samples: Int16Array, sampleRate: number, td: TurnDetection): VadEvent[] {
    const threshold = Number(td.type === 'server_vad' ? (td.threshold ?? 0.5) : 0.5);
    this.mod._fvad_set_mode(this.handle, Math.min(3, Math.max(0, Math.floor(threshold * 4))));
    // Energy floor: threshold 0.5 → RMS 200 (about −44 dBFS). A higher threshold needs louder audio.
    const floor = threshold * 400;
    const step = sampleRate / 8000;
    for (let i = 0; i < samples.length; i += step) {
      let s = 0;
      for (let k = 0; k < step; k++) s += samples[i + k] ?? 0;
      this.pending.push(s / step);
    }
    const events: VadEvent[] = [];
    const silenceNeeded = silenceMs(td);
    while (this.pending.length >= FRAME_8K) {
      const frame = Int16Array.from(this.pending.splice(0, FRAME_8K), (v) => Math.round(v));
      const startMs = this.frameIndex * FRAME_MS;
      this.frameIndex++;
      this.mod.HEAP16.set(frame, this.buf >> 1);
      const voiced = rms(frame) >= floor && this.mod._fvad_process(this.handle, this.buf, FRAME_8K) === 1;
      if (voiced) {
        this.voicedRun++;
        this.silenceRun = 0;
        this.lastVoicedEndMs = startMs + FRAME_MS;
        if (!this.inSpeech && this.voicedRun >= ONSET_FRAMES) {
          this.inSpeech = true;
          events.push({ type: 'speech_started', audioStartMs: startMs - (ONSET_FRAMES - 1) * FRAME_MS });
        }
      } else {
        this.voicedRun = 0;
        this.silenceRun++;
        if (this.inSpeech && this.silenceRun * FRAME_MS >= silenceNeeded) {
          this.inSpeech = false;
          events.push({ type: 'speech_stopped', audioEndMs: this.lastVoicedEndMs, stopDecidedMs: startMs + FRAME_MS });
        }
      }
    }
    return events;
  }

  /** Forgets a turn in progress (input_audio_buffer.clear). */
  reset(): void {
    this.inSpeech = false;
    this.voicedRun = 0;
    this.silenceRun = 0;
  }

  /** Frees the wasm memory of this detector. */
  dispose(): void {
    this.mod._free(this.buf);
    this.mod._fvad_free(this.handle);
  }
}
