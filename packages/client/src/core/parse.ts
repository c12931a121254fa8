// Turns one WebSocket text frame into a typed GA server event, or a failure with a stable code.
// Never throws (STYLE.md "Errors"): every problem is a `{ ok: false, code }` result carrying the raw
// value. Schemas are picked by lookup on `type`; the streaming deltas take a hand-written check
// and are returned as the decoded object itself, with zod consulted only to explain a failure.
import type * as z from 'zod/mini';
import { SERVER_EVENT_SCHEMAS, type ServerEvent, type ServerEventType } from './events.js';

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

/** The required fields of the three output deltas (PROTOCOL.md §2), checked without zod. */
const isContentDelta = (o: Raw): boolean =>
  isStr(o.event_id) &&
  isStr(o.response_id) &&
  isStr(o.item_id) &&
  isInt(o.output_index) &&
  isInt(o.content_index) &&
  isStr(o.delta);

/** Fast checks for the high-rate events; each must accept exactly what the zod schema accepts. */
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

/** Describes a JSON value's kind for issue messages. */
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

type ZodIssue = z.core.$ZodIssue;

/**
 * Flattens zod issues into `{path, message}` (zod/mini ships no messages, so they are built here).
 * A failed union whose `type` matched one branch reports that branch's issues: an item with the
 * right `type` but a bad field says which field.
 */
function toIssues(issues: readonly ZodIssue[], raw: Raw, prefix: PropertyKey[] = []): ParseIssue[] {
  return issues.flatMap((issue): ParseIssue[] => {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const matched = issue.errors.filter((branch) => !branch.some((i) => i.path[0] === 'type'));
      if (matched.length === 1) return toIssues(matched[0]!, raw, at);
    }
    let found: unknown = raw;
    for (const key of at) found = (found as Record<PropertyKey, unknown> | null | undefined)?.[key];
    const expected = (issue as { expected?: string }).expected;
    const what =
      issue.code === 'invalid_union' ? 'matches no accepted shape' : expected ? `expected ${expected}` : issue.message;
    const got = typeof found === 'object' || found === undefined ? kindOf(found) : JSON.stringify(found).slice(0, 40);
    return [{ path: at.join('.'), message: found === undefined ? `required field missing (${what})` : `${what}, got ${got}` }];
  });
}

/**
 * Validates an already-decoded value as a GA server event. Never throws.
 * On success `event` is the validated event (for the fast-path deltas, `raw` itself).
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
    const result = SERVER_EVENT_SCHEMAS[known].safeParse(raw);
    if (result.success) return { ok: true, event: result.data as ServerEvent, raw };
    const issues = toIssues(result.error.issues, raw);
    const summary = issues
      .slice(0, 3)
      .map((x) => `${x.path || '(root)'}: ${x.message}`)
      .join('; ');
    return fail('invalid_event_shape', `invalid "${type}" event: ${summary}`, raw, { type, issues });
  } catch (error) {
    // zod should not throw on safeParse; a hostile value (throwing getter, deep nesting) still must not escape.
    return fail('invalid_event_shape', `invalid "${type}" event: ${String(error)}`, raw, { type });
  }
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
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch (error) {
    return fail('invalid_json', `frame is not valid JSON: ${(error as Error).message}`, frame);
  }
  return parseServerEventObject(value);
}
