// The Node example: one conversational turn through @open-realtime/client, imported as a user
// would. Talks to a local simulator it starts itself, or to the real API when OPENAI_API_KEY is
// set. Sends a text prompt (--text) or a WAV file (--wav), writes the reply audio to a WAV file
// and prints both transcripts and the timings (time to first audio, total).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OpenAIRealtimeWebSocketModel } from '@open-realtime/client';
import { startSimulator } from '@open-realtime/simulator';
import { decodeWavTo24k, encodeWav } from './wav.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    text: { type: 'string' },
    wav: { type: 'string' },
    out: { type: 'string', default: 'reply.wav' },
    simulator: { type: 'boolean', default: false },
    pace: { type: 'string', default: '3' },
  },
});

const useRealApi = Boolean(process.env.OPENAI_API_KEY) && !values.simulator;
const simulator = useRealApi ? null : await startSimulator({ port: 0, pace: Number(values.pace) });
const target = useRealApi ? 'the OpenAI Realtime API' : `the local simulator at ${simulator!.url}`;
console.log(`Connecting to ${target}...`);

const model = new OpenAIRealtimeWebSocketModel();
const audio: Uint8Array[] = [];
let assistantTranscript = '';
let userTranscript: string | null = null;
let firstAudioAt: number | null = null;
const done = new Promise<void>((resolve, reject) => {
  model.on('audio', (e) => {
    firstAudioAt ??= performance.now();
    audio.push(e.data);
  });
  model.on('transcript_delta', (e) => void (assistantTranscript += e.delta));
  model.on('input_audio_transcription_completed', (e) => void (userTranscript = e.transcript));
  model.on('turn_ended', () => resolve());
  model.on('error', (e) => console.error(`error: ${e.error.code ?? e.error.type}: ${e.error.message}`));
  model.on('exception', (e) => reject(e.exception));
});

await model.connect({
  apiKey: useRealApi ? undefined : 'simulator-key',
  url: simulator?.url,
  // A file is one complete turn: commit it ourselves instead of waiting for voice activity detection.
  initialModelSettings: { instructions: 'You are a friendly assistant. Answer briefly.', ...(values.wav ? { turnDetection: null } : {}) },
});

const started = performance.now();
if (values.wav) {
  const pcm = decodeWavTo24k(readFileSync(values.wav));
  for (let offset = 0; offset < pcm.byteLength; offset += 4800) await model.sendAudio(pcm.subarray(offset, offset + 4800));
  await model.sendAudio(new Uint8Array(0), { commit: true });
  await model.sendEvent({ type: 'raw_message', message: { type: 'response.create' } });
  console.log(`you (audio): ${values.wav}, ${(pcm.byteLength / 48).toFixed(0)} ms`);
} else {
  const text = values.text ?? 'Hello! What can you do?';
  await model.sendUserInput(text);
  console.log(`you: ${text}`);
}

await done;
const total = performance.now() - started;
model.close();
await simulator?.close();

const reply = new Uint8Array(audio.reduce((n, a) => n + a.byteLength, 0));
let offset = 0;
for (const chunk of audio) reply.set(chunk, (offset += chunk.byteLength) - chunk.byteLength);
writeFileSync(values.out!, encodeWav(reply));
if (values.wav) console.log(`you (transcript): ${userTranscript ?? '(no transcript received)'}`);
console.log(`assistant: ${assistantTranscript}`);
console.log(`reply audio: ${(reply.byteLength / 48 / 1000).toFixed(2)} s written to ${values.out}`);
console.log(`time to first audio: ${firstAudioAt === null ? 'n/a' : `${(firstAudioAt - started).toFixed(0)} ms`}, total: ${total.toFixed(0)} ms`);
