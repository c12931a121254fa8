// What the caller sends (`sendEvent`'s union) turned into GA client events (seed-behaviour.md §5).
// Pure: validates the caller's input (throwing RealtimeUserError on misuse) and returns a step.
// Raw messages are checked against a compact table of the 11 GA client events: the full JSON
// Schema is too large to ship to browsers; the test suite validates every sent event with it.
import { bytesToBase64 } from '../audio/pcm.js';
import { RealtimeUserError } from './errors.js';
import { noteFunctionOutput, noteUserMessage } from './history.js';
import { type InterruptOptions, interrupt, requestResponse } from './interrupt.js';
import { type RealtimeModelSettings, buildSessionUpdate } from './session-config.js';
import { type ClientEvent, type CoreState, type StepResult, emptyStep } from './state.js';
import type { PlaybackState } from './types.js';

/** A content part of a user message. */
export type UserContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url: string; detail?: 'auto' | 'low' | 'high' };

/** User input: plain text, or a message with text and image parts. */
export type UserInput = string | { type?: 'message'; role?: 'user'; content: UserContentPart[] };

/** A function call the model asked for, as given back with its output. */
export interface ToolCallRef {
  callId: string;
  id?: string;
  name?: string;
  arguments?: string;
  previousItemId?: string | null;
}

/** Everything `sendEvent` accepts. */
export type RealtimeSendEvent =
  | { type: 'user_input'; userInput: UserInput }
  | { type: 'audio'; audio: Uint8Array | ArrayBuffer; commit?: boolean }
  | { type: 'tool_output'; toolCall: ToolCallRef; output: string; startResponse: boolean }
  | ({ type: 'interrupt' } & InterruptOptions)
  | { type: 'session_update'; sessionSettings: RealtimeModelSettings }
  | { type: 'raw_message'; message: { type: string; otherData?: Record<string, unknown> } };

/** User input → `conversation.item.create` content (§5.1): malformed parts are dropped. */
function userContent(input: UserInput): Array<Record<string, unknown>> {
  if (typeof input === 'string') return [{ type: 'input_text', text: input }];
  if (!input || !Array.isArray(input.content)) throw new RealtimeUserError('invalid_event', 'userInput must be a string or a message with a content array');
  const parts: Array<Record<string, unknown>> = [];
  for (const part of input.content as unknown[]) {
    if (!part || typeof part !== 'object') continue;
    const p = part as Record<string, unknown>;
    if (p.type === 'input_text' && typeof p.text === 'string') parts.push({ type: 'input_text', text: p.text });
    else if (p.type === 'input_image' && typeof p.image_url === 'string' && p.image_url) {
      const image: Record<string, unknown> = { type: 'input_image', image_url: p.image_url };
      if (p.detail === 'auto' || p.detail === 'low' || p.detail === 'high') image.detail = p.detail;
      parts.push(image);
    }
  }
  return parts;
}

type FieldKind = 'string' | 'integer' | 'object';
/** Required fields of each GA client event (PROTOCOL.md §2, client table). */
const CLIENT_EVENTS: Record<string, Record<string, FieldKind>> = {
  'conversation.item.create': { item: 'object' },
  'conversation.item.delete': { item_id: 'string' },
  'conversation.item.retrieve': { item_id: 'string' },
  'conversation.item.truncate': { item_id: 'string', content_index: 'integer', audio_end_ms: 'integer' },
  'input_audio_buffer.append': { audio: 'string' },
  'input_audio_buffer.clear': {},
  'input_audio_buffer.commit': {},
  'output_audio_buffer.clear': {},
  'response.cancel': {},
  'response.create': {},
  'session.update': { session: 'object' },
};

const KIND_CHECK: Record<FieldKind, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  object: (v) => !!v && typeof v === 'object' && !Array.isArray(v),
};

/** Checks a raw client event's type and required fields; throws `invalid_client_event`. */
export function checkClientEvent(event: Record<string, unknown>): void {
  const fields = CLIENT_EVENTS[event.type as string];
  if (!fields) throw new RealtimeUserError('invalid_client_event', `Unknown GA client event type: ${String(event.type)}`);
  for (const [name, kind] of Object.entries(fields)) {
    if (!KIND_CHECK[kind](event[name])) {
      throw new RealtimeUserError('invalid_client_event', `${String(event.type)}: field "${name}" must be ${kind === 'integer' ? 'an integer' : `a ${kind}`}`);
    }
  }
  if (event.event_id !== undefined && (typeof event.event_id !== 'string' || event.event_id.length > 512)) {
    throw new RealtimeUserError('invalid_client_event', `${String(event.type)}: event_id must be a string of at most 512 characters`);
  }
  if (event.type === 'session.update') {
    const type = (event.session as Record<string, unknown>).type;
    if (type !== 'realtime' && type !== 'transcription') {
      throw new RealtimeUserError('invalid_client_event', 'session.update: session.type must be "realtime" or "transcription"');
    }
  }
}

/**
 * On each `input_audio_buffer.append` that `planSend` makes, a copy of its base64 under a symbol
 * (invisible to JSON.stringify and Object.keys): it needs no JSON escaping, so
 * `serializeClientEvent` concatenates the frame while the event still holds exactly that audio
 * and no other field (anyone may have changed it since).
 */
const ENCODED = Symbol('encoded');

/**
 * The text frame for a client event. The one place client events are serialized, so the send
 * path can be optimized here without touching the glue. Microphone chunks skip JSON.stringify,
 * which would scan and copy the whole base64 payload; the frame is the same text. `parts` are
 * the event's `asciiFrameParts`, passed in by a caller that already has them.
 */
export function serializeClientEvent(event: ClientEvent, parts = asciiFrameParts(event)): string {
  return parts === undefined ? JSON.stringify(event) : parts[0] + parts[1] + parts[2];
}

const APPEND_HEAD = '{"type":"input_audio_buffer.append","audio":"';
const APPEND_TAIL = '"}';

/**
 * A microphone append's frame as three ASCII pieces (JSON punctuation, the base64, a closing
 * quote and brace), whose concatenation is `serializeClientEvent`'s frame; undefined for any
 * other event. A socket that takes pieces writes them straight into the frame.
 */
export function asciiFrameParts(event: ClientEvent): readonly [string, string, string] | undefined {
  const audio = event.audio;
  const encoded = (event as { [ENCODED]?: string })[ENCODED];
  if (encoded !== undefined && encoded === audio && event.type === 'input_audio_buffer.append' && Object.keys(event).length === 2) {
    return [APPEND_HEAD, encoded, APPEND_TAIL];
  }
  return undefined;
}

/** Turns one `sendEvent` input into the client events to write (and model events to emit). */
export function planSend(state: CoreState, event: RealtimeSendEvent, playback: PlaybackState | null, now: number): StepResult {
  const out = emptyStep();
  switch (event?.type) {
    case 'user_input':
      const content = userContent(event.userInput);
      out.send.push({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content } });
      if (state.history) noteUserMessage(state.history, content);
      requestResponse(state, out, now);
      return out;
    case 'audio': {
      const bytes = event.audio instanceof Uint8Array ? event.audio : new Uint8Array(event.audio);
      const audio = bytesToBase64(bytes);
      out.send.push({ type: 'input_audio_buffer.append', audio, [ENCODED]: audio });
      if (event.commit) out.send.push({ type: 'input_audio_buffer.commit' });
      return out;
    }
    case 'tool_output': {
      const call = event.toolCall;
      if (!call || typeof call.callId !== 'string') throw new RealtimeUserError('invalid_event', 'tool_output requires toolCall.callId');
      out.send.push({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.callId, output: event.output } });
      if (state.history) noteFunctionOutput(state.history, call.callId, event.output);
      out.emit.push({
        type: 'item_updated',
        item: {
          itemId: call.id ?? '', previousItemId: call.previousItemId ?? null, type: 'function_call', status: 'completed',
          callId: call.callId, name: call.name ?? '', arguments: call.arguments ?? '', output: event.output,
        },
      });
      if (event.startResponse) requestResponse(state, out, now);
      return out;
    }
    case 'interrupt':
      return interrupt(state, event, playback, now);
    case 'session_update':
      out.send.push(buildSessionUpdate(event.sessionSettings ?? {}, { model: state.model, callId: state.callId }) as ClientEvent);
      return out;
    case 'raw_message': {
      const message = event.message;
      if (!message || typeof message.type !== 'string') throw new RealtimeUserError('invalid_client_event', 'raw_message requires message.type');
      const raw: ClientEvent = { type: message.type, ...(message.otherData ?? {}) };
      raw.type = message.type;
      checkClientEvent(raw);
      if (raw.type === 'response.create') requestResponse(state, out, now, raw);
      else out.send.push(raw);
      return out;
    }
    default:
      throw new RealtimeUserError('invalid_event', `Unknown event type for sendEvent: ${String((event as { type?: unknown })?.type)}`);
  }
}
