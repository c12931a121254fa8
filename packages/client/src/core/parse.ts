// Turns one WebSocket text frame into a typed GA server event, or a failure with a stable code.
// Never throws (STYLE.md "Errors"): every problem is a `{ ok: false, code }` result carrying the raw
// value. Schemas are picked by lookup on `type`; the streaming deltas take a hand-written check
// and every valid event is returned as the decoded object itself (nothing copied); the full checks of
// ./validate.ts run a second, issue-collecting pass only to explain a failure. A large audio delta's
// base64 is sliced out, not JSON-decoded (`spliceDelta`); the object is the same as JSON.parse's.
import { isWholeBase64 } from '../audio/pcm.js';
import { SERVER_EVENT_SCHEMAS, type ServerEvent, type ServerEventType } from './events.js';
import { explain, kindOf } from './validate.js';

/** Why a frame was not turned into an event; a subset of `ProtocolErrorCode` in `errors.ts`. */
export type ParseFailureCode =
  | 'invalid_json'
  | 'not_an_object'
  | 'binary_frame'
  | 'unknown_event_type'
  | 'invalid_event_shape';

/** One problem in an event: a dotted path (`response.usage.total_tokens`) and what was wrong. */
export interface ParseIssue {
  path: string;
  message: string;
}

/** The outcome of parsing: the event and its decoded object, or a coded failure with the raw value. */
export type ParseResult =
  | { ok: true; event: ServerEvent; raw: Record<string, unknown> }
  | {
      ok: false;
      code: ParseFailureCode;
      message: string;
      raw: unknown;
      type?: string;
      issues?: ParseIssue[];
    };

/** All 46 GA server event types, in the order of `SERVER_EVENT_SCHEMAS`. */
export const SERVER_EVENT_TYPES = Object.keys(SERVER_EVENT_SCHEMAS) as readonly ServerEventType[];

type Raw = Record<string, unknown>;

const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = Number.isSafeInteger as (v: unknown) => boolean;
const isOptStr = (v: unknown) => v == null || typeof v === 'string';

/** The required fields of the three output deltas (PROTOCOL.md §2), checked inline. */
const isContentDelta = (o: Raw): boolean =>
  isStr(o.event_id) &&
  isStr(o.response_id) &&
  isStr(o.item_id) &&
  isInt(o.output_index) &&
  isInt(o.content_index) &&
  isStr(o.delta);

/** Fast checks for the high-rate events; each must accept exactly what the event's check accepts. */
const FAST_CHECKS: Partial<Record<ServerEventType, (o: Raw) => boolean>> = {
  'response.output_audio.delta': isContentDelta,
  'response.output_audio_transcript.delta': isContentDelta,
  'response.output_text.delta': isContentDelta,
  'conversation.item.input_audio_transcription.delta': (o) =>
    isStr(o.event_id) &&
    isStr(o.item_id) &&
    (o.content_index == null || isInt(o.content_index)) &&
    isOptStr(o.delta) &&
    (o.logprobs == null || Array.isArray(o.logprobs)),
};

const fail = (
  code: ParseFailureCode,
  message: string,
  raw: unknown,
  extra?: { type?: string; issues?: ParseIssue[] },
): ParseResult => ({ ok: false, code, message, raw, ...extra });

/**
 * Validates an already-decoded value as a GA server event. Never throws.
 * On success `event` is `raw` itself, validated in place.
 */
export function parseServerEventObject(obj: unknown): ParseResult {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return fail('not_an_object', `server event must be a JSON object, got ${kindOf(obj)}`, obj);
  }
  const raw = obj as Raw;
  const type = raw.type;
  if (typeof type !== 'string') {
    return fail('unknown_event_type', `server event has no string "type" (got ${kindOf(type)})`, raw);
  }
  // hasOwn: a `type` such as "constructor" or "__proto__" must not reach the prototype.
  if (!Object.hasOwn(SERVER_EVENT_SCHEMAS, type)) {
    return fail('unknown_event_type', `unknown server event type "${type.slice(0, 100)}"`, raw, { type });
  }
  const known = type as ServerEventType;
  const fast = FAST_CHECKS[known];
  if (fast?.(raw)) return { ok: true, event: raw as ServerEvent, raw };
  try {
    const check = SERVER_EVENT_SCHEMAS[known];
    if (check(raw, null)) return { ok: true, event: raw as ServerEvent, raw };
    const issues = explain(check, raw);
    const summary = issues
      .slice(0, 3)
      .map((x) => `${x.path || '(root)'}: ${x.message}`)
      .join('; ');
    return fail('invalid_event_shape', `invalid "${type}" event: ${summary}`, raw, { type, issues });
  } catch (error) {
    // The checks do not throw on JSON values; a hostile object (throwing getter, deep nesting) still must not escape.
    return fail('invalid_event_shape', `invalid "${type}" event: ${String(error)}`, raw, { type });
  }
}

/**
 * The head of an audio delta as the GA server writes it, up to the delta's opening quote. Each
 * string holds only characters JSON.parse takes literally (no quote, backslash or control
 * character) and each index is a plain integer of at most 15 digits, so the captures are exactly
 * the values JSON.parse would give. Any other layout takes JSON.parse.
 */
const AUDIO_DELTA_HEAD =
  /^\{"type":"response\.output_audio\.delta","event_id":"([^"\\\x00-\x1f]*)","response_id":"([^"\\\x00-\x1f]*)","item_id":"([^"\\\x00-\x1f]*)","output_index":(0|[1-9]\d{0,14}),"content_index":(0|[1-9]\d{0,14}),"delta":"$/;

/** Ids already copied out of frames, each keyed by itself, in two generations (bounded). */
let ownIds = new Map<string, string>();
let olderIds = new Map<string, string>();
const OWN_IDS_GENERATION = 1024;

/**
 * An id cut out of a frame is a slice that keeps the whole frame (6.6 KB for 100 ms of audio)
 * alive for as long as the id is kept, and the ledger keeps item and response ids long after
 * their deltas. The id is swapped for its own copy, made once per id: an id in use is found
 * again in the current generation, or brought back from the older one, so at most twice 1,024
 * ids are held (the event id and the delta live only as long as the event, so they stay slices).
 */
function ownId(slice: string): string {
  let id = ownIds.get(slice);
  if (id !== undefined) return id;
  id = olderIds.get(slice) ?? slice.split('').join('');
  if (ownIds.size >= OWN_IDS_GENERATION) {
    olderIds = ownIds;
    ownIds = new Map();
  }
  ownIds.set(id, id);
  return id;
}

/**
 * `JSON.parse(frame)` for a large delta written as the GA server writes audio deltas, without
 * JSON-decoding its base64. The frame must end in `,"delta":"<base64>"}` with nothing but whole
 * base64 between the quotes (`isWholeBase64`), so the payload is its own string value and
 * splicing an empty string in its place leaves valid JSON exactly when the frame was valid. The
 * quotes around the key are unescaped (after `,` and a letter), so it is a key, of the top-level
 * value, an object since the last `}` closes it; JSON.parse gives any earlier duplicate the same
 * position and last-wins value. Returns undefined when the frame must be decoded whole.
 */
function spliceDelta(frame: string): Raw | undefined {
  const end = frame.length - 2;
  // Below 1 KB the frame is decoded whole: slicing saves nothing on a small delta.
  if (end < 1024 || frame.charCodeAt(end + 1) !== 125) return undefined;
  if (frame.charCodeAt(end) !== 34) return undefined;
  const key = frame.indexOf(',"delta":"');
  const start = key + 10; // just past the key's 10 characters
  if (key < 0 || start > end) return undefined;
  // No scan for a closing quote: a quote (or any escape) inside would not be whole base64.
  const delta = frame.slice(start, end);
  if (!isWholeBase64(delta)) return undefined;
  const head = frame.slice(0, start);
  const known = AUDIO_DELTA_HEAD.exec(head);
  if (known) {
    // The GA server's own layout: the same object JSON.parse builds, keys in the same order.
    return { type: 'response.output_audio.delta', event_id: known[1], response_id: ownId(known[2]!), item_id: ownId(known[3]!), output_index: +known[4]!, content_index: +known[5]!, delta };
  }
  let rest: unknown;
  try {
    rest = JSON.parse(`${head}"}`);
  } catch {
    return undefined; // the whole frame fails the same way, with the real position in the message
  }
  const obj = rest as Raw;
  if (obj.delta !== '') return undefined;
  obj.delta = delta;
  return obj;
}

/**
 * Parses one WebSocket frame (its text) into a GA server event. Never throws.
 * Any non-string frame is `binary_frame`: the protocol has none (PROTOCOL.md §4).
 */
export function parseServerEvent(frame: unknown): ParseResult {
  if (typeof frame !== 'string') {
    let kind = kindOf(frame);
    try {
      kind = Object.prototype.toString.call(frame).slice(8, -1);
    } catch {
      // A revoked Proxy cannot be described; the generic kind will do.
    }
    return fail('binary_frame', `expected a text frame, got ${kind}`, frame);
  }
  let value: unknown = spliceDelta(frame);
  if (value !== undefined) return parseServerEventObject(value);
  try {
    value = JSON.parse(frame);
  } catch (error) {
    return fail('invalid_json', `frame is not valid JSON: ${(error as Error).message}`, frame);
  }
  return parseServerEventObject(value);
}
