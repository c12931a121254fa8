// Events the model emits to its listeners: the seed's names (seed-behaviour.md §4) with camelCase
// fields. Audio arrives as Uint8Array. Each event is a plain object with a `type` discriminator.

/** A conversation item as the model reports it (`item_updated`). */
export interface RealtimeItem {
  itemId: string;
  previousItemId?: string | null;
  type: 'message' | 'function_call';
  role?: 'user' | 'assistant' | 'system';
  status: 'in_progress' | 'completed' | 'incomplete';
  content?: Array<Record<string, unknown>>;
  callId?: string;
  name?: string;
  arguments?: string;
  output?: string | null;
}

/** Token usage of one response (seed-behaviour.md §5.7). */
export interface RealtimeUsage {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  inputTokensDetails: Record<string, unknown> | null;
  outputTokensDetails: Record<string, unknown> | null;
}

/** The payload of an `error` event: a server `error` frame, or a frame the client refused. */
export interface RealtimeErrorInfo {
  /** `server` for the server's `error` events, `client` for frames the parser refused. */
  source: 'server' | 'client';
  type: string;
  code: string | null;
  message: string;
  param: string | null;
  eventId: string | null;
  /** The offending frame, for client-side refusals. */
  raw?: unknown;
}

/**
 * Which words of an assistant audio item the listener heard (an estimate, README "The heard
 * transcript"): `heard` + `unheard` is the transcript received so far. Emitted when the split
 * moves, and once with `final: true` when the item was stopped or fully heard.
 */
export interface HeardTranscript {
  itemId: string;
  contentIndex: number;
  responseId: string | null;
  heard: string;
  unheard: string;
  heardMs: number;
  receivedMs: number;
  final: boolean;
}

/**
 * Latency as the listener lived it. `first_audio_heard`: from the end of the user's turn
 * (`trigger`: `speech_stopped` arrival, or the `response.create` sent for typed input) to the first
 * frame of the reply reaching the listener; `firstDeltaMs` is the same start to the first audio
 * delta's arrival (what other SDKs report). `barge_in`: from `speech_started` to output silenced;
 * `interrupt`: from an explicit interrupt to output silenced. `clock`: `audio` when a player or
 * tracker reported playback, `estimate` for the wall-clock estimate.
 */
export interface LatencyInfo {
  kind: 'first_audio_heard' | 'barge_in' | 'interrupt';
  responseId: string | null;
  trigger: 'speech_stopped' | 'response_create' | null;
  ms: number;
  firstDeltaMs: number | null;
  clock: 'audio' | 'estimate';
}

/** Why the connection ended: who ended it, the close code and reason, and the error if any. */
export interface DisconnectInfo {
  /** `client`: close() was called; `server`: a close frame came; `network`: the socket dropped or went silent. */
  by: 'client' | 'server' | 'network';
  code: number;
  reason: string;
}

/** The send queue's state (model.getSendQueue()). */
export interface SendQueueStats {
  /** Above the high-water mark: audio waits in the bounded queue. */
  backpressured: boolean;
  /** Bytes the socket has not yet written. */
  bufferedAmount: number;
  queuedFrames: number;
  queuedAudioMs: number;
  /** Audio dropped (oldest first) because the queue held more than its limit, or while reconnecting. */
  droppedAudioFrames: number;
  droppedAudioMs: number;
}

/** What a reconnect restored. */
export interface RestoreReport {
  attempt: number;
  /** The effective session (initial settings plus every update) was replayed. */
  session: boolean;
  /** Conversation items replayed, by kind. */
  restoredItems: number;
  /** Items that could not be replayed (older than the history kept, or a user audio turn without transcript). */
  lostItems: number;
  /** The reply that was in flight when the connection dropped (its unheard rest is lost). */
  lostResponseId: string | null;
  /** Sends queued while reconnecting and sent now; audio dropped meanwhile. */
  replayedSends: number;
  droppedAudioFrames: number;
}

/** Every event a model emits, discriminated by `type`. */
export type RealtimeModelEvent =
  /** Audio to play: `data` owns its bytes (own ArrayBuffer, byteOffset 0) in every runtime. */
  | { type: 'audio'; data: Uint8Array; responseId: string; itemId: string; contentIndex: number }
  | { type: 'audio_interrupted'; itemId: string; contentIndex: number }
  | { type: 'audio_done'; itemId: string; contentIndex: number }
  | { type: 'transcript_delta'; itemId: string; delta: string; responseId: string }
  | { type: 'output_text_delta'; itemId: string; delta: string; responseId: string }
  | { type: 'item_updated'; item: RealtimeItem }
  | { type: 'item_deleted'; itemId: string }
  | { type: 'function_call'; callId: string; name: string; arguments: string; id: string }
  | { type: 'input_audio_transcription_completed'; itemId: string; transcript: string }
  | { type: 'input_audio_timeout_triggered'; itemId: string; audioStartMs: number; audioEndMs: number }
  | { type: 'turn_started'; responseId: string | null }
  /** A response ended; `reason` is set when it ended because the connection did (no response.done). */
  | { type: 'turn_ended'; responseId: string | null; reason?: 'closed' | 'connection_lost' | 'session_renewal' }
  | { type: 'usage'; usage: RealtimeUsage }
  | { type: 'connection_status'; status: 'connecting' | 'connected' | 'disconnected' | 'reconnecting'; reason?: DisconnectInfo; attempt?: number }
  /** Send backpressure started (`active`) or ended; the counters of the send queue. */
  | ({ type: 'backpressure'; active: boolean } & SendQueueStats)
  /** After a reconnect: what of the conversation was restored on the new session, and what was lost. */
  | ({ type: 'conversation_restored' } & RestoreReport)
  /** The session expires soon (`session.created` `expires_at`); with reconnect on it is renewed. */
  | { type: 'session_expiring'; expiresAt: number; inMs: number }
  | { type: 'error'; error: RealtimeErrorInfo }
  | { type: 'exception'; exception: Error; context: string }
  | { type: 'raw_server_event'; data: unknown }
  | ({ type: 'heard_transcript' } & HeardTranscript)
  | ({ type: 'latency' } & LatencyInfo)
  | { type: 'other'; data: unknown };

/** The `type` strings of model events. */
export type RealtimeModelEventType = RealtimeModelEvent['type'];

/** The model event of one type. */
export type RealtimeModelEventOf<T extends RealtimeModelEventType> = Extract<RealtimeModelEvent, { type: T }>;
