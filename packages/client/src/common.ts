// Everything the package exports that does not depend on the runtime.
export { RealtimeWebSocketModelBase } from './model-base.js';
export type { RealtimeConnectOptions, RealtimeModelListener, RealtimeModelOptions } from './client.js';
export { RealtimeProtocolError, RealtimeUserError } from './core/errors.js';
export type { ProtocolErrorCode, UserErrorCode } from './core/errors.js';
export type { RealtimeErrorInfo, RealtimeItem, RealtimeModelEvent, RealtimeModelEventOf, RealtimeModelEventType, RealtimeUsage } from './core/model-events.js';
export { parseServerEvent } from './core/parse.js';
export type { ParseResult } from './core/parse.js';
export type { RealtimeSendEvent, ToolCallRef, UserContentPart, UserInput } from './core/send.js';
export { DEFAULT_MODEL, buildInitialSessionPayload, buildSessionConfig, setZodToJsonSchema } from './core/session-config.js';
export type {
  AudioFormatInput, JSONSchema, RealtimeHandoff, RealtimeModelSettings, RealtimeTool, SessionConfig, SessionTool,
  TracingConfig, TurnDetectionInput, Voice, ZodSchema, ZodToJsonSchema,
} from './core/session-config.js';
export { ManualPlaybackTracker } from './core/tracker.js';
export type { AudioFormat, AudioFormatLike, AudioItemRef, AudioPlayer, CreateWebSocket, CreateWebSocketOptions, PlaybackState, PlaybackTracker, WebSocketLike } from './core/types.js';
export type { InterruptOptions } from './core/interrupt.js';
export { audioLengthMs, base64ToBytes, bytesToBase64 } from './audio/pcm.js';
