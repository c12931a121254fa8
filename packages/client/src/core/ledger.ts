// The ledger of assistant audio: the one owner of what was received, heard, queued and
// interrupted (STYLE.md rule 11). Items are kept in arrival order, which is play order: the
// server streams one audio item after another and the player renders what it is given in order.
// Invariants: heardMs never exceeds receivedMs and never decreases; an item is released only when
// nothing of it can still be heard or truncated (fully heard or stopped, and its response ended);
// the ledger is bounded (MAX_ITEMS live items, RETIRED_LIMIT retired summaries).
import { type WeightedWord, splitHeard, weighWords } from './heard.js';
import type { PlaybackState } from './types.js';

/** Where an item stands: waiting, being heard, fully heard, stopped, or stopped and truncated. */
export type AudioPhase = 'queued' | 'playing' | 'done' | 'interrupted' | 'truncated';

/** One assistant audio item (an item id and content index). */
export interface LedgerItem {
  key: string;
  itemId: string;
  contentIndex: number;
  responseId: string | null;
  /** Milliseconds of audio received, in the session's output format (pcm.ts). */
  receivedMs: number;
  /** Milliseconds of it the listener heard (from the player, a tracker or the estimate). */
  heardMs: number;
  phase: AudioPhase;
  /** No more audio can arrive for it (`response.output_audio.done` or its `response.done`). */
  audioDone: boolean;
  /** Clock time of its first delta. */
  firstReceivedAt: number;
  /** Wall-clock estimate of when its playback starts (used without a player or tracker). */
  estimatedStartAt: number;
  /** Clock time its first frame reached the listener, once known. */
  heardStartAt: number | null;
  truncatedAtMs: number | null;
  transcript: string;
  transcriptDone: boolean;
  /** Words of the heard split last reported (to emit only changes). */
  reportedHeardWords: number;
  /** Heard ms past which the next word counts as heard, as of the last split (null: none pending). */
  nextWordMs: number | null;
  /** The transcript's weighted words, cached with the transcript they were made from. */
  words: { text: string; list: WeightedWord[] } | null;
}

/** What a retired item leaves behind: enough to clamp a late truncate and answer queries. */
export type RetiredItem = Pick<LedgerItem, 'itemId' | 'contentIndex' | 'responseId' | 'receivedMs' | 'heardMs' | 'phase' | 'truncatedAtMs' | 'transcript'>;

/** Latency bookkeeping of one response (a turn). */
export interface TurnRecord {
  responseId: string;
  /** When the user's turn ended: speech_stopped arrival, or the response.create send. */
  startAt: number | null;
  trigger: 'speech_stopped' | 'response_create' | null;
  firstDeltaAt: number | null;
  reported: boolean;
}

/** The audio ledger of one connection. */
export interface Ledger {
  items: Map<string, LedgerItem>;
  retired: Map<string, RetiredItem>;
  /** Responses whose remaining audio must not be emitted or played (until their response.done). */
  interruptedResponses: Set<string>;
  /** Responses that ended (bounded), so an item of one can be released. */
  endedResponses: Set<string>;
  turns: Map<string, TurnRecord>;
  /** Start of the user's turn not yet claimed by a response.created. */
  pendingTurn: { at: number; trigger: 'speech_stopped' | 'response_create' } | null;
  /** A barge-in waiting for the output to go silent: its speech_started arrival time. */
  pendingBargeIn: number | null;
  /** Calibrated speaking rate: ms of audio per transcript weight unit (heard.ts). */
  msPerUnit: number;
  /** The item the last playback reading was on (null: none, or no reading). */
  current: LedgerItem | null;
}

/** Live items kept at most (a player never holds more than a handful queued). */
export const MAX_ITEMS = 256;
/** Retired item summaries kept for late truncates and queries. */
export const RETIRED_LIMIT = 64;
/** Ended or interrupted response ids remembered at most. */
export const RESPONSE_MEMORY = 64;
/** Initial speaking rate before any item calibrates it (heard.ts units): about 150 words a minute. */
export const DEFAULT_MS_PER_UNIT = 57;

/** An empty ledger. */
export function createLedger(): Ledger {
  return {
    items: new Map(),
    retired: new Map(),
    interruptedResponses: new Set(),
    endedResponses: new Set(),
    turns: new Map(),
    pendingTurn: null,
    pendingBargeIn: null,
    msPerUnit: DEFAULT_MS_PER_UNIT,
    current: null,
  };
}

/** Key of an (item, content index) pair. */
export function itemKey(itemId: string, contentIndex: number): string {
  // Every delta of an item asks for the same key: the last one is kept, so the map lookups
  // reuse a string whose hash is already computed instead of building and hashing a new one.
  if (itemId !== lastKeyItemId || contentIndex !== lastKeyContentIndex) {
    lastKeyItemId = itemId;
    lastKeyContentIndex = contentIndex;
    lastKey = `${contentIndex}:${itemId}`;
  }
  return lastKey;
}
let lastKeyItemId: string | undefined;
let lastKeyContentIndex: number | undefined;
let lastKey = '';

/** Adds to a bounded set, evicting the oldest entry past `limit`. */
export function addBounded<T>(set: Set<T>, value: T, limit = RESPONSE_MEMORY): void {
  set.delete(value);
  set.add(value);
  if (set.size > limit) set.delete(set.values().next().value as T);
}

/** True while the listener may still hear some of the item. */
export function isAudible(item: LedgerItem): boolean {
  return item.phase === 'queued' || item.phase === 'playing';
}

/**
 * The item being heard (or next to be heard): the first audible item in play order that has
 * audio (an item known only from its transcript has nothing to hear yet).
 */
export function headItem(ledger: Ledger): LedgerItem | null {
  for (const item of ledger.items.values()) if (isAudible(item) && item.receivedMs > 0) return item;
  return null;
}

/** Records received audio; creates the item on its first delta (or first transcript delta). */
export function recordAudio(ledger: Ledger, itemId: string, contentIndex: number, responseId: string | null, ms: number, now: number): LedgerItem {
  const item = ensureItem(ledger, itemId, contentIndex, responseId, now);
  if (item.receivedMs === 0) {
    // The wall-clock estimate: playback of this item starts when it arrives or when the audible
    // item before it ends, whichever is later (seed-behaviour.md §2.5, extended to a queue).
    item.firstReceivedAt = now;
    item.estimatedStartAt = Math.max(now, previousEstimatedEnd(ledger, item));
  }
  item.receivedMs += ms;
  if (item.phase === 'done') item.phase = 'playing'; // more arrived after it was all heard
  return item;
}

/** The item for (itemId, contentIndex), created queued when new. */
export function ensureItem(ledger: Ledger, itemId: string, contentIndex: number, responseId: string | null, now: number): LedgerItem {
  const key = itemKey(itemId, contentIndex);
  let item = ledger.items.get(key);
  if (item) {
    if (responseId && !item.responseId) item.responseId = responseId;
    return item;
  }
  item = {
    key, itemId, contentIndex, responseId, receivedMs: 0, heardMs: 0, phase: 'queued', audioDone: false,
    firstReceivedAt: now, estimatedStartAt: now, heardStartAt: null, truncatedAtMs: null,
    transcript: '', transcriptDone: false, reportedHeardWords: 0, nextWordMs: null, words: null,
  };
  ledger.items.set(key, item);
  if (ledger.items.size > MAX_ITEMS) evictOldest(ledger);
  return item;
}

function previousEstimatedEnd(ledger: Ledger, item: LedgerItem): number {
  let end = -Infinity;
  for (const other of ledger.items.values()) {
    if (other === item) break;
    if (isAudible(other) && other.receivedMs > 0) end = other.estimatedStartAt + other.receivedMs;
  }
  return end;
}

/** Past the bound (a player that never reports): retire the oldest item, audible or not. */
function evictOldest(ledger: Ledger): void {
  const oldest = ledger.items.values().next().value as LedgerItem;
  retire(ledger, oldest);
}

/** Moves an item out of the live ledger into the bounded retired summaries. */
export function retire(ledger: Ledger, item: LedgerItem): void {
  ledger.items.delete(item.key);
  if (ledger.current === item) ledger.current = null;
  const { itemId, contentIndex, responseId, receivedMs, heardMs, phase, truncatedAtMs, transcript } = item;
  ledger.retired.delete(item.key);
  ledger.retired.set(item.key, { itemId, contentIndex, responseId, receivedMs, heardMs, phase, truncatedAtMs, transcript });
  if (ledger.retired.size > RETIRED_LIMIT) ledger.retired.delete(ledger.retired.keys().next().value as string);
}

/**
 * The item's weighted transcript words (heard.ts), made again only when the transcript changed:
 * a transcript that grew (deltas append) is weighed again from its last word on, which the new
 * text may have continued, so an item's words cost time in proportion to its transcript once.
 */
export function wordsOf(item: LedgerItem): WeightedWord[] {
  const text = item.transcript;
  const cached = item.words;
  if (cached?.text === text) return cached.list;
  if (cached && text.length > cached.text.length && text.startsWith(cached.text)) {
    const last = cached.list.pop();
    weighWords(text, last?.start ?? 0, cached.list);
    cached.text = text;
    return cached.list;
  }
  item.words = { text, list: weighWords(text) };
  return item.words.list;
}

/**
 * Sets an item's heard position (monotonic, capped by what was received) and its phase.
 * `heardStartAt` is when its first frame was heard, when the caller knows (else left unknown).
 */
export function setHeard(item: LedgerItem, heardMs: number, heardStartAt: number | null): void {
  if (!isAudible(item)) return;
  const heard = Math.min(Math.max(heardMs, item.heardMs), item.receivedMs);
  if (heard > 0 && item.heardStartAt === null && heardStartAt !== null) item.heardStartAt = heardStartAt;
  item.heardMs = heard;
  if (heard >= item.receivedMs && item.audioDone && item.receivedMs > 0) item.phase = 'done';
  else if (heard > 0) item.phase = 'playing';
}

/**
 * Folds the latest playback reading into the ledger. With a reading (player or tracker), its
 * current item is at `elapsedMs` and every audible item before it in play order was heard to the
 * end. Without one (null), each item is estimated to play in real time from its estimated start.
 */
export function observePlayback(ledger: Ledger, playback: PlaybackState | null, now: number): void {
  if (playback === null) {
    for (const item of ledger.items.values()) {
      if (isAudible(item) && item.receivedMs > 0 && now > item.estimatedStartAt) {
        setHeard(item, now - item.estimatedStartAt, item.estimatedStartAt);
      }
    }
    return;
  }
  const { currentItemId, elapsedMs } = playback;
  const current = currentItemId === null ? undefined : ledger.items.get(itemKey(currentItemId, playback.currentItemContentIndex ?? 0));
  ledger.current = current ?? null;
  if (!current || elapsedMs === null) return;
  for (const item of ledger.items.values()) {
    if (item === current) break;
    if (isAudible(item) && item.audioDone) setHeard(item, item.receivedMs, null); // passed: heard to the end
  }
  // A tracker that does not say when the item started is assumed to report in real time.
  setHeard(current, elapsedMs, playback.heardStartAt ?? (elapsedMs > 0 ? now - elapsedMs : null));
}

/** Marks every item of a response complete: no more of its audio can arrive. */
export function endResponseAudio(ledger: Ledger, responseId: string): void {
  addBounded(ledger.endedResponses, responseId);
  for (const item of ledger.items.values()) {
    if (item.responseId !== responseId) continue;
    item.audioDone = true;
    if (item.phase === 'playing' && item.heardMs >= item.receivedMs) item.phase = 'done';
  }
}

/** True when an item can be forgotten: nothing of it can be heard, arrive, or be truncated. */
export function isReleasable(ledger: Ledger, item: LedgerItem): boolean {
  if (isAudible(item)) return item.receivedMs === 0 && ledger.endedResponses.has(item.responseId ?? '');
  // A heard or stopped item of a running response can still be truncated (§3.2.4d): keep it.
  return item.responseId === null || ledger.endedResponses.has(item.responseId);
}

/** Received ms of an item, live or retired, floored (the server refuses more, PROTOCOL.md §5). */
export function receivedMsOf(ledger: Ledger, itemId: string, contentIndex: number): number | null {
  const key = itemKey(itemId, contentIndex);
  const item = ledger.items.get(key) ?? ledger.retired.get(key);
  return item ? Math.floor(item.receivedMs) : null;
}

/** Entries held, for the bounded-memory tests. */
export function ledgerSize(ledger: Ledger): number {
  return ledger.items.size + ledger.retired.size + ledger.interruptedResponses.size + ledger.endedResponses.size + ledger.turns.size;
}

/** The wall-clock estimate as a reading: the item being heard and how much of it (no tracker). */
export function estimatePlayback(ledger: Ledger, now: number): PlaybackState {
  const head = headItem(ledger);
  if (!head) return { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };
  const elapsed = Math.min(Math.max(now - head.estimatedStartAt, head.heardMs), head.receivedMs);
  return { currentItemId: head.itemId, currentItemContentIndex: head.contentIndex, elapsedMs: elapsed, heardStartAt: head.estimatedStartAt };
}

/** What the app can read about an assistant audio item (`model.getAudioItems()`). */
export interface AudioItemSnapshot {
  itemId: string;
  contentIndex: number;
  responseId: string | null;
  phase: AudioPhase;
  receivedMs: number;
  heardMs: number;
  truncatedAtMs: number | null;
  transcript: string;
  /** The transcript split at the heard position (an estimate, see heard.ts). */
  heard: string;
  unheard: string;
}

/** Snapshots of the retired then the live items, oldest first. */
export function snapshotItems(ledger: Ledger): AudioItemSnapshot[] {
  const out: AudioItemSnapshot[] = [];
  const add = (i: RetiredItem | LedgerItem, totalMs: number | null) => {
    const split = splitHeard(i.transcript, i.heardMs, i.receivedMs, totalMs, ledger.msPerUnit);
    out.push({
      itemId: i.itemId, contentIndex: i.contentIndex, responseId: i.responseId, phase: i.phase,
      receivedMs: i.receivedMs, heardMs: i.heardMs, truncatedAtMs: i.truncatedAtMs, transcript: i.transcript,
      heard: split.heard, unheard: split.unheard,
    });
  };
  for (const item of ledger.retired.values()) add(item, item.receivedMs);
  for (const item of ledger.items.values()) add(item, item.audioDone ? item.receivedMs : null);
  return out;
}
