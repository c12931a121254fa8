// Server event dispatch (seed-behaviour.md §4): one handler per event `type`, picked by lookup.
// Input is an already validated server event, the clock and the latest playback reading (values
// from the glue; nothing here calls out); output is what to send, emit and play. Audio deltas go
// through the ledger: audio of an interrupted response or a stopped item is never emitted.
import { KIND_SAMPLE_BYTES, audioLengthMs, base64DecodedLength, base64ToBytes, formatKind, isDecoded, isWholeBase64 } from '../audio/pcm.js';
import { noteAssistant, noteFunctionCall, noteUserAudio, noteUserTranscript } from './history.js';
import { bargeIn, flushResponseCreates } from './interrupt.js';
import { endResponseAudio, ensureItem, isAudible, itemKey, recordAudio } from './ledger.js';
import type { RealtimeItem, RealtimeUsage } from './model-events.js';
import { markTurnStart, openTurn, settle } from './playback.js';
import { type CoreState, type StepResult, emptyStep } from './state.js';
import type { AudioFormatLike, PlaybackState } from './types.js';

// Server events are validated before they get here; handlers read fields loosely.
type Obj = Record<string, any>;
type Handler = (state: CoreState, event: Obj, out: StepResult, ctx: ReceiveContext) => void;

/** Inputs a receive step takes from outside the core, as values. */
export interface ReceiveContext {
  now: number;
  /** The latest playback reading (player or tracker), or null for the wall-clock estimate. */
  playback: PlaybackState | null;
}

/**
 * Streaming deltas: the hot path. The glue need not read the playback for them, and the step
 * does not settle the ledger after them (every other event does).
 */
export const DELTA_EVENTS: ReadonlySet<string> = new Set([
  'response.output_audio.delta',
  'response.output_audio_transcript.delta',
  'response.output_text.delta',
  'response.function_call_arguments.delta',
]);

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
    out.play.push({ op: 'format', format });
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
    if (state.history && event.type === 'response.output_item.done' && (item.role ?? 'assistant') === 'assistant') {
      const text = content.map((p) => (p.type === 'audio' ? p.transcript : p.text)).filter((t) => typeof t === 'string').join('');
      noteAssistant(state.history, str(item.id), text);
    }
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
    if (state.history && event.type === 'response.output_item.done') noteFunctionCall(state.history, callId, name, args);
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

/** An audio delta: dropped when its response or item was interrupted, else recorded and played. */
function audioDelta(state: CoreState, e: Obj, out: StepResult, ctx: ReceiveContext): void {
  const ledger = state.ledger;
  if (ledger.interruptedResponses.has(e.response_id)) return; // late audio of an interrupted response
  const existing = ledger.items.get(itemKey(e.item_id, e.content_index));
  if (existing && (existing.phase === 'interrupted' || existing.phase === 'truncated')) return;
  const base64 = e.delta as string;
  const byteLength = typeof base64 === 'string' && isWholeBase64(base64) ? base64DecodedLength(base64) : -1;
  const problem = audioProblem(byteLength, state);
  if (problem) {
    // Never silent or wrong audio: the delta is dropped and the app told, with the frame.
    out.emit.push({ type: 'error', error: { source: 'client', type: 'invalid_server_event', code: 'invalid_audio', message: problem, param: 'delta', eventId: e.event_id ?? null, raw: e } });
    return;
  }
  state.currentItemId = e.item_id;
  recordAudio(ledger, e.item_id, e.content_index, e.response_id, audioLengthMs(state.audioFormat, byteLength), ctx.now);
  const turn = ledger.turns.get(e.response_id);
  if (turn && turn.firstDeltaAt === null) turn.firstDeltaAt = ctx.now;
  if (isDecoded(base64)) {
    // Node proved the base64 by decoding it: the bytes exist already, plain values are cheapest.
    const data = base64ToBytes(base64);
    out.emit.push({ type: 'audio', data, responseId: e.response_id, itemId: e.item_id, contentIndex: e.content_index });
    out.play.push({ op: 'append', itemId: e.item_id, contentIndex: e.content_index, responseId: e.response_id, base64, data });
    return;
  }
  // Proved without decoding (a browser): decoded only when read (an `audio` listener, a player
  // without appendBase64), once for both; the Web Audio player decodes the base64 in its worklet.
  let bytes: Uint8Array | null = null;
  const decode = (): Uint8Array => (bytes ??= base64ToBytes(base64));
  out.emit.push({ type: 'audio', get data() { return decode(); }, responseId: e.response_id, itemId: e.item_id, contentIndex: e.content_index });
  out.play.push({ op: 'append', itemId: e.item_id, contentIndex: e.content_index, responseId: e.response_id, base64, get data() { return decode(); } });
}

/** Why a delta's audio is unusable: not base64 (-1), or not whole samples of the session's format. */
function audioProblem(byteLength: number, state: CoreState): string | null {
  if (byteLength < 0) return 'response.output_audio.delta: delta is not valid base64';
  const width = KIND_SAMPLE_BYTES[formatKind(state.audioFormat)];
  if (byteLength % width !== 0) return `response.output_audio.delta: ${byteLength} bytes is not a whole number of ${width}-byte samples`;
  return null;
}

/** A transcript delta: kept on the ledger item (for the heard split) and emitted. */
function transcriptDelta(state: CoreState, e: Obj, out: StepResult, ctx: ReceiveContext): void {
  const ledger = state.ledger;
  if (!ledger.interruptedResponses.has(e.response_id)) {
    const item = ensureItem(ledger, e.item_id, e.content_index, e.response_id, ctx.now);
    if (isAudible(item)) item.transcript += e.delta;
  }
  out.emit.push({ type: 'transcript_delta', itemId: e.item_id, delta: e.delta, responseId: e.response_id });
}

/** Handlers keyed by server event type; types not listed only produce `raw_server_event`. */
const HANDLERS: Record<string, Handler> = {
  'response.output_audio.delta': audioDelta,
  'response.output_audio.done': (state, e, out) => {
    const item = state.ledger.items.get(itemKey(e.item_id, e.content_index));
    if (item) item.audioDone = true;
    out.emit.push({ type: 'audio_done', itemId: e.item_id, contentIndex: e.content_index });
    out.play.push({ op: 'done', itemId: e.item_id, contentIndex: e.content_index });
  },
  'input_audio_buffer.speech_started': (state, e, out, ctx) => bargeIn(state, out, ctx.playback, ctx.now, e.audio_end_ms),
  'input_audio_buffer.speech_stopped': (state, _e, _out, ctx) => markTurnStart(state, ctx.now, 'speech_stopped'),
  'response.created': (state, e, out) => {
    const id = typeof e.response?.id === 'string' ? e.response.id : null;
    state.ongoingResponse = true;
    state.ongoingResponseId = id;
    state.control = 'free';
    state.inFlightCreateId = null;
    if (id) openTurn(state, id);
    out.emit.push({ type: 'turn_started', responseId: id });
  },
  'response.done': (state, e, out, ctx) => {
    const id = typeof e.response?.id === 'string' ? e.response.id : null;
    if (e.response?.usage) out.emit.push({ type: 'usage', usage: toUsage(e.response.usage) });
    out.emit.push({ type: 'turn_ended', responseId: id });
    if (id) {
      state.ledger.interruptedResponses.delete(id);
      endResponseAudio(state.ledger, id);
    }
    if (!(id && state.ongoingResponseId && id !== state.ongoingResponseId)) {
      state.ongoingResponse = false;
      state.ongoingResponseId = null;
      state.control = 'free';
    }
    flushResponseCreates(state, out, ctx.now);
  },
  'session.created': (state, e, out) => {
    if (state.tracingUpdate) out.send.push(state.tracingUpdate);
    recordSession(state, e, out);
  },
  'session.updated': (state, e, out) => recordSession(state, e, out),
  error: (state, e, out, ctx) => {
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
    releaseFailedCreate(state, err, out, ctx.now);
  },
  'conversation.item.deleted': (_s, e, out) => out.emit.push({ type: 'item_deleted', itemId: e.item_id }),
  'conversation.item.added': messageItem,
  'conversation.item.created': messageItem,
  'conversation.item.retrieved': messageItem,
  'input_audio_buffer.committed': (state, e) => {
    if (state.history) noteUserAudio(state.history, e.item_id);
  },
  'conversation.item.input_audio_transcription.completed': (state, e, out) => {
    if (state.history) noteUserTranscript(state.history, e.item_id, e.transcript);
    retrieveCurrentItem(state, out);
    out.emit.push({ type: 'input_audio_transcription_completed', itemId: e.item_id, transcript: e.transcript });
  },
  'conversation.item.truncated': (state, _e, out) => retrieveCurrentItem(state, out),
  'response.output_audio_transcript.delta': transcriptDelta,
  'response.output_audio_transcript.done': (state, e) => {
    const item = state.ledger.items.get(itemKey(e.item_id, e.content_index));
    if (item && isAudible(item)) item.transcript = e.transcript;
    if (item) item.transcriptDone = true;
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
function releaseFailedCreate(state: CoreState, err: Obj, out: StepResult, now: number): void {
  if (state.ongoingResponse || state.control !== 'create_requested') return;
  const matches = err.event_id
    ? err.event_id === state.inFlightCreateId
    : err.code === 'bad_response_create' || /response\.create/i.test(str(err.message));
  if (!matches) return;
  state.control = 'free';
  state.inFlightCreateId = null;
  flushResponseCreates(state, out, now);
}

/**
 * Applies one validated server event to the state. Every event but a streaming delta then
 * settles the ledger with the playback reading (heard transcript, latency, releases).
 */
export function receiveServerEvent(state: CoreState, event: Obj, ctx: ReceiveContext): StepResult {
  const out = emptyStep();
  const type = event.type as string;
  const handler = HANDLERS[type];
  if (handler) handler(state, event, out, ctx);
  if (!DELTA_EVENTS.has(type)) settle(state, out, ctx.playback, ctx.now);
  return out;
}
