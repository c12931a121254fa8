// The sans-I/O protocol state of one connection (STYLE.md "core/ is sans-I/O"): the audio
// ledger (ledger.ts, the one owner of what was received, heard, queued and interrupted) and the
// response sequencer. Invariants: at most one response.cancel per response; at most one
// response.create in flight; everything held is bounded however long the session runs.
import type { History } from './history.js';
import { type Ledger, createLedger, ledgerSize } from './ledger.js';
import type { AudioFormatLike, PlayerCommand } from './types.js';
import type { RealtimeModelEvent } from './model-events.js';

/** A client event as written to the wire (key order is the order of construction). */
export type ClientEvent = { type: string } & Record<string, unknown>;

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
  ledger: Ledger;
  ongoingResponse: boolean;
  ongoingResponseId: string | null;
  control: 'free' | 'create_requested' | 'cancel_requested';
  pendingCreates: PendingCreate[];
  inFlightCreateId: string | null;
  createCounter: number;
  /** The tracing session.update to send when session.created arrives (§1.3), or null. */
  tracingUpdate: ClientEvent | null;
  /** The conversation for replay after a reconnect (the model's; it outlives one connection), or null. */
  history: History | null;
  /**
   * Someone follows the heard transcript (its provisional splits are made and emitted); false
   * when nobody listens, and then only the final split of each item is made.
   */
  followHeard: boolean;
}

/** What a core step returns: events to write, events to emit, commands for the audio output. */
export interface StepResult {
  send: ClientEvent[];
  emit: RealtimeModelEvent[];
  play: PlayerCommand[];
  /** Set when the step stopped audible output: report when it went silent (`noteSilenced`). */
  silenceFrom?: { at: number; kind: 'barge_in' | 'interrupt' };
}

/** An empty step result. */
export function emptyStep(): StepResult {
  return { send: [], emit: [], play: [] };
}

/** A fresh state for a connection to `model` (or to an existing call when `callId` is set). */
export function createCoreState(model: string, callId: string | null = null): CoreState {
  return {
    model,
    callId,
    audioFormat: null,
    serverCancelsOnInterrupt: false,
    currentItemId: null,
    ledger: createLedger(),
    ongoingResponse: false,
    ongoingResponseId: null,
    control: 'free',
    pendingCreates: [],
    inFlightCreateId: null,
    createCounter: 0,
    tracingUpdate: null,
    history: null,
    followHeard: true,
  };
}

/** Counts the entries held per connection, for the bounded-memory tests. */
export function stateSize(state: CoreState): number {
  return ledgerSize(state.ledger) + state.pendingCreates.length;
}
