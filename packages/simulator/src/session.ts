// The session object: GA defaults (copied from the spec's session.created example) and the
// merge rule of session.update (PROTOCOL.md §2.1: only the fields present change; turn_detection
// is replaced whole; voice is immutable once audio was produced). A null turns off the settings
// the spec says null turns off, and is echoed as null; elsewhere a null leaves the field as it
// was. Read-only fields of a session sent back (id, object, expires_at, model) are ignored.
import type { AudioFormat } from './audio-codec.js';
import { newId } from './ids.js';

/** Default instructions the real server reports in session.created (spec example). */
export const DEFAULT_INSTRUCTIONS =
  'You are a helpful, witty, and friendly AI. Act like a human, but remember that you aren\'t a human.';

/** Turn detection as held by the session (defaults filled in). */
export type TurnDetection = Record<string, unknown> & { type: 'server_vad' | 'semantic_vad' };

/** The effective realtime session (a RealtimeSessionCreateResponseGA). */
export interface Session {
  type: 'realtime';
  object: 'realtime.session';
  id: string;
  model: string;
  output_modalities: ('audio' | 'text')[];
  instructions: string;
  tools: Array<Record<string, unknown>>;
  tool_choice: unknown;
  max_output_tokens: number | 'inf';
  tracing: unknown;
  prompt: unknown;
  expires_at: number;
  audio: {
    input: {
      format: AudioFormat;
      transcription: Record<string, unknown> | null;
      noise_reduction: unknown;
      turn_detection: TurnDetection | null;
    };
    output: { format: AudioFormat; voice: string; speed: number };
  };
  include: unknown;
}

/** Fills defaults of a turn_detection object as the real server echoes them. */
export function normalizeTurnDetection(given: Record<string, unknown> | null | undefined): TurnDetection | null {
  if (!given) return null;
  // Inside turn_detection a null takes the default, except idle_timeout_ms whose null means "none".
  const td = Object.fromEntries(Object.entries(given).filter(([k, v]) => v !== null || k === 'idle_timeout_ms'));
  if (td.type === 'semantic_vad') {
    return { type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true, ...td };
  }
  return {
    type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200,
    idle_timeout_ms: null, create_response: true, interrupt_response: true, ...td,
  } as TurnDetection;
}

/** A fresh session as sent in session.created; `model` comes from the URL. */
export function createSession(model: string): Session {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: newId('sess'),
    model,
    output_modalities: ['audio'],
    instructions: DEFAULT_INSTRUCTIONS,
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    prompt: null,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: normalizeTurnDetection({ type: 'server_vad' }),
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
    },
    include: null,
  };
}

/** A session.update refusal in the real error vocabulary. */
export interface SessionUpdateIssue { code: string; message: string; param: string | null }

/**
 * Fields whose null means "off" (spec text of session.update / RealtimeSessionCreateRequestGA:
 * tracing, turn_detection, transcription, noise_reduction) or that the real server holds as null
 * when unset (prompt, include in the spec's session.created example).
 */
const NULLABLE_TOP = new Set(['tracing', 'prompt', 'include']);
const NULLABLE_INPUT = new Set(['transcription', 'noise_reduction', 'turn_detection']);
const NOT_NULLABLE = new Set<string>();

/**
 * Applies a validated session.update payload in place. `audioProduced` makes the voice immutable.
 * Returns an issue instead of changing anything when the update is refused.
 */
export function applySessionUpdate(
  session: Session,
  update: Record<string, unknown>,
  audioProduced: boolean,
): SessionUpdateIssue | null {
  if (update.type === 'transcription') {
    // Assumed: the simulator only plays realtime sessions.
    return { code: 'invalid_value', message: 'The simulator supports only session.type "realtime".', param: 'session.type' };
  }
  const audio = (update.audio ?? {}) as { input?: Record<string, unknown>; output?: Record<string, unknown> };
  const newVoice = audio.output?.voice;
  if (audioProduced && typeof newVoice === 'string' && newVoice !== session.audio.output.voice) {
    // 3rd-party reports of the real refusal (PROTOCOL.md §7.10: voice immutable after audio).
    return {
      code: 'cannot_update_voice',
      message: "Cannot update a conversation's voice if assistant audio is present.",
      param: 'session.audio.output.voice',
    };
  }
  const top = session as unknown as Record<string, unknown>;
  for (const key of ['output_modalities', 'instructions', 'tools', 'tool_choice', 'max_output_tokens',
    'tracing', 'prompt', 'include', 'truncation'] as const) {
    if (key in update) setField(top, key, update[key], NULLABLE_TOP);
  }
  if (audio.input) {
    const inp = session.audio.input as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(audio.input)) {
      setField(inp, k, k === 'turn_detection' && v ? normalizeTurnDetection(v as Record<string, unknown>) : v, NULLABLE_INPUT);
    }
  }
  if (audio.output) {
    const out = session.audio.output as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(audio.output)) setField(out, k, v, NOT_NULLABLE);
  }
  return null;
}

/**
 * Sets one field. A null is stored (and so echoed) for a nullable field; `truncation: null` goes
 * back to the default, which the real server does not list; any other null changes nothing
 * (assumed: the real answer to e.g. `instructions: null` is not documented).
 */
function setField(target: Record<string, unknown>, key: string, value: unknown, nullable: Set<string>): void {
  if (value !== null || nullable.has(key)) target[key] = value;
  else if (key === 'truncation') delete target[key];
}
