// Interrupt, truncate and cancel, plus response.create sequencing (seed-behaviour.md §3), over the
// audio ledger so that interrupts hold across whole conversations. Rules kept from the seed with
// its upstream fixes: audio_end_ms is an integer, floored, never above the audio received (#4122);
// a truncate at 0 ms is sent (#4457); none when playback ended and no response runs (#2374);
// response.cancel only while a response runs, once per response (§3.4); response.create waits
// until the running response is done (#2763). Beyond the seed: every audible item is stopped
// (the one being heard truncated at its heard position, items queued behind it dropped and
// truncated at 0), `audio_interrupted` is emitted once per item, and no audio of an interrupted
// response is emitted afterwards.
import { RealtimeUserError } from './errors.js';
import { type LedgerItem, addBounded, headItem, isAudible, itemKey, receivedMsOf } from './ledger.js';
import { markTurnStart, reportHeard, settle } from './playback.js';
import { type ClientEvent, type CoreState, type StepResult, emptyStep } from './state.js';
import type { PlaybackState } from './types.js';

/** Options of an explicit interrupt (seed-behaviour.md §3.1). */
export interface InterruptOptions {
  forceResponseCancel?: boolean;
  responseId?: string;
  cancelResponseOnly?: boolean;
  playbackOnly?: boolean;
}

/** Prefix of the event ids given to automatic response.create events. */
export const RESPONSE_CREATE_ID_PREFIX = 'open_realtime_response_create_';

/** Queues a response.create (auto, or manual with its own body) and sends it if allowed. */
export function requestResponse(state: CoreState, out: StepResult, now: number, event?: ClientEvent): void {
  state.pendingCreates.push(event ? { manual: true, event } : { manual: false });
  flushResponseCreates(state, out, now);
}

/**
 * Sends the next response.create when no response runs and none is in flight. Auto requests
 * coalesce into one send up to the next manual one; a manual request covers only itself (§3.5).
 */
export function flushResponseCreates(state: CoreState, out: StepResult, now: number): void {
  if (state.ongoingResponse || state.control !== 'free' || state.pendingCreates.length === 0) return;
  const first = state.pendingCreates[0]!;
  let covered = 1;
  if (!first.manual) while (covered < state.pendingCreates.length && !state.pendingCreates[covered]!.manual) covered++;
  state.pendingCreates.splice(0, covered);
  state.createCounter += 1;
  const body = first.event ?? { type: 'response.create' };
  const eventId = typeof body.event_id === 'string' ? body.event_id : `${RESPONSE_CREATE_ID_PREFIX}${state.createCounter}`;
  const { type: _type, event_id: _id, ...rest } = body;
  state.control = 'create_requested';
  state.inFlightCreateId = eventId;
  markTurnStart(state, now, 'response_create');
  out.send.push({ type: 'response.create', event_id: eventId, ...rest });
}

/** Sends response.cancel if a response runs, matches `responseId`, and was not cancelled yet (§3.4). */
export function cancelResponse(state: CoreState, out: StepResult, responseId?: string): void {
  if (!state.ongoingResponse || state.control === 'cancel_requested') return;
  if (responseId && state.ongoingResponseId && responseId !== state.ongoingResponseId) return;
  state.control = 'cancel_requested';
  out.send.push(responseId ? { type: 'response.cancel', response_id: responseId } : { type: 'response.cancel' });
}

/** Builds the truncate event (seed-behaviour.md §5.5). */
function truncateEvent(itemId: string, contentIndex: number, audioEndMs: number): ClientEvent {
  return { type: 'conversation.item.truncate', item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs };
}

/**
 * Decides the truncate for a played position: floored to whole ms, negatives as 0, clamped to the
 * audio received. Returns null when playback already covered all received audio and `mustSend`
 * is false (nothing unheard to remove). An item never received is truncated unclamped (§3.2.4d).
 */
export function planTruncate(state: CoreState, itemId: string, contentIndex: number, elapsedMs: number, mustSend: boolean): ClientEvent | null {
  const max = receivedMsOf(state.ledger, itemId, contentIndex);
  const played = Math.max(Math.floor(elapsedMs), 0);
  if (max !== null && played >= max && !mustSend) return null;
  return truncateEvent(itemId, contentIndex, max === null ? played : Math.min(played, max));
}

/** How one interrupt runs: which items, at what position, and what else it does. */
interface InterruptPlan {
  /** Only the items of this response (seed's response-scoped interrupt). */
  responseId?: string;
  playbackOnly: boolean;
  /** The server's barge-in position override (§3.3 step 3), used when > 0. */
  overrideMs?: unknown;
  kind: 'barge_in' | 'interrupt';
}

/**
 * Explicit interrupt (seed-behaviour.md §3.2). Throws RealtimeUserError on invalid options.
 * `playback` is the latest reading (null: the wall-clock estimate); `now` is the clock.
 */
export function interrupt(state: CoreState, options: InterruptOptions, playback: PlaybackState | null, now: number): StepResult {
  const { forceResponseCancel = false, responseId, cancelResponseOnly = false, playbackOnly = false } = options;
  if (playbackOnly && (cancelResponseOnly || forceResponseCancel)) {
    throw new RealtimeUserError('invalid_interrupt', 'playbackOnly cannot be combined with explicit cancellation modes');
  }
  const out = emptyStep();
  if (cancelResponseOnly) {
    if (!responseId) throw new RealtimeUserError('invalid_interrupt', 'cancelResponseOnly requires responseId');
    cancelResponse(state, out, responseId);
    return out;
  }
  settle(state, out, playback, now);
  if (responseId) addBounded(state.ledger.interruptedResponses, responseId);
  else if (state.ongoingResponseId) addBounded(state.ledger.interruptedResponses, state.ongoingResponseId);
  stopAudible(state, out, playback, now, { responseId, playbackOnly, kind: 'interrupt' });
  if (!playbackOnly && (forceResponseCancel || !state.serverCancelsOnInterrupt)) cancelResponse(state, out, responseId);
  return out;
}

/**
 * Barge-in on `input_audio_buffer.speech_started` (seed-behaviour.md §3.3): when anything is
 * audible, stop all of it (truncate the item being heard at its heard position, or the server's
 * override), and cancel unless the server cancels by itself.
 */
export function bargeIn(state: CoreState, out: StepResult, playback: PlaybackState | null, now: number, overrideMs: unknown): void {
  settle(state, out, playback, now);
  if (!headItem(state.ledger) && !trackerOnlyItem(state, playback)) return;
  if (state.ongoingResponseId) addBounded(state.ledger.interruptedResponses, state.ongoingResponseId);
  stopAudible(state, out, playback, now, { playbackOnly: false, overrideMs, kind: 'barge_in' });
  if (!state.serverCancelsOnInterrupt) cancelResponse(state, out);
}

/**
 * A tracker's current item the ledger never held (the app played audio the model did not
 * receive): the seed truncates it unclamped (§3.2.4d). A retired item was heard or stopped already.
 */
function trackerOnlyItem(state: CoreState, playback: PlaybackState | null): boolean {
  if (!playback?.currentItemId || playback.elapsedMs === null) return false;
  const key = itemKey(playback.currentItemId, playback.currentItemContentIndex ?? 0);
  return !state.ledger.items.has(key) && !state.ledger.retired.has(key);
}

/**
 * Stops the audible items in scope: the first (the one being heard) is truncated at its heard
 * position; the rest were never heard and are truncated at 0 so the model's context holds only
 * what the listener heard. Their responses are marked interrupted; the player drops them.
 */
function stopAudible(state: CoreState, out: StepResult, playback: PlaybackState | null, now: number, plan: InterruptPlan): void {
  const ledger = state.ledger;
  const head = headItem(ledger);
  const targets = [...ledger.items.values()].filter((i) => isAudible(i) && (!plan.responseId || i.responseId === plan.responseId));
  if (targets.length === 0) {
    if (stopHeardItem(state, out, plan)) return;
    if (!plan.responseId && head === null) stopUnknownItem(state, out, playback, plan);
    return;
  }
  for (const item of targets) {
    const position = item === head ? headPosition(item, plan.overrideMs) : 0;
    stopItem(state, out, item, position, item === head && plan.playbackOnly);
    if (item.responseId && !ledger.endedResponses.has(item.responseId)) addBounded(ledger.interruptedResponses, item.responseId);
  }
  const stop = head !== null && targets.includes(head);
  const dropped = targets.filter((i) => i.receivedMs > 0).map(({ itemId, contentIndex }) => ({ itemId, contentIndex }));
  if (dropped.length > 0) out.play.push({ op: 'drop', items: dropped, stop });
  if (stop) out.silenceFrom = { at: now, kind: plan.kind };
}

/**
 * Nothing is audible, but the last item was heard to its end while a response still runs: the
 * seed truncates it at its full length all the same (§3.2.4d "response running → always
 * truncate, clamped"), so the server's copy ends where the listener stopped. Once per item.
 */
function stopHeardItem(state: CoreState, out: StepResult, plan: InterruptPlan): boolean {
  if (!state.ongoingResponse || plan.playbackOnly) return false;
  let last: LedgerItem | null = null;
  for (const item of state.ledger.items.values()) {
    if (item.receivedMs > 0 && (!plan.responseId || item.responseId === plan.responseId)) last = item;
  }
  if (!last || last.phase !== 'done') return false;
  last.phase = 'playing'; // stopItem acts on audible items only
  stopItem(state, out, last, last.receivedMs, false);
  out.play.push({ op: 'drop', items: [{ itemId: last.itemId, contentIndex: last.contentIndex }], stop: true });
  return true;
}

function headPosition(item: LedgerItem, overrideMs: unknown): number {
  return typeof overrideMs === 'number' && overrideMs > 0 ? overrideMs : item.heardMs;
}

/** Stops one item at `positionMs`: truncate (per the seed's rule), audio_interrupted, final split. */
function stopItem(state: CoreState, out: StepResult, item: LedgerItem, positionMs: number, playbackOnly: boolean): void {
  const mustSend = (state.ongoingResponse && !playbackOnly) || !item.audioDone;
  const truncate = item.receivedMs > 0 ? planTruncate(state, item.itemId, item.contentIndex, positionMs, mustSend) : null;
  item.heardMs = Math.min(Math.max(Math.floor(positionMs), 0), item.receivedMs);
  if (truncate) {
    out.send.push(truncate);
    item.phase = 'truncated';
    item.truncatedAtMs = truncate.audio_end_ms as number;
  } else {
    item.phase = 'interrupted';
  }
  // An item known only from its transcript had no audio to stop: no event for the player.
  if (item.receivedMs > 0) out.emit.push({ type: 'audio_interrupted', itemId: item.itemId, contentIndex: item.contentIndex });
  reportHeard(state, out, item, true);
}

/**
 * The seed's path for a tracker reporting an item the ledger does not hold: truncate it at the
 * tracker's position (clamped when a retired summary knows its length) and reset the tracker.
 */
function stopUnknownItem(state: CoreState, out: StepResult, playback: PlaybackState | null, plan: InterruptPlan): void {
  if (!trackerOnlyItem(state, playback)) return;
  const { currentItemId, currentItemContentIndex, elapsedMs } = playback!;
  const contentIndex = currentItemContentIndex ?? 0;
  const position = headPosition({ heardMs: elapsedMs! } as LedgerItem, plan.overrideMs);
  const truncate = planTruncate(state, currentItemId!, contentIndex, position, state.ongoingResponse && !plan.playbackOnly);
  if (truncate) out.send.push(truncate);
  out.emit.push({ type: 'audio_interrupted', itemId: currentItemId!, contentIndex });
  out.play.push({ op: 'drop', items: [{ itemId: currentItemId!, contentIndex }], stop: true });
}
