// serializeClientEvent: the text frames of client events, JSON in, text out (STYLE.md "Tests").
// Microphone chunks are written by concatenation, not JSON.stringify; every frame must still be
// exactly the JSON.stringify text of the event, including events changed after planSend.
import { describe, expect, it } from 'vitest';
import { planSend, serializeClientEvent } from '../../src/core/send.js';
import { type ClientEvent, createCoreState } from '../../src/core/state.js';
import { mulberry32 } from '../helpers/prng.js';

const rand = mulberry32(0x5e4d);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
const append = (audio: Uint8Array | ArrayBuffer, commit = false): ClientEvent[] =>
  planSend(createCoreState('gpt-realtime', null), { type: 'audio', audio, commit }, null, 0).send;

describe('serializeClientEvent', () => {
  it('writes each microphone chunk as the JSON.stringify text of a plain append event', () => {
    for (const n of [0, 1, 2, 3, 4, 480, 1919, 1920, 4800]) {
      const chunk = bytes(n);
      const [event] = append(chunk);
      const frame = serializeClientEvent(event!);
      expect(frame).toBe(JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk).toString('base64') }));
      expect(JSON.parse(frame)).toEqual({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk).toString('base64') });
    }
  });

  it('encodes only the bytes of a subarray view, and an ArrayBuffer whole', () => {
    const whole = bytes(64);
    const [view] = append(whole.subarray(8, 40));
    expect(JSON.parse(serializeClientEvent(view!)).audio).toBe(Buffer.from(whole.subarray(8, 40)).toString('base64'));
    const [buffer, commit] = append(whole.slice().buffer, true);
    expect(JSON.parse(serializeClientEvent(buffer!)).audio).toBe(Buffer.from(whole).toString('base64'));
    expect(serializeClientEvent(commit!)).toBe('{"type":"input_audio_buffer.commit"}');
  });

  it('stringifies an append event changed after planSend: new audio, an extra field, another type', () => {
    const changes: Array<(event: Record<string, unknown>) => void> = [
      (e) => void (e.audio = 'a"quote\\and\nnewline'),
      (e) => void (e.event_id = 'evt_"1"'),
      (e) => void (e.type = 'input_audio_buffer.clear'),
    ];
    for (const change of changes) {
      const [event] = append(bytes(30));
      change(event as Record<string, unknown>);
      expect(serializeClientEvent(event!)).toBe(JSON.stringify(event));
      expect(JSON.parse(serializeClientEvent(event!))).toEqual(JSON.parse(JSON.stringify(event)));
    }
  });

  it('stringifies a raw append message whose audio needs escaping', () => {
    const raw = { type: 'raw_message' as const, message: { type: 'input_audio_buffer.append', otherData: { audio: 'x"y\u0001' } } };
    const [event] = planSend(createCoreState('gpt-realtime', null), raw, null, 0).send;
    expect(serializeClientEvent(event!)).toBe('{"type":"input_audio_buffer.append","audio":"x\\"y\\u0001"}');
  });

  it('stringifies an append event planSend did not make, even one whose audio is undefined', () => {
    expect(serializeClientEvent({ type: 'input_audio_buffer.append', audio: undefined })).toBe('{"type":"input_audio_buffer.append"}');
    expect(serializeClientEvent({ type: 'input_audio_buffer.append', audio: 'QUJD' })).toBe('{"type":"input_audio_buffer.append","audio":"QUJD"}');
  });
});
