// Every fault injection of the simulator as the library reports it (dropped sockets, malformed
// frames, stalls, recording), driven through @open-realtime/client; every frame on both sides is
// validated against the GA schema at the end of each test.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';
import { serverEventErrors } from '../src/validate.js';
import { type Model, Recorder, cleanUpLater, expectValidWire, newModel, open, runCleanups } from './through-client-helpers.js';

afterEach(runCleanups);

describe('fault injection through @open-realtime/client', () => {
  const NO_VAD = { turnDetection: null };

  async function expectDropped(rec: Recorder, model: Model, from: number): Promise<void> {
    const exception = await rec.next('exception', from);
    expect(exception.exception.message).toContain('1006');
    expect(exception.exception).toMatchObject({ code: 'connection_closed' });
    await rec.next('connection_status', from, (e) => e.status === 'disconnected');
    await expect(model.sendUserInput('after the drop')).rejects.toMatchObject({ code: 'closed' });
  }

  it('reports dropAfterFrames as an exception with code 1006, then disconnected, and refuses to send', async () => {
    // Frames: session.created, session.updated ×2, then the user item's added/done: drop after 4.
    const sim = await startSimulator({ port: 0, pace: Infinity, faults: { dropAfterFrames: 4 } });
    cleanUpLater(() => sim.close());
    const model = newModel();
    const rec = new Recorder(model);
    cleanUpLater(() => model.close());
    await model.connect({ apiKey: 'sk-test', url: sim.url, initialModelSettings: NO_VAD });
    await rec.until(() => rec.raw().length >= 3, '3 frames');
    const from = rec.events.length;
    await model.sendUserInput('x');
    await expectDropped(rec, model, from);
    expect(rec.raw()).toHaveLength(4);
    expect(rec.of('turn_started')).toEqual([]);
    expectValidWire(sim, rec);
  });

  it('reports dropMidResponseAfterDeltas as an exception with code 1006 after three audio chunks', async () => {
    const { sim, model, rec } = await open({ faults: { dropMidResponseAfterDeltas: 3 } }, NO_VAD);
    const from = rec.events.length;
    await model.sendUserInput('hello');
    await expectDropped(rec, model, from);
    expect(rec.of('audio', from)).toHaveLength(3);
    expect(rec.of('turn_started', from)).toHaveLength(1);
    // Every turn ends: the dropped reply ends for the app with the reason, its audio stopped.
    expect(rec.of('turn_ended', from)).toEqual([{ type: 'turn_ended', responseId: rec.of('turn_started', from)[0]!.responseId, reason: 'connection_lost' }]);
    expect(rec.of('audio_interrupted', from)).toEqual([{ type: 'audio_interrupted', itemId: rec.of('audio', from)[0]!.itemId, contentIndex: 0 }]);
    expectValidWire(sim, rec);
  });

  it('reports a non-JSON frame as an invalid_json exception and keeps handling later frames', async () => {
    // After frame 6 (session.created, session.updated ×2, user item added/done, response.created).
    const { sim, model, rec } = await open({ faults: { malformedAfterFrames: 6 } }, NO_VAD);
    const from = rec.events.length;
    await model.sendUserInput('still works');
    const done = await rec.turn(from);
    expect(done.response.status).toBe('completed');
    expect(rec.transcript(done.response.id)).toMatch(/^You said: still works\./);
    const exceptions = rec.of('exception', from);
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]!.exception).toMatchObject({ code: 'invalid_json', raw: '{"type":"response.output_audio.delta","delta":"AAAA' });
    expect(exceptions[0]!.context).toBe('Failed to parse WebSocket message');
    // The bad frame came right after response.created, before the first output item.
    const types = rec.events.slice(from).map((e) => e.type);
    expect(types.indexOf('exception')).toBeGreaterThan(types.indexOf('turn_started'));
    expect(types.indexOf('exception')).toBeLessThan(types.indexOf('audio'));
    expect(rec.of('connection_status', from)).toEqual([]);
    expectValidWire(sim, rec);
  });

  it('reports a JSON frame of an unknown type as a client-side error and keeps handling later frames', async () => {
    const bogus = '{"type":"response.bogus_event","event_id":"event_bogus"}';
    const sim = await startSimulator({ port: 0, pace: Infinity, faults: { malformedAfterFrames: 6, malformedFrame: bogus } });
    cleanUpLater(() => sim.close());
    const model = newModel();
    const rec = new Recorder(model);
    rec.allowInvalid.add(bogus);
    cleanUpLater(() => model.close());
    await model.connect({ apiKey: 'sk-test', url: sim.url, initialModelSettings: NO_VAD });
    await rec.until(() => rec.raw().filter((e) => e.type === 'session.updated').length >= 2, 'session.updated ×2');
    const from = rec.events.length;
    await model.sendUserInput('still works');
    const done = await rec.turn(from);
    expect(done.response.status).toBe('completed');
    const errors = rec.of('error', from);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toMatchObject({ source: 'client', type: 'invalid_server_event', code: 'unknown_event_type', eventId: 'event_bogus' });
    expect(rec.of('exception', from)).toEqual([]);
    // Only the injected frame is invalid.
    expect(rec.raw().filter((e) => serverEventErrors(e))).toEqual([JSON.parse(bogus)]);
    expectValidWire(sim, rec);
  });

  it('delivers delayed frames in the order they were sent and the turn completes', async () => {
    const record = join(mkdtempSync(join(tmpdir(), 'sim-through-')), 'frames.jsonl');
    const { sim, model, rec } = await open({ faults: { delayMs: 5 }, record }, { ...NO_VAD, outputModalities: ['text'] });
    const from = rec.events.length;
    const t0 = Date.now();
    await model.sendUserInput('delayed');
    const done = await rec.turn(from);
    const elapsed = Date.now() - t0;
    expect(done.response.status).toBe('completed');
    const text = rec.of('output_text_delta', from).map((e) => e.delta).join('');
    expect(text).toMatch(/^You said: delayed\./);
    const raw = rec.raw(from).map((e) => e.type);
    expect(elapsed).toBeGreaterThanOrEqual(raw.length * 5 * 0.8);
    const types = rec.events.slice(from).map((e) => e.type).filter((t) => t !== 'raw_server_event' && t !== 'item_updated');
    expect(types[0]).toBe('turn_started');
    expect(types.slice(-2)).toEqual(['usage', 'turn_ended']);
    // Received in exactly the order the simulator recorded sending them.
    model.close();
    await sim.close();
    const sent = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.dir === 'out').map((l) => l.data.type);
    expect(rec.raw().map((e) => e.type)).toEqual(sent);
    expectValidWire(sim, rec);
  });
});
