// Server event dispatch (seed-behaviour.md §4): one handler per event `type`, picked by lookup.
// Input is an already validated server event; output is what to send and emit. No I/O here:
// `now` (monotonic ms) and the playback reading are inputs from the glue.
import { audioLengthMs, base64ToBytes } from '../audio/pcm.js';
import {
  type StepResult,
  bargeIn,
  emptyStep,
  flushResponseCreates,
} from './interrupt.js';
import type { RealtimeItem, RealtimeUsage } from './model-events.js';
import { type CoreState, recordAudio, releaseResponseAudio } from './state.js';
import type { AudioFormatLike, PlaybackState } from './types.js';

// Server events are validated before they get here; handlers read fields loosely.
type Obj = Record<string, any>;
type Handler = (state: CoreState, event: Obj, out: StepResult, ctx: ReceiveContext) => void;

/** Inputs a receive step needs from outside the core. */
export interface ReceiveContext {
  now: number;
  /** Reads the playback position (the custom tracker's, or the default estimate). */
  readPlayback: () => PlaybackState;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** GA `session.audio.output.format` → the seed's format name (§2.3). */
function sessionOutputFormat(session: Obj | undefined): AudioFormatLike | undefined {
  const format = session?.audio?.output?.format;
  if (format === undefined || format === null) return undefined;
  if (typeof format === 'string') return format;
  const type = str(format.type);
  if (type === 'audio/pcm') return 'pcm16';
  if (type === 'audio/pcmu') return 'g711_ulaw';
  if (type === 'audio/pcma') return 'g711_alaw';
  return type || String(format);
}

function recordSession(state: CoreState, event: Obj, out: StepResult): void {
  const session = event.session as Obj | undefined;
  if (!session || session.type === 'transcription') return;
  state.serverCancelsOnInterrupt = session.audio?.input?.turn_detection?.interrupt_response === true;
  const format = sessionOutputFormat(session);
  if (format !== undefined) {
    state.audioFormat = format;
    out.audioFormat = format;
  }
}

/** Message item of a `conversation.item.*` event → `item_updated` item (§5.8; status quirk kept). */
function toMessageItem(item: Obj, previousItemId: string | null | undefined): RealtimeItem {
  const content = Array.isArray(item.content)
    ? item.content.map((part: Obj) => {
        const type = part.type === 'output_text' ? 'text' : part.type === 'output_audio' ? 'audio' : part.type;
        return { ...part, type };
      })
    : [];
  const result: RealtimeItem = { itemId: str(item.id), type: 'message', role: item.role, content, status: 'in_progress' };
  if (previousItemId !== undefined) result.previousItemId = previousItemId;
  return result;
}

/** Fast path of `response.output_item.added|done` for message items (§4 step 2). */
function outputItem(state: CoreState, event: Obj, out: StepResult): void {
  const item = event.item as Obj;
  if (item.type === 'message') {
    const content = (Array.isArray(item.content) ? item.content : [])
      .filter((p: unknown) => p && typeof p === 'object')
      .flatMap((p: Obj): Array<Record<string, unknown>> =>
        p.type === 'audio' || p.type === 'output_audio'
          ? [{ type: 'audio', audio: p.audio ?? null, transcript: p.transcript ?? null }]
          : p.type === 'text' || p.type === 'output_text'
            ? [{ type: 'text', text: p.text ?? null }]
            : [],
      );
    const fallback = event.type === 'response.output_item.done' ? 'completed' : 'in_progress';
    const status = ['in_progress', 'completed', 'incomplete'].includes(item.status) ? item.status : fallback;
    out.emit.push({ type: 'item_updated', item: { itemId: str(item.id), type: 'message', role: item.role ?? 'assistant', content, status } });
    return;
  }
  if (item.type === 'function_call' && item.status === 'completed') {
    const callId = str(item.call_id);
    const name = str(item.name);
    const args = str(item.arguments);
    out.emit.push({
      type: 'item_updated',
      item: { itemId: str(item.id), previousItemId: null, type: 'function_call', status: 'in_progress', callId, name, arguments: args, output: null },
    });
    out.emit.push({ type: 'function_call', callId, name, arguments: args, id: str(item.id) });
  }
}

/** `response.usage` → usage event (§5.7). */
function toUsage(u: Obj): RealtimeUsage {
  const input = Number(u.input_tokens ?? 0) || 0;
  const output = Number(u.output_tokens ?? 0) || 0;
  return {
    requests: 1,
    inputTokens: input,
    outputTokens: output,
    totalTokens: typeof u.total_tokens === 'number' ? u.total_tokens : input + output,
    inputTokensDetails: u.input_token_details ?? null,
    outputTokensDetails: u.output_token_details ?? null,
  };
}

function retrieveCurrentItem(state: CoreState, out: StepResult): void {
  // Seed quirk kept (§4): retrieves the last assistant audio item, to refresh its transcript.
  if (state.currentItemId) out.send.push({ type: 'conversation.item.retrieve', item_id: state.currentItemId });
}

function messageItem(state: CoreState, event: Obj, out: StepResult): void {
  const item = event.item as Obj;
  if (item?.type !== 'message') return;
  const previous = event.type === 'conversation.item.created' ? (event.previous_item_id ?? null) : null;
  out.emit.push({ type: 'item_updated', item: toMessageItem(item, previous) });
}

/** Handlers keyed by server event type; types not listed only produce `raw_server_event`. */
const HANDLERS: Record<string, Handler> = {
  'response.output_audio.delta': (state, e, out, ctx) => {
    if (state.interruptedResponses.has(e.response_id)) return; // late audio of an interrupted response
    const data = base64ToBytes(e.delta);
    state.currentItemId = e.item_id;
    recordAudio(state, e.item_id, e.content_index, audioLengthMs(state.audioFormat, data.byteLength), e.response_id, ctx.now);
    out.emit.push({ type: 'audio', data, responseId: e.response_id, itemId: e.item_id, contentIndex: e.content_index });
  },
  'response.output_audio.done': (_s, e, out) => {
    out.emit.push({ type: 'audio_done', itemId: e.item_id, contentIndex: e.content_index });
  },
  'input_audio_buffer.speech_started': (state, e, out, ctx) => {
    if (state.lastAudioKey) bargeIn(state, out, ctx.readPlayback(), e.audio_end_ms);
  },
  'response.created': (state, e, out) => {
    const id = typeof e.response?.id === 'string' ? e.response.id : null;
    state.ongoingResponse = true;
    state.ongoingResponseId = id;
    state.control = 'free';
    state.inFlightCreateId = null;
    out.emit.push({ type: 'turn_started', responseId: id });
  },
  'response.done': (state, e, out) => {
    const id = typeof e.response?.id === 'string' ? e.response.id : null;
    if (e.response?.usage) out.emit.push({ type: 'usage', usage: toUsage(e.response.usage) });
    out.emit.push({ type: 'turn_ended', responseId: id });
    if (id) {
      state.interruptedResponses.delete(id);
      releaseResponseAudio(state, id);
    }
    if (!(id && state.ongoingResponseId && id !== state.ongoingResponseId)) {
      state.ongoingResponse = false;
      state.ongoingResponseId = null;
      state.control = 'free';
    }
    flushResponseCreates(state, out);
  },
  'session.created': (state, e, out) => {
    if (state.tracingUpdate) out.send.push(state.tracingUpdate);
    recordSession(state, e, out);
  },
  'session.updated': (state, e, out) => recordSession(state, e, out),
  error: (state, e, out) => {
    const err = (e.error ?? {}) as Obj;
    out.emit.push({
      type: 'error',
      error: {
        source: 'server',
        type: str(err.type),
        code: err.code ?? null,
        message: str(err.message),
        param: err.param ?? null,
        eventId: err.event_id ?? null,
      },
    });
    releaseFailedCreate(state, err, out);
  },
  'conversation.item.deleted': (_s, e, out) => out.emit.push({ type: 'item_deleted', itemId: e.item_id }),
  'conversation.item.added': messageItem,
  'conversation.item.created': messageItem,
  'conversation.item.retrieved': messageItem,
  'conversation.item.input_audio_transcription.completed': (state, e, out) => {
    retrieveCurrentItem(state, out);
    out.emit.push({ type: 'input_audio_transcription_completed', itemId: e.item_id, transcript: e.transcript });
  },
  'conversation.item.truncated': (state, _e, out) => retrieveCurrentItem(state, out),
  'response.output_audio_transcript.delta': (_s, e, out) => {
    out.emit.push({ type: 'transcript_delta', itemId: e.item_id, delta: e.delta, responseId: e.response_id });
  },
  'response.output_text.delta': (_s, e, out) => {
    out.emit.push({ type: 'output_text_delta', itemId: e.item_id, delta: e.delta, responseId: e.response_id });
  },
  'response.output_item.added': outputItem,
  'response.output_item.done': outputItem,
  'input_audio_buffer.timeout_triggered': (_s, e, out) => {
    out.emit.push({ type: 'input_audio_timeout_triggered', itemId: e.item_id, audioStartMs: e.audio_start_ms, audioEndMs: e.audio_end_ms });
  },
};

/**
 * A server error while a response.create is in flight releases it when it names that create
 * (by event id, or without an id by code/message), so the next queued create can go (§3.5).
 */
function releaseFailedCreate(state: CoreState, err: Obj, out: StepResult): void {
  if (state.ongoingResponse || state.control !== 'create_requested') return;
  const matches = err.event_id
    ? err.event_id === state.inFlightCreateId
    : err.code === 'bad_response_create' || /response\.create/i.test(str(err.message));
  if (!matches) return;
  state.control = 'free';
  state.inFlightCreateId = null;
  flushResponseCreates(state, out);
}

/** Applies one validated server event to the state. */
export function receiveServerEvent(state: CoreState, event: Obj, ctx: ReceiveContext): StepResult {
  const out = emptyStep();
  const handler = HANDLERS[event.type as string];
  if (handler) handler(state, event, out, ctx);
  return out;
}
