// A seeded fuzz test through the whole model: 10,000 mutated server frames (truncated, retyped,
// fields removed or swapped) never escape as thrown errors, and the valid frames sent after
// each mutated one are all handled. Large audio deltas mutated as text (escapes, raw control
// characters, duplicate keys, wrong types, truncation) each give the outcome JSON.parse implies.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OpenAIRealtimeWebSocketModel } from '../src/index.node.js';
import { memorySockets } from './helpers/memory-socket.js';
import { mulberry32 } from './helpers/prng.js';
import { examplesPath } from './helpers/schema.js';

const examples = JSON.parse(readFileSync(examplesPath, 'utf8')) as Array<{ direction: string; type: string; valid: boolean; example: Record<string, unknown> }>;
const serverExamples = examples.filter((e) => e.direction === 'server' && e.valid).map((e) => e.example);
const types = [...new Set(serverExamples.map((e) => e.type as string))];

function mutate(frame: Record<string, unknown>, rand: () => number): unknown {
  const text = JSON.stringify(frame);
  const copy = JSON.parse(text) as Record<string, unknown>;
  const keys = Object.keys(copy);
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]!;
  switch (Math.floor(rand() * 7)) {
    case 0: return text.slice(0, Math.floor(rand() * text.length));
    case 1: copy.type = pick(types); return copy;
    case 2: copy.type = pick(['', 'x', 42, null, 'response.output_audio.delta ']); return copy;
    case 3: delete copy[pick(keys)]; return copy;
    case 4: { const a = pick(keys); const b = pick(keys); [copy[a], copy[b]] = [copy[b], copy[a]]; return copy; }
    case 5: copy[pick(keys)] = pick([null, 7, [], 'str', { nested: true }, -1.5]); return copy;
    default: return pick([new Uint8Array(3), '', 'null', '"str"', '[]']);
  }
}

describe('fuzzing the receive path', () => {
  it('handles 10,000 mutated frames without throwing and still handles every valid frame after them', async () => {
    const rand = mulberry32(20261124);
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    let turnsStarted = 0;
    let exceptions = 0;
    let errors = 0;
    model.on('turn_started', () => void turnsStarted++);
    model.on('exception', () => void exceptions++);
    model.on('error', () => void errors++);
    await model.connect({ apiKey: 'k' });
    const socket = wire.last;
    for (let i = 0; i < 10_000; i++) {
      const frame = mutate(serverExamples[i % serverExamples.length]!, rand);
      expect(() => socket.serverSend(typeof frame === 'string' ? frame : frame instanceof Uint8Array ? frame : JSON.stringify(frame))).not.toThrow();
      if (i % 100 === 0) {
        const before = turnsStarted;
        socket.serverSend({ type: 'response.created', event_id: `ok_${i}`, response: { id: `resp_${i}`, object: 'realtime.response', status: 'in_progress' } });
        socket.serverSend({ type: 'response.done', event_id: `ok_done_${i}`, response: { id: `resp_${i}`, object: 'realtime.response', status: 'completed' } });
        expect(turnsStarted).toBe(before + 1);
      }
    }
    expect(turnsStarted).toBeGreaterThanOrEqual(100);
    expect(exceptions + errors).toBeGreaterThan(1000);
    model.close();
  });
});

describe('fuzzing the large audio delta path', () => {
  it('gives each of 2,000 mutated 100 ms audio deltas exactly the outcome JSON.parse of the frame implies', async () => {
    const rand = mulberry32(0xa0d10);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const wire = memorySockets();
    const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
    const seen: Array<{ kind: string; data?: Uint8Array; code?: string }> = [];
    model.on('audio', (e) => void seen.push({ kind: 'audio', data: e.data }));
    model.on('error', (e) => void seen.push({ kind: 'error', code: String(e.error.code) }));
    model.on('exception', (e) => void seen.push({ kind: 'exception', code: String((e.exception as { code?: string }).code) }));
    await model.connect({ apiKey: 'k' });
    const socket = wire.last;
    const head = '{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0';
    const edits: Array<(frame: string, at: number) => string> = [
      (f, at) => f.slice(0, at) + pick(['\\/', '\\u0041', '\\n', '\n', '\u0000', ' ', '=', '"', '\\"', '-', 'é']) + f.slice(at),
      (f) => f.replace(',"delta":"', pick([',"delta":"QUJD","delta":"', ',"delta":5,"delta":"', ',"del\\u0074a":"","my\\"delta":"', ', "delta":"', ',"x":{"delta":"AA"},"delta":"'])),
      (f) => f.replace('"output_index":0', pick(['"output_index":"0"', '"output_index":0.5', '"output_index":null', '"output_index":0,"output_index":"x"'])),
      (f) => f.replace('{"type":"response.output_audio.delta"', pick(['{"type":"response.output_audio.delta","type":"error"', '{"type":"error","type":"response.output_audio.delta"'])),
      (f) => f.replace(/}$/, pick([',"extra":[1]}', ' }', '', '}}'])),
      (f) => f.slice(0, Math.floor(rand() * f.length)),
    ];
    for (let i = 0; i < 2000; i++) {
      const pcm = Buffer.alloc(pick([1920, 4800]), Math.floor(rand() * 2 ** 31).toString(36));
      const clean = `${head},"delta":"${pcm.toString('base64')}"}`;
      const deltaAt = clean.indexOf(',"delta":"') + 10;
      const frame = i % 5 === 0 ? clean : pick(edits)(clean, deltaAt + Math.floor(rand() * (clean.length - 2 - deltaAt)));
      let expected: { kind: string; data?: Uint8Array; code?: string };
      try {
        const value = JSON.parse(frame) as Record<string, unknown>;
        const shapeOk = value.type === 'response.output_audio.delta' && typeof value.delta === 'string' && value.output_index === 0;
        // Audio must be whole padded base64 of whole pcm16 samples, else a typed invalid_audio error.
        const b64 = String(value.delta);
        const bytes = Buffer.from(b64, 'base64');
        const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
        const whole = b64.length % 4 === 0 && bytes.length === (b64.length / 4) * 3 - pad && bytes.length % 2 === 0;
        expected = !shapeOk ? { kind: 'error', code: 'invalid_event_shape' } : whole ? { kind: 'audio', data: new Uint8Array(bytes) } : { kind: 'error', code: 'invalid_audio' };
      } catch {
        expected = { kind: 'exception', code: 'invalid_json' };
      }
      seen.length = 0;
      socket.serverSend(frame);
      // Bytes compared with Buffer.compare: element-wise toEqual on 4,800 bytes is slow.
      const same = (a?: Uint8Array, b?: Uint8Array) => a === b || (!!a && !!b && Buffer.compare(a, b) === 0);
      expect(seen.map((e) => ({ ...e, data: e.data?.byteLength })), frame.slice(0, 240)).toEqual([{ ...expected, data: expected.data?.byteLength }]);
      expect(same(seen[0]!.data, expected.data)).toBe(true);
    }
    model.close();
  });
});
