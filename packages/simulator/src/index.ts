// Public entry of @open-realtime/simulator: startSimulator and the types of its options,
// plus the audio helpers and schema validators that tests of other packages reuse.
export { startSimulator } from './server.js';
export type { Simulator, SimulatorOptions, ConnectionInfo } from './server.js';
export type { SimulatorScript, ScriptRule } from './script.js';
export type { FaultOptions } from './faults.js';
export { synthesize } from './tts.js';
export { synthesizeWords } from './word-speech.js';
export type { SpokenText, WordTiming } from './word-speech.js';
export {
  encodeForFormat, decodeFromFormat, resample, parseWav, rms, linearToMulaw, mulawToLinear, linearToAlaw, alawToLinear,
} from './audio-codec.js';
export { serverEventErrors, clientEventErrors, dropNulls } from './validate.js';
