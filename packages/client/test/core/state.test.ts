// The sans-I/O core driven directly, JSON in and JSON out: bounded state over many responses,
// and the truncate plan's rounding and clamping rules (seed-behaviour.md §3).
import { describe, expect, it } from 'vitest';
import { planTruncate } from '../../src/core/interrupt.js';
import { recordAudio } from '../../src/core/ledger.js';
import { receiveServerEvent } from '../../src/core/receive.js';
import { createCoreState, stateSize } from '../../src/core/state.js';
import { audioDelta, responseCreated, responseDone, speechStarted } from '../helpers/frames.js';

const ctx = (now: number) => ({ now, playback: null });

describe('core state', () => {
  it('keeps state bounded over 10,000 responses, interrupted or not', () => {
    const state = createCoreState('gpt-realtime');
    const sizes: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const id = `resp_${i}`;
      const t = i * 100;
      receiveServerEvent(state, responseCreated(id), ctx(t));
      receiveServerEvent(state, audioDelta(id, `item_${i}`, 480), ctx(t));
      receiveServerEvent(state, audioDelta(id, `item_${i}b`, 480, 1), ctx(t));
      if (i % 3 === 0) receiveServerEvent(state, speechStarted(), ctx(t + 5));
      receiveServerEvent(state, responseDone(id), ctx(t + 50));
      sizes.push(stateSize(state));
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 + 64 + 16 + 8);
    expect(state.ledger.items.size).toBeLessThanOrEqual(2);
    expect(state.ledger.interruptedResponses.size).toBe(0);
  });

  it('keeps the audio length of the response that just ended so a late interrupt can clamp', () => {
    const state = createCoreState('gpt-realtime');
    receiveServerEvent(state, responseCreated('r1'), ctx(0));
    receiveServerEvent(state, audioDelta('r1', 'a', 48 * 2000), ctx(0));
    receiveServerEvent(state, responseDone('r1'), ctx(10));
    expect(planTruncate(state, 'a', 0, 1500.9, false)).toEqual({ type: 'conversation.item.truncate', item_id: 'a', content_index: 0, audio_end_ms: 1500 });
    expect(planTruncate(state, 'a', 0, 2500, false)).toBeNull();
    expect(planTruncate(state, 'a', 0, 2500, true)).toMatchObject({ audio_end_ms: 2000 });
  });

  it('floors, never rounds up, and treats a negative position as 0', () => {
    const state = createCoreState('gpt-realtime');
    recordAudio(state.ledger, 'a', 0, 'r', 100.9, 0);
    expect(planTruncate(state, 'a', 0, 99.99, false)).toMatchObject({ audio_end_ms: 99 });
    expect(planTruncate(state, 'a', 0, 100.5, true)).toMatchObject({ audio_end_ms: 100 });
    expect(planTruncate(state, 'a', 0, -3, false)).toMatchObject({ audio_end_ms: 0 });
  });

  it('truncates an item it never received audio for without clamping', () => {
    const state = createCoreState('gpt-realtime');
    expect(planTruncate(state, 'unknown', 0, 42.7, false)).toMatchObject({ item_id: 'unknown', audio_end_ms: 42 });
  });
});
