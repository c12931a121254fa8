// The session object: GA defaults (copied from the spec's session.created example) and the
// merge rule of session.update (PROTOCOL.md §2.1: only the fields present change; turn_detection
// is replaced whole and `null` disables it; voice is immutable once audio was produced).
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
export function normalizeTurnDetection(td: Record<string, unknown> | null | undefined): TurnDetection | null {
  if (!td) return null;
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
  for (const key of ['output_modalities', 'instructions', 'tools', 'tool_choice', 'max_output_tokens',
    'tracing', 'prompt', 'include', 'truncation'] as const) {
    if (key in update) (session as unknown as Record<string, unknown>)[key] = update[key];
  }
  if (audio.input) {
    const inp = session.audio.input as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(audio.input)) {
      inp[k] = k === 'turn_detection' ? normalizeTurnDetection(v as Record<string, unknown> | null) : v;
    }
  }
  if (audio.output) Object.assign(session.audio.output, audio.output);
  return null;
}
