// Builders of valid GA server frames for tests (shapes as in realtime-ga-examples.json).
let n = 0;
const id = () => `event_${++n}`;

/** session.created / session.updated with the given turn detection and output format. */
export function sessionEvent(type: 'session.created' | 'session.updated', opts: { interruptResponse?: boolean; format?: Record<string, unknown> } = {}) {
  return {
    type,
    event_id: id(),
    session: {
      type: 'realtime',
      object: 'realtime.session',
      id: 'sess_1',
      model: 'gpt-realtime',
      output_modalities: ['audio'],
      audio: {
        input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'semantic_vad', interrupt_response: opts.interruptResponse ?? false } },
        output: { format: opts.format ?? { type: 'audio/pcm', rate: 24000 }, voice: 'ash' },
      },
    },
  };
}

export const responseCreated = (responseId: string) => ({
  type: 'response.created',
  event_id: id(),
  response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] },
});

export const responseDone = (responseId: string, usage?: Record<string, unknown>) => ({
  type: 'response.done',
  event_id: id(),
  response: { id: responseId, object: 'realtime.response', status: 'completed', output: [], ...(usage ? { usage } : {}) },
});

/** An audio delta carrying `bytes` bytes (pcm16: 48 bytes per ms). */
export function audioDelta(responseId: string, itemId: string, bytes: number, contentIndex = 0) {
  return {
    type: 'response.output_audio.delta',
    event_id: id(),
    response_id: responseId,
    item_id: itemId,
    output_index: 0,
    content_index: contentIndex,
    delta: Buffer.alloc(bytes, 1).toString('base64'),
  };
}

export const transcriptDelta = (responseId: string, itemId: string, delta: string) => ({
  type: 'response.output_audio_transcript.delta',
  event_id: id(),
  response_id: responseId,
  item_id: itemId,
  output_index: 0,
  content_index: 0,
  delta,
});

export const speechStarted = (itemId = 'item_user', audioStartMs = 1000) => ({
  type: 'input_audio_buffer.speech_started',
  event_id: id(),
  audio_start_ms: audioStartMs,
  item_id: itemId,
});

export const serverError = (error: Record<string, unknown>) => ({ type: 'error', event_id: id(), error });
