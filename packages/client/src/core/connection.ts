// The end of a connection as a core step: every turn ends. A running response ends for the app
// with `turn_ended` carrying the reason (its `response.done` will never come); items still audible
// are marked interrupted at their heard position (nothing can be truncated on a dead socket), with
// `audio_interrupted` and their final heard split; the output is told to drop them; the sequencer
// forgets queued response.create requests (seed-behaviour.md §3.5 "socket end").
import { isAudible } from './ledger.js';
import { reportHeard, settle } from './playback.js';
import { type CoreState, type StepResult, emptyStep } from './state.js';
import type { PlaybackState } from './types.js';

/** Why a connection ended, as the app is told. */
export type DisconnectReason = 'closed' | 'connection_lost' | 'session_renewal';

/** Ends every turn of a connection that is gone. */
export function endConnection(state: CoreState, playback: PlaybackState | null, now: number, reason: DisconnectReason): StepResult {
  const out = emptyStep();
  settle(state, out, playback, now);
  const stopped = [...state.ledger.items.values()].filter(isAudible);
  for (const item of stopped) {
    item.phase = 'interrupted';
    if (item.receivedMs > 0) out.emit.push({ type: 'audio_interrupted', itemId: item.itemId, contentIndex: item.contentIndex });
    reportHeard(state, out, item, true);
  }
  const audible = stopped.filter((i) => i.receivedMs > 0).map(({ itemId, contentIndex }) => ({ itemId, contentIndex }));
  if (audible.length > 0) out.play.push({ op: 'drop', items: audible, stop: true });
  if (state.ongoingResponse) out.emit.push({ type: 'turn_ended', responseId: state.ongoingResponseId, reason });
  state.ongoingResponse = false;
  state.ongoingResponseId = null;
  state.control = 'free';
  state.pendingCreates = [];
  state.inFlightCreateId = null;
  return out;
}
