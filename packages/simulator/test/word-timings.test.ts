// Word timings (Simulator.wordTimings): the ground truth of which word was spoken when in each
// assistant audio item. Checked against the wire: the transcript the client received, the audio
// it received (energy inside each word's span, silence between words), where each transcript
// delta sits among the audio chunks, G.711, speed, a fallback render, a cancel and a truncate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFromFormat, rms, startSimulator, type Simulator, type WordTiming } from '../src/index.js';
import { WordTimingLog } from '../src/word-log.js';
import { connect, installGuards, NO_VAD, userText, type Ev, type TestClient } from './helpers.js';

installGuards();

const SENTENCE = 'You said: Hello there. This reply comes from the open realtime simulator, which speaks with a synthetic voice and follows a script.';
// At the slowest speed "Wait...what," has a pause inside it as long as eSpeak's break between
// words, so the one-pass render cannot be cut apart and each word is rendered on its own; "-" has
// no letters and is not spoken at all.
const PAUSES = 'Wait...what, - okay.';
const LONG = `${SENTENCE} ${SENTENCE} ${SENTENCE}`;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    pace: Infinity,
    script: {
      rules: [
        { match: 'sentence', reply: SENTENCE },
        { match: 'pauses', reply: PAUSES },
        { match: 'long', reply: LONG },
        { match: 'short', reply: 'Okay.' },
      ],
    },
  });
});
afterAll(() => sim.close());

async function ready(url = sim.url, session: Ev['session'] = null): Promise<TestClient> {
  const c = await connect(url);
  c.send(NO_VAD);
  if (session) c.send({ type: 'session.update', session: { type: 'realtime', ...session } });
  await c.next('session.updated', 0, session ? 2 : 1);
  return c;
}

/** One reply as the client received it: audio, transcript, and the audio ms before each transcript delta. */
interface Reply {
  itemId: string;
  audio: Buffer;
  transcript: string;
  deltas: Array<{ delta: string; audioMsBefore: number }>;
  done: Ev;
}

function collect(c: TestClient, from: number, done: Ev, bytesPerMs: number): Reply {
  const events = c.events.slice(from, c.events.indexOf(done) + 1);
  const chunks: Buffer[] = [];
  const deltas: Reply['deltas'] = [];
  let bytes = 0;
  for (const e of events) {
    if (e.type === 'response.output_audio.delta') {
      chunks.push(Buffer.from(e.delta, 'base64'));
      bytes += chunks.at(-1)!.length;
    } else if (e.type === 'response.output_audio_transcript.delta') {
      deltas.push({ delta: e.delta, audioMsBefore: bytes / bytesPerMs });
    }
  }
  const transcript = events.find((e) => e.type === 'response.output_audio_transcript.done')!.transcript as string;
  return { itemId: done.response.output[0].id, audio: Buffer.concat(chunks), transcript, deltas, done };
}

async function reply(c: TestClient, text: string, response: Ev['response'] = {}, bytesPerMs = 48): Promise<Reply> {
  const from = c.events.length;
  c.send(userText(text));
  c.send({ type: 'response.create', response });
  const done = await c.next('response.done', from);
  return collect(c, from, done, bytesPerMs);
}

/** The timings index the transcript and sit in order inside the audio; each delta precedes its word's chunk. */
function expectConsistent(r: Reply, words: WordTiming[], audioMs: number): void {
  expect(r.deltas.map((d) => d.delta).join('')).toBe(r.transcript);
  expect(words.map((w) => w.word).join(' ')).toBe(r.transcript.trimEnd());
  expect(r.deltas).toHaveLength(words.length);
  let prevEnd = 0;
  words.forEach((w, i) => {
    expect(w.word).toMatch(/^\S+$/);
    expect(r.transcript.slice(w.charStart, w.charEnd)).toBe(w.word);
    expect(w.startMs).toBeGreaterThanOrEqual(prevEnd);
    expect(w.endMs).toBeGreaterThanOrEqual(w.startMs);
    expect(w.endMs).toBeLessThanOrEqual(audioMs);
    // The word's delta went out just before the 100 ms chunk in which the word starts.
    const before = r.deltas[i]!.audioMsBefore;
    expect(w.startMs === audioMs || (before <= w.startMs && w.startMs < before + 100)).toBe(true);
    prevEnd = w.endMs;
  });
}

/**
 * Speech energy inside every spoken word, up to its edges; silence between words; no long gaps.
 * With `cut`, a word ending where the audio stops may be only its onset: just that is checked.
 */
function expectEnergy(samples: Int16Array, perMs: number, words: WordTiming[], audioMs: number, cut = false): void {
  const span = (a: number, b: number): Int16Array => samples.subarray(Math.round(a * perMs), Math.round(b * perMs));
  const spoken = words.filter((w) => w.endMs > w.startMs);
  expect(spoken.length).toBeGreaterThan(0);
  for (const w of spoken) {
    expect(rms(span(w.startMs, w.startMs + 10)), `first 10 ms of "${w.word}"`).toBeGreaterThan(50);
    if (cut && w.endMs === audioMs) continue;
    expect(rms(span(w.startMs, w.endMs)), `energy of "${w.word}"`).toBeGreaterThan(1000);
    expect(rms(span(w.endMs - 10, w.endMs)), `last 10 ms of "${w.word}"`).toBeGreaterThan(50);
  }
  const gaps = [[0, spoken[0]!.startMs], ...spoken.map((w, i) => [w.endMs, spoken[i + 1]?.startMs ?? audioMs])];
  for (const [a, b] of gaps) {
    if (b! > a!) expect(rms(span(a!, b!)), `gap ${a}-${b} ms`).toBeLessThan(50);
    expect(b! - a!, `gap ${a}-${b} ms`).toBeLessThan(800);
  }
}

describe('word timings of a reply', () => {
  it('lists every word with its place in the transcript and in the audio sent, speech inside, silence between', async () => {
    const c = await ready();
    const r = await reply(c, 'say the sentence');
    const words = sim.wordTimings(r.itemId)!;
    expect(r.transcript).toBe(SENTENCE);
    const audioMs = r.audio.length / 48;
    expectConsistent(r, words, audioMs);
    expect(words.at(-1)!.endMs).toBeGreaterThan(audioMs - 800);
    const { samples } = decodeFromFormat(r.audio, { type: 'audio/pcm' });
    expectEnergy(samples, 24, words, audioMs);
    c.close();
  });

  it('gives G.711 audio the same millisecond timings as 24 kHz PCM', async () => {
    const c = await ready();
    const pcm = await reply(c, 'say the sentence');
    const ulaw = await reply(c, 'say the sentence', { audio: { output: { format: { type: 'audio/pcmu' } } } }, 8);
    const words = sim.wordTimings(ulaw.itemId)!;
    expect(words).toEqual(sim.wordTimings(pcm.itemId));
    expect(ulaw.audio.length / 8).toBe(pcm.audio.length / 48);
    expectConsistent(ulaw, words, ulaw.audio.length / 8);
    const { samples } = decodeFromFormat(ulaw.audio, { type: 'audio/pcmu' });
    expectEnergy(samples, 8, words, ulaw.audio.length / 8);
    c.close();
  });

  it('times words rendered one by one and words that make no sound', async () => {
    const c = await ready(sim.url, { audio: { output: { speed: 0.25 } } });
    const r = await reply(c, 'pauses please');
    const words = sim.wordTimings(r.itemId)!;
    expect(r.transcript).toBe(PAUSES);
    expectConsistent(r, words, r.audio.length / 48);
    const dash = words.find((w) => w.word === '-')!;
    expect(dash.endMs).toBe(dash.startMs);
    expectEnergy(decodeFromFormat(r.audio, { type: 'audio/pcm' }).samples, 24, words, r.audio.length / 48);
    c.close();
  });

  it('scales word lengths and pauses with the session speed', async () => {
    const timings = async (speed: number): Promise<WordTiming[]> => {
      const c = await ready(sim.url, { audio: { output: { speed } } });
      const r = await reply(c, 'say the sentence');
      c.close();
      return sim.wordTimings(r.itemId)!;
    };
    const normal = await timings(1);
    const fast = await timings(1.5);
    const slow = await timings(0.5);
    const speech = (ws: WordTiming[]): number => ws.reduce((ms, w) => ms + w.endMs - w.startMs, 0);
    expect(fast.map((w) => w.word)).toEqual(normal.map((w) => w.word));
    expect(speech(fast) / speech(normal)).toBeGreaterThan(0.5);
    expect(speech(fast) / speech(normal)).toBeLessThan(0.85);
    expect(speech(slow) / speech(normal)).toBeGreaterThan(1.4);
    const pauses = (ws: WordTiming[]): number[] => ws.slice(1).map((w, i) => w.startMs - ws[i]!.endMs);
    pauses(fast).forEach((p, i) => expect(p).toBeLessThan(pauses(normal)[i]!));
    pauses(slow).forEach((p, i) => expect(p).toBeGreaterThan(pauses(normal)[i]!));
  });
});

describe('word timings of a cut reply', () => {
  it('keeps the words sent before a cancel, cut at the last chunk, unchanged by a later truncate', async () => {
    // Paced at 4× real time so the cancel surely lands while audio is still streaming.
    const slow = await startSimulator({ pace: 4, script: { rules: [{ match: 'long', reply: LONG }] } });
    const c = await ready(slow.url);
    const from = c.events.length;
    c.send(userText('a long one'));
    c.send({ type: 'response.create' });
    await c.next('response.output_audio.delta', from, 10);
    c.send({ type: 'response.cancel' });
    const done = await c.next('response.done', from);
    expect(done.response.status).toBe('cancelled');
    const r = collect(c, from, done, 48);
    const words = slow.wordTimings(r.itemId)!;
    const audioMs = r.audio.length / 48;
    expectConsistent(r, words, audioMs);
    expect(words.length).toBeGreaterThan(2);
    expect(words.length).toBeLessThan(LONG.split(' ').length);
    expect(done.response.output[0].content[0].transcript).toBe(r.transcript);
    expectEnergy(decodeFromFormat(r.audio, { type: 'audio/pcm' }).samples, 24, words, audioMs, true);

    c.send({ type: 'conversation.item.truncate', item_id: r.itemId, content_index: 0, audio_end_ms: Math.floor(audioMs / 2) });
    await c.next('conversation.item.truncated', from);
    expect(slow.wordTimings(r.itemId)).toEqual(words);
    c.close();
    await slow.close();
  });
});

describe('Simulator.wordTimings', () => {
  it('answers undefined for unknown items and text replies, and knows the items of every connection', async () => {
    const a = await ready();
    const b = await ready();
    const ra = await reply(a, 'short');
    const rb = await reply(b, 'short');
    expect(sim.wordTimings(ra.itemId)).toMatchObject([{ word: 'Okay.', charStart: 0, charEnd: 5, startMs: 0 }]);
    expect(sim.wordTimings(rb.itemId)).toEqual(sim.wordTimings(ra.itemId));
    const from = a.events.length;
    a.send(userText('short'));
    a.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await a.next('response.done', from);
    expect(done.response.output[0].content[0].type).toBe('output_text');
    expect(sim.wordTimings(done.response.output[0].id)).toBeUndefined();
    expect(sim.wordTimings('item_unknown')).toBeUndefined();
    a.close();
    b.close();
  });

  it('forgets the oldest items past its limit and hands out copies', () => {
    const log = new WordTimingLog(2);
    const okay: WordTiming[] = [{ word: 'Okay.', charStart: 0, charEnd: 5, startMs: 0, endMs: 400 }];
    log.set('item_1', okay);
    log.set('item_2', []);
    log.set('item_1', okay); // a replaced item keeps its age
    log.set('item_3', okay);
    expect(log.get('item_1')).toBeUndefined();
    expect(log.get('item_2')).toEqual([]);
    const copy = log.get('item_3')!;
    copy[0]!.endMs = 1;
    expect(log.get('item_3')).toEqual(okay);
  });
});
