// The library's opt-in reconnect against the simulator, through a TCP proxy the test can cut (a
// real network drop, no close frame): the effective session (initial settings plus every update,
// tools included) and the conversation so far are replayed on the new session, a truncated reply
// as what the listener heard; sends made while down are queued (text) or dropped and counted
// (audio); one event says what was restored and what was lost.
import { type Server, type Socket, connect as tcpConnect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type AudioPlayer, OpenAIRealtimeWebSocketModel, type RealtimeModelEvent } from '../../client/src/index.node.js';
import { startSimulator } from '../src/index.js';
import { Waiter } from './helpers.js';

type Obj = Record<string, any>;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A TCP proxy to `port` whose connections can be cut at once. */
async function proxy(port: number): Promise<{ url: string; cut: () => void }> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((down) => {
    const up = tcpConnect(port, '127.0.0.1');
    const pair: [Socket, Socket] = [down, up];
    pairs.add(pair);
    down.pipe(up).pipe(down);
    const end = () => { down.destroy(); up.destroy(); pairs.delete(pair); };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } server.close(() => r()); }));
  const { port: own } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${own}/v1/realtime?model=gpt-realtime`, cut: () => { for (const [a, b] of pairs) { a.resetAndDestroy(); b.destroy(); } } };
}

const WEATHER = { type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } as const;
const LONG = 'Once upon a time there was a very long story that went on and on, far longer than anyone wanted to hear, with many twists and turns.';

describe('reconnect', () => {
  it('replays the effective session and the conversation as heard after a drop, then continues', async () => {
    const sim = await startSimulator({
      port: 0,
      pace: 4,
      script: { rules: [{ match: /weather/i, toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, afterToolReply: 'It is sunny.' }, { match: /story/i, reply: LONG }] },
    });
    cleanups.push(() => sim.close());
    const net = await proxy(sim.port);
    // A listener who hears audio as fast as it arrives, except when the test holds the position.
    const heard = new Map<string, number>();
    let current: string | null = null;
    let holdAtMs: number | null = null;
    const player: AudioPlayer = {
      append: (itemId, _c, data) => { current = itemId; heard.set(itemId, (heard.get(itemId) ?? 0) + data.length / 48); },
      itemDone() {}, drop() {}, setAudioFormat() {},
      getState: () => (current === null ? { currentItemId: null, currentItemContentIndex: null, elapsedMs: null }
        : { currentItemId: current, currentItemContentIndex: 0, elapsedMs: holdAtMs ?? heard.get(current)! }),
    };
    const model = new OpenAIRealtimeWebSocketModel();
    cleanups.push(() => model.close());
    const events: RealtimeModelEvent[] = [];
    const waiter = new Waiter(() => events.slice(-10).map((e) => e.type).join(','));
    model.addListener({ onEvent: (e) => { events.push(e); waiter.wake(); } });
    const until = <T,>(pred: () => T | undefined | false, what: string): Promise<T> => waiter.until(pred, what);
    const turnEnded = (from: number) => until(() => events.slice(from).find((e) => e.type === 'turn_ended'), 'turn_ended');

    await model.connect({ apiKey: 'sk-test', url: net.url, player, reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, initialModelSettings: { turnDetection: null, voice: 'marin' } });
    await model.updateSession({ instructions: 'Speak like a pirate.', tools: [WEATHER as never] });
    let from = events.length;
    await model.sendUserInput('hello');
    await turnEnded(from);

    from = events.length;
    await model.sendUserInput("What's the weather in Paris?");
    const call = await until(() => events.slice(from).find((e) => e.type === 'function_call') as Extract<RealtimeModelEvent, { type: 'function_call' }> | undefined, 'function_call');
    await turnEnded(from);
    from = events.length;
    await model.sendEvent({ type: 'tool_output', toolCall: { callId: call.callId, id: call.id, name: call.name, arguments: call.arguments }, output: '{"sky":"sunny"}', startResponse: true });
    await turnEnded(from);

    // A story interrupted once some audio has played: the conversation keeps what was heard.
    from = events.length;
    await model.sendUserInput('Tell me a story');
    await until(() => events.slice(from).filter((e) => e.type === 'audio').length >= 6, 'story audio');
    holdAtMs = 1500; // the listener is 1.5 s into the story
    await model.interrupt();
    holdAtMs = null;
    await turnEnded(from);
    const heardStory = events.slice(from).find((e) => e.type === 'heard_transcript' && e.final) as { heard: string };
    expect(heardStory.heard.length).toBeLessThan(LONG.length);

    // Another story, cut by the network mid-reply.
    from = events.length;
    await model.sendUserInput('Another story please');
    await until(() => events.slice(from).filter((e) => e.type === 'audio').length >= 3, 'second story audio');
    holdAtMs = 700; // heard when the network fails
    const lostId = (events.slice(from).find((e) => e.type === 'turn_started') as { responseId: string }).responseId;
    net.cut();
    await until(() => events.slice(from).find((e) => e.type === 'connection_status' && e.status === 'reconnecting'), 'reconnecting');
    expect(events.slice(from).find((e) => e.type === 'turn_ended')).toEqual({ type: 'turn_ended', responseId: lostId, reason: 'connection_lost' });
    holdAtMs = null;
    await model.sendUserInput('Are you back?'); // queued while down
    await model.sendAudio(new Uint8Array(1920)); // dropped and counted
    const restored = await until(() => events.slice(from).find((e) => e.type === 'conversation_restored') as Extract<RealtimeModelEvent, { type: 'conversation_restored' }> | undefined, 'conversation_restored');
    expect(restored).toMatchObject({ attempt: 1, session: true, lostItems: 0, lostResponseId: lostId, replayedSends: 1, droppedAudioFrames: 1 });

    // The new session got the effective session, then the conversation in order, then the queued text.
    const second = await until(() => {
      const frames = sim.connections[1]?.received as Obj[] | undefined;
      return frames?.some((f) => f.type === 'conversation.item.create' && f.item.content?.[0]?.text === 'Are you back?') && frames;
    }, 'the queued text on the new session');
    const update = second.find((f) => f.type === 'session.update' && f.session.instructions)!;
    expect(update.session).toMatchObject({ instructions: 'Speak like a pirate.', tools: [{ name: 'get_weather' }], audio: { output: { voice: 'marin' } } });
    expect(update.session.audio.input.turn_detection).toBeNull();
    const items = second.filter((f) => f.type === 'conversation.item.create').map((f) => f.item as Obj);
    const shape = items.map((i) => (i.type === 'message' ? `${i.role}: ${i.content[0].text}` : i.type));
    expect(shape[0]).toBe('user: hello');
    expect(shape[1]).toMatch(/^assistant: You said: hello/);
    expect(shape.slice(2, 6)).toEqual(["user: What's the weather in Paris?", 'function_call', 'function_call_output', 'assistant: It is sunny.']);
    expect(shape[6]).toBe('user: Tell me a story');
    expect(shape[7]).toBe(`assistant: ${heardStory.heard}`);
    expect(shape[8]).toBe('user: Another story please');
    const heardLost = events.slice(from).find((e) => e.type === 'heard_transcript' && e.final && e.responseId === lostId) as { heard: string };
    expect(shape[9]).toBe(`assistant: ${heardLost.heard}`);
    expect(LONG.startsWith(heardLost.heard)).toBe(true);
    expect(shape.at(-1)).toBe('user: Are you back?');
    expect(items[3]).toEqual({ type: 'function_call', call_id: call.callId, name: 'get_weather', arguments: call.arguments });
    expect(restored.restoredItems).toBe(items.length - 1);

    // The conversation goes on on the new session.
    const reply = await turnEnded(events.indexOf(restored));
    expect(reply).toMatchObject({ type: 'turn_ended' });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  }, 120_000);
});
