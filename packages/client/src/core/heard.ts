// The heard transcript: which words of an assistant audio item the listener heard. The server
// sends the transcript as text without word times, so the split is an estimate: each word gets
// a weight (its letters, plus a pause after punctuation) and the audio is spread over the words in
// proportion. When the item's audio is complete the whole length is known; while it streams, the
// speaking rate calibrated on earlier items of the session (ms per weight unit) places the cut.
// A word counts as heard when the listener heard its start. Pure functions, no state of their own.

/** A word of a transcript with its character span (into the transcript) and weight. */
export interface WeightedWord {
  start: number;
  end: number;
  weight: number;
}

/** The split of a transcript at the heard position. */
export interface HeardSplit {
  heard: string;
  unheard: string;
  /** Words heard (whose start the listener heard). */
  words: number;
}

// Pause weights after punctuation, in letter units; fitted on the simulator's eSpeak-NG speech,
// where a comma pause lasts about 3 letters and a full stop about 5 (README "The heard transcript").
const PAUSE_AFTER: Record<string, number> = { ',': 3, ';': 4, ':': 4, '.': 5, '!': 5, '?': 5 };
/** Weight of a word boundary (the short gap between words). */
const GAP = 1;

/** Splits a transcript into words with character spans and weights. */
export function weighWords(transcript: string): WeightedWord[] {
  const words: WeightedWord[] = [];
  const re = /\S+/g;
  for (let m = re.exec(transcript); m; m = re.exec(transcript)) {
    const text = m[0];
    let letters = 0;
    for (const ch of text) if (/[\p{L}\p{N}]/u.test(ch)) letters += /\p{N}/u.test(ch) ? 3 : 1; // digits are read as words
    const pause = PAUSE_AFTER[text[text.length - 1]!] ?? 0;
    words.push({ start: m.index, end: m.index + text.length, weight: Math.max(letters, 1) + pause + GAP });
  }
  return words;
}

/** Total weight of a transcript. */
export function totalWeight(words: WeightedWord[]): number {
  let sum = 0;
  for (const w of words) sum += w.weight;
  return sum;
}

/**
 * Splits `transcript` at `heardMs`. With `totalMs` (the item's full audio length, known once its
 * audio is complete) the words are spread over it; without, `msPerUnit` (the calibrated rate)
 * places them. The cut is a word boundary; whitespace before the first unheard word stays heard.
 */
export function splitHeard(transcript: string, heardMs: number, totalMs: number | null, msPerUnit: number): HeardSplit {
  const words = weighWords(transcript);
  if (words.length === 0 || heardMs <= 0) return { heard: '', unheard: transcript, words: 0 };
  const total = totalWeight(words);
  const unitMs = totalMs !== null && totalMs > 0 ? totalMs / total : msPerUnit;
  let at = 0;
  let count = 0;
  for (const word of words) {
    if (at * unitMs >= heardMs) break;
    at += word.weight;
    count++;
  }
  if (count === words.length) return { heard: transcript, unheard: '', words: count };
  const cut = count === 0 ? 0 : words[count]!.start;
  return { heard: transcript.slice(0, cut), unheard: transcript.slice(cut), words: count };
}

/** The rate measured on a complete item (ms per weight unit), or null when it says nothing. */
export function measureRate(transcript: string, audioMs: number): number | null {
  const total = totalWeight(weighWords(transcript));
  if (total < 20 || audioMs <= 0) return null; // too short to say anything about the pace
  return audioMs / total;
}

/** Folds a measured rate into the running estimate (recent items weigh more). */
export function updateRate(current: number, measured: number): number {
  return current * 0.5 + measured * 0.5;
}
