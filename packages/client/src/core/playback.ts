// Playback steps: fold a playback reading into the ledger and report what follows from it, the
// heard transcript as it moves, the latency as heard when a turn's first frame reaches the
// listener, and the release of items nothing more can happen to. Inputs are values (the reading,
// the clock); nothing here calls out. The reading is null when the app wired no player or tracker:
// then the ledger's wall-clock estimate stands in, and latencies say `clock: 'estimate'`.
import { measureRate, splitHeard, updateRate } from './heard.js';
import { noteHeardFinal } from './history.js';
import { type LedgerItem, type TurnRecord, isAudible, isReleasable, observePlayback, retire, wordsOf } from './ledger.js';
import { type CoreState, type StepResult, emptyStep } from './state.js';
import type { PlaybackState } from './types.js';

/** Applies a playback reading (or the estimate when null) and returns what it implies. */
export function playbackStep(state: CoreState, playback: PlaybackState | null, now: number): StepResult {
  const out = emptyStep();
  settle(state, out, playback, now);
  return out;
}

/** Folds the reading, then reports heard-transcript changes, latencies and releases. */
export function settle(state: CoreState, out: StepResult, playback: PlaybackState | null, now: number): void {
  const ledger = state.ledger;
  observePlayback(ledger, playback, now);
  const clock = playback === null ? 'estimate' : 'audio';
  for (const item of [...ledger.items.values()]) {
    if (item.heardStartAt !== null) reportLatency(state, out, item, clock);
    reportHeard(state, out, item, false);
    if (isReleasable(ledger, item)) {
      reportHeard(state, out, item, true);
      calibrate(state, item);
      retire(ledger, item);
    }
  }
}

/**
 * Emits `heard_transcript` when the heard word count changed, and once with `final: true` when
 * the item is stopped or fully heard (then the split never changes again).
 */
export function reportHeard(state: CoreState, out: StepResult, item: LedgerItem, release: boolean): void {
  if (item.reportedHeardWords < 0) return; // final already reported
  const final = release || !isAudible(item);
  if (!final && !state.followHeard) return; // nobody would see a provisional split
  if (item.transcript === '') {
    // Stopped before any of its transcript arrived: the conversation holds none of it.
    if (final && state.history && item.receivedMs > 0 && (item.phase === 'interrupted' || item.phase === 'truncated')) noteHeardFinal(state.history, item.itemId, '');
    return; // nothing to split (yet)
  }
  const totalMs = item.audioDone ? item.receivedMs : null;
  const split = splitHeard(item.transcript, item.heardMs, item.receivedMs, totalMs, state.ledger.msPerUnit, wordsOf(item));
  item.nextWordMs = final ? null : split.nextMs;
  if (!final && split.words === item.reportedHeardWords) return;
  item.reportedHeardWords = final ? -1 : split.words;
  if (final && state.history && (item.phase === 'interrupted' || item.phase === 'truncated')) noteHeardFinal(state.history, item.itemId, split.heard);
  out.emit.push({
    type: 'heard_transcript',
    itemId: item.itemId,
    contentIndex: item.contentIndex,
    responseId: item.responseId,
    heard: split.heard,
    unheard: split.unheard,
    heardMs: Math.floor(item.heardMs),
    receivedMs: Math.floor(item.receivedMs),
    final,
  });
}

/** While an item's audio or transcript still streams its split is provisional: read again this often. */
const PROVISIONAL_MS = 250;

/**
 * Milliseconds of playback until the heard transcript of an item being heard moves (its next
 * word's start is heard), as of the last reading; null when nothing is pending. The item the
 * reading is on counts from its start report, before its first frame reached the listener. A
 * word whose audio has not arrived cannot be heard yet: the player's report of the queue running
 * dry or refilling comes first. Deltas move the split without a reading (more transcript, a new
 * speaking rate), so while either stream runs the wait is capped at PROVISIONAL_MS.
 */
export function msUntilHeardMoves(state: CoreState): number | null {
  let next = Infinity;
  for (const item of state.ledger.items.values()) {
    if (item.reportedHeardWords < 0 || !(item.phase === 'playing' || (item === state.ledger.current && isAudible(item)))) continue;
    let ms = item.audioDone && item.transcriptDone ? Infinity : PROVISIONAL_MS;
    const word = item.nextWordMs;
    if (word !== null && word < item.receivedMs) ms = Math.min(ms, Math.max(0, word - item.heardMs));
    next = Math.min(next, ms);
  }
  return next === Infinity ? null : next;
}

function calibrate(state: CoreState, item: LedgerItem): void {
  if (item.phase !== 'done' || !item.transcriptDone) return;
  const rate = measureRate(item.transcript, item.receivedMs);
  if (rate !== null) state.ledger.msPerUnit = updateRate(state.ledger.msPerUnit, rate);
}

function reportLatency(state: CoreState, out: StepResult, item: LedgerItem, clock: 'audio' | 'estimate'): void {
  const turn = item.responseId ? state.ledger.turns.get(item.responseId) : undefined;
  if (!turn || turn.reported || turn.startAt === null || item.heardStartAt === null) return;
  turn.reported = true;
  out.emit.push({
    type: 'latency',
    kind: 'first_audio_heard',
    responseId: turn.responseId,
    trigger: turn.trigger,
    ms: item.heardStartAt - turn.startAt,
    firstDeltaMs: turn.firstDeltaAt === null ? null : turn.firstDeltaAt - turn.startAt,
    clock,
  });
}

/** Opens the turn record of a response, claiming the pending start of the user's turn. */
export function openTurn(state: CoreState, responseId: string): void {
  const ledger = state.ledger;
  const pending = ledger.pendingTurn;
  ledger.pendingTurn = null;
  const turn: TurnRecord = { responseId, startAt: pending?.at ?? null, trigger: pending?.trigger ?? null, firstDeltaAt: null, reported: false };
  ledger.turns.set(responseId, turn);
  if (ledger.turns.size > 16) ledger.turns.delete(ledger.turns.keys().next().value as string);
}

/** Records where the user's turn ended (speech_stopped, or a response.create sent). */
export function markTurnStart(state: CoreState, at: number, trigger: 'speech_stopped' | 'response_create'): void {
  state.ledger.pendingTurn = { at, trigger };
}

/**
 * The output went silent after an interrupt at `silencedAt` (the player's estimate on the model's
 * clock, or the interrupt's own time without a player): reports the latency of the stop.
 */
export function noteSilenced(out: StepResult, from: { at: number; kind: 'barge_in' | 'interrupt' }, silencedAt: number, clock: 'audio' | 'estimate'): void {
  out.emit.push({ type: 'latency', kind: from.kind, responseId: null, trigger: null, ms: Math.max(0, silencedAt - from.at), firstDeltaMs: null, clock });
}
