// The sans-I/O protocol state of one connection (STYLE.md "core/ is sans-I/O").
// Holds per-item received-audio lengths, the response sequencer and the interrupted-response set.
// Invariants: per-item audio state is released when a newer response ends (bounded memory);
// at most one response.cancel per response; at most one response.create in flight.
import type { AudioFormatLike, PlaybackState } from './types.js';

/** A client event as written to the wire (key order is the order of construction). */
export type ClientEvent = { type: string } & Record<string, unknown>;

/** Received audio of one (item, content index): length in ms and first-arrival time. */
export interface ItemAudio {
  lengthMs: number;
  firstReceivedAt: number;
  responseId: string | null;
}

/** A queued response.create request (seed-behaviour.md §3.5). */
export interface PendingCreate {
  manual: boolean;
  event?: ClientEvent;
}

/** Everything the core remembers about one connection. */
export interface CoreState {
  model: string;
  callId: string | null;
  audioFormat: AudioFormatLike;
  /** `audio.input.turn_detection.interrupt_response` of the server-echoed session (§3.2.5). */
  serverCancelsOnInterrupt: boolean;
  /** Item id of the last received audio delta (the seed's `_current_item_id`). */
  currentItemId: string | null;
  audio: Map<string, ItemAudio>;
  /** Key of the last received, not yet interrupted, audio item. */
  lastAudioKey: string | null;
  /** Audio item keys per response, in arrival order. */
  responseAudio: Map<string, string[]>;
  /** Responses whose items are kept for clamping after they ended (the latest one only). */
  retainedResponse: string | null;
  interruptedResponses: Set<string>;
  ongoingResponse: boolean;
  ongoingResponseId: string | null;
  control: 'free' | 'create_requested' | 'cancel_requested';
  pendingCreates: PendingCreate[];
  inFlightCreateId: string | null;
  createCounter: number;
  /** The tracing session.update to send when session.created arrives (§1.3), or null. */
  tracingUpdate: ClientEvent | null;
}

/** A fresh state for a connection to `model` (or to an existing call when `callId` is set). */
export function createCoreState(model: string, callId: string | null = null): CoreState {
  return {
    model,
    callId,
    audioFormat: null,
    serverCancelsOnInterrupt: false,
    currentItemId: null,
    audio: new Map(),
    lastAudioKey: null,
    responseAudio: new Map(),
    retainedResponse: null,
    interruptedResponses: new Set(),
    ongoingResponse: false,
    ongoingResponseId: null,
    control: 'free',
    pendingCreates: [],
    inFlightCreateId: null,
    createCounter: 0,
    tracingUpdate: null,
  };
}

/** Key of an (item, content index) pair. */
export function audioKey(itemId: string, contentIndex: number): string {
  return `${contentIndex}:${itemId}`;
}

/** Splits a key made by `audioKey`. */
export function splitAudioKey(key: string): { itemId: string; contentIndex: number } {
  const colon = key.indexOf(':');
  return { itemId: key.slice(colon + 1), contentIndex: Number(key.slice(0, colon)) };
}

/** Records `ms` of received audio for an item (seed-behaviour.md §2.4 `on_audio_delta`). */
export function recordAudio(
  state: CoreState,
  itemId: string,
  contentIndex: number,
  ms: number,
  responseId: string | null,
  now: number,
): void {
  const key = audioKey(itemId, contentIndex);
  state.lastAudioKey = key;
  const existing = state.audio.get(key);
  if (existing) {
    existing.lengthMs += ms;
    if (responseId) existing.responseId = responseId;
  } else {
    state.audio.set(key, { lengthMs: ms, firstReceivedAt: now, responseId });
  }
  if (responseId) {
    const keys = state.responseAudio.get(responseId);
    if (!keys) state.responseAudio.set(responseId, [key]);
    else if (!keys.includes(key)) keys.push(key);
  }
}

/**
 * Releases the audio state of responses older than `responseId` once it ends. The items of the
 * response that just ended are kept: its audio usually still plays and an interrupt must clamp
 * against it. This bounds memory to about two responses however long the session runs.
 */
export function releaseResponseAudio(state: CoreState, responseId: string): void {
  const previous = state.retainedResponse;
  if (previous && previous !== responseId) forgetResponse(state, previous);
  state.retainedResponse = responseId;
  // Audio that arrived without a response id cannot be attributed; keep only the last one.
  for (const [key, item] of state.audio) {
    if (item.responseId === null && key !== state.lastAudioKey) state.audio.delete(key);
  }
}

function forgetResponse(state: CoreState, responseId: string): void {
  for (const key of state.responseAudio.get(responseId) ?? []) {
    const item = state.audio.get(key);
    if (item && item.responseId === responseId) state.audio.delete(key);
    if (state.lastAudioKey === key) state.lastAudioKey = null;
  }
  state.responseAudio.delete(responseId);
}

/**
 * Largest whole ms of audio received for an item, or null when none was received.
 * Floor, not ceil: the server refuses `audio_end_ms` past what it sent (PROTOCOL.md §5).
 */
export function receivedAudioMs(state: CoreState, itemId: string, contentIndex: number): number | null {
  const item = state.audio.get(audioKey(itemId, contentIndex));
  return item ? Math.floor(item.lengthMs) : null;
}

/**
 * The default playback estimate (seed-behaviour.md §2.5): the last received item is assumed to
 * have played in real time since its first delta arrived. Only used without a real tracker.
 */
export function estimatePlayback(state: CoreState, now: number): PlaybackState {
  const key = state.lastAudioKey;
  const item = key ? state.audio.get(key) : undefined;
  if (!key || !item) return { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };
  const { itemId, contentIndex } = splitAudioKey(key);
  return { currentItemId: itemId, currentItemContentIndex: contentIndex, elapsedMs: now - item.firstReceivedAt };
}

/** Forgets the last item after an interrupt (§2.4 `on_interrupted`). */
export function markInterrupted(state: CoreState): void {
  state.lastAudioKey = null;
}

/** Counts the entries held per connection, for the bounded-memory test. */
export function stateSize(state: CoreState): number {
  let keys = 0;
  for (const list of state.responseAudio.values()) keys += list.length;
  return state.audio.size + state.responseAudio.size + keys + state.interruptedResponses.size + state.pendingCreates.length;
}
