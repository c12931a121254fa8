// Builds the GA `session` object and the session.update / tracing client events (sans-I/O).
// Mirrors the seed's `_get_session_config` (seed-behaviour.md §1): no merging with earlier
// settings, `undefined` means "key absent" and `null` is an explicit value, and the wire key
// order follows the seed's default payload. Zod schemas are converted duck-typed, with no zod
// import, so the browser bundle does not grow by zod's ~7.5 KB gzip JSON Schema emitter.
import { type FormatKind, spelledKind } from '../audio/pcm.js';
import { RealtimeUserError } from './errors.js';
import type { AudioFormat } from './types.js';

/** The seed's default model (seed-behaviour.md §0 documents the newer upstream default). */
export const DEFAULT_MODEL = 'gpt-realtime';

/** A plain JSON Schema object. */
export type JSONSchema = Record<string, unknown>;
/** Any schema object exposing a JSON Schema export: a zod v4 schema or a Standard JSON Schema. */
export type ZodSchema = { _zod?: unknown; toJSONSchema?: (...args: never[]) => unknown } | { '~standard': unknown };

/** A function tool the model may call. */
export interface RealtimeTool {
  name: string;
  description?: string;
  parameters: JSONSchema | ZodSchema;
}

/** A handoff, sent to the model as a function tool after the tools (seed-behaviour.md §1.2). */
export interface RealtimeHandoff {
  toolName: string;
  toolDescription: string;
  inputJsonSchema?: object;
}

/** Tracing sent once after session.created (§1.3): `'auto'`, an object, or `null` for none. */
export type TracingConfig =
  | 'auto'
  | {
      groupId?: string | null;
      metadata?: Record<string, unknown> | null;
      workflowName?: string | null;
      group_id?: string | null;
      workflow_name?: string | null;
    }
  | null;

/** A format as callers may spell it: GA object, GA type, legacy string. */
export type AudioFormatInput = AudioFormat | string | { type: string; rate?: number } | null;
/** A voice name or a custom voice object. */
export type Voice = string | { id: string } | null;
/** Turn detection settings; camelCase keys are accepted and converted (§1.1). */
export type TurnDetectionInput = Record<string, unknown> | null;

/** Session settings in camelCase; every key is optional and `undefined` counts as absent. */
export interface RealtimeModelSettings {
  modelName?: string;
  voice?: Voice;
  speed?: number | null;
  modalities?: string[];
  outputModalities?: string[];
  inputAudioFormat?: AudioFormatInput;
  outputAudioFormat?: AudioFormatInput;
  inputAudioTranscription?: Record<string, unknown> | null;
  inputAudioNoiseReduction?: Record<string, unknown> | null;
  turnDetection?: TurnDetectionInput;
  toolChoice?: unknown;
  tools?: RealtimeTool[] | null;
  handoffs?: RealtimeHandoff[] | null;
  tracing?: TracingConfig;
  maxOutputTokens?: number | 'inf' | null;
  instructions?: string | null;
  prompt?: { id: string; variables?: Record<string, unknown> | null; version?: string | null } | null;
  parallelToolCalls?: boolean | null;
  reasoning?: Record<string, unknown> | null;
  audio?: {
    input?: {
      format?: AudioFormatInput;
      noiseReduction?: Record<string, unknown> | null;
      transcription?: Record<string, unknown> | null;
      turnDetection?: TurnDetectionInput;
    } | null;
    output?: { format?: AudioFormatInput; voice?: Voice; speed?: number | null } | null;
  } | null;
}

/** A function tool on the wire. */
export interface SessionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters: unknown;
}

/** The GA `session` object of a realtime session.update. */
export interface SessionConfig {
  type: 'realtime';
  audio: {
    input: Record<string, unknown>;
    output: Record<string, unknown>;
  };
  instructions?: string | null;
  max_output_tokens?: number | 'inf' | null;
  model: string;
  output_modalities: string[];
  parallel_tool_calls?: boolean;
  prompt?: { id: string; variables: unknown; version: unknown };
  reasoning?: Record<string, unknown>;
  tool_choice?: unknown;
  tools: SessionTool[];
}

/** Options that come from the model instance rather than the settings. */
export interface BuildSessionOptions {
  /** The model name the instance holds (set at connect). */
  model?: string;
  /** Set for call (SIP) sessions: formats are then only sent when given explicitly. */
  callId?: string | null;
}

const has = (o: object | null | undefined, k: string): boolean =>
  o != null && (o as Record<string, unknown>)[k] !== undefined;

/** Python truthiness: empty strings, arrays and objects are false, like the seed's `or`. */
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const PCM: { rate: 24000; type: 'audio/pcm' } = { rate: 24000, type: 'audio/pcm' };
/** GA format object of each kind; spellings come from the package's one table (pcm.ts). */
const GA_FORMAT: Record<FormatKind, AudioFormat> = { pcm16: PCM, pcmu: { type: 'audio/pcmu' }, pcma: { type: 'audio/pcma' } };

/**
 * Converts any format spelling to a GA format object (seed-behaviour.md §2.1), or `undefined`
 * meaning "omit the field". Strings are case-sensitive; `audio/pcm` always gets rate 24000,
 * the only rate GA accepts (PROTOCOL.md §6).
 */
export function toRealtimeAudioFormat(x: unknown): AudioFormat | undefined {
  if (typeof x === 'string') {
    const kind = spelledKind(x);
    return kind && { ...GA_FORMAT[kind] };
  }
  if (!isMapping(x)) return undefined;
  if (x.type === 'audio/pcm') return { ...PCM };
  if (x.type === 'audio/pcmu' || x.type === 'audio/pcma') return { type: x.type };
  return undefined;
}

const CAMEL_TO_SNAKE: ReadonlyArray<readonly [string, string]> = [
  ['createResponse', 'create_response'],
  ['interruptResponse', 'interrupt_response'],
  ['prefixPaddingMs', 'prefix_padding_ms'],
  ['silenceDurationMs', 'silence_duration_ms'],
  ['idleTimeoutMs', 'idle_timeout_ms'],
  ['modelVersion', 'model_version'],
];

/**
 * Returns a copy of turn detection settings with camelCase keys renamed to snake_case
 * (seed-behaviour.md §1.1): snake wins when both are given, the camel key is always dropped,
 * unknown keys pass. Non-mappings (e.g. `null`, which disables VAD) are returned unchanged.
 */
export function normalizeTurnDetection<T>(value: T): T {
  if (!isMapping(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [camel, snake] of CAMEL_TO_SNAKE) {
    if (out[camel] !== undefined && out[snake] === undefined) out[snake] = out[camel];
    delete out[camel];
  }
  return out as T;
}

/**
 * A zod → JSON Schema converter such as zod's own `z.toJSONSchema`. Its parameter is `never` so
 * that zod's overloaded, precisely typed function is accepted under `strict` without a cast.
 */
export type ZodToJsonSchema = (schema: never) => unknown;

let injectedConverter: ((schema: unknown) => unknown) | undefined;

/**
 * Installs a zod → JSON Schema converter, for schemas that carry no export of their own
 * (zod/mini): `import * as z from 'zod/mini'; setZodToJsonSchema(z.toJSONSchema)`. It applies to
 * every model in the process; pass `undefined` to remove it.
 */
export function setZodToJsonSchema(fn: ZodToJsonSchema | undefined): void {
  injectedConverter = fn as ((schema: unknown) => unknown) | undefined;
}

type StandardJson = { jsonSchema?: { input?: (o: { target: string }) => unknown } };

/** JSON Schema for a tool's parameters: plain objects pass, zod/Standard schemas are exported. */
function toParametersSchema(tool: RealtimeTool): unknown {
  const p = tool.parameters as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object') {
    throw new RealtimeUserError('invalid_tool', `Tool '${tool.name}' needs a parameters schema object.`);
  }
  const std = (p['~standard'] as StandardJson | undefined)?.jsonSchema;
  if (!('_zod' in p) && !std) return p;
  let out: unknown;
  // Classic zod v4 schemas carry `.toJSONSchema()`: calling it costs the bundle nothing, where
  // importing zod's emitter would add ~7.5 KB gzip. zod/mini needs the injected converter.
  if (typeof p.toJSONSchema === 'function') out = (p.toJSONSchema as () => unknown).call(p);
  else if ('_zod' in p && injectedConverter) out = injectedConverter(p);
  else if (typeof std?.input === 'function') out = std.input({ target: 'draft-2020-12' });
  else {
    throw new RealtimeUserError(
      'invalid_tool',
      `Tool '${tool.name}' has a zod schema without a JSON Schema export (zod/mini); call ` +
        "setZodToJsonSchema(z.toJSONSchema) once first (import { setZodToJsonSchema } from '@open-realtime/client').",
    );
  }
  if (isMapping(out) && '$schema' in out) {
    const { $schema: _drop, ...rest } = out;
    return rest;
  }
  return out;
}

function describeSources(sources: string[]): string {
  const counts = new Map<string, number>();
  for (const s of sources) counts.set(s, (counts.get(s) ?? 0) + 1);
  const parts = [...counts].map(([s, n]) => (n === 1 ? s : `${n} ${s}s`));
  if (parts.length <= 2) return parts.join(' and ');
  return `${parts.slice(0, -1).join(', ')}, and ${parts[parts.length - 1]}`;
}

/** Throws `duplicate_tool_name` with the seed's message (seed-behaviour.md §1.2 step 3). */
function checkUniqueNames(tools: RealtimeTool[], handoffs: RealtimeHandoff[]): void {
  const sources = new Map<string, string[]>();
  const add = (name: string, src: string) => {
    const list = sources.get(name) ?? [];
    list.push(src);
    sources.set(name, list);
  };
  for (const t of tools) add(t.name, 'function tool');
  for (const h of handoffs) add(h.toolName, 'handoff');
  const dups = [...sources]
    .filter(([, s]) => s.length > 1)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, s]) => `'${name}' (${describeSources(s)})`);
  if (dups.length === 0) return;
  throw new RealtimeUserError(
    'duplicate_tool_name',
    `Duplicate Realtime tool ${dups.length === 1 ? 'name' : 'names'} found: ${dups.join(', ')}. ` +
      'Realtime function tool and handoff names must be unique. Rename one of them before starting the session.',
  );
}

/** Tools then handoffs as GA function tools (seed-behaviour.md §1.2). */
function toSessionTools(tools: RealtimeTool[], handoffs: RealtimeHandoff[]): SessionTool[] {
  for (const t of tools) {
    if (!t || typeof t.name !== 'string') {
      throw new RealtimeUserError('invalid_tool', 'Every Realtime tool needs a string `name`.');
    }
  }
  for (const h of handoffs) {
    if (!h || typeof h.toolName !== 'string') {
      throw new RealtimeUserError('invalid_tool', 'Every Realtime handoff needs a string `toolName`.');
    }
  }
  checkUniqueNames(tools, handoffs);
  const out: SessionTool[] = tools.map((t) => {
    const parameters = toParametersSchema(t);
    return t.description === undefined
      ? { type: 'function', name: t.name, parameters }
      : { type: 'function', name: t.name, description: t.description, parameters };
  });
  for (const h of handoffs) {
    // A handoff without input has the seed's empty schema `{}` (Handoff.input_json_schema).
    out.push({ type: 'function', name: h.toolName, description: h.toolDescription, parameters: h.inputJsonSchema ?? {} });
  }
  return out;
}

/** The format for one direction (seed-behaviour.md §1 table, `audio.*.format`). */
function pickFormat(nested: unknown, flat: AudioFormatInput | undefined, flatPresent: boolean, callId: boolean) {
  if (nested != null) return toRealtimeAudioFormat(nested);
  // Call sessions already negotiated a codec: only an explicit flat format is sent.
  if (callId) return toRealtimeAudioFormat(flat);
  // [quirk] an explicit null flat format also omits the field.
  return toRealtimeAudioFormat(flatPresent ? flat : 'pcm16');
}

function buildAudio(settings: RealtimeModelSettings, callId: boolean): SessionConfig['audio'] {
  const audio = isMapping(settings.audio) ? settings.audio : {};
  const inp = (isMapping(audio.input) ? audio.input : {}) as NonNullable<NonNullable<RealtimeModelSettings['audio']>['input']>;
  const outp = (isMapping(audio.output) ? audio.output : {}) as NonNullable<NonNullable<RealtimeModelSettings['audio']>['output']>;
  const input: Record<string, unknown> = {};
  const inFormat = pickFormat(inp.format, settings.inputAudioFormat, has(settings, 'inputAudioFormat'), callId);
  if (inFormat) input.format = inFormat;
  if (has(inp, 'noiseReduction')) input.noise_reduction = inp.noiseReduction;
  else if (has(settings, 'inputAudioNoiseReduction')) input.noise_reduction = settings.inputAudioNoiseReduction;
  input.transcription = has(inp, 'transcription')
    ? inp.transcription
    : has(settings, 'inputAudioTranscription')
      ? settings.inputAudioTranscription
      : { model: 'gpt-4o-mini-transcribe' };
  input.turn_detection = has(inp, 'turnDetection')
    ? normalizeTurnDetection(inp.turnDetection)
    : has(settings, 'turnDetection')
      ? normalizeTurnDetection(settings.turnDetection)
      : { type: 'semantic_vad', interrupt_response: true };

  const output: Record<string, unknown> = {};
  const outFormat = pickFormat(outp.format, settings.outputAudioFormat, has(settings, 'outputAudioFormat'), callId);
  if (outFormat) output.format = outFormat;
  if (has(outp, 'speed')) output.speed = outp.speed;
  else if (has(settings, 'speed')) output.speed = settings.speed;
  // [quirk] §1: a nested voice must be truthy; an explicit flat `voice: null` is sent as null.
  output.voice = truthy(outp.voice) ? outp.voice : has(settings, 'voice') ? settings.voice : 'ash';
  return { input, output };
}

/**
 * Builds the GA `session` object for a session.update (seed-behaviour.md §1). Every call
 * rebuilds the full config from `settings` alone, re-sending defaults for what it computes.
 * Throws RealtimeUserError `duplicate_tool_name`, `invalid_tool` or `unsupported_tool_choice`.
 */
export function buildSessionConfig(settings: RealtimeModelSettings, opts: BuildSessionOptions = {}): SessionConfig {
  const s = settings ?? {};
  if (s.toolChoice === 'programmatic_tool_calling') {
    throw new RealtimeUserError(
      'unsupported_tool_choice',
      "tool_choice='programmatic_tool_calling' is only supported with OpenAI Responses models and cannot be used with OpenAI Responses models.",
    );
  }
  const tools = toSessionTools(s.tools ?? [], s.handoffs ?? []);
  // Keys are added in the seed's wire order: type, audio, then alphabetical (§1 default payload).
  const c: Record<string, unknown> = { type: 'realtime', audio: buildAudio(s, Boolean(opts.callId)) };
  if (has(s, 'instructions')) c.instructions = s.instructions;
  if (has(s, 'maxOutputTokens')) c.max_output_tokens = s.maxOutputTokens;
  c.model = s.modelName || opts.model || DEFAULT_MODEL;
  c.output_modalities = truthy(s.outputModalities) ? s.outputModalities : truthy(s.modalities) ? s.modalities : ['audio'];
  if (s.parallelToolCalls != null) c.parallel_tool_calls = s.parallelToolCalls;
  if (s.prompt != null) {
    // [quirk] §1: all three prompt keys are sent, absent ones as null.
    const p = s.prompt;
    c.prompt = { id: p.id, variables: p.variables ?? null, version: p.version ?? null };
  }
  if (s.reasoning != null) c.reasoning = s.reasoning;
  if (has(s, 'toolChoice')) c.tool_choice = s.toolChoice;
  c.tools = tools;
  return c as unknown as SessionConfig;
}

/** The session.update client event for `settings` (seed-behaviour.md §1, §5.6). */
export function buildSessionUpdate(
  settings: RealtimeModelSettings,
  opts: BuildSessionOptions = {},
): { type: 'session.update'; session: SessionConfig } {
  return { type: 'session.update', session: buildSessionConfig(settings, opts) };
}

/**
 * The session object for accepting a call (seed-behaviour.md §6): built as a fresh, non-call
 * model would, so pcm16 formats and the default model apply unless set. Tracing is not included.
 */
export function buildInitialSessionPayload(settings: RealtimeModelSettings): SessionConfig {
  return buildSessionConfig(settings, {});
}

/**
 * The one-off session.update carrying tracing, sent when session.created arrives
 * (seed-behaviour.md §1.3). `undefined` means the key was absent → `'auto'`; `null` → `null`
 * (send nothing). The seed sends missing object keys as null, but the GA schema types them as
 * string/object without null, so missing keys are left out instead.
 */
export function buildTracingUpdate(
  tracing: TracingConfig | undefined,
  model: string,
): { type: 'session.update'; session: { type: 'realtime'; model: string; tracing: unknown } } | null {
  if (tracing === null) return null;
  let converted: unknown = 'auto';
  if (tracing !== undefined && tracing !== 'auto' && isMapping(tracing)) {
    const t = tracing;
    const out: Record<string, unknown> = {};
    const groupId = t.group_id ?? t.groupId;
    const workflowName = t.workflow_name ?? t.workflowName;
    if (groupId != null) out.group_id = groupId;
    if (t.metadata != null) out.metadata = t.metadata;
    if (workflowName != null) out.workflow_name = workflowName;
    converted = out;
  }
  return { type: 'session.update', session: { type: 'realtime', model, tracing: converted } };
}
