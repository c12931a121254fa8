// The audio ledger through the sans-I/O core, JSON in and JSON out (no socket, no fake timers):
// interrupts across whole conversations, releases, the heard transcript and latency as heard.
// Each of issue 9's eight defects has a regression test here or in model.test.ts (marked).
import { describe, expect, it } from 'vitest';
import { base64ToBytes } from '../../src/audio/pcm.js';
import { weighWords } from '../../src/core/heard.js';
import { type LedgerItem, wordsOf } from '../../src/core/ledger.js';
import { encodedMs, toEncoding } from '../../src/audio/codec.js';
import { interrupt } from '../../src/core/interrupt.js';
import { playbackStep } from '../../src/core/playback.js';
import { receiveServerEvent } from '../../src/core/receive.js';
import { planSend } from '../../src/core/send.js';
import { type CoreState, type StepResult, createCoreState } from '../../src/core/state.js';
import type { PlaybackState } from '../../src/core/types.js';
import { parseServerEvent } from '../../src/core/parse.js';
import { audioDelta, responseCreated, responseDone, sessionEvent, speechStarted, transcriptDelta } from '../helpers/frames.js';
import { recordClientEvent } from '../helpers/schema.js';
import { mulberry32 } from '../helpers/prng.js';

/** Drives one core; every client event it returns is schema-checked like a wire test's. */
class Core {
  readonly state: CoreState = createCoreState('gpt-realtime');
  now = 0;
  playback: PlaybackState | null = null;
  readonly steps: StepResult[] = [];

  receive(frame: Record<string, unknown>): StepResult {
    const parsed = parseServerEvent(JSON.stringify(frame));
    if (!parsed.ok) throw new Error(`test frame does not parse: ${parsed.message}`);
    return this.#keep(receiveServerEvent(this.state, parsed.event as Record<string, unknown>, { now: this.now, playback: this.playback }));
  }

  interrupt(options: Parameters<typeof interrupt>[1] = {}): StepResult {
    return this.#keep(interrupt(this.state, options, this.playback, this.now));
  }

  userText(text: string): StepResult {
    return this.#keep(planSend(this.state, { type: 'user_input', userInput: text }, null, this.now));
  }

  report(itemId: string | null, elapsedMs: number | null, heardStartAt?: number): StepResult {
    this.playback = { currentItemId: itemId, currentItemContentIndex: itemId === null ? null : 0, elapsedMs, ...(heardStartAt === undefined ? {} : { heardStartAt }) };
    return this.#keep(playbackStep(this.state, this.playback, this.now));
  }

  #keep(step: StepResult): StepResult {
    for (const event of step.send) recordClientEvent(JSON.stringify(event));
    this.steps.push(step);
    return step;
  }
}

const truncate = (item: string, ms: number) => ({ type: 'conversation.item.truncate', item_id: item, content_index: 0, audio_end_ms: ms });
const interrupted = (item: string) => ({ type: 'audio_interrupted', itemId: item, contentIndex: 0 });
const ofType = (step: StepResult, type: string) => step.emit.filter((e) => e.type === type);
const functionCallDone = (responseId: string) => ({
  type: 'response.output_item.done', event_id: 'ev_fc', response_id: responseId, output_index: 0,
  item: { id: 'item_fc', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: '{}' },
});

/** Reply A: 10 s of audio streamed at once, then its response ends. */
function replyA(core: Core, id = 'r1', item = 'a', ms = 10_000): void {
  core.receive(responseCreated(id));
  for (let i = 0; i < ms / 1000; i++) core.receive(audioDelta(id, item, 48 * 1000));
  core.receive(responseDone(id));
}

describe('interrupts across a whole conversation', () => {
  it('barges in on the item still heard after its response ended and a tool-call response ran (defect 1)', () => {
    const core = new Core();
    core.receive(sessionEvent('session.created', { interruptResponse: true }));
    replyA(core);
    core.now = 3000;
    core.report('a', 3000);
    core.receive(responseCreated('r2'));
    core.receive(functionCallDone('r2'));
    core.receive(responseDone('r2'));
    core.now = 3100;
    core.report('a', 3100);
    const step = core.receive(speechStarted());
    expect(step.send).toEqual([truncate('a', 3100)]);
    expect(ofType(step, 'audio_interrupted')).toEqual([interrupted('a')]);
    expect(step.play).toContainEqual({ op: 'drop', items: [{ itemId: 'a', contentIndex: 0 }], stop: true });
  });

  it('the same barge-in with the wall-clock estimate (no player) truncates at the estimated position', () => {
    const core = new Core();
    replyA(core);
    core.receive(responseCreated('r2'));
    core.receive(responseDone('r2'));
    core.now = 3000.7;
    const step = core.receive(speechStarted());
    expect(step.send).toEqual([truncate('a', 3000)]);
    expect(ofType(step, 'audio_interrupted')).toEqual([interrupted('a')]);
  });

  it('stops the heard item at its position and every queued item at 0, once each (defect 2)', () => {
    const core = new Core();
    core.receive(sessionEvent('session.created', { interruptResponse: true }));
    replyA(core, 'r1', 'a', 5000);
    core.receive(responseCreated('r2'));
    core.receive(audioDelta('r2', 'b', 48 * 600));
    core.now = 1200;
    core.report('a', 1200);
    const step = core.receive(speechStarted());
    expect(step.send).toEqual([truncate('a', 1200), truncate('b', 0)]);
    expect(ofType(step, 'audio_interrupted')).toEqual([interrupted('a'), interrupted('b')]);
    expect(step.play).toEqual([{ op: 'drop', items: [{ itemId: 'a', contentIndex: 0 }, { itemId: 'b', contentIndex: 0 }], stop: true }]);
    // Late audio of the interrupted response is neither emitted nor played.
    const late = core.receive(audioDelta('r2', 'b', 4800));
    expect([late.emit, late.play]).toEqual([[], []]);
    const again = core.receive(speechStarted());
    expect([again.send, again.emit, again.play]).toEqual([[], [], []]);
  });

  it('a response-scoped interrupt of a queued response drops only its items and lets the heard one play', () => {
    const core = new Core();
    replyA(core, 'r1', 'a', 5000);
    core.receive(responseCreated('r2'));
    core.receive(audioDelta('r2', 'b', 48 * 600));
    core.now = 1000;
    core.report('a', 1000);
    const step = core.interrupt({ responseId: 'r2', forceResponseCancel: true });
    expect(step.send).toEqual([truncate('b', 0), { type: 'response.cancel', response_id: 'r2' }]);
    expect(ofType(step, 'audio_interrupted')).toEqual([interrupted('b')]);
    expect(step.play).toEqual([{ op: 'drop', items: [{ itemId: 'b', contentIndex: 0 }], stop: false }]);
    core.now = 2000;
    const later = core.report('a', 2000);
    expect(ofType(later, 'audio_interrupted')).toEqual([]);
  });

  it('a second response-scoped interrupt, or one after a plain interrupt, emits nothing (defect 4)', () => {
    const core = new Core();
    core.receive(responseCreated('r1'));
    core.receive(audioDelta('r1', 'a', 48 * 1000));
    core.now = 400;
    const first = core.interrupt({ responseId: 'r1' });
    expect(ofType(first, 'audio_interrupted')).toEqual([interrupted('a')]);
    const second = core.interrupt({ responseId: 'r1' });
    expect(ofType(second, 'audio_interrupted')).toEqual([]);
    expect(second.send.filter((e) => e.type === 'conversation.item.truncate')).toEqual([]);

    const other = new Core();
    other.receive(responseCreated('r1'));
    other.receive(audioDelta('r1', 'a', 48 * 1000));
    other.now = 400;
    expect(ofType(other.interrupt(), 'audio_interrupted')).toEqual([interrupted('a')]);
    expect(ofType(other.interrupt({ responseId: 'r1' }), 'audio_interrupted')).toEqual([]);
  });

  it('keeps the seed rule: playback ended and no response runs, nothing is sent', () => {
    const core = new Core();
    replyA(core, 'r1', 'a', 1000);
    core.now = 5000;
    const step = core.interrupt();
    expect([step.send, ofType(step, 'audio_interrupted')]).toEqual([[], []]);
  });

  it('keeps the seed rule: a response still runs, the heard item is truncated at its full length', () => {
    const core = new Core();
    core.receive(responseCreated('r1'));
    core.receive(audioDelta('r1', 'a', 48 * 1000 + 30));
    core.receive({ type: 'response.output_audio.done', event_id: 'e', response_id: 'r1', item_id: 'a', output_index: 0, content_index: 0 });
    core.now = 5000;
    const step = core.interrupt();
    expect(step.send).toEqual([truncate('a', 1000), { type: 'response.cancel' }]);
  });

  it('floors audio_end_ms and never sends more than was received, on both paths', () => {
    const core = new Core();
    core.receive(responseCreated('r1'));
    core.receive(audioDelta('r1', 'a', 48 * 300 + 24));
    core.report('a', 10_000);
    expect(core.receive(speechStarted()).send[0]).toEqual(truncate('a', 300));
    const other = new Core();
    other.receive(responseCreated('r1'));
    other.receive(audioDelta('r1', 'a', 48 * 300));
    other.report('a', 299.99);
    expect(other.interrupt().send[0]).toEqual(truncate('a', 299));
  });

  it('uses the server override of speech_started when positive (seed §3.3 step 3)', () => {
    const core = new Core();
    core.receive(responseCreated('r1'));
    core.receive(audioDelta('r1', 'a', 48 * 1000));
    core.now = 900;
    expect(core.receive({ ...speechStarted(), audio_end_ms: 250 }).send[0]).toEqual(truncate('a', 250));
  });

  it('does nothing on speech_started when nothing is audible (seed §3.3)', () => {
    const core = new Core();
    core.receive(responseCreated('r1'));
    const step = core.receive(speechStarted());
    expect([step.send, step.emit, step.play]).toEqual([[], [], []]);
  });
});

describe('parsing and receiving what real servers send', () => {
  it('parses custom voice objects and sends the held response.create when the response ends (defect 5)', () => {
    const core = new Core();
    const voice = { id: 'voice_custom_1' };
    const created = responseCreated('r1');
    created.response = { ...created.response, audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice } } } as typeof created.response;
    core.receive(created);
    expect(core.userText('hi').send.map((e) => e.type)).toEqual(['conversation.item.create']);
    const done = responseDone('r1');
    done.response = { ...done.response, audio: { output: { voice } } } as typeof done.response;
    expect(core.receive(done).send).toEqual([{ type: 'response.create', event_id: 'open_realtime_response_create_1' }]);
    const session = sessionEvent('session.updated');
    (session.session.audio.output as Record<string, unknown>).voice = voice;
    expect(parseServerEvent(JSON.stringify(session)).ok).toBe(true);
  });

  it('gives audio bytes that own their buffer, even for small deltas (defect 7)', () => {
    for (const bytes of [1, 2, 48, 480, 4800, 48_000]) {
      const data = base64ToBytes(Buffer.alloc(bytes, 3).toString('base64'));
      expect([data.byteOffset, data.buffer.byteLength, data.length]).toEqual([0, bytes, bytes]);
    }
  });

  it('counts G.711 the same in the ledger and the player: 800 bytes are 100 ms (defect 8)', () => {
    for (const format of [{ type: 'audio/pcmu' }, { type: 'audio/pcma' }]) {
      const core = new Core();
      core.receive(sessionEvent('session.updated', { format }));
      core.receive(responseCreated('r1'));
      core.receive(audioDelta('r1', 'a', 800));
      expect(core.state.ledger.items.get('0:a')!.receivedMs).toBe(100);
    }
    for (const spelling of ['pcmu', 'pcma', 'g711_ulaw', 'audio/pcma', { type: 'audio/pcmu' }]) {
      expect(encodedMs(toEncoding(spelling), 800)).toBe(100);
    }
  });
});

describe('the heard transcript', () => {
  it('splits the transcript at the heard position while it plays and once, final, at the truncate', () => {
    const core = new Core();
    core.receive(responseCreated('r1'));
    const words = 'one two three four five six seven eight nine ten';
    core.receive(transcriptDelta('r1', 'a', words));
    core.receive(audioDelta('r1', 'a', 48 * 5000));
    core.receive({ type: 'response.output_audio.done', event_id: 'e', response_id: 'r1', item_id: 'a', output_index: 0, content_index: 0 });
    const half = core.report('a', 2500);
    const [update] = ofType(half, 'heard_transcript') as Array<{ heard: string; unheard: string; final: boolean }>;
    expect(update!.heard + update!.unheard).toBe(words);
    expect(update!.heard.trim().split(' ').length).toBeGreaterThanOrEqual(4);
    expect(update!.heard.trim().split(' ').length).toBeLessThanOrEqual(6);
    expect(update!.final).toBe(false);
    expect(ofType(core.report('a', 2501), 'heard_transcript')).toEqual([]); // no change, no event
    const stop = core.interrupt();
    const final = ofType(stop, 'heard_transcript') as Array<{ heard: string; final: boolean; heardMs: number }>;
    expect(final).toHaveLength(1);
    expect(final[0]).toMatchObject({ final: true, heardMs: 2501 });
    expect(ofType(core.report('a', 4000), 'heard_transcript')).toEqual([]);
  });
});

describe('the weighed words of a growing transcript', () => {
  // Deltas append to the transcript; its words are weighed again from the last word on, which the
  // new text may continue. Whatever the pieces, the words must be those of the whole text weighed anew.
  const PIECES = ['Hel', 'lo', ' ', 'world', ',', ' 42', '7', '. ', '  ', 'né', 'e', '\n', 'x', '?', '🙂', ' tea-', 'time', '\t', '-', ''];
  it('match the whole transcript weighed anew, after every delta of 500 seeded transcripts', () => {
    const rand = mulberry32(0x3e1d5);
    let checked = 0;
    for (let t = 0; t < 500; t++) {
      const item = { transcript: '', words: null } as unknown as LedgerItem;
      for (let d = 0, n = 1 + Math.floor(rand() * 30); d < n; d++) {
        if (rand() < 0.05) item.transcript = item.transcript.slice(0, Math.floor(rand() * item.transcript.length)); // replaced by a shorter one
        else if (rand() < 0.05) item.transcript = `X${item.transcript}`; // replaced, not a prefix
        else item.transcript += PIECES[Math.floor(rand() * PIECES.length)]!;
        if (rand() < 0.3) continue; // several deltas between two splits
        expect(wordsOf(item)).toEqual(weighWords(item.transcript));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });
});

describe('latency as heard', () => {
  it('measures from speech_stopped to the first heard frame, beside the first delta arrival', () => {
    const core = new Core();
    core.now = 1000;
    core.receive({ type: 'input_audio_buffer.speech_stopped', event_id: 'e1', audio_end_ms: 900, item_id: 'u1' });
    core.now = 1300;
    core.receive(responseCreated('r1'));
    core.now = 1500;
    core.receive(audioDelta('r1', 'a', 4800));
    core.now = 1700;
    const step = core.report('a', 50, 1650);
    expect(ofType(step, 'latency')).toEqual([
      { type: 'latency', kind: 'first_audio_heard', responseId: 'r1', trigger: 'speech_stopped', ms: 650, firstDeltaMs: 500, clock: 'audio' },
    ]);
    expect(ofType(core.report('a', 80, 1650), 'latency')).toEqual([]);
  });

  it('measures typed turns from the response.create sent, and a barge-in to silence', () => {
    const core = new Core();
    core.now = 100;
    core.userText('hello');
    core.now = 400;
    core.receive(responseCreated('r1'));
    core.receive(audioDelta('r1', 'a', 48 * 2000));
    core.now = 700;
    const heard = core.report('a', 200, 500);
    expect(ofType(heard, 'latency')[0]).toMatchObject({ trigger: 'response_create', ms: 400, firstDeltaMs: 300 });
    core.now = 900;
    const barge = core.receive(speechStarted());
    expect(barge.silenceFrom).toEqual({ at: 900, kind: 'barge_in' });
  });
});
