// The large audio delta splice of parseServerEvent, checked against plain JSON.parse then the
// object checks on the captured example and on seeded frames built to fool it (escapes, quotes,
// duplicate or escaped keys, nested deltas, truncation). JSON in, result out: no socket, no timers.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseServerEvent, parseServerEventObject, type ParseResult } from '../../src/core/parse.js';
import { mulberry32 } from '../helpers/prng.js';

const examples = JSON.parse(readFileSync(new URL('../../../../../shared/protocol/realtime-ga-examples.json', import.meta.url), 'utf8')) as Array<{ direction: string; type: string; valid: boolean; example: Record<string, unknown> }>;
const exampleOf = (type: string): Record<string, unknown> =>
  structuredClone(examples.find((e) => e.direction === 'server' && e.type === type && e.valid)!.example);

/** What parseServerEvent must return for any text frame: JSON.parse, then the object checks. */
function reference(frame: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, code: 'invalid_json', message: '', raw: frame };
  }
  return parseServerEventObject(value);
}

/** Same outcome, and the same decoded object down to key order and the type of every value. */
function expectSameAsReference(frame: string): ParseResult {
  const got = parseServerEvent(frame);
  const want = reference(frame);
  const summary = (r: ParseResult) => (r.ok ? ['ok', JSON.stringify(r.raw)] : [r.code, r.code === 'invalid_json' ? '' : JSON.stringify(r.raw), r.issues]);
  expect(summary(got), frame.slice(0, 300)).toEqual(summary(want));
  if (got.ok && want.ok) expect(got.raw).toEqual(want.raw);
  return got;
}

describe('the large audio delta splice', () => {
  afterEach(() => void vi.restoreAllMocks());
  const rand = mulberry32(0xde17a);
  const base64 = (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => Math.floor(rand() * 256))).toString('base64');
  const head = { type: 'response.output_audio.delta', event_id: 'event_1', response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0 };
  const frameOf = (delta: string, fields: Record<string, unknown> = head) => JSON.stringify({ ...fields, delta });

  it('parses a 100 ms delta without JSON-decoding its base64, to the object JSON.parse gives', () => {
    const frame = frameOf(base64(4800));
    const parse = vi.spyOn(JSON, 'parse');
    const result = expectSameAsReference(frame);
    expect(result.ok && result.event.type).toBe('response.output_audio.delta');
    const decoded = parse.mock.calls.filter(([text]) => text !== frame);
    expect(decoded.length).toBeGreaterThan(0);
    expect(decoded.every(([text]) => String(text).length < 200)).toBe(true);
  });

  it('takes the captured field order (event_id first) and small deltas the same way', () => {
    const example = exampleOf('response.output_audio.delta');
    for (const bytes of [0, 3, 600, 4800]) expectSameAsReference(JSON.stringify({ ...example, delta: base64(bytes) }));
  });

  it('agrees with JSON.parse on 6,000 seeded frames that look like audio deltas but are not all valid', () => {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    /** Inserts raw text (not JSON-escaped) into the frame, inside the delta's quotes. */
    const intoDelta = (frame: string, text: string) => {
      const start = frame.lastIndexOf('"delta":"') + 9;
      const i = start + Math.floor(rand() * (frame.length - 2 - start));
      return frame.slice(0, i) + text + frame.slice(i);
    };
    const insertions = ['\\/', '\\u0041', '\\n', '\\"', '\\\\', '\n', '\t', ' ', '\u0000', '\u001f', '=', '==', 'é', '\ud800', '"', '}', '-', '_', '","x":"'];
    const keys = [', "delta":"', ',"delta": "', ',"del\\u0074a":"', ',"my\\"delta":"', ',"x":"\\",\\"delta\\":\\"', ',"delta":"","my\\"delta":"', ',"del\\u0074a":"","my\\"delta":"', ',"del\\u0074a":"QUJD","x":"\\",\\"delta\\":\\"'];
    const mutations: Array<(delta: string) => string> = [
      (d) => intoDelta(frameOf(d), pick(insertions)),
      (d) => intoDelta(intoDelta(frameOf(d), pick(insertions)), pick(insertions)),
      (d) => frameOf(d.replace(/=+$/, '')),
      (d) => frameOf(d.slice(0, d.length - 1 - Math.floor(rand() * 3))),
      (d) => frameOf(d, { ...head, extra: pick([1, 'x', null, { delta: d.slice(0, 8) }, [d.slice(0, 4)]]) }),
      (d) => frameOf(d).replace(/}$/, `,"extra":${pick(['1', '"x"', '{"delta":"AAAA"}'])}}`),
      (d) => frameOf(d, { ...head, delta: pick(['', 'QUJD', 5, null]) }),
      (d) => frameOf(d).replace('{', `{"delta":${pick(['""', '"QUJD"', '"x"', '7'])},`),
      (d) => frameOf(d).replace('"type":"response.output_audio.delta"', `"type":"${pick(['response.output_audio.delta', 'error', 'response.output_text.delta', 'nope'])}","type":"response.output_audio.delta"`),
      (d) => frameOf(d, { ...head, [pick(Object.keys(head))]: pick(['0', 1.5, null, -1, [], {}, true]) }),
      (d) => frameOf(d, Object.fromEntries(Object.entries(head).filter(() => rand() < 0.8))),
      (d) => frameOf(d).replace(',"delta":"', `,"extra2":{"delta":"AAAA"},"delta":"`),
      (d) => frameOf(d).replace(',"delta":"', pick(keys)),
      (d) => frameOf(d).replace(/}$/, pick([' }', '}\n', '} ', '', '}}', '"}', ']'])),
      (d) => frameOf(d).replace(/"}$/, pick(['}', '"', '\\"}'])),
      (d) => {
        const f = frameOf(d);
        return f.slice(0, Math.floor(rand() * f.length));
      },
      (d) => frameOf(d).replace(/^{/, pick(['[{', ' {', '{{', ''])),
    ];
    const counts = { ok: 0, failed: 0 };
    for (let n = 0; n < 6000; n++) {
      const delta = base64(pick([600, 1200, 1920, 4800]));
      const frame = n % 10 === 0 ? frameOf(delta) : pick(mutations)(delta);
      let result: ParseResult;
      try {
        result = expectSameAsReference(frame);
      } catch (error) {
        throw new Error(`mutation ${n} differs from JSON.parse: ${frame.slice(0, 200)}…${frame.slice(-60)}\n${String(error)}`);
      }
      counts[result.ok ? 'ok' : 'failed']++;
    }
    expect(counts.ok).toBeGreaterThan(1000);
    expect(counts.failed).toBeGreaterThan(1000);
  });
});
