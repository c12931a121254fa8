// Interrupt, truncate and cancel, plus response.create sequencing (seed-behaviour.md §3).
// Pure steps over CoreState returning { send, emit }. Rules kept, with the upstream fixes:
// - audio_end_ms is an integer, floored on every path, never above the audio received (#4122);
// - a truncate at 0 ms is sent (#4457); none when playback ended and no response runs (#2374);
// - response.cancel only while a response runs, once per response (§3.4);
// - response.create waits until the running response is done (#2763).
import { RealtimeUserError } from './errors.js';
import type { RealtimeModelEvent } from './model-events.js';
import {
  type ClientEvent,
  type CoreState,
  audioKey,
  markInterrupted,
  receivedAudioMs,
  splitAudioKey,
} from './state.js';
import type { AudioFormatLike, PlaybackState } from './types.js';

/** What a core step asks the glue to do: write `send`, deliver `emit`, reset the tracker. */
export interface StepResult {
  send: ClientEvent[];
  emit: RealtimeModelEvent[];
  /** True when the playback tracker must forget its current item (`onInterrupted`). */
  resetTracker: boolean;
  /** Set when the server's session changed the output audio format (§2.3). */
  audioFormat?: AudioFormatLike;
}

/** An empty step result. */
export function emptyStep(): StepResult {
  return { send: [], emit: [], resetTracker: false };
}

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
export function requestResponse(state: CoreState, out: StepResult, event?: ClientEvent): void {
  state.pendingCreates.push(event ? { manual: true, event } : { manual: false });
  flushResponseCreates(state, out);
}

/**
 * Sends the next response.create when no response runs and none is in flight. Auto requests
 * coalesce into one send up to the next manual one; a manual request covers only itself (§3.5).
 */
export function flushResponseCreates(state: CoreState, out: StepResult): void {
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
 * audio received. Returns null when playback already covered all received audio and no response
 * runs (nothing unheard to remove), or when `force` is false in that case.
 */
export function planTruncate(
  state: CoreState,
  itemId: string,
  contentIndex: number,
  elapsedMs: number,
  mustSend: boolean,
): ClientEvent | null {
  const max = receivedAudioMs(state, itemId, contentIndex);
  const played = Math.max(Math.floor(elapsedMs), 0);
  if (max !== null && played >= max && !mustSend) return null;
  return truncateEvent(itemId, contentIndex, max === null ? played : Math.min(played, max));
}

/** Explicit interrupt (seed-behaviour.md §3.2). Throws RealtimeUserError on invalid options. */
export function interrupt(state: CoreState, options: InterruptOptions, playback: PlaybackState): StepResult {
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
  if (responseId) state.interruptedResponses.add(responseId);
  interruptPlayback(state, out, responseId, playbackOnly, playback);
  if (!playbackOnly && (forceResponseCancel || !state.serverCancelsOnInterrupt)) cancelResponse(state, out, responseId);
  return out;
}

function interruptPlayback(
  state: CoreState,
  out: StepResult,
  responseId: string | undefined,
  playbackOnly: boolean,
  playback: PlaybackState,
): void {
  const { currentItemId, elapsedMs } = playback;
  const contentIndex = playback.currentItemContentIndex ?? 0;
  if (responseId) {
    const sources = state.responseAudio.get(responseId) ?? [];
    if (sources.length === 0) return;
    for (const key of sources) out.emit.push({ type: 'audio_interrupted', ...splitAudioKey(key) });
    const playing = currentItemId !== null && sources.includes(audioKey(currentItemId, contentIndex));
    if (!playing) {
      // The listener is hearing another response: nothing of this one to truncate.
      if (state.lastAudioKey && sources.includes(state.lastAudioKey)) markInterrupted(state);
      return;
    }
  }
  if (currentItemId === null || elapsedMs === null) return;
  if (!responseId) out.emit.push({ type: 'audio_interrupted', itemId: currentItemId, contentIndex });
  const truncate = planTruncate(state, currentItemId, contentIndex, elapsedMs, state.ongoingResponse && !playbackOnly);
  if (truncate) out.send.push(truncate);
  markInterrupted(state);
  out.resetTracker = true;
}

/**
 * Barge-in on `input_audio_buffer.speech_started` (seed-behaviour.md §3.3): interrupt what plays,
 * truncate at the played position, and cancel unless the server cancels by itself. Unlike the
 * seed, the running response is also marked interrupted so its late audio is not played.
 */
export function bargeIn(state: CoreState, out: StepResult, playback: PlaybackState, overrideMs: unknown): void {
  const lastKey = state.lastAudioKey;
  if (!lastKey) return;
  out.emit.push({ type: 'audio_interrupted', ...splitAudioKey(lastKey) });
  const effective = typeof overrideMs === 'number' && overrideMs > 0 ? overrideMs : playback.elapsedMs;
  if (playback.currentItemId && effective !== null) {
    const truncate = planTruncate(state, playback.currentItemId, playback.currentItemContentIndex ?? 0, effective, state.ongoingResponse);
    if (truncate) out.send.push(truncate);
  }
  if (state.ongoingResponseId) state.interruptedResponses.add(state.ongoingResponseId);
  markInterrupted(state);
  out.resetTracker = true;
  if (!state.serverCancelsOnInterrupt) cancelResponse(state, out);
}
