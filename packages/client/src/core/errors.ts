// Error types and codes for the whole library, in one place (STYLE.md "Errors").
// Caller misuse throws a RealtimeUserError at once; nothing received from the network throws:
// it becomes an `error` or `exception` event carrying a RealtimeProtocolError code and the raw frame.

/** Stable codes for mistakes made by the calling code (thrown synchronously or as a rejection). */
export type UserErrorCode =
  | 'already_connected'
  | 'not_connected'
  | 'closed'
  | 'missing_api_key'
  | 'call_id_with_model_name'
  | 'missing_call_id'
  | 'duplicate_tool_name'
  | 'invalid_tool'
  | 'unsupported_tool_choice'
  | 'invalid_interrupt'
  | 'invalid_event'
  | 'invalid_client_event'
  | 'browser_api_key'
  | 'browser_headers'
  | 'invalid_argument'
  | 'send_queue_full';

/** Stable codes for problems coming from the remote side (never thrown). */
export type ProtocolErrorCode =
  | 'invalid_json'
  | 'not_an_object'
  | 'binary_frame'
  | 'unknown_event_type'
  | 'invalid_event_shape'
  | 'connection_closed'
  | 'connection_error'
  | 'connect_timeout'
  | 'invalid_audio'
  | 'listener_error'
  | 'send_failed';

/** A mistake by the caller: thrown at once, with a stable `code`. */
export class RealtimeUserError extends Error {
  override readonly name = 'RealtimeUserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A problem with what the remote side sent or did; carried by events, never thrown. */
export class RealtimeProtocolError extends Error {
  override readonly name = 'RealtimeProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** The frame (or value) that caused it, when there is one. */
    readonly raw?: unknown,
  ) {
    super(message);
  }
}
