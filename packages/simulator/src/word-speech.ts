// Assistant speech rendered word by word, so the simulator knows exactly when each word is heard.
// The espeak-ng npm build exposes only the CLI (no word events, no SSML <mark/> callbacks), so each
// word is rendered as its own clause: one eSpeak run per reply with an SSML <break> between the
// words, cut apart at those breaks (eSpeak writes exact zeros for pauses), each word's render
// trimmed to its first and last non-zero sample, then joined with short pauses (longer after
// punctuation). A word's [startMs, endMs] is therefore where its samples really are in the output.
import { BASE_WPM, espeakVoice, espeakWpm, renderEspeak } from './tts.js';

/** Where one word of an assistant transcript sits in that item's audio (24 kHz ms from its start). */
export interface WordTiming {
  /** The word as it appears in the transcript (no surrounding whitespace). */
  word: string;
  /** transcript.slice(charStart, charEnd) === word. */
  charStart: number;
  charEnd: number;
  /** First and last millisecond of the word's audio; equal for a word that makes no sound. */
  startMs: number;
  endMs: number;
}

/** A reply rendered word by word: its PCM, the transcript it speaks and where each word is. */
export interface SpokenText {
  /** Mono 16-bit PCM at 24 kHz; its length is a whole number of milliseconds. */
  pcm: Int16Array;
  /** The words joined by single spaces: exactly what the transcript deltas add up to. */
  transcript: string;
  words: readonly WordTiming[];
}

const SAMPLES_PER_MS = 24;
/** Silence eSpeak is asked to put between words: far longer than any pause inside a word. */
const BREAK_MS = 700;
/** A run of zeros at least this long separates two words (stop closures inside words stay < 120 ms). */
const SEPARATOR_MS = 350;
/** Pauses put back between words at 175 words a minute (scaled with the speed). */
const PAUSE_MS = { word: 40, clause: 160, sentence: 320 } as const;
/** Cached renders kept (oldest evicted first): enough for any scripted session. */
const CACHE_LIMIT = 256;

const cache = new Map<string, Promise<SpokenText>>();

/** The words of a text: runs of non-whitespace, in order. */
export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * Renders `text` word by word for `voice` (an OpenAI voice name) at `speed` (audio.output.speed),
 * with true word timings. Cached by (voice, speed, text); the result is shared: do not mutate it.
 */
export function synthesizeWords(text: string, voice = 'marin', speed = 1): Promise<SpokenText> {
  const key = `${voice}|${speed}|${text}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = renderWords(splitWords(text), espeakVoice(voice), espeakWpm(speed));
    cache.set(key, hit);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    hit.catch(() => cache.delete(key));
  }
  return hit;
}

// A word with no letter or digit ("-", "…", an emoji) is not given to eSpeak: it would say nothing
// (or a symbol name), and a silent word would merge two breaks and misalign every later word.
const isSpoken = (word: string): boolean => /[\p{L}\p{N}]/u.test(word);

async function renderWords(words: string[], voice: string, wpm: number): Promise<SpokenText> {
  const spoken = words.filter(isSpoken);
  const renders = (await renderBatch(spoken, voice, wpm)) ?? (await renderOneByOne(spoken, voice, wpm));
  let next = 0;
  const segments = words.map((w) => (isSpoken(w) ? renders[next++]! : new Int16Array(0)));
  return assemble(words, segments, wpm);
}

const escapeXml = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/**
 * All words in one eSpeak run, separated by SSML breaks, cut apart at the breaks. Null when the
 * cut does not give exactly one stretch of sound per word (a word eSpeak kept silent, or one with
 * a long pause inside): the caller then renders the words one by one.
 */
async function renderBatch(words: string[], voice: string, wpm: number): Promise<Int16Array[] | null> {
  if (words.length === 0) return [];
  const ssml = `<speak>${words.map(escapeXml).join(`<break time="${BREAK_MS}ms"/>`)}</speak>`;
  const pcm = await renderEspeak(ssml, voice, wpm, true);
  const spans = soundSpans(pcm, SEPARATOR_MS * SAMPLES_PER_MS);
  return spans.length === words.length ? spans.map(([a, b]) => pcm.subarray(a, b)) : null;
}

const wordCache = new Map<string, Promise<Int16Array>>();

/** One eSpeak run per word (cached per word): always aligned, slower (~0.3 s a run). */
function renderOneByOne(words: string[], voice: string, wpm: number): Promise<Int16Array[]> {
  return Promise.all(words.map((word) => {
    const key = `${voice}|${wpm}|${word}`;
    let hit = wordCache.get(key);
    if (!hit) {
      hit = renderEspeak(word, voice, wpm).then((pcm) => {
        const spans = soundSpans(pcm, Infinity);
        return spans.length ? pcm.subarray(spans[0]![0], spans[0]![1]) : new Int16Array(0);
      });
      wordCache.set(key, hit);
      if (wordCache.size > CACHE_LIMIT * 8) wordCache.delete(wordCache.keys().next().value!);
      hit.catch(() => wordCache.delete(key));
    }
    return hit;
  }));
}

/**
 * Stretches of sound in `pcm` as [start, end) sample ranges, each starting and ending on a
 * non-zero sample; a run of at least `gap` zero samples ends one stretch. Infinity = one stretch.
 */
export function soundSpans(pcm: Int16Array, gap: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = -1;
  let last = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (pcm[i] === 0) continue;
    if (start < 0) start = i;
    else if (i - last - 1 >= gap) {
      spans.push([start, last + 1]);
      start = i;
    }
    last = i;
  }
  if (start >= 0) spans.push([start, last + 1]);
  return spans;
}

/** The pause after a word, by its final punctuation (closing quotes and brackets skipped). */
function pauseAfter(word: string): number {
  const tail = word.replace(/["'”’)\]]+$/u, '');
  if (/[.!?…]$/u.test(tail)) return PAUSE_MS.sentence;
  if (/[,;:\-–—]$/u.test(tail)) return PAUSE_MS.clause;
  return PAUSE_MS.word;
}

/** Joins the word renders with pauses; every boundary falls on a whole millisecond. */
function assemble(words: string[], segments: Int16Array[], wpm: number): SpokenText {
  const wholeMs = (samples: number): number => Math.ceil(samples / SAMPLES_PER_MS);
  const pauses = words.map((w) => Math.round((pauseAfter(w) * BASE_WPM) / wpm));
  const totalMs = segments.reduce((ms, s, i) => ms + wholeMs(s.length) + pauses[i]!, 0);
  const pcm = new Int16Array(totalMs * SAMPLES_PER_MS);
  const timings: WordTiming[] = [];
  let ms = 0;
  let chars = 0;
  words.forEach((word, i) => {
    const segment = segments[i]!;
    pcm.set(segment, ms * SAMPLES_PER_MS);
    const endMs = ms + wholeMs(segment.length);
    timings.push({ word, charStart: chars, charEnd: chars + word.length, startMs: ms, endMs });
    chars += word.length + 1;
    ms = endMs + pauses[i]!;
  });
  return { pcm, transcript: words.join(' '), words: timings };
}
