// The large audio delta splice of parseServerEvent, checked against plain JSON.parse then the
// object checks on the captured example and on seeded frames built to fool it (escapes, quotes,
// duplicate or escaped keys, nested deltas, truncation). JSON in, result out: no socket, no timers.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });
  const rand = mulberry32(0xde17a);
  const RealBuffer = Buffer; // the atob rounds stub Buffer away
  const base64 = (bytes: number) => RealBuffer.from(Array.from({ length: bytes }, () => Math.floor(rand() * 256))).toString('base64');
  const head = { type: 'response.output_audio.delta', event_id: 'event_1', response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0 };
  const frameOf = (delta: string, fields: Record<string, unknown> = head) => JSON.stringify({ ...fields, delta });

  it('parses a 100 ms delta in the GA layout without JSON.parse, to the object JSON.parse gives', () => {
    const frame = frameOf(base64(4800));
    const parse = vi.spyOn(JSON, 'parse');
    const got = parseServerEvent(frame);
    expect(parse).not.toHaveBeenCalled();
    expect(got.ok && Object.keys(got.raw)).toEqual(['type', 'event_id', 'response_id', 'item_id', 'output_index', 'content_index', 'delta']);
    parse.mockRestore();
    expectSameAsReference(frame);
  });

  it('keeps no frame alive through the item and response ids it hands out', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const audio = base64(4800);
    const kept: unknown[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    // 1,500 frames of 6.6 KB (10 MB) with ids of their own; only the ids are kept, as the ledger keeps them.
    for (let n = 0; n < 1500; n++) {
      const frame = frameOf(`${audio.slice(0, -8)}${String(n).padStart(8, 'A')}`, { ...head, response_id: `resp_${n}_abcdefghijklmnop`, item_id: `item_${n}_abcdefghijklmnop` });
      const result = parseServerEvent(frame);
      if (!result.ok) throw new Error(result.message);
      kept.push(result.raw.response_id, result.raw.item_id);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(kept[2999]).toBe('item_1499_abcdefghijklmnop');
    expect(grown).toBeLessThan(2_000_000);
  });

  it('parses another layout by JSON-decoding only the part before the base64', () => {
    const frame = JSON.stringify({ ...exampleOf('response.output_audio.delta'), delta: base64(4800) });
    const parse = vi.spyOn(JSON, 'parse');
    const result = parseServerEvent(frame);
    expect(result.ok && result.event.type).toBe('response.output_audio.delta');
    expect(parse.mock.calls.length).toBe(1);
    expect(String(parse.mock.calls[0]![0]).length).toBeLessThan(200);
    parse.mockRestore();
    expectSameAsReference(frame);
  });

  it('agrees with JSON.parse on 4,000 seeded GA-layout heads with awkward ids and indexes', () => {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const chars = ['a', 'Z', '9', '_', '-', ' ', '/', 'é', '\ud800', '\u2028', '\u007f', '"', '\\', '\n', '\u0000', '\u001f', '\t'];
    const id = () => (rand() < 0.7 ? `item_${Math.floor(rand() * 1e9)}` : Array.from({ length: Math.floor(rand() * 6) }, () => pick(chars)).join(''));
    // Indexes as raw JSON text, valid or not: what the head's pattern must take or leave to JSON.parse.
    const indexes = ['0', '1', '7', '12', '999999999999999', '1000000000000000', '9007199254740993', '-1', '-0', '00', '01', '1.0', '1e2', '1E2', '0.5', '', ' 1', '"0"', 'null', 'true'];
    const parse = vi.spyOn(JSON, 'parse');
    let fast = 0;
    const counts = { ok: 0, failed: 0 };
    for (let n = 0; n < 4000; n++) {
      const fields = { type: 'response.output_audio.delta', event_id: id(), response_id: id(), item_id: id(), output_index: '@OI', content_index: '@CI' };
      const frame = frameOf(base64(pick([600, 4800])), fields)
        .replace('"@OI"', n % 3 ? '0' : pick(indexes))
        .replace('"@CI"', n % 3 === 1 ? '0' : pick(indexes))
        // Raw text JSON.stringify would have escaped: a control character, a lone backslash.
        .replace('"item_id":"', n % 7 ? '"item_id":"' : `"item_id":"${pick(['\u0001', '\t', '\u001f', '\\', '\\x', '\\u00'])}`);
      parse.mockClear();
      parseServerEvent(frame);
      if (parse.mock.calls.length === 0) fast++;
      try {
        counts[expectSameAsReference(frame).ok ? 'ok' : 'failed']++;
      } catch (error) {
        throw new Error(`head ${n} differs from JSON.parse: ${frame.slice(0, 200)}\n${String(error)}`);
      }
    }
    expect(fast).toBeGreaterThan(400);
    expect(counts.ok).toBeGreaterThan(1000);
    expect(counts.failed).toBeGreaterThan(200);
  });

  it('takes the captured field order (event_id first) and small deltas the same way', () => {
    const example = exampleOf('response.output_audio.delta');
    for (const bytes of [0, 3, 600, 4800]) expectSameAsReference(JSON.stringify({ ...example, delta: base64(bytes) }));
  });

  // Node proves the payload with Buffer; a browser (no Buffer) with atob.
  it.each(['Buffer', 'atob'])('agrees with JSON.parse on 6,000 seeded frames that look like audio deltas but are not all valid (proved with %s)', (proof) => {
    if (proof === 'atob') vi.stubGlobal('Buffer', undefined);
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
    vi.unstubAllGlobals();
    expect(counts.failed).toBeGreaterThan(1000);
  });
});
