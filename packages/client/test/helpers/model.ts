// The model over an in-memory socket, connected and greeted with session.created, for the
// wire-level model tests (model*.test.ts): what it writes is recorded and schema-checked.
import { afterEach } from 'vitest';
import { type ManualPlaybackTracker, OpenAIRealtimeWebSocketModel, type RealtimeModelEvent } from '../../src/index.node.js';
import { sessionEvent } from './frames.js';
import { memorySockets } from './memory-socket.js';

/** Lets timers of 0 ms and pending promise callbacks run. */
export const flush = () => new Promise((r) => setTimeout(r, 0));

/** A connected model (closed after the test) with its socket, every event it emitted, and a settable clock. */
export async function connected(options: { interruptResponse?: boolean; tracker?: ManualPlaybackTracker; settings?: Record<string, unknown> } = {}) {
  const wire = memorySockets();
  let now = 0;
  const model = new OpenAIRealtimeWebSocketModel({ createWebSocket: wire.createWebSocket, clock: () => now });
  opened.push(model);
  const events: RealtimeModelEvent[] = [];
  model.addListener({ onEvent: (e) => void events.push(e) });
  await model.connect({ apiKey: 'sk-test', initialModelSettings: options.settings ?? {}, playbackTracker: options.tracker });
  const socket = wire.last;
  socket.serverSend(sessionEvent('session.created', { interruptResponse: options.interruptResponse ?? false }));
  socket.sent.length = 0;
  events.length = 0;
  return { model, socket, events, setNow: (t: number) => void (now = t), of: (type: string) => events.filter((e) => e.type === type) };
}

/** Models to close after each test of the importing file; `connected` adds its own. */
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const model of opened.splice(0)) model.close();
});

/** The list of models closed after each test of the calling file, for models built by hand. */
export function closeAfterEach(): Array<{ close(): void }> {
  return opened;
}
