// Validators for the 46 GA server events (PROTOCOL.md §2), built on ./validate.ts, and their types.
// Lenient the way the real server needs (PROTOCOL.md §3 "Server-side nulls", §7.5): every object is
// loose (unknown keys kept, nothing copied), every optional field is nullish, content parts take GA and
// legacy spellings. Required top-level fields from the §2 table stay required. `SERVER_EVENT_SCHEMAS`
// is keyed by `type`; checks omit the `type` literal because dispatch already fixed it.
import { array, bool, type Infer, int, loose, num, oneOf, opt, str, union, unknown } from './validate.js';

/** A GA format object `{type, rate}`; a legacy string (`pcm16`) is accepted too (PROTOCOL.md §6). */
const audioFormat = union([str, loose({ type: str, rate: opt(num) })]);

/** A built-in voice name, or a custom voice echoed as an object `{ id: "voice_…" }`. */
const voice = union([str, loose({ id: str })]);

/** A message content part; GA (`output_audio`) and legacy (`audio`) spellings both parse (§2). */
const contentPart = loose({
  type: oneOf('input_text', 'input_audio', 'input_image', 'output_text', 'output_audio', 'text', 'audio'),
  text: opt(str),
  audio: opt(str),
  transcript: opt(str),
});

const itemBase = {
  id: opt(str),
  object: opt(str),
  status: opt(oneOf('completed', 'incomplete', 'in_progress')),
};

/** The 9 item kinds of `RealtimeConversationItem`, by `type` (messages share one schema). */
const conversationItem = union([
  loose({
    ...itemBase,
    type: oneOf('message'),
    role: oneOf('system', 'user', 'assistant'),
    content: opt(array(contentPart)),
  }),
  loose({ ...itemBase, type: oneOf('function_call'), call_id: opt(str), name: opt(str), arguments: opt(str) }),
  loose({ ...itemBase, type: oneOf('function_call_output'), call_id: str, output: str }),
  loose({
    ...itemBase,
    type: oneOf('mcp_list_tools', 'mcp_call', 'mcp_approval_request', 'mcp_approval_response'),
    server_label: opt(str),
    name: opt(str),
    arguments: opt(str),
  }),
]);

const tokenCounts = { text_tokens: opt(num), audio_tokens: opt(num), image_tokens: opt(num) };

/** Token accounting of a response; every field may be absent or null. */
const usage = loose({
  total_tokens: opt(num),
  input_tokens: opt(num),
  output_tokens: opt(num),
  input_token_details: opt(
    loose({ ...tokenCounts, cached_tokens: opt(num), cached_tokens_details: opt(loose(tokenCounts)) }),
  ),
  output_token_details: opt(loose(tokenCounts)),
});

/** The `{type, code, message, param, event_id}` payload of an `error` event (PROTOCOL.md §7.6). */
const errorPayload = loose({ type: str, message: str, code: opt(str), param: opt(str), event_id: opt(str) });

/** `RealtimeResponse`: no field is required (PROTOCOL.md §2). */
const response = loose({
  id: opt(str),
  object: opt(str),
  status: opt(oneOf('completed', 'cancelled', 'failed', 'incomplete', 'in_progress')),
  status_details: opt(
    loose({
      type: opt(str),
      reason: opt(str),
      error: opt(loose({ type: opt(str), code: opt(str), message: opt(str) })),
    }),
  ),
  output: opt(array(conversationItem)),
  conversation_id: opt(str),
  output_modalities: opt(array(str)),
  max_output_tokens: opt(union([num, oneOf('inf')])),
  audio: opt(loose({ output: opt(loose({ format: opt(audioFormat), voice: opt(voice) })) })),
  usage: opt(usage),
  metadata: opt(loose({})),
});

/** GA realtime or transcription session; only what the client reads is typed, the rest kept loose. */
const session = loose({
  type: opt(str),
  object: opt(str),
  id: opt(str),
  model: opt(str),
  instructions: opt(str),
  output_modalities: opt(array(str)),
  tools: opt(array(loose({ type: opt(str), name: opt(str) }))),
  audio: opt(
    loose({
      input: opt(
        loose({
          format: opt(audioFormat),
          turn_detection: opt(
            loose({
              type: opt(str),
              interrupt_response: opt(bool),
              create_response: opt(bool),
              idle_timeout_ms: opt(num),
            }),
          ),
        }),
      ),
      output: opt(loose({ format: opt(audioFormat), voice: opt(voice), speed: opt(num) })),
    }),
  ),
  expires_at: opt(num),
});

// Field groups shared by many events (PROTOCOL.md §2 table).
const E = { event_id: str };
const EI = { ...E, item_id: str };
const EIC = { ...EI, content_index: int };
const R = { ...E, response_id: str };
const RO = { ...R, output_index: int };
const ROI = { ...RO, item_id: str };
const ROIC = { ...ROI, content_index: int };
const itemEvent = loose({ ...E, previous_item_id: opt(str), item: conversationItem });
const outputItemEvent = loose({ ...RO, item: conversationItem });
const partEvent = loose({ ...ROIC, part: contentPart });
const responseEvent = loose({ ...E, response });
const sessionEvent = loose({ ...E, session });
const contentDelta = loose({ ...ROIC, delta: str });
const respEvent = loose(R);
const itemIdEvent = loose(EI);
const mcpCallEvent = loose({ ...E, output_index: int, item_id: str });

/** One schema per GA server event type, keyed by `type` (46 entries; STYLE.md "lookup, not if-chain"). */
export const SERVER_EVENT_SCHEMAS = {
  'conversation.created': loose({ ...E, conversation: loose({ id: opt(str), object: opt(str) }) }),
  'conversation.item.created': itemEvent,
  'conversation.item.added': itemEvent,
  'conversation.item.done': itemEvent,
  'conversation.item.retrieved': loose({ ...E, item: conversationItem }),
  'conversation.item.deleted': itemIdEvent,
  'conversation.item.truncated': loose({ ...EIC, audio_end_ms: int }),
  'conversation.item.input_audio_transcription.completed': loose({
    ...EIC,
    transcript: str,
    usage: loose({ type: opt(str) }),
    languages: opt(array(unknown)),
    logprobs: opt(array(unknown)),
  }),
  'conversation.item.input_audio_transcription.delta': loose({
    ...EI,
    content_index: opt(int),
    delta: opt(str),
    logprobs: opt(array(unknown)),
  }),
  'conversation.item.input_audio_transcription.failed': loose({
    ...EIC,
    error: loose({ type: opt(str), code: opt(str), message: opt(str), param: opt(str) }),
  }),
  'conversation.item.input_audio_transcription.segment': loose({
    ...EIC,
    text: str,
    id: str,
    speaker: str,
    start: num,
    end: num,
  }),
  error: loose({ ...E, error: errorPayload }),
  'input_audio_buffer.cleared': loose(E),
  'input_audio_buffer.committed': loose({ ...EI, previous_item_id: opt(str) }),
  // SIP only, and the one server event without an event_id (PROTOCOL.md §2).
  'input_audio_buffer.dtmf_event_received': loose({ event_id: opt(str), event: str, received_at: int }),
  'input_audio_buffer.speech_started': loose({ ...EI, audio_start_ms: int }),
  'input_audio_buffer.speech_stopped': loose({ ...EI, audio_end_ms: int }),
  'input_audio_buffer.timeout_triggered': loose({ ...EI, audio_start_ms: int, audio_end_ms: int }),
  'rate_limits.updated': loose({
    ...E,
    rate_limits: array(loose({ name: opt(str), limit: opt(num), remaining: opt(num), reset_seconds: opt(num) })),
  }),
  'response.created': responseEvent,
  'response.done': responseEvent,
  'response.output_item.added': outputItemEvent,
  'response.output_item.done': outputItemEvent,
  'response.content_part.added': partEvent,
  'response.content_part.done': partEvent,
  'response.output_audio.delta': contentDelta,
  'response.output_audio.done': loose(ROIC),
  'response.output_audio_transcript.delta': contentDelta,
  'response.output_audio_transcript.done': loose({ ...ROIC, transcript: str }),
  'response.output_text.delta': contentDelta,
  'response.output_text.done': loose({ ...ROIC, text: str }),
  'response.function_call_arguments.delta': loose({ ...ROI, call_id: str, delta: str }),
  'response.function_call_arguments.done': loose({ ...ROI, call_id: str, name: str, arguments: str }),
  'response.mcp_call_arguments.delta': loose({ ...ROI, delta: str, obfuscation: opt(str) }),
  'response.mcp_call_arguments.done': loose({ ...ROI, arguments: str }),
  'response.mcp_call.in_progress': mcpCallEvent,
  'response.mcp_call.completed': mcpCallEvent,
  'response.mcp_call.failed': mcpCallEvent,
  'mcp_list_tools.in_progress': itemIdEvent,
  'mcp_list_tools.completed': itemIdEvent,
  'mcp_list_tools.failed': itemIdEvent,
  'session.created': sessionEvent,
  'session.updated': sessionEvent,
  // WebRTC/SIP only; may still arrive on a sideband `call_id` socket (PROTOCOL.md §7.9).
  'output_audio_buffer.started': respEvent,
  'output_audio_buffer.stopped': respEvent,
  'output_audio_buffer.cleared': respEvent,
};

type Schemas = typeof SERVER_EVENT_SCHEMAS;

/** The 46 GA server event type strings. */
export type ServerEventType = keyof Schemas;

/** The parsed event of one type: what its check accepts, plus the `type` literal. */
export type ServerEventOf<T extends ServerEventType> = Infer<Schemas[T]> & { type: T };

/** Any GA server event, discriminated on `type`. */
export type ServerEvent = { [T in ServerEventType]: ServerEventOf<T> }[ServerEventType];

/** A conversation item: message, function_call, function_call_output or an MCP kind (loose). */
export type ConversationItem = Infer<typeof conversationItem>;

/** A message item (`type: "message"`). */
export type MessageItem = Extract<ConversationItem, { type: 'message' }>;

/** A function-call item (`type: "function_call"`). */
export type FunctionCallItem = Extract<ConversationItem, { type: 'function_call' }>;

/** A function-call output item (`type: "function_call_output"`). */
export type FunctionCallOutputItem = Extract<ConversationItem, { type: 'function_call_output' }>;

/** A content part of a message or of `response.content_part.*`; `type` may be GA or legacy. */
export type ContentPart = Infer<typeof contentPart>;

/** `response` of `response.created` / `response.done`. */
export type RealtimeResponse = Infer<typeof response>;

/** `response.usage`, with input and output token details. */
export type ResponseUsage = Infer<typeof usage>;

/** The `error` object of an `error` event. */
export type RealtimeErrorPayload = Infer<typeof errorPayload>;

/** The session object of `session.created` / `session.updated` (realtime or transcription). */
export type RealtimeSession = Infer<typeof session>;

/** An audio format as the server reports it: GA object or legacy string. */
export type ServerAudioFormat = Infer<typeof audioFormat>;
