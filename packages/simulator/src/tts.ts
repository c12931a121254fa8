// Offline speech synthesis with eSpeak-NG compiled to WebAssembly (GPL-3.0-or-later).
// The package embeds its voice data in the JS file, so nothing is fetched: each call runs the
// espeak CLI once in a fresh instance (the wasm module is compiled only once) and reads the WAV
// it wrote to the in-memory FS. Results are cached by (text, voice, speed): replies are scripted.
// synthesize() renders a whole text in one go (natural sentence prosody; used for user speech in
// tests); assistant replies go through word-speech.ts, which renders word by word with true timings.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ESpeakNg from 'espeak-ng';
import { parseWav, resample } from './audio-codec.js';

/** eSpeak voice variants standing in for the OpenAI voices (same voice → same sound). */
const VOICE_MAP: Record<string, string> = {
  alloy: 'en-us+f2', ash: 'en-us+m3', ballad: 'en-gb+m1', coral: 'en-us+f3', echo: 'en-us+m1',
  sage: 'en-us+f4', shimmer: 'en-us+f5', verse: 'en-us+m2', marin: 'en-us+f1', cedar: 'en-us+m4',
};
/** eSpeak's words a minute at speed 1. */
export const BASE_WPM = 175;
/** Cached syntheses kept (oldest evicted first): enough for any scripted session. */
const CACHE_LIMIT = 256;

let wasmModule: Promise<WebAssembly.Module> | undefined;
const cache = new Map<string, Promise<Int16Array>>();

function compileWasm(): Promise<WebAssembly.Module> {
  if (!wasmModule) {
    const entry = createRequire(import.meta.url).resolve('espeak-ng');
    wasmModule = WebAssembly.compile(readFileSync(join(dirname(entry), 'espeak-ng.wasm')));
  }
  return wasmModule;
}

/** The espeak voice used for an OpenAI voice name. */
export function espeakVoice(voice: string): string {
  return VOICE_MAP[voice] ?? 'en-us';
}

/**
 * Synthesizes `text` to mono 16-bit PCM at 24 kHz (espeak renders 22.05 kHz; resampled linearly).
 * `speed` is the session's audio.output.speed (1 = 175 words a minute).
 */
export function synthesize(text: string, voice = 'marin', speed = 1): Promise<Int16Array> {
  const key = `${voice}|${speed}|${text}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = renderEspeak(text, espeakVoice(voice), espeakWpm(speed));
    cache.set(key, hit);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    hit.catch(() => cache.delete(key));
  }
  return hit;
}

/** The -s value for a speed: 175 words a minute × speed, in the 80..450 range eSpeak accepts. */
export function espeakWpm(speed: number): number {
  return Math.min(450, Math.max(80, Math.round(BASE_WPM * speed)));
}

/**
 * One eSpeak run over `input` (plain text, or SSML when `ssml`), returned as 24 kHz mono PCM.
 * eSpeak writes exact zeros for its pauses, and the resampler keeps zeros zero.
 */
export async function renderEspeak(input: string, voice: string, wpm: number, ssml = false): Promise<Int16Array> {
  const module = await compileWasm();
  // Passing the text as one argv entry avoids any shell quoting; a leading '-' would read as a flag.
  const safe = input.replace(/^[-\s]+/, '').trim() || '...';
  const es = await ESpeakNg({
    arguments: ['-v', voice, '-s', String(wpm), ...(ssml ? ['-m'] : []), '-w', '/out.wav', safe],
    print: () => {},
    printErr: () => {},
    instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
      void WebAssembly.instantiate(module, imports).then((inst) => done(inst, module));
      return {};
    },
  });
  const wav = es.FS.readFile('/out.wav') as Uint8Array;
  const { samples, sampleRate } = parseWav(wav);
  return resample(samples, sampleRate, 24000);
}
