// What the model hands a player for each audio delta: the server's base64 when no listener of the
// `audio` event needs the bytes and the player can decode it (`appendBase64`), else bytes, handed
// over (transfer) when nobody else holds them and decoded once for the listener and the player.
import { describe, expect, it } from 'vitest';
import { OpenAIRealtimeWebSocketModel } from '../src/index.node.js';
import type { AudioPlayer } from '../src/core/types.js';
import { audioDelta, responseCreated, sessionEvent } from './helpers/frames.js';
import { memorySockets } from './helpers/memory-socket.js';
import { closeAfterEach } from './helpers/model.js';

const open = closeAfterEach();

type Call = { kind: 'bytes'; data: Uint8Array; transfer: boolean | undefined } | { kind: 'base64'; base64: string };

async function run(withBase64: boolean, listen: boolean) {
  const wire = memorySockets();
  const calls: Call[] = [];
  const player: AudioPlayer = {
    append: (_i, _c, data, _r, transfer) => void calls.push({ kind: 'bytes', data, transfer }),
    itemDone() {}, drop() {}, setAudioFormat() {},
    getState: () => ({ currentItemId: null, currentItemContentIndex: null, elapsedMs: null }),
    ...(withBase64 ? { appendBase64: (_i: string, _c: number, base64: string) => void calls.push({ kind: 'base64', base64 }) } : {}),
  };
  const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket });
  open.push(model);
  const heard: Uint8Array[] = [];
  if (listen) model.on('audio', (e) => void heard.push(e.data));
  await model.connect({ apiKey: 'sk-test', player });
  const socket = wire.last;
  socket.serverSend(sessionEvent('session.created'));
  socket.serverSend(responseCreated('resp_1'));
  const frames = [audioDelta('resp_1', 'item_a', 4800), audioDelta('resp_1', 'item_a', 480)];
  for (const f of frames) socket.serverSend(f);
  return { calls, heard, deltas: frames.map((f) => f.delta as string) };
}

describe('audio handed to a player', () => {
  it('gives a player with appendBase64 the server base64, exactly, when no one listens to audio', async () => {
    const r = await run(true, false);
    expect(r.calls).toEqual(r.deltas.map((base64) => ({ kind: 'base64', base64 })));
  });

  it('gives the bytes, decoded once and copied by the player, when the app listens to audio', async () => {
    const r = await run(true, true);
    expect(r.calls.map((c) => c.kind)).toEqual(['bytes', 'bytes']);
    r.calls.forEach((c, i) => {
      if (c.kind !== 'bytes') throw new Error('bytes expected');
      expect(c.transfer).toBe(false); // the listener holds them too
      expect(c.data).toBe(r.heard[i]); // the same decode
      expect(Buffer.from(c.data).toString('base64')).toBe(r.deltas[i]);
    });
  });

  it('hands the bytes over to a player without appendBase64 when no one listens', async () => {
    const r = await run(false, false);
    expect(r.calls.map((c) => (c.kind === 'bytes' ? [c.data.byteLength, c.transfer] : c.kind))).toEqual([[4800, true], [480, true]]);
  });
});
