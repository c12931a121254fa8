// The `./web-audio` subpath: browser playback and capture for the Realtime client.
// Stands alone (STYLE.md "audio/ stands alone"): nothing here touches the core or a transport.
export { WebAudioPlayer, loadPlayerWorklet } from './audio/player.js';
export type { WebAudioPlayerOptions, WebAudioPlayerEvents } from './audio/player.js';
export {
  LinearResampler, decodeAlaw, decodeMulaw, float32ToInt16, int16ToFloat32, toEncoding, encodedMs,
} from './audio/codec.js';
export type { AudioEncoding } from './audio/codec.js';
export { MicrophoneCapture, CaptureError, toCaptureError } from './audio/capture.js';
export type { MicrophoneCaptureOptions, MicrophoneCaptureEvents, CaptureErrorCode } from './audio/capture.js';
