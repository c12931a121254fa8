// parseServerEvent against the GA examples file, each failure code, server nulls and a seeded fuzz
// (the large-delta splice is in parse-splice.test.ts).
// JSON in, result out: no socket, no timers (STYLE.md "Tests"). The examples and schema are read from
// ../shared/protocol (PROTOCOL.md §3), so a new example or event type is covered without edits here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseServerEvent, parseServerEventObject, SERVER_EVENT_TYPES, type ParseResult } from '../../src/core/parse.js';
import { mulberry32 } from '../helpers/prng.js';

interface Example {
  direction: 'client' | 'server';
  type: string;
  valid: boolean;
  example: Record<string, unknown>;
}

const readShared = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../../../shared/protocol/${name}`, import.meta.url), 'utf8'));
const examples = readShared('realtime-ga-examples.json') as Example[];
const schema = readShared('realtime-ga-events.schema.json') as { 'x-serverEvents': Record<string, string> };
const validServer = examples.filter((e) => e.direction === 'server' && e.valid);
const exampleOf = (type: string, valid = true): Record<string, unknown> =>
  structuredClone(examples.find((e) => e.direction === 'server' && e.type === type && e.valid === valid)!.example);

const FAILURE_CODES = ['invalid_json', 'not_an_object', 'binary_frame', 'unknown_event_type', 'invalid_event_shape'];

function expectFailure(result: ParseResult, code: string): Extract<ParseResult, { ok: false }> {
  if (result.ok) throw new Error(`expected failure ${code}, got ok ${result.event.type}`);
  expect(result.code).toBe(code);
  return result;
}

const audioDelta = {
  event_id: 'event_1',
  type: 'response.output_audio.delta',
  response_id: 'resp_1',
  item_id: 'item_1',
  output_index: 0,
  content_index: 0,
  delta: 'AAAA',
};

describe('parseServerEvent on the GA examples', () => {
  it('covers all 46 server event types of the schema in SERVER_EVENT_TYPES', () => {
    const schemaTypes = Object.keys(schema['x-serverEvents']).sort();
    expect(schemaTypes).toHaveLength(46);
    expect([...SERVER_EVENT_TYPES].sort()).toEqual(schemaTypes);
  });

  it.each(validServer.map((e) => [e.type, e.example] as const))('accepts the valid %s example', (type, example) => {
    const result = parseServerEvent(JSON.stringify(example));
    if (!result.ok) throw new Error(`${type}: ${result.message}`);
    expect(result.event.type).toBe(type);
    expect(result.raw).toEqual(example);
  });

  it('accepts the beta-style conversation.item.retrieved capture with legacy audio content', () => {
    const result = parseServerEvent(JSON.stringify(exampleOf('conversation.item.retrieved', false)));
    if (!result.ok || result.event.type !== 'conversation.item.retrieved') throw new Error('not parsed');
    const item = result.event.item;
    if (item.type !== 'message') throw new Error('not a message');
    expect(item.content?.[0]).toMatchObject({ type: 'audio', format: 'pcm16' });
  });

  it('accepts the response.output_item.done example that uses legacy text content', () => {
    const result = parseServerEvent(JSON.stringify(exampleOf('response.output_item.done', false)));
    expect(result.ok).toBe(true);
  });

  it('rejects the dtmf example whose type has a leading space as an unknown type', () => {
    const failure = expectFailure(
      parseServerEvent(JSON.stringify(exampleOf('input_audio_buffer.dtmf_event_received', false))),
      'unknown_event_type',
    );
    expect(failure.type).toBe(' input_audio_buffer.dtmf_event_received');
  });

  it('accepts a dtmf event without event_id', () => {
    const result = parseServerEvent('{"type":"input_audio_buffer.dtmf_event_received","event":"9","received_at":1}');
    expect(result.ok && result.event).toEqual({ type: 'input_audio_buffer.dtmf_event_received', event: '9', received_at: 1 });
  });
});

describe('parseServerEvent failure codes', () => {
  it('reports text that is not JSON as invalid_json with the frame as raw', () => {
    const failure = expectFailure(parseServerEvent('{"type":'), 'invalid_json');
    expect(failure.raw).toBe('{"type":');
  });

  it.each([['[1,2]'], ['null'], ['42'], ['"text"']])('reports %s as not_an_object', (frame) => {
    const failure = expectFailure(parseServerEvent(frame), 'not_an_object');
    expect(failure.raw).toEqual(JSON.parse(frame));
  });

  it('reports ArrayBuffer, Uint8Array and other non-string frames as binary_frame', () => {
    const buffer = new TextEncoder().encode(JSON.stringify(audioDelta));
    expect(expectFailure(parseServerEvent(buffer.buffer), 'binary_frame').message).toContain('ArrayBuffer');
    expect(expectFailure(parseServerEvent(buffer), 'binary_frame').raw).toBe(buffer);
    expectFailure(parseServerEvent(undefined), 'binary_frame');
    expectFailure(parseServerEvent({ type: 'error' }), 'binary_frame');
  });

  it('reports an unknown type as unknown_event_type and names the type', () => {
    const failure = expectFailure(parseServerEvent('{"type":"response.audio.delta","event_id":"e"}'), 'unknown_event_type');
    expect(failure.type).toBe('response.audio.delta');
    expect(failure.message).toContain('response.audio.delta');
  });

  it('does not mistake prototype keys such as constructor or __proto__ for event types', () => {
    expect(expectFailure(parseServerEvent('{"type":"constructor"}'), 'unknown_event_type').type).toBe('constructor');
    expect(expectFailure(parseServerEvent('{"type":"__proto__"}'), 'unknown_event_type').type).toBe('__proto__');
  });

  it('reports a missing or non-string type as unknown_event_type without a type', () => {
    const missing = expectFailure(parseServerEvent('{"event_id":"e"}'), 'unknown_event_type');
    expect(missing.type).toBeUndefined();
    expectFailure(parseServerEvent('{"type":7}'), 'unknown_event_type');
  });

  it('reports a known type missing a required field as invalid_event_shape with the path', () => {
    const event = exampleOf('conversation.item.truncated');
    delete event.audio_end_ms;
    const failure = expectFailure(parseServerEventObject(event), 'invalid_event_shape');
    expect(failure.type).toBe('conversation.item.truncated');
    expect(failure.message).toContain('conversation.item.truncated');
    expect(failure.issues).toEqual([{ path: 'audio_end_ms', message: 'required field missing (expected integer)' }]);
  });

  it('reports a missing event_id on an event that requires one', () => {
    const event = exampleOf('response.done');
    delete event.event_id;
    const failure = expectFailure(parseServerEventObject(event), 'invalid_event_shape');
    expect(failure.issues?.map((i) => i.path)).toEqual(['event_id']);
  });

  it('reports content_index given as a string as a wrong field type', () => {
    const failure = expectFailure(
      parseServerEventObject({ ...exampleOf('response.output_audio_transcript.done'), content_index: '0' }),
      'invalid_event_shape',
    );
    expect(failure.issues).toEqual([{ path: 'content_index', message: 'expected integer, got "0"' }]);
  });

  it('catches a hot-path audio delta without delta and explains it', () => {
    const { delta: _omit, ...noDelta } = audioDelta;
    const failure = expectFailure(parseServerEvent(JSON.stringify(noDelta)), 'invalid_event_shape');
    expect(failure.type).toBe('response.output_audio.delta');
    expect(failure.issues).toEqual([{ path: 'delta', message: 'required field missing (expected string)' }]);
  });

  it('catches hot-path deltas with a numeric delta or fractional output_index', () => {
    const numeric = expectFailure(parseServerEventObject({ ...audioDelta, delta: 5 }), 'invalid_event_shape');
    expect(numeric.issues).toEqual([{ path: 'delta', message: 'expected string, got 5' }]);
    const text = { ...audioDelta, type: 'response.output_text.delta', output_index: 0.5 };
    expect(expectFailure(parseServerEventObject(text), 'invalid_event_shape').issues?.[0]?.path).toBe('output_index');
    const transcript = { ...audioDelta, type: 'response.output_audio_transcript.delta', item_id: null };
    expectFailure(parseServerEventObject(transcript), 'invalid_event_shape');
  });

  it('explains a bad field inside a conversation item by its full path', () => {
    const event = exampleOf('conversation.item.added');
    (event.item as Record<string, unknown>).role = 'robot';
    const failure = expectFailure(parseServerEventObject(event), 'invalid_event_shape');
    expect(failure.issues).toEqual([
      { path: 'item.role', message: 'expected "system" | "user" | "assistant", got "robot"' },
    ]);
  });
});

describe('parseServerEvent leniency and identity', () => {
  it('returns the decoded object itself as the event of a hot-path delta', () => {
    const raw = { ...audioDelta };
    const result = parseServerEventObject(raw);
    expect(result.ok && result.event).toBe(raw);
  });

  it('accepts response.done with null usage, status_details, metadata and max_output_tokens', () => {
    const event = exampleOf('response.done');
    Object.assign(event.response as object, { usage: null, status_details: null, metadata: null, audio: null });
    const result = parseServerEventObject(event);
    if (!result.ok || result.event.type !== 'response.done') throw new Error('not parsed');
    expect(result.event.response.usage).toBeNull();
    expect(result.event.response.status).toBe('completed');
  });

  it('reads usage token details and status_details reasons from response.done', () => {
    const event = exampleOf('response.done');
    (event.response as Record<string, unknown>).status_details = { type: 'cancelled', reason: 'turn_detected', error: null };
    const result = parseServerEventObject(event);
    if (!result.ok || result.event.type !== 'response.done') throw new Error('not parsed');
    expect(result.event.response.usage?.input_token_details?.cached_tokens).toBe(64);
    expect(result.event.response.usage?.output_token_details?.audio_tokens).toBe(91);
    expect(result.event.response.status_details?.reason).toBe('turn_detected');
  });

  it('reads interrupt_response and the output format from session.created', () => {
    const result = parseServerEvent(JSON.stringify(exampleOf('session.created')));
    if (!result.ok || result.event.type !== 'session.created') throw new Error('not parsed');
    expect(result.event.session.audio?.input?.turn_detection?.interrupt_response).toBe(true);
    expect(result.event.session.audio?.output?.format).toEqual({ type: 'audio/pcm', rate: 24000 });
  });

  it('accepts turn_detection null and error payloads with null code, param and event_id', () => {
    const session = exampleOf('session.updated');
    ((session.session as { audio: { input: Record<string, unknown> } }).audio.input).turn_detection = null;
    expect(parseServerEventObject(session).ok).toBe(true);
    const error = { type: 'error', event_id: 'e', error: { type: 'server_error', message: 'x', code: null, param: null, event_id: null } };
    const result = parseServerEventObject(error);
    expect(result.ok && result.event.type === 'error' && result.event.error.code).toBeNull();
  });

  it('keeps unknown extra keys at the top level and inside nested objects', () => {
    const event = exampleOf('response.done');
    event.future_field = { a: 1 };
    (event.response as Record<string, unknown>).new_thing = 'kept';
    const result = parseServerEventObject(event);
    if (!result.ok || result.event.type !== 'response.done') throw new Error('not parsed');
    expect((result.event as Record<string, unknown>).future_field).toEqual({ a: 1 });
    expect(result.event.response.new_thing).toBe('kept');
    expect(result.raw).toBe(event);
  });

  it('leaves the raw object untouched after a schema parse', () => {
    const event = exampleOf('response.done');
    const before = structuredClone(event);
    const result = parseServerEventObject(event);
    expect(result.raw).toBe(event);
    expect(event).toEqual(before);
  });
});

describe('parseServerEvent validation details', () => {
  it('returns the decoded object itself as the event of a schema-checked event too', () => {
    const event = exampleOf('response.done');
    const result = parseServerEventObject(event);
    expect(result.ok && result.event).toBe(event);
  });

  it('names the full path of a bad field in an item nested in response.output', () => {
    const event = exampleOf('response.done');
    const output = (event.response as { output: Record<string, unknown>[] }).output;
    output[0] = { type: 'function_call_output', call_id: 'c', output: 7 };
    const failure = expectFailure(parseServerEventObject(event), 'invalid_event_shape');
    expect(failure.issues).toEqual([{ path: 'response.output.0.output', message: 'expected string, got 7' }]);
  });

  it('reports a union value matching no branch, and an item of unknown kind, as no accepted shape', () => {
    const event = exampleOf('response.done');
    (event.response as Record<string, unknown>).max_output_tokens = 'lots';
    expect(expectFailure(parseServerEventObject(event), 'invalid_event_shape').issues).toEqual([
      { path: 'response.max_output_tokens', message: 'matches no accepted shape, got "lots"' },
    ]);
    const added = exampleOf('conversation.item.added');
    (added.item as Record<string, unknown>).type = 'hologram';
    expect(expectFailure(parseServerEventObject(added), 'invalid_event_shape').issues).toEqual([
      { path: 'item', message: 'matches no accepted shape, got object' },
    ]);
  });

  it('accepts max_output_tokens "inf" and legacy text/audio content parts', () => {
    const event = exampleOf('response.done');
    (event.response as Record<string, unknown>).max_output_tokens = 'inf';
    expect(parseServerEventObject(event).ok).toBe(true);
    const part = { type: 'response.content_part.added', event_id: 'e', response_id: 'r', item_id: 'i', output_index: 0, content_index: 0 };
    expect(parseServerEventObject({ ...part, part: { type: 'text', text: 'hi' } }).ok).toBe(true);
    expect(parseServerEventObject({ ...part, part: { type: 'audio', transcript: null } }).ok).toBe(true);
    const bad = expectFailure(parseServerEventObject({ ...part, part: { type: 'video' } }), 'invalid_event_shape');
    expect(bad.issues?.[0]?.path).toBe('part.type');
  });

  it('lists every bad field, in schema order, for a non-object nested value and an array element', () => {
    const event = exampleOf('rate_limits.updated');
    (event.rate_limits as unknown[]).push('x');
    delete event.event_id;
    const failure = expectFailure(parseServerEventObject(event), 'invalid_event_shape');
    const last = (event.rate_limits as unknown[]).length - 1;
    expect(failure.issues).toEqual([
      { path: 'event_id', message: 'required field missing (expected string)' },
      { path: `rate_limits.${last}`, message: 'expected object, got "x"' },
    ]);
  });
});

describe('parseServerEvent under fuzzing', () => {
  it('never throws and always returns ok or one of the 5 failure codes over 10,000 seeded mutations', () => {
    const rand = mulberry32(0x5eed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const garbage = ['', ' ', 'response', 'error ', '__proto__', 'toString', 'response.output_audio.delta\u0000'];
    const oddValues: unknown[] = [null, 0, -1.5, [], [1, 'x'], {}, 'str', true];
    /** Picks a random object inside `value` (itself or nested), so mutations reach deep fields. */
    const randomObject = (value: Record<string, unknown>): Record<string, unknown> => {
      let node = value;
      while (rand() < 0.5) {
        const children = Object.values(node).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
        if (children.length === 0) break;
        node = pick(children);
      }
      return node;
    };
    const counts: Record<string, number> = {};
    for (let n = 0; n < 10_000; n++) {
      const source = pick(validServer).example;
      const event = structuredClone(source) as Record<string, unknown>;
      const target = randomObject(event);
      const keys = Object.keys(target);
      let frame: string;
      switch (Math.floor(rand() * 6)) {
        case 0: {
          const text = JSON.stringify(event);
          frame = text.slice(0, Math.floor(rand() * text.length));
          break;
        }
        case 1:
          event.type = rand() < 0.7 ? pick(SERVER_EVENT_TYPES) : pick(garbage);
          frame = JSON.stringify(event);
          break;
        case 2:
          if (keys.length) delete target[pick(keys)];
          frame = JSON.stringify(event);
          break;
        case 3: {
          const [a, b] = [pick(keys), pick(keys)];
          if (a !== undefined && b !== undefined) [target[a], target[b]] = [target[b], target[a]];
          frame = JSON.stringify(event);
          break;
        }
        default:
          if (keys.length) target[pick(keys)] = pick(oddValues);
          frame = JSON.stringify(event);
      }
      let result: ParseResult;
      try {
        result = parseServerEvent(frame);
      } catch (error) {
        throw new Error(`threw on mutation ${n}: ${frame.slice(0, 200)}: ${String(error)}`);
      }
      const outcome = result.ok ? 'ok' : result.code;
      if (!result.ok) {
        expect(FAILURE_CODES).toContain(result.code);
        expect(typeof result.message).toBe('string');
      } else {
        expect(SERVER_EVENT_TYPES).toContain(result.event.type);
      }
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    // Every kind of outcome is actually exercised by the mutations.
    expect(Object.keys(counts).sort()).toEqual(['invalid_event_shape', 'invalid_json', 'ok', 'unknown_event_type']);
  });
});
