// A seeded fuzz test through the whole model: 10,000 mutated server frames (truncated, retyped,
// fields removed or swapped) never escape as thrown errors, and the valid frames sent after
// each mutated one are all handled.
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
