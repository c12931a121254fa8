// The server side of the adapter conformance round trip: answers session.update with
// session.created/updated and a user message with a short audio response.
import type { SeenConnection } from './ws-server.js';

let n = 0;
const eid = () => `event_srv_${++n}`;

/** Replies like a minimal Realtime server (shapes from realtime-ga-examples.json). */
export function answerLikeServer(event: Record<string, any>, conn: SeenConnection): void {
  const send = (frame: unknown) => conn.socket.send(JSON.stringify(frame));
  if (event.type === 'session.update' && event.session?.tracing === undefined) {
    const session = { ...event.session, object: 'realtime.session', id: 'sess_1' };
    send({ type: 'session.created', event_id: eid(), session });
  } else if (event.type === 'response.create') {
    const r = { id: 'resp_1', object: 'realtime.response', status: 'in_progress', output: [] };
    send({ type: 'response.created', event_id: eid(), response: r });
    const base = { response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0 };
    send({ type: 'response.output_audio.delta', event_id: eid(), ...base, delta: Buffer.alloc(4800, 7).toString('base64') });
    send({ type: 'response.output_audio_transcript.delta', event_id: eid(), ...base, delta: 'Hello' });
    send({ type: 'response.output_audio.done', event_id: eid(), ...base });
    send({ type: 'response.done', event_id: eid(), response: { ...r, status: 'completed', usage: { total_tokens: 3, input_tokens: 1, output_tokens: 2 } } });
  }
}
