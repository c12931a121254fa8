// The `./web-audio` subpath: browser playback and capture for the Realtime client.
// Stands alone (STYLE.md "audio/ stands alone"): it uses only the core's types and error class,
// never its state, a transport or the client (attachPlayer is typed structurally on the model).
export { WebAudioPlayer, loadPlayerWorklet } from './audio/player.js';
export type { WebAudioPlayerOptions, WebAudioPlayerEvents } from './audio/player.js';
export { PLAYER_WORKLET_SOURCE, PLAYER_PROCESSOR_NAME } from './audio/player.worklet.js';
export {
  LinearResampler, decodeAlaw, decodeMulaw, float32ToInt16, int16ToFloat32, toEncoding, encodedMs,
} from './audio/codec.js';
export type { AudioEncoding } from './audio/codec.js';
export { attachPlayer } from './audio/attach.js';
export type { AttachableModel } from './audio/attach.js';
export type { AudioPlayer, AudioItemRef, PlaybackState } from './core/types.js';
export { MicrophoneCapture, CaptureError, toCaptureError } from './audio/capture.js';
export type { MicrophoneCaptureOptions, MicrophoneCaptureEvents, CaptureErrorCode } from './audio/capture.js';
