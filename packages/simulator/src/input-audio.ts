// The input audio buffer of one connection: append / commit / clear, server VAD turns, barge-in
// and the idle timeout. All times are on the session's appended-audio clock (ms of audio the
// client sent), so VAD and timeout results depend only on the audio, never on the wall clock.
// The idle timeout counts appended audio after a response (plus its audio length), an assumed
// deterministic stand-in for the real server's wall-clock "response.done + playback" timer.
import { bytesPerMs, decodeFromFormat, type AudioFormat } from './audio-codec.js';
import type { Conversation, Item } from './conversation.js';
import { newId } from './ids.js';
import type { ActiveResponse } from './responses.js';
import type { Session } from './session.js';
import type { VoiceDetector } from './vad.js';

/** What the buffer needs from its connection. */
export interface InputHost {
  send(event: Record<string, unknown>): void;
  error(code: string, message: string, param: string | null, eventId: string | null): void;
  readonly session: Session;
  readonly conversation: Conversation;
  readonly active: ActiveResponse | null;
  /** Next scripted transcript for a user audio turn, if the script has one. */
  nextUserTranscript(): string | undefined;
  startResponse(): void;
  /** Starts a response for a VAD turn now, or once a cancelled one has finished. */
  requestTurnResponse(): void;
}

/** Per-connection input audio state. */
export class InputAudio {
  private bytes = Buffer.alloc(0);
  private bufferStartMs = 0;
  private totalMs = 0;
  private turnItemId: string | null = null;
  private turnStartMs = 0;
  private idle: { sinceMs: number; needMs: number } | null = null;

  constructor(private readonly host: InputHost, private readonly detector: VoiceDetector) {}

  private get format(): AudioFormat {
    return this.host.session.audio.input.format;
  }

  /** input_audio_buffer.append: buffers the bytes and runs VAD over them. */
  append(b64: string): void {
    const chunk = Buffer.from(b64, 'base64');
    this.bytes = Buffer.concat([this.bytes, chunk]);
    this.totalMs += chunk.length / bytesPerMs(this.format);
    const td = this.host.session.audio.input.turn_detection;
    if (!td) return;
    const { samples, sampleRate } = decodeFromFormat(chunk, this.format);
    for (const ev of this.detector.push(samples, sampleRate, td)) {
      if (ev.type === 'speech_started') {
        this.idle = null;
        this.turnItemId = newId('item');
        this.turnStartMs = ev.audioStartMs;
        // Barge-in: the real server cancels the active response when interrupt_response is on.
        if (this.host.active && td.interrupt_response !== false) this.host.active.cancel('turn_detected');
        this.host.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: ev.audioStartMs, item_id: this.turnItemId });
      } else {
        const itemId = this.turnItemId ?? newId('item');
        this.host.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: ev.audioEndMs, item_id: itemId });
        const prefix = td.type === 'server_vad' ? Number(td.prefix_padding_ms ?? 300) : 300;
        this.commitSpan(itemId, Math.max(this.bufferStartMs, this.turnStartMs - prefix), ev.stopDecidedMs);
        this.turnItemId = null;
        if (td.create_response !== false) this.host.requestTurnResponse();
      }
    }
    if (!this.detector.speaking) {
      this.checkIdle();
      // Outside speech only the prefix padding can still be needed: keep the last second.
      this.trimBefore(this.totalMs - 1000);
    }
  }

  /** input_audio_buffer.commit (manual). */
  commit(eventId: string | null): void {
    const ms = this.totalMs - this.bufferStartMs;
    if (ms < 100) {
      // Known 3rd-party shape of the real refusal of a (near) empty commit.
      this.host.error('input_audio_buffer_commit_empty',
        `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`,
        null, eventId);
      return;
    }
    this.commitSpan(this.turnItemId ?? newId('item'), this.bufferStartMs, this.totalMs);
    this.turnItemId = null;
    this.detector.reset();
  }

  /** input_audio_buffer.clear. */
  clear(): void {
    this.bytes = Buffer.alloc(0);
    this.bufferStartMs = this.totalMs;
    this.turnItemId = null;
    this.detector.reset();
    this.host.send({ type: 'input_audio_buffer.cleared' });
  }

  /** Arms the idle timeout after a response whose audio lasted `responseAudioMs`. */
  armIdle(responseAudioMs: number): void {
    const ms = this.host.session.audio.input.turn_detection?.idle_timeout_ms;
    this.idle = typeof ms === 'number' ? { sinceMs: this.totalMs, needMs: ms + responseAudioMs } : null;
  }

  private checkIdle(): void {
    if (!this.idle || this.host.active || this.totalMs - this.idle.sinceMs < this.idle.needMs) return;
    const { sinceMs } = this.idle;
    this.idle = null;
    const itemId = newId('item');
    this.host.send({
      type: 'input_audio_buffer.timeout_triggered',
      audio_start_ms: Math.round(sinceMs), audio_end_ms: Math.round(this.totalMs), item_id: itemId,
    });
    this.commitSpan(itemId, Math.max(this.bufferStartMs, sinceMs), this.totalMs);
    this.host.startResponse();
  }

  private trimBefore(ms: number): void {
    if (ms <= this.bufferStartMs) return;
    this.bytes = this.bytes.subarray(this.offsetOf(ms));
    this.bufferStartMs = ms;
  }

  private offsetOf(ms: number): number {
    const bpm = bytesPerMs(this.format);
    const sample = this.format.type === 'audio/pcm' ? 2 : 1;
    const off = Math.round(((ms - this.bufferStartMs) * bpm) / sample) * sample;
    return Math.max(0, Math.min(this.bytes.length, off));
  }

  /** Commits audio [fromMs, toMs) as a user item and emits committed, item added/done, transcription. */
  private commitSpan(itemId: string, fromMs: number, toMs: number): void {
    const audio = Buffer.from(this.bytes.subarray(this.offsetOf(fromMs), this.offsetOf(toMs)));
    this.bytes = this.bytes.subarray(this.offsetOf(toMs));
    this.bufferStartMs = Math.max(this.bufferStartMs, toMs);
    const { host } = this;
    const transcription = host.session.audio.input.transcription;
    const scripted = host.nextUserTranscript();
    const item: Item = {
      id: itemId, object: 'realtime.item', type: 'message', status: 'completed', role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
    };
    const added = host.conversation.add(item);
    if (!('stored' in added)) return;
    added.stored.audio.set(0, { bytes: audio, format: this.format });
    if (scripted !== undefined) added.stored.scriptedText = scripted;
    const prev = added.previousItemId;
    host.send({ type: 'input_audio_buffer.committed', previous_item_id: prev, item_id: itemId });
    host.send({ type: 'conversation.item.added', previous_item_id: prev, item });
    host.send({ type: 'conversation.item.done', previous_item_id: prev, item });
    if (!transcription) return;
    if (scripted === undefined) {
      // The simulator cannot understand speech and says so instead of inventing a transcript.
      host.send({
        type: 'conversation.item.input_audio_transcription.failed', item_id: itemId, content_index: 0,
        error: {
          type: 'transcription_error', code: 'transcription_unavailable', param: null,
          message: 'The open-realtime simulator cannot transcribe speech; give a transcript in script.userTranscripts.',
        },
      });
      return;
    }
    (item.content as Array<Record<string, unknown>>)[0]!.transcript = scripted;
    host.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, content_index: 0, delta: scripted });
    host.send({
      type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0,
      transcript: scripted, usage: { type: 'duration', seconds: Math.round((toMs - fromMs) / 100) / 10 },
    });
  }
}
