// One client connection: parses and validates each frame, then picks its handler from a table
// keyed by client event `type` (STYLE.md: lookup, not an if-chain). Errors use the real shape
// {type:'error', event_id, error:{type, code, message, param, event_id}} and never close the socket.
import type { WebSocket } from 'ws';
import { Conversation, itemText, withoutAudio, type Item } from './conversation.js';
import { Outbox, type FaultOptions } from './faults.js';
import { newId } from './ids.js';
import { InputAudio } from './input-audio.js';
import { ActiveResponse, runResponse, type ResponseParams } from './responses.js';
import { padReply, planReply, type ReplyContext, type SimulatorScript } from './script.js';
import { applySessionUpdate, createSession, type Session } from './session.js';
import { truncateItem } from './truncate.js';
import { checkClientEvent } from './validate.js';
import type { VoiceDetector } from './vad.js';
import type { WordTimingLog } from './word-log.js';
import { synthesizeWords } from './word-speech.js';

/** Settings of one connection. */
export interface ConnectionSettings {
  model: string;
  pace: number;
  script: SimulatorScript;
  faults: FaultOptions;
  record: (dir: 'in' | 'out', data: string) => void;
  /** The simulator's log of word timings, shared by its connections. */
  wordLog: WordTimingLog;
}

type Ev = Record<string, unknown> & { type: string; event_id?: string };
type Handler = (conn: SimConnection, ev: Ev) => void;

/** Handlers by client event type. */
const HANDLERS: Record<string, Handler> = {
  'session.update': (c, ev) => {
    const issue = applySessionUpdate(c.session, ev.session as Record<string, unknown>, c.audioProduced);
    if (issue) return c.error(issue.code, issue.message, issue.param, ev.event_id ?? null);
    c.send({ type: 'session.updated', session: c.session });
  },
  'input_audio_buffer.append': (c, ev) => {
    // PROTOCOL.md §4.5: at most 15 MiB of audio per append (the refusal's wording is assumed).
    if ((ev.audio as string).length * 0.75 > 15 * 1024 * 1024) {
      return c.error('invalid_value', 'Audio chunk exceeds the maximum of 15 MiB per input_audio_buffer.append.', 'audio', ev.event_id ?? null);
    }
    c.input.append(ev.audio as string);
  },
  'input_audio_buffer.commit': (c, ev) => c.input.commit(ev.event_id ?? null),
  'input_audio_buffer.clear': (c) => c.input.clear(),
  'conversation.item.create': (c, ev) => c.createItem(ev),
  'conversation.item.retrieve': (c, ev) => {
    const stored = c.conversation.get(ev.item_id as string);
    if (!stored) return c.itemNotFound(ev);
    const content = (stored.item.content as Array<Record<string, unknown>> | undefined)?.map((part, i) => {
      const audio = stored.audio.get(i);
      return audio ? { ...part, audio: audio.bytes.toString('base64') } : part;
    });
    c.send({ type: 'conversation.item.retrieved', item: content ? { ...stored.item, content } : stored.item });
  },
  'conversation.item.delete': (c, ev) => {
    if (!c.conversation.delete(ev.item_id as string)) return c.itemNotFound(ev);
    c.send({ type: 'conversation.item.deleted', item_id: ev.item_id });
  },
  'conversation.item.truncate': (c, ev) => truncateItem(c, ev),
  'response.create': (c, ev) => {
    if (c.active) {
      // 3rd-party-observed code and message (PROTOCOL.md §4.5).
      return c.error('conversation_already_has_active_response',
        `Conversation already has an active response in progress: ${c.active.id}. Wait until the response is finished before creating a new one.`,
        null, ev.event_id ?? null);
    }
    c.startResponse((ev.response ?? {}) as Record<string, unknown>);
  },
  'response.cancel': (c, ev) => {
    const wanted = ev.response_id as string | undefined;
    if (!c.active || (wanted && wanted !== c.active.id)) {
      return c.error('response_cancel_not_active', 'Cancellation failed: no active response found', null, ev.event_id ?? null);
    }
    c.active.cancel('client_cancelled');
  },
  'output_audio_buffer.clear': (c, ev) => {
    // Assumed answer: the spec marks this event WebRTC/SIP-only (PROTOCOL.md §2).
    c.error('unsupported_event',
      'output_audio_buffer.clear is only supported for WebRTC and SIP sessions. Over WebSocket the client plays the audio: stop playback locally and send conversation.item.truncate.',
      'type', ev.event_id ?? null);
  },
};

/** The simulated server side of one socket. */
export class SimConnection {
  readonly session: Session;
  readonly conversation = new Conversation();
  readonly conversationId = newId('conv');
  readonly input: InputAudio;
  readonly pace: number;
  readonly wordLog: WordTimingLog;
  active: ActiveResponse | null = null;
  audioProduced = false;
  private readonly outbox: Outbox;
  private readonly transcripts: string[];
  private closed = false;
  private turnResponsePending = false;

  constructor(private readonly ws: WebSocket, private readonly settings: ConnectionSettings, detector: VoiceDetector) {
    this.session = createSession(settings.model);
    this.pace = settings.pace;
    this.wordLog = settings.wordLog;
    this.transcripts = [...(settings.script.userTranscripts ?? [])];
    this.outbox = new Outbox(ws, settings.faults, (d) => settings.record('out', d));
    this.input = new InputAudio(this, detector);
    ws.on('message', (data, isBinary) => this.receive(isBinary ? '<binary>' : data.toString()));
    ws.on('close', () => { this.closed = true; this.active?.cancel('client_cancelled'); detector.dispose(); });
    this.send({ type: 'session.created', session: this.session });
  }

  /** True once the socket is gone. */
  isClosed(): boolean {
    return this.closed || this.outbox.dead;
  }

  /** Sends a server event with a fresh event_id. */
  send(event: Record<string, unknown>): void {
    const { type, ...rest } = event;
    this.outbox.send({ type, event_id: newId('event'), ...rest });
  }

  /** Sends an `error` event in the real shape; `eventId` is the offending client event's id. */
  error(code: string | null, message: string, param: string | null, eventId: string | null, type = 'invalid_request_error'): void {
    this.send({ type: 'error', error: { type, code, message, param, event_id: eventId } });
  }

  /** Assumed wording for an unknown item id (the real message is not documented). */
  itemNotFound(ev: Ev): void {
    this.error('item_not_found', `Item with item_id '${String(ev.item_id)}' not found.`, 'item_id', ev.event_id ?? null);
  }

  /** Next script transcript for an audio turn. */
  nextUserTranscript(): string | undefined {
    return this.transcripts.shift();
  }

  private receive(raw: string): void {
    this.settings.record('in', raw);
    let ev: unknown;
    try {
      ev = JSON.parse(raw);
    } catch (e) {
      // Assumed code; the real server's wording for unparseable frames is not documented.
      return this.error('invalid_json', `Invalid JSON in client event: ${(e as Error).message}`, null, null);
    }
    const issue = checkClientEvent(ev);
    const eventId = typeof (ev as Ev)?.event_id === 'string' ? (ev as Ev).event_id! : null;
    if (issue) return this.error(issue.code, issue.message, issue.param, eventId);
    HANDLERS[(ev as Ev).type]!(this, ev as Ev);
  }

  /** conversation.item.create: adds the item and echoes conversation.item.added / done. */
  createItem(ev: Ev): void {
    const given = ev.item as Item;
    const item: Item = { ...given, id: given.id ?? newId('item'), object: 'realtime.item', status: 'completed' };
    if (this.conversation.get(item.id)) {
      return this.error('duplicate_item_id', `Item with id '${item.id}' already exists.`, 'item.id', ev.event_id ?? null);
    }
    const res = this.conversation.add(item, ev.previous_item_id as string | undefined);
    if ('missing' in res) {
      return this.error('invalid_value', `Previous item with id '${res.missing}' not found.`, 'previous_item_id', ev.event_id ?? null);
    }
    const content = item.content as Array<Record<string, unknown>> | undefined;
    content?.forEach((part, i) => {
      if (part.type === 'input_audio' && typeof part.audio === 'string') {
        res.stored.audio.set(i, { bytes: Buffer.from(part.audio, 'base64'), format: this.session.audio.input.format });
      }
    });
    res.stored.item = withoutAudio(item);
    this.send({ type: 'conversation.item.added', previous_item_id: res.previousItemId, item: res.stored.item });
    this.send({ type: 'conversation.item.done', previous_item_id: res.previousItemId, item: res.stored.item });
  }

  /**
   * A VAD turn wants a response. If the current one is being cancelled (barge-in) it starts when
   * that one is done; if one is still running uncancelled (interrupt_response off) none is made.
   */
  requestTurnResponse(): void {
    if (!this.active) return this.startResponse();
    if (this.active.cancelReason) this.turnResponsePending = true;
  }

  /** Starts a response (from response.create params, or from a VAD turn when omitted). */
  startResponse(req: Record<string, unknown> = {}): void {
    const s = this.session;
    const out = (req.audio as { output?: Record<string, unknown> } | undefined)?.output ?? {};
    const params: ResponseParams = {
      inConversation: req.conversation !== 'none',
      modalities: (req.output_modalities as ResponseParams['modalities']) ?? s.output_modalities,
      format: (out.format as ResponseParams['format']) ?? s.audio.output.format,
      voice: (out.voice as string) ?? s.audio.output.voice,
      speed: s.audio.output.speed ?? 1,
      metadata: req.metadata ?? null,
      maxOutputTokens: (req.max_output_tokens as number | 'inf') ?? s.max_output_tokens,
      inputTokens: 0,
    };
    const ctx = this.replyContext(req);
    params.inputTokens = Math.ceil(((ctx.userText ?? '').length + (s.instructions ?? '').length) / 4) + 1;
    const active = new ActiveResponse();
    this.active = active;
    const plan = planReply(this.settings.script, ctx);
    const minSeconds = this.settings.script.minReplySeconds ?? 4;
    const ready = plan.kind === 'text' && plan.isDefault && params.modalities.includes('audio')
      ? padReply(plan.text, minSeconds, async (t) => (await synthesizeWords(t, params.voice, params.speed)).pcm.length / 24000)
        .then((text) => ({ ...plan, text }))
      : Promise.resolve(plan);
    void ready
      .then((p) => runResponse(this, active, params, p))
      .catch((e: Error) => this.error('server_error', `Simulator failure: ${e.message}`, null, null, 'server_error'))
      .finally(() => {
        if (this.active === active) this.active = null;
        if (active.audioMsSent > 0) this.audioProduced = true;
        this.input.armIdle(active.audioMsSent);
        if (this.turnResponsePending && !this.active && !this.isClosed()) {
          this.turnResponsePending = false;
          this.startResponse();
        }
      });
  }

  private replyContext(req: Record<string, unknown>): ReplyContext {
    const toolsList = (req.tools ?? this.session.tools) as Array<{ name?: string }>;
    const items: Array<{ item: Item; scriptedText?: string; audio?: Map<number, { bytes: Buffer }> }> = Array.isArray(req.input)
      ? (req.input as Item[]).map((i) => (i.type === 'item_reference' ? this.conversation.get(i.id) : { item: i }))
        .filter((x): x is NonNullable<typeof x> => !!x)
      : [...this.conversation.all()];
    const ctx: ReplyContext = {
      userText: null, userAudioMs: null, toolOutput: null,
      instructions: typeof req.instructions === 'string' ? req.instructions : null,
      toolNames: toolsList.map((t) => t.name ?? '').filter(Boolean),
    };
    const last = items.at(-1)?.item;
    if (last?.type === 'function_call_output') {
      const call = this.conversation.all().find((s) => s.item.type === 'function_call' && s.item.call_id === last.call_id);
      ctx.toolOutput = { name: String(call?.item.name ?? 'function'), output: String(last.output) };
      return ctx;
    }
    const user = [...items].reverse().find((s) => s.item.type === 'message' && s.item.role === 'user');
    if (user) {
      ctx.userText = itemText(user.item) ?? user.scriptedText ?? null;
      const audio = user.audio?.get(0) as { bytes: Buffer; format: { type: string } } | undefined;
      if (ctx.userText === null && audio) ctx.userAudioMs = audio.bytes.length / (audio.format.type === 'audio/pcm' ? 48 : 8);
    }
    return ctx;
  }
}
