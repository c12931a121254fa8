// The conversation so far, kept so a reconnect can replay it onto a new session (README
// "Reconnect"). What the listener heard is what is replayed: an assistant audio item stopped by an
// interrupt is replayed as its heard transcript, not the whole reply. User audio turns replay as
// their transcripts when the server gave one; without one they are lost and counted. Bounded:
// HISTORY_LIMIT items, older ones dropped and counted as lost.
import type { ClientEvent } from './state.js';

/** One replayable conversation item. */
export type HistoryEntry =
  | { kind: 'user'; itemId: string | null; content: Array<Record<string, unknown>> | null }
  | { kind: 'assistant'; itemId: string; text: string; final: boolean }
  | { kind: 'function_call'; callId: string; name: string; arguments: string }
  | { kind: 'function_call_output'; callId: string; output: string };

/** The history of one conversation (survives reconnects: it belongs to the model, not the socket). */
export interface History {
  entries: HistoryEntry[];
  /** Entries dropped past the limit. */
  dropped: number;
}

/** Items kept for replay. */
export const HISTORY_LIMIT = 200;

/** An empty history. */
export function createHistory(): History {
  return { entries: [], dropped: 0 };
}

function push(history: History, entry: HistoryEntry): void {
  history.entries.push(entry);
  if (history.entries.length > HISTORY_LIMIT) {
    history.entries.shift();
    history.dropped++;
  }
}

/** A user message the app sent (text and image parts as sent). */
export function noteUserMessage(history: History, content: Array<Record<string, unknown>>): void {
  push(history, { kind: 'user', itemId: null, content });
}

/** A user audio turn committed by the server; its transcript may follow. */
export function noteUserAudio(history: History, itemId: string): void {
  if (!history.entries.some((e) => e.kind === 'user' && e.itemId === itemId)) push(history, { kind: 'user', itemId, content: null });
}

/** The transcript of a user audio turn. */
export function noteUserTranscript(history: History, itemId: string, transcript: string): void {
  const entry = history.entries.find((e) => e.kind === 'user' && e.itemId === itemId);
  const content = [{ type: 'input_text', text: transcript }];
  if (entry && entry.kind === 'user') entry.content = content;
  else push(history, { kind: 'user', itemId, content });
}

/** An assistant message as the server completed it (audio transcript or text). */
export function noteAssistant(history: History, itemId: string, text: string): void {
  const entry = history.entries.find((e) => e.kind === 'assistant' && e.itemId === itemId);
  if (entry && entry.kind === 'assistant') {
    if (!entry.final) entry.text = text;
  } else push(history, { kind: 'assistant', itemId, text, final: false });
}

/** An assistant audio item was stopped: what the listener heard is what the conversation holds. */
export function noteHeardFinal(history: History, itemId: string, heard: string): void {
  const entry = history.entries.find((e) => e.kind === 'assistant' && e.itemId === itemId);
  if (entry && entry.kind === 'assistant') {
    entry.text = heard;
    entry.final = true;
  } else push(history, { kind: 'assistant', itemId, text: heard, final: true });
}

/** A function call the model made. */
export function noteFunctionCall(history: History, callId: string, name: string, args: string): void {
  push(history, { kind: 'function_call', callId, name, arguments: args });
}

/** A function call's output the app sent. */
export function noteFunctionOutput(history: History, callId: string, output: string): void {
  push(history, { kind: 'function_call_output', callId, output });
}

/** The `conversation.item.create` events that rebuild the conversation, and how many were lost. */
export function replayItems(history: History): { events: ClientEvent[]; lost: number } {
  const events: ClientEvent[] = [];
  let lost = history.dropped;
  for (const entry of history.entries) {
    const item = toItem(entry);
    if (item) events.push({ type: 'conversation.item.create', item });
    else if (entry.kind === 'user') lost++; // an audio turn without transcript
  }
  return { events, lost };
}

function toItem(entry: HistoryEntry): Record<string, unknown> | null {
  switch (entry.kind) {
    case 'user':
      return entry.content && entry.content.length > 0 ? { type: 'message', role: 'user', content: entry.content } : null;
    case 'assistant':
      return entry.text.trim() ? { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: entry.text }] } : null;
    case 'function_call':
      return { type: 'function_call', call_id: entry.callId, name: entry.name, arguments: entry.arguments };
    case 'function_call_output':
      return { type: 'function_call_output', call_id: entry.callId, output: entry.output };
  }
}
