// Wire-level interrupts and barge-in of OpenAIRealtimeWebSocketModel through an in-memory socket:
// the truncates and cancels written, at what was heard (seed-behaviour.md §5), schema-checked.
import { describe, expect, it } from 'vitest';
import { ManualPlaybackTracker } from '../src/index.node.js';
import { audioDelta, responseCreated, responseDone, speechStarted } from './helpers/frames.js';
import { connected } from './helpers/model.js';

describe('interrupt and barge-in', () => {
  it('truncates at the estimated played ms and cancels when the server does not cancel by itself', async () => {
    const t = await connected({ interruptResponse: false });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 48 * 300));
    t.setNow(120.7);
    await t.model.interrupt();
    expect(t.socket.sent).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 120 },
      { type: 'response.cancel' },
    ]);
    expect(t.of('audio_interrupted')).toEqual([{ type: 'audio_interrupted', itemId: 'item_a', contentIndex: 0 }]);
  });

  it('clamps audio_end_ms to the audio received for the item', async () => {
    const t = await connected({ interruptResponse: true });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 48 * 100 + 30));
    t.setNow(5000);
    await t.model.sendEvent({ type: 'interrupt' });
    expect(t.socket.sent).toEqual([{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 100 }]);
  });

  it('sends a truncate at 0 ms', async () => {
    const t = await connected({ interruptResponse: true });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    await t.model.sendEvent({ type: 'interrupt' });
    expect(t.socket.sent).toEqual([{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 0 }]);
  });

  it('sends nothing when playback already ended and no response runs', async () => {
    const t = await connected({ interruptResponse: false });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    t.socket.serverSend(responseDone('resp_1'));
    t.socket.sent.length = 0;
    t.setNow(1000);
    await t.model.interrupt();
    expect(t.socket.sent).toEqual([]);
  });

  it('sendEvent interrupt cancels only when forced if the server cancels by itself, and never twice for one response', async () => {
    const t = await connected({ interruptResponse: true });
    t.socket.serverSend(responseCreated('resp_1'));
    await t.model.interrupt({ playbackOnly: true });
    await t.model.sendEvent({ type: 'interrupt' });
    expect(t.socket.sentOfType('response.cancel')).toHaveLength(0);
    await t.model.sendEvent({ type: 'interrupt', forceResponseCancel: true });
    await t.model.interrupt({ forceResponseCancel: true });
    await t.model.interrupt({ cancelResponseOnly: true, responseId: 'resp_1' });
    expect(t.socket.sentOfType('response.cancel')).toEqual([{ type: 'response.cancel' }]);
  });

  it('interrupt() cancels the running response even when the server cancels on VAD by itself (defect 3)', async () => {
    const t = await connected({ interruptResponse: true });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 48 * 500));
    t.setNow(200);
    await t.model.interrupt();
    expect(t.socket.sent).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 200 },
      { type: 'response.cancel' },
    ]);
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    t.socket.serverSend(audioDelta('resp_1', 'item_b', 4800));
    expect(t.of('audio')).toHaveLength(1);
  });

  it('sends no response.cancel when no response runs', async () => {
    const t = await connected({ interruptResponse: false });
    await t.model.interrupt({ forceResponseCancel: true });
    expect(t.socket.sent).toEqual([]);
  });

  it('scopes an interrupt to a response and drops its late audio until response.done', async () => {
    const t = await connected({ interruptResponse: true });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    t.setNow(50);
    await t.model.interrupt({ responseId: 'resp_1', forceResponseCancel: true });
    expect(t.socket.sent).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 50 },
      { type: 'response.cancel', response_id: 'resp_1' },
    ]);
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    expect(t.of('audio')).toHaveLength(1);
    t.socket.serverSend(responseDone('resp_1'));
    t.socket.serverSend(responseCreated('resp_2'));
    t.socket.serverSend(audioDelta('resp_2', 'item_b', 4800));
    expect(t.of('audio')).toHaveLength(2);
  });

  it('rejects invalid interrupt combinations before any side effect', async () => {
    const t = await connected();
    await expect(t.model.interrupt({ playbackOnly: true, forceResponseCancel: true })).rejects.toMatchObject({ code: 'invalid_interrupt' });
    await expect(t.model.interrupt({ cancelResponseOnly: true })).rejects.toMatchObject({ code: 'invalid_interrupt' });
    expect(t.socket.sent).toEqual([]);
  });

  it('barges in on speech_started: truncates at the played position and cancels without server auto-cancel', async () => {
    const t = await connected({ interruptResponse: false });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 48 * 1000));
    t.setNow(432.9);
    t.socket.serverSend(speechStarted());
    expect(t.socket.sent).toEqual([
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 432 },
      { type: 'response.cancel' },
    ]);
    expect(t.of('audio_interrupted')).toEqual([{ type: 'audio_interrupted', itemId: 'item_a', contentIndex: 0 }]);
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 4800));
    expect(t.of('audio')).toHaveLength(1);
  });

  it('uses the playback tracker instead of the wall clock when one is given', async () => {
    const tracker = new ManualPlaybackTracker();
    const t = await connected({ interruptResponse: true, tracker });
    t.socket.serverSend(responseCreated('resp_1'));
    t.socket.serverSend(audioDelta('resp_1', 'item_a', 48 * 1000));
    tracker.onPlayBytes('item_a', 0, new Uint8Array(48 * 250));
    t.setNow(900);
    t.socket.serverSend(speechStarted());
    expect(t.socket.sent).toEqual([{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 250 }]);
    expect(tracker.getState()).toEqual({ currentItemId: null, currentItemContentIndex: null, elapsedMs: null });
  });
});
