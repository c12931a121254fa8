// What the app is told about a frame the parser refused (seed-behaviour.md §4 step 3): a frame
// that is JSON but not a valid server event yields raw_server_event then an `error`; anything
// else (invalid JSON, a binary frame, not an object) an `exception`.
import { RealtimeProtocolError } from './core/errors.js';
import type { RealtimeModelEvent } from './core/model-events.js';
import type { ParseResult } from './core/parse.js';

/** The events for a refused frame. */
export function refusedFrameEvents(parsed: Extract<ParseResult, { ok: false }>): RealtimeModelEvent[] {
  if (parsed.code === 'unknown_event_type' || parsed.code === 'invalid_event_shape') {
    const eventId = (parsed.raw as { event_id?: unknown })?.event_id;
    return [
      { type: 'raw_server_event', data: parsed.raw },
      {
        type: 'error',
        error: { source: 'client', type: 'invalid_server_event', code: parsed.code, message: parsed.message, param: null, eventId: typeof eventId === 'string' ? eventId : null, raw: parsed.raw },
      },
    ];
  }
  return [{ type: 'exception', exception: new RealtimeProtocolError(parsed.code, parsed.message, parsed.raw), context: 'Failed to parse WebSocket message' }];
}
