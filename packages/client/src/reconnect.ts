// Opt-in reconnect: the schedule (jittered exponential backoff) and the bounded queue of sends
// made while the connection is down. What is replayed on the new session (the effective session,
// then the conversation as items) is built from the core's history (core/history.ts).
import { audioLengthMs } from './audio/pcm.js';
import { RealtimeUserError } from './core/errors.js';
import type { RealtimeSendEvent } from './core/send.js';
import { type RealtimeModelSettings, buildSessionUpdate } from './core/session-config.js';
import type { AudioFormatLike } from './core/types.js';

/** `connect({ reconnect })`: true for the defaults, or the schedule. */
export interface ReconnectOptions {
  /** Attempts before giving up (default 8). */
  maxAttempts?: number;
  /** Delay before the first attempt (ms, default 250), doubled each attempt. */
  initialDelayMs?: number;
  /** Longest delay (ms, default 10,000). */
  maxDelayMs?: number;
}

/** Sends kept while reconnecting (text and control; audio is dropped and counted). */
export const PENDING_SEND_LIMIT = 100;

/** The schedule with defaults filled, or null when reconnect is off. */
export function reconnectSchedule(option: boolean | ReconnectOptions | undefined): Required<ReconnectOptions> | null {
  if (!option) return null;
  const o = option === true ? {} : option;
  return { maxAttempts: o.maxAttempts ?? 8, initialDelayMs: o.initialDelayMs ?? 250, maxDelayMs: o.maxDelayMs ?? 10_000 };
}

/** Delay before attempt `n` (1-based): exponential, capped, with full jitter in its upper half. */
export function backoffDelay(n: number, schedule: Required<ReconnectOptions>, random: () => number = Math.random): number {
  const base = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * 2 ** (n - 1));
  return base / 2 + (random() * base) / 2;
}

/** Queues a send made while reconnecting; refuses past the limit. */
export function queuePendingSend(queue: RealtimeSendEvent[], event: RealtimeSendEvent): void {
  if (queue.length >= PENDING_SEND_LIMIT) {
    throw new RealtimeUserError('send_queue_full', `Reconnecting: ${PENDING_SEND_LIMIT} sends already wait; ${String(event.type)} was refused`);
  }
  queue.push(event);
}

/** What the model keeps while its connection is down. */
export interface DownState {
  dropped: { frames: number; ms: number };
  pending: RealtimeSendEvent[];
  format: AudioFormatLike;
  model: string;
  callId: string | null;
}

/**
 * A send made while reconnecting: audio is dropped and counted; a session update is checked and
 * returned (the caller folds it into the settings replayed with the session); an interrupt has
 * nothing left to stop (the output stopped when the socket dropped); the rest waits, bounded.
 */
export function holdWhileDown(event: RealtimeSendEvent, down: DownState): RealtimeModelSettings | null {
  if (event?.type === 'audio') {
    down.dropped.frames++;
    down.dropped.ms += audioLengthMs(down.format, event.audio.byteLength);
  } else if (event?.type === 'session_update') {
    buildSessionUpdate(event.sessionSettings ?? {}, { model: down.model, callId: down.callId });
    return event.sessionSettings ?? {};
  } else if (event?.type !== 'interrupt') {
    queuePendingSend(down.pending, event);
  }
  return null;
}
