// One model response, start to finish: response.created, the output item, its content part, the
// audio/text/function-call deltas paced at `pace` × real time, the .done events and response.done
// with usage (event order of the GA spec and of the captured examples in PROTOCOL.md §2).
// A cancel (response.cancel or barge-in) stops the stream at the next chunk; the item keeps only
// the audio and transcript actually sent, and response.done says status "cancelled".
// Audio replies are rendered word by word (word-speech.ts): each transcript delta is one word, sent
// just before the audio chunk in which that word starts, and the words sent so far are logged with
// their true timings (host.wordLog) for Simulator.wordTimings().
import { bytesPerMs, encodeForFormat, type AudioFormat } from './audio-codec.js';
import { audioMs, withoutAudio, type Conversation, type Item } from './conversation.js';
import { newId } from './ids.js';
import type { ReplyPlan } from './script.js';
import type { Session } from './session.js';
import type { WordTimingLog } from './word-log.js';
import { synthesizeWords, type WordTiming } from './word-speech.js';

/** Audio sent per response.output_audio.delta, in ms. */
export const CHUNK_MS = 100;

/** What a response needs from its connection. */
export interface ResponseHost {
  send(event: Record<string, unknown>): void;
  readonly session: Session;
  readonly conversation: Conversation;
  readonly conversationId: string;
  readonly pace: number;
  /** Where the word timings of every audio item go. */
  readonly wordLog: WordTimingLog;
  isClosed(): boolean;
}

/** Resolved response.create parameters. */
export interface ResponseParams {
  inConversation: boolean;
  modalities: ('audio' | 'text')[];
  format: AudioFormat;
  voice: string;
  speed: number;
  metadata: unknown;
  maxOutputTokens: number | 'inf';
  inputTokens: number;
}

/** A running response; cancel() stops it at the next chunk. */
export class ActiveResponse {
  readonly id = newId('resp');
  cancelReason: 'client_cancelled' | 'turn_detected' | null = null;
  /** Output audio ms of this response (grows while streaming). */
  audioMsSent = 0;
  private wake: (() => void) | null = null;

  /** Asks the stream to stop; response.done will carry status cancelled. */
  cancel(reason: 'client_cancelled' | 'turn_detected'): void {
    this.cancelReason ??= reason;
    this.wake?.();
  }

  /** Waits until `ms` (wall clock), or until cancelled. Yields to the event loop even at ms ≤ 0. */
  sleep(ms: number): Promise<void> {
    if (this.cancelReason) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => { this.wake = null; clearTimeout(timer); clearImmediate(imm); resolve(); };
      this.wake = done;
      const imm = ms > 0 ? undefined : setImmediate(done);
      const timer = ms > 0 ? setTimeout(done, ms) : undefined;
    });
  }
}

const tokens = (text: string): number => Math.ceil(text.length / 4);

/** Streams one response for `plan` and resolves when response.done was sent. */
export async function runResponse(host: ResponseHost, active: ActiveResponse, params: ResponseParams, plan: ReplyPlan): Promise<void> {
  const base = {
    object: 'realtime.response', id: active.id, status: 'in_progress', status_details: null, output: [],
    conversation_id: params.inConversation ? host.conversationId : null,
    output_modalities: params.modalities, max_output_tokens: params.maxOutputTokens,
    audio: { output: { format: params.format, voice: params.voice } }, usage: null, metadata: params.metadata ?? null,
  };
  host.send({ type: 'response.created', response: base });
  const stored = plan.kind === 'tool'
    ? await streamToolCall(host, active, params, plan)
    : params.modalities.includes('audio')
      ? await streamAudio(host, active, params, plan.text)
      : await streamText(host, active, params, plan.text);
  if (host.isClosed()) return;
  const outText = stored.outputText;
  const audioTokens = Math.ceil(active.audioMsSent / 50);
  const outputTokens = tokens(outText) + audioTokens;
  const cancelled = active.cancelReason !== null;
  host.send({
    type: 'response.done',
    response: {
      ...base,
      status: cancelled ? 'cancelled' : 'completed',
      status_details: cancelled ? { type: 'cancelled', reason: active.cancelReason } : null,
      output: [withoutAudio(stored.item)],
      usage: {
        total_tokens: params.inputTokens + outputTokens, input_tokens: params.inputTokens, output_tokens: outputTokens,
        input_token_details: {
          text_tokens: params.inputTokens, audio_tokens: 0, image_tokens: 0, cached_tokens: 0,
          cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
        },
        output_token_details: { text_tokens: tokens(outText), audio_tokens: audioTokens },
      },
    },
  });
}

interface Streamed { item: Item; outputText: string }

function openItem(host: ResponseHost, active: ActiveResponse, params: ResponseParams, item: Item): void {
  host.send({ type: 'response.output_item.added', response_id: active.id, output_index: 0, item });
  if (!params.inConversation) return;
  const { previousItemId } = host.conversation.add({ ...item }) as { previousItemId: string | null };
  host.send({ type: 'conversation.item.added', previous_item_id: previousItemId, item });
}

function closeItem(host: ResponseHost, active: ActiveResponse, params: ResponseParams, item: Item, audio?: Buffer): void {
  item.status = active.cancelReason ? 'incomplete' : 'completed';
  host.send({ type: 'response.output_item.done', response_id: active.id, output_index: 0, item: withoutAudio(item) });
  if (!params.inConversation) return;
  const stored = host.conversation.get(item.id);
  if (!stored) return; // deleted by the client meanwhile
  if (stored.truncated) {
    // Truncated while streaming: keep the heard part the client asked for.
    item.content = stored.item.content;
  } else if (audio) {
    stored.audio.set(0, { bytes: audio, format: params.format });
  }
  stored.item = item;
  const all = host.conversation.all();
  const at = all.indexOf(stored);
  host.send({
    type: 'conversation.item.done', previous_item_id: at > 0 ? all[at - 1]!.item.id : null, item: withoutAudio(item),
  });
}

async function streamToolCall(host: ResponseHost, active: ActiveResponse, params: ResponseParams,
  plan: Extract<ReplyPlan, { kind: 'tool' }>): Promise<Streamed> {
  const callId = newId('call');
  const item: Item = {
    id: newId('item'), object: 'realtime.item', type: 'function_call', status: 'in_progress',
    name: plan.name, call_id: callId, arguments: '',
  };
  openItem(host, active, params, item);
  const ids = { response_id: active.id, item_id: item.id, output_index: 0, call_id: callId };
  const step = Math.max(1, Math.ceil(plan.arguments.length / 4));
  let sent = '';
  for (let i = 0; i < plan.arguments.length && !active.cancelReason; i += step) {
    const delta = plan.arguments.slice(i, i + step);
    sent += delta;
    host.send({ type: 'response.function_call_arguments.delta', ...ids, delta });
    await active.sleep(0);
    if (host.isClosed()) return { item, outputText: sent };
  }
  item.arguments = sent;
  host.send({ type: 'response.function_call_arguments.done', ...ids, name: plan.name, arguments: sent });
  closeItem(host, active, params, item);
  return { item, outputText: sent };
}

async function streamText(host: ResponseHost, active: ActiveResponse, params: ResponseParams, text: string): Promise<Streamed> {
  const item: Item = { id: newId('item'), object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
  openItem(host, active, params, item);
  const ids = { response_id: active.id, item_id: item.id, output_index: 0, content_index: 0 };
  host.send({ type: 'response.content_part.added', ...ids, part: { type: 'text', text: '' } });
  let sent = '';
  for (const word of text.match(/\S+\s*/g) ?? []) {
    if (active.cancelReason) break;
    sent += word;
    host.send({ type: 'response.output_text.delta', ...ids, delta: word });
    await active.sleep(0);
    if (host.isClosed()) return { item, outputText: sent };
  }
  host.send({ type: 'response.output_text.done', ...ids, text: sent });
  host.send({ type: 'response.content_part.done', ...ids, part: { type: 'text', text: sent } });
  item.content = [{ type: 'output_text', text: sent }];
  closeItem(host, active, params, item);
  return { item, outputText: sent };
}

/**
 * Keeps the stored item current while audio streams, so a client can truncate (or retrieve) an
 * item whose response is still running, as clients do on barge-in. Assumed behaviour: the real
 * server's handling of a truncate that arrives mid-stream is not documented (PROTOCOL.md §5).
 */
function exposeStreamed(host: ResponseHost, params: ResponseParams, itemId: string, sent: Buffer, transcript: string): void {
  if (!params.inConversation) return;
  const stored = host.conversation.get(itemId);
  if (!stored || stored.truncated) return;
  stored.audio.set(0, { bytes: sent, format: params.format });
  stored.item.content = [{ type: 'output_audio', transcript }];
}

/** A reply's words going out as transcript deltas while its audio reaches them, logged as they go. */
class WordStream {
  transcript = '';
  private next = 0;

  constructor(private readonly host: ResponseHost, private readonly ids: Record<string, unknown>,
    private readonly itemId: string, private readonly words: readonly WordTiming[]) {
    host.wordLog.set(itemId, []);
  }

  /**
   * Sends every word starting before `ms`, just before the audio chunk that reaches it. Word i's
   * delta is the word and the space after it, so the deltas add up to the transcript spoken.
   */
  sendBefore(ms: number): void {
    for (; this.next < this.words.length && this.words[this.next]!.startMs < ms; this.next++) {
      const delta = this.words[this.next]!.word + (this.next < this.words.length - 1 ? ' ' : '');
      this.transcript += delta;
      this.host.send({ type: 'response.output_audio_transcript.delta', ...this.ids, delta });
    }
  }

  /** Logs the words sent so far, each cut at `sentMs` (a cancel can stop one mid-word). */
  log(sentMs: number): void {
    this.host.wordLog.set(this.itemId, this.words.slice(0, this.next).map((w) => ({ ...w, endMs: Math.min(w.endMs, sentMs) })));
  }
}

async function streamAudio(host: ResponseHost, active: ActiveResponse, params: ResponseParams, text: string): Promise<Streamed> {
  const item: Item = { id: newId('item'), object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
  openItem(host, active, params, item);
  const ids = { response_id: active.id, item_id: item.id, output_index: 0, content_index: 0 };
  host.send({ type: 'response.content_part.added', ...ids, part: { type: 'audio', transcript: '' } });
  const spoken = await synthesizeWords(text, params.voice, params.speed);
  const bytes = encodeForFormat(spoken.pcm, params.format);
  const perMs = bytesPerMs(params.format);
  const words = new WordStream(host, ids, item.id, spoken.words);
  let sentBytes = 0;
  const t0 = Date.now();
  while (sentBytes < bytes.length && !active.cancelReason && !host.isClosed()) {
    const end = Math.min(bytes.length, sentBytes + perMs * CHUNK_MS);
    words.sendBefore(end / perMs);
    host.send({ type: 'response.output_audio.delta', ...ids, delta: bytes.subarray(sentBytes, end).toString('base64') });
    sentBytes = end;
    active.audioMsSent = audioMs(sentBytes, params.format);
    words.log(active.audioMsSent);
    exposeStreamed(host, params, item.id, bytes.subarray(0, sentBytes), words.transcript);
    const due = t0 + active.audioMsSent / host.pace;
    await active.sleep(Number.isFinite(host.pace) ? due - Date.now() : 0);
  }
  if (host.isClosed()) return { item, outputText: words.transcript };
  if (sentBytes === bytes.length) {
    // All audio went out: words that start at its very end (a trailing "-") still belong to it.
    words.sendBefore(Infinity);
    words.log(active.audioMsSent);
  }
  const { transcript } = words;
  const heard = bytes.subarray(0, sentBytes);
  host.send({ type: 'response.output_audio.done', ...ids });
  host.send({ type: 'response.output_audio_transcript.done', ...ids, transcript });
  host.send({ type: 'response.content_part.done', ...ids, part: { type: 'audio', transcript } });
  item.content = [{ type: 'output_audio', transcript }];
  closeItem(host, active, params, item, Buffer.from(heard));
  return { item, outputText: transcript };
}
