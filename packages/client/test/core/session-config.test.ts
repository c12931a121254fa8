// Session builder: JSON in, JSON out (seed-behaviour.md §1, §2.1, §6).
// Every built session.update goes through the GA schema; where the seed deliberately sends an
// explicit null the schema does not allow, the event is checked with those nulls dropped.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RealtimeUserError } from '../../src/core/errors.js';
import {
  DEFAULT_MODEL,
  buildInitialSessionPayload,
  buildSessionConfig,
  buildSessionUpdate,
  buildTracingUpdate,
  normalizeTurnDetection,
  setZodToJsonSchema,
  toRealtimeAudioFormat,
  type RealtimeModelSettings,
} from '../../src/core/session-config.js';
import { assertClientEvent, dropNulls } from '../helpers/schema.js';

const PCM = { type: 'audio/pcm', rate: 24000 };
const DEFAULT_INPUT = {
  format: PCM,
  transcription: { model: 'gpt-4o-mini-transcribe' },
  turn_detection: { type: 'semantic_vad', interrupt_response: true },
};

/** Builds the session.update, checks it against the GA schema and returns its session. */
function session(settings: RealtimeModelSettings, opts: { model?: string; callId?: string | null } = {}) {
  const event = buildSessionUpdate(settings, opts);
  assertClientEvent(event);
  return event.session as unknown as Record<string, any>;
}

/** Same, for payloads carrying seed nulls the GA schema lacks (`null` types). */
function sessionWithNulls(settings: RealtimeModelSettings) {
  const event = buildSessionUpdate(settings);
  assertClientEvent(dropNulls(event));
  return event.session as unknown as Record<string, any>;
}

function userError(fn: () => unknown): RealtimeUserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RealtimeUserError);
    return e as RealtimeUserError;
  }
  throw new Error('expected a RealtimeUserError');
}

describe('default payload', () => {
  it('matches the seed default payload byte for byte, with model gpt-realtime', () => {
    const seed =
      '{"type":"realtime","audio":{"input":{"format":{"rate":24000,"type":"audio/pcm"},"transcription":{"model":"gpt-4o-mini-transcribe"},"turn_detection":{"type":"semantic_vad","interrupt_response":true}},"output":{"format":{"rate":24000,"type":"audio/pcm"},"voice":"ash"}},"model":"gpt-realtime","output_modalities":["audio"],"tools":[]}';
    const s = session({});
    expect(JSON.stringify(s)).toBe(seed);
    expect(s).toEqual(JSON.parse(seed));
    expect(DEFAULT_MODEL).toBe('gpt-realtime');
  });

  it('wraps the session in a session.update event', () => {
    const event = buildSessionUpdate({});
    assertClientEvent(event);
    expect(Object.keys(event)).toEqual(['type', 'session']);
    expect(event.type).toBe('session.update');
  });

  it('omits formats for call sessions unless they are given explicitly', () => {
    const s = session({}, { callId: 'rtc_1' });
    expect(s.audio).toEqual({
      input: { transcription: DEFAULT_INPUT.transcription, turn_detection: DEFAULT_INPUT.turn_detection },
      output: { voice: 'ash' },
    });
    const g = session({ inputAudioFormat: 'g711_ulaw' }, { callId: 'rtc_1' });
    expect(g.audio.input.format).toEqual({ type: 'audio/pcmu' });
    expect(g.audio.output.format).toBeUndefined();
  });

  it('builds the initial call payload as a fresh non-call model', () => {
    const s = buildInitialSessionPayload({ instructions: 'hi' });
    assertClientEvent({ type: 'session.update', session: s });
    expect(s.audio.input.format).toEqual(PCM);
    expect(s.model).toBe('gpt-realtime');
    expect(s.instructions).toBe('hi');
    expect(s).not.toHaveProperty('tracing');
  });

  it('takes the model from modelName, then the instance model, then the default', () => {
    expect(session({ modelName: 'a' }, { model: 'b' }).model).toBe('a');
    expect(session({ modelName: '' }, { model: 'b' }).model).toBe('b');
    expect(session({}).model).toBe(DEFAULT_MODEL);
  });
});

describe('precedence: audio.* over flat keys over defaults', () => {
  it('prefers audio.input.format over inputAudioFormat', () => {
    const s = session({ inputAudioFormat: 'g711_alaw', audio: { input: { format: 'g711_ulaw' } } });
    expect(s.audio.input.format).toEqual({ type: 'audio/pcmu' });
  });

  it('uses the flat output format when no nested one is set', () => {
    expect(session({ outputAudioFormat: 'g711_alaw' }).audio.output.format).toEqual({ type: 'audio/pcma' });
  });

  it('omits the format when the flat format is explicitly null (seed quirk)', () => {
    expect(session({ inputAudioFormat: null }).audio.input).not.toHaveProperty('format');
  });

  it('omits the format when it is an unknown string', () => {
    const s = session({ audio: { output: { format: 'mp3' } } });
    expect(s.audio.output).toEqual({ voice: 'ash' });
  });

  it('takes noise reduction from audio.input, then the flat key, else omits it', () => {
    const nested = session({
      inputAudioNoiseReduction: { type: 'far_field' },
      audio: { input: { noiseReduction: { type: 'near_field' } } },
    });
    expect(Object.keys(nested.audio.input)).toEqual(['format', 'noise_reduction', 'transcription', 'turn_detection']);
    expect(nested.audio.input.noise_reduction).toEqual({ type: 'near_field' });
    expect(session({ inputAudioNoiseReduction: { type: 'far_field' } }).audio.input.noise_reduction).toEqual({
      type: 'far_field',
    });
    expect(session({}).audio.input).not.toHaveProperty('noise_reduction');
    expect(sessionWithNulls({ inputAudioNoiseReduction: null }).audio.input.noise_reduction).toBeNull();
  });

  it('takes transcription from audio.input, then the flat key, passing extra keys and null', () => {
    const t = { model: 'whisper-1', language: 'fr', prompt: 'x' };
    expect(session({ inputAudioTranscription: { model: 'a' }, audio: { input: { transcription: t } } }).audio.input.transcription).toEqual(t);
    expect(session({ inputAudioTranscription: t }).audio.input.transcription).toEqual(t);
    expect(sessionWithNulls({ inputAudioTranscription: null }).audio.input.transcription).toBeNull();
  });

  it('takes turn detection from audio.input, then the flat key, null disabling VAD', () => {
    const s = session({ turnDetection: { type: 'server_vad' }, audio: { input: { turnDetection: { type: 'semantic_vad', eagerness: 'low' } } } });
    expect(s.audio.input.turn_detection).toEqual({ type: 'semantic_vad', eagerness: 'low' });
    expect(session({ turnDetection: { type: 'server_vad' } }).audio.input.turn_detection).toEqual({ type: 'server_vad' });
    expect(session({ turnDetection: null }).audio.input.turn_detection).toBeNull();
  });

  it('takes a truthy nested voice, else the flat voice, else ash', () => {
    expect(session({ voice: 'coral', audio: { output: { voice: 'marin' } } }).audio.output.voice).toBe('marin');
    expect(session({ voice: 'coral', audio: { output: { voice: '' } } }).audio.output.voice).toBe('coral');
    expect(session({ voice: { id: 'voice_1' } }).audio.output.voice).toEqual({ id: 'voice_1' });
  });

  it('sends voice null when the flat voice is explicitly null (seed quirk)', () => {
    expect(sessionWithNulls({ voice: null }).audio.output.voice).toBeNull();
    expect(session({ voice: undefined }).audio.output.voice).toBe('ash');
  });

  it('takes speed from audio.output, then the flat key, else omits it', () => {
    const s = session({ speed: 1.2, audio: { output: { speed: 0.8 } } });
    expect(s.audio.output).toEqual({ format: PCM, speed: 0.8, voice: 'ash' });
    expect(Object.keys(s.audio.output)).toEqual(['format', 'speed', 'voice']);
    expect(session({ speed: 1.2 }).audio.output.speed).toBe(1.2);
  });

  it('treats null audio, audio.input and audio.output as empty', () => {
    expect(session({ audio: null }).audio.input).toEqual(DEFAULT_INPUT);
    expect(session({ audio: { input: null, output: null } }).audio.output).toEqual({ format: PCM, voice: 'ash' });
  });

  it('picks the first non-empty of outputModalities, modalities, ["audio"]', () => {
    expect(session({ outputModalities: ['text'], modalities: ['audio'] }).output_modalities).toEqual(['text']);
    expect(session({ outputModalities: [], modalities: ['text'] }).output_modalities).toEqual(['text']);
    expect(session({ modalities: [] }).output_modalities).toEqual(['audio']);
  });
});

describe('turn detection keys', () => {
  it('renames camelCase keys to snake_case and keeps unknown keys', () => {
    const s = session({
      turnDetection: { type: 'server_vad', createResponse: false, interruptResponse: true, prefixPaddingMs: 300, silenceDurationMs: 500, idleTimeoutMs: 6000, threshold: 0.4 },
    });
    expect(s.audio.input.turn_detection).toEqual({
      type: 'server_vad',
      threshold: 0.4,
      create_response: false,
      interrupt_response: true,
      prefix_padding_ms: 300,
      silence_duration_ms: 500,
      idle_timeout_ms: 6000,
    });
  });

  it('lets the snake_case key win when both are given and drops the camel key', () => {
    expect(normalizeTurnDetection({ silenceDurationMs: 1, silence_duration_ms: 2, modelVersion: 'v' })).toEqual({
      silence_duration_ms: 2,
      model_version: 'v',
    });
  });

  it('does not mutate the caller object and passes null through', () => {
    const td = { createResponse: true };
    normalizeTurnDetection(td);
    expect(td).toEqual({ createResponse: true });
    expect(normalizeTurnDetection(null)).toBeNull();
  });
});

describe('audio formats', () => {
  it.each([
    ['pcm16', PCM], ['audio/pcm', PCM], ['pcm', PCM],
    ['g711_ulaw', { type: 'audio/pcmu' }], ['audio/pcmu', { type: 'audio/pcmu' }], ['pcmu', { type: 'audio/pcmu' }],
    ['g711_alaw', { type: 'audio/pcma' }], ['audio/pcma', { type: 'audio/pcma' }], ['pcma', { type: 'audio/pcma' }],
  ])('maps the legacy string %s to its GA object', (input, expected) => {
    expect(toRealtimeAudioFormat(input)).toEqual(expected);
    expect(session({ inputAudioFormat: input }).audio.input.format).toEqual(expected);
  });

  it('returns undefined for unknown, case-changed or non-format values', () => {
    for (const x of ['PCM16', 'opus', '', null, undefined, 42, { type: 'audio/opus' }]) {
      expect(toRealtimeAudioFormat(x)).toBeUndefined();
    }
  });

  it('forces rate 24000 on audio/pcm objects and keeps G.711 objects typed', () => {
    expect(toRealtimeAudioFormat({ type: 'audio/pcm', rate: 16000 })).toEqual(PCM);
    expect(toRealtimeAudioFormat({ type: 'audio/pcm' })).toEqual(PCM);
    expect(toRealtimeAudioFormat({ type: 'audio/pcma' })).toEqual({ type: 'audio/pcma' });
  });
});

describe('tools and handoffs', () => {
  const params = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

  it('sends tools then handoffs as function tools', () => {
    const s = session({
      tools: [{ name: 'weather', description: 'Get weather', parameters: params }],
      handoffs: [{ toolName: 'transfer_to_billing', toolDescription: 'Handoff to billing', inputJsonSchema: { type: 'object' } }],
    });
    expect(s.tools).toEqual([
      { type: 'function', name: 'weather', description: 'Get weather', parameters: params },
      { type: 'function', name: 'transfer_to_billing', description: 'Handoff to billing', parameters: { type: 'object' } },
    ]);
    expect(Object.keys(s.tools[0])).toEqual(['type', 'name', 'description', 'parameters']);
  });

  it('converts a zod object schema with zod own JSON Schema export', () => {
    const s = session({
      tools: [{ name: 'weather', parameters: z.object({ city: z.string().describe('City'), days: z.number().int().optional() }) }],
    });
    expect(s.tools[0]).toEqual({
      type: 'function',
      name: 'weather',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', description: 'City' },
          days: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 },
        },
        required: ['city'],
        additionalProperties: false,
      },
    });
  });

  it('uses an injected converter for zod schemas without an export of their own', () => {
    const fake = { _zod: {} } as never;
    expect(userError(() => buildSessionConfig({ tools: [{ name: 't', parameters: fake }] })).code).toBe('invalid_tool');
    setZodToJsonSchema(() => ({ $schema: 'x', type: 'object' }));
    try {
      expect(session({ tools: [{ name: 't', parameters: fake }] }).tools[0].parameters).toEqual({ type: 'object' });
    } finally {
      setZodToJsonSchema(undefined);
    }
  });

  it('gives a handoff without input schema an empty parameters object', () => {
    expect(session({ handoffs: [{ toolName: 'h', toolDescription: 'd' }] }).tools).toEqual([
      { type: 'function', name: 'h', description: 'd', parameters: {} },
    ]);
  });

  it('rejects duplicate names with the seed message', () => {
    const e = userError(() => buildSessionConfig({ tools: [{ name: 'x', parameters: {} }, { name: 'x', parameters: {} }] }));
    expect(e.code).toBe('duplicate_tool_name');
    expect(e.message).toBe(
      "Duplicate Realtime tool name found: 'x' (2 function tools). Realtime function tool and handoff names must be unique. Rename one of them before starting the session.",
    );
  });

  it('lists several duplicates sorted, naming their sources', () => {
    const e = userError(() =>
      buildSessionConfig({
        tools: [{ name: 'lookup', parameters: {} }, { name: 'b', parameters: {} }],
        handoffs: [
          { toolName: 'lookup', toolDescription: '' },
          { toolName: 'b', toolDescription: '' },
          { toolName: 'b', toolDescription: '' },
        ],
      }),
    );
    expect(e.message).toBe(
      "Duplicate Realtime tool names found: 'b' (function tool and 2 handoffs), 'lookup' (function tool and handoff). Realtime function tool and handoff names must be unique. Rename one of them before starting the session.",
    );
  });

  it('rejects a tool without a string name', () => {
    expect(userError(() => buildSessionConfig({ tools: [{ parameters: {} } as never] })).code).toBe('invalid_tool');
  });
});

describe('other session fields', () => {
  it('rejects programmatic_tool_calling with the seed message', () => {
    const e = userError(() => buildSessionConfig({ toolChoice: 'programmatic_tool_calling' }));
    expect(e.code).toBe('unsupported_tool_choice');
    expect(e.message).toBe(
      "tool_choice='programmatic_tool_calling' is only supported with OpenAI Responses models and cannot be used with OpenAI Responses models.",
    );
  });

  it('sends every optional field in the seed key order', () => {
    const s = session({
      instructions: 'Be brief.',
      maxOutputTokens: 'inf',
      parallelToolCalls: false,
      prompt: { id: 'pmpt_1', version: '2' },
      reasoning: { effort: 'low' },
      toolChoice: 'auto',
    });
    expect(Object.keys(s)).toEqual([
      'type', 'audio', 'instructions', 'max_output_tokens', 'model', 'output_modalities',
      'parallel_tool_calls', 'prompt', 'reasoning', 'tool_choice', 'tools',
    ]);
    expect(s.prompt).toEqual({ id: 'pmpt_1', variables: null, version: '2' });
    expect(s.max_output_tokens).toBe('inf');
    expect(s.parallel_tool_calls).toBe(false);
  });

  it('sends all three prompt keys, absent ones as null (seed quirk)', () => {
    expect(session({ prompt: { id: 'p' } }).prompt).toEqual({ id: 'p', variables: null, version: null });
    expect(Object.keys(session({ prompt: { id: 'p', variables: { a: '1' } } }).prompt)).toEqual(['id', 'variables', 'version']);
  });

  it('sends explicit null instructions as null and omits null parallel_tool_calls and reasoning', () => {
    const s = sessionWithNulls({ instructions: null, parallelToolCalls: null, reasoning: null });
    expect(s.instructions).toBeNull();
    expect(s).not.toHaveProperty('parallel_tool_calls');
    expect(s).not.toHaveProperty('reasoning');
  });
});

describe('tracing update', () => {
  it('sends auto when tracing was not configured', () => {
    const e = buildTracingUpdate(undefined, 'gpt-realtime');
    assertClientEvent(e);
    expect(e).toEqual({ type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime', tracing: 'auto' } });
    expect(buildTracingUpdate('auto', 'm')!.session.tracing).toBe('auto');
  });

  it('converts camel or snake keys to snake and leaves missing keys out', () => {
    const e = buildTracingUpdate({ groupId: 'g', workflowName: 'w', metadata: { a: 1 } }, 'm');
    assertClientEvent(e);
    expect(e!.session.tracing).toEqual({ group_id: 'g', metadata: { a: 1 }, workflow_name: 'w' });
    const snake = buildTracingUpdate({ workflow_name: 'w' }, 'm');
    assertClientEvent(snake);
    expect(snake!.session.tracing).toEqual({ workflow_name: 'w' });
  });

  it('sends nothing when tracing is null', () => {
    expect(buildTracingUpdate(null, 'm')).toBeNull();
  });
});

describe('zod/mini tool parameters', () => {
  it('converts a zod/mini schema once z.toJSONSchema is injected', async () => {
    const zm = await import('zod/mini');
    const parameters = zm.object({ city: zm.string() });
    expect(userError(() => buildSessionConfig({ tools: [{ name: 't', parameters }] })).code).toBe('invalid_tool');
    setZodToJsonSchema(zm.toJSONSchema as (s: unknown) => unknown);
    try {
      expect(session({ tools: [{ name: 't', parameters }] }).tools[0].parameters).toEqual({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      });
    } finally {
      setZodToJsonSchema(undefined);
    }
  });
});
