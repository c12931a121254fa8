// Page script for the browser adapter test: the library as a browser bundle (browser condition),
// driven by the test through window functions.
import { OpenAIRealtimeWebSocketModel, type RealtimeModelEvent } from '../../src/index.browser.js';

declare global {
  interface Window {
    roundTrip(url: string, apiKey: string): Promise<string[]>;
    tryConnect(url: string, options: Record<string, unknown>): Promise<string>;
  }
}

window.roundTrip = async (url, apiKey) => {
  const model = new OpenAIRealtimeWebSocketModel();
  const seen: string[] = [];
  let created: () => void = () => {};
  const sessionCreated = new Promise<void>((resolve) => (created = resolve));
  const ended = new Promise<void>((resolve) => {
    model.addListener({
      onEvent(e: RealtimeModelEvent) {
        if (e.type === 'raw_server_event') {
          if ((e.data as { type?: string }).type === 'session.created') created();
          return;
        }
        // Without a player the heard position is a wall-clock estimate: latency, heard_transcript and
        // (at close) audio_interrupted depend on timing here and are checked by the core tests.
        if (e.type === 'latency' || e.type === 'heard_transcript' || e.type === 'audio_interrupted') return;
        seen.push(e.type === 'audio' ? `audio:${e.data.byteLength}:${e.data[0]}` : e.type);
        if (e.type === 'turn_ended') resolve();
      },
    });
  });
  await model.connect({ apiKey, url });
  await sessionCreated; // the tracing session.update goes out on session.created, before our turn
  await model.sendUserInput('Hello from Chromium');
  await ended;
  model.close();
  return seen;
};

window.tryConnect = async (url, options) => {
  const model = new OpenAIRealtimeWebSocketModel();
  try {
    await model.connect({ url, ...options });
    model.close();
    return 'connected';
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
};
