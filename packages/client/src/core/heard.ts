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
  /** Past this many ms heard, the next word counts as heard (null: every word is). */
  nextMs: number | null;
}

// Weights in letter units, fitted on the simulator's eSpeak-NG speech (24 renders, 4 voices; README
// "The heard transcript"): a word costs its letters plus 2 (onset and the gap after it), a digit 4
// (digits are read as whole words), a clause pause 2 more, a sentence pause 4 more.
const PAUSE_AFTER: Record<string, number> = { ',': 2, ';': 2, ':': 2, '-': 2, '.': 4, '!': 4, '?': 4 };
/** Weight of a word boundary (onset and the short gap between words). */
const GAP = 2;
/** Weight of one digit. */
const DIGIT = 4;

const LETTERS = /[\p{L}\p{N}]/gu;
const DIGITS = /\p{N}/gu;

/**
 * Splits a transcript into words with character spans and weights, from character `from` on
 * (a word boundary), appended to `into`: a transcript that grew is weighed from its last word on.
 */
export function weighWords(transcript: string, from = 0, into: WeightedWord[] = []): WeightedWord[] {
  const re = /\S+/g;
  re.lastIndex = from;
  for (let m = re.exec(transcript); m; m = re.exec(transcript)) {
    const text = m[0];
    // Letters and digits in one pass of two regexes per word, not two per character.
    const letters = (text.match(LETTERS) ?? []).length + (DIGIT - 1) * (text.match(DIGITS) ?? []).length;
    const pause = PAUSE_AFTER[text[text.length - 1]!] ?? 0;
    into.push({ start: m.index, end: m.index + text.length, weight: Math.max(letters, 1) + pause + GAP });
  }
  return into;
}

/** Total weight of a transcript. */
export function totalWeight(words: WeightedWord[]): number {
  let sum = 0;
  for (const w of words) sum += w.weight;
  return sum;
}

/** Below this share of the calibrated rate, received audio over transcript weight means the transcript leads. */
const LEAD_RATIO = 0.6;

/**
 * Milliseconds per weight unit for a split. Complete audio: its length over the transcript's weight.
 * Still streaming: the audio received over the transcript received, when that is plausible speech
 * (at least LEAD_RATIO of the calibrated rate: the transcript keeps pace with the audio, as the
 * simulator sends it); a smaller value means the transcript runs ahead of the audio (servers may
 * send it faster), and then the rate calibrated on the session's earlier items places the cut.
 */
export function unitMsFor(weight: number, receivedMs: number, totalMs: number | null, msPerUnit: number): number {
  if (totalMs !== null && totalMs > 0) return totalMs / weight;
  const inStep = receivedMs / weight;
  return inStep >= LEAD_RATIO * msPerUnit ? inStep : msPerUnit;
}

/**
 * Splits `transcript` at `heardMs` of the item's audio, of which `receivedMs` arrived so far and
 * `totalMs` is the whole (null while it streams); `msPerUnit` is the session's calibrated rate.
 * The cut is a word boundary; whitespace before the first unheard word stays heard.
 */
export function splitHeard(transcript: string, heardMs: number, receivedMs: number, totalMs: number | null, msPerUnit: number, words = weighWords(transcript)): HeardSplit {
  if (words.length === 0) return { heard: '', unheard: transcript, words: 0, nextMs: null };
  if (heardMs <= 0) return { heard: '', unheard: transcript, words: 0, nextMs: 0 };
  const total = totalWeight(words);
  const unitMs = unitMsFor(total, receivedMs, totalMs, msPerUnit);
  let at = 0;
  let count = 0;
  for (const word of words) {
    if (at * unitMs >= heardMs) break;
    at += word.weight;
    count++;
  }
  if (count === words.length) return { heard: transcript, unheard: '', words: count, nextMs: null };
  const cut = count === 0 ? 0 : words[count]!.start;
  return { heard: transcript.slice(0, cut), unheard: transcript.slice(cut), words: count, nextMs: at * unitMs };
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
