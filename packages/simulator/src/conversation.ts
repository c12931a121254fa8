// The server-side conversation: ordered items as the wire shows them, plus the raw audio bytes
// of each audio content part (input_audio from commits, output_audio from responses) so that
// retrieve can return base64 audio and truncate can cut it. Items never carry audio in
// conversation.item.added/done (PROTOCOL.md §2.1): only conversation.item.retrieved does.
import { bytesPerMs, type AudioFormat } from './audio-codec.js';

/** A wire item (RealtimeConversationItem) with its id set. */
export type Item = Record<string, unknown> & { id: string; type: string };

/** An item and the audio bytes behind its audio content parts (by content index). */
export interface StoredItem {
  item: Item;
  audio: Map<number, { bytes: Buffer; format: AudioFormat }>;
  /** Script-given transcript of a user audio turn, kept even when transcription is off. */
  scriptedText?: string;
  /** Set once the client truncated this item: later streaming must not restore the cut audio. */
  truncated?: boolean;
}

/** Ordered conversation of one session. */
export class Conversation {
  private readonly items: StoredItem[] = [];

  /** Inserts after `previousItemId` ('root' = first; undefined = last); returns the real previous id. */
  add(item: Item, previousItemId?: string | null): { previousItemId: string | null; stored: StoredItem } | { missing: string } {
    let index = this.items.length;
    if (previousItemId === 'root') index = 0;
    else if (previousItemId) {
      const at = this.items.findIndex((s) => s.item.id === previousItemId);
      if (at < 0) return { missing: previousItemId };
      index = at + 1;
    }
    const stored: StoredItem = { item, audio: new Map() };
    this.items.splice(index, 0, stored);
    return { previousItemId: index > 0 ? this.items[index - 1]!.item.id : null, stored };
  }

  /** The stored item of an id. */
  get(id: string): StoredItem | undefined {
    return this.items.find((s) => s.item.id === id);
  }

  /** Removes an item; false when it does not exist. */
  delete(id: string): boolean {
    const at = this.items.findIndex((s) => s.item.id === id);
    if (at < 0) return false;
    this.items.splice(at, 1);
    return true;
  }

  /** Id of the last item, or null. */
  lastId(): string | null {
    return this.items.at(-1)?.item.id ?? null;
  }

  /** The last item, or undefined. */
  last(): StoredItem | undefined {
    return this.items.at(-1);
  }

  /** Id of the item before `id`, or null. */
  previousId(id: string): string | null {
    const at = this.items.findIndex((s) => s.item.id === id);
    return at > 0 ? this.items[at - 1]!.item.id : null;
  }

  /** Every item in order. */
  all(): readonly StoredItem[] {
    return this.items;
  }
}

/** Duration in ms of audio bytes in a format. */
export function audioMs(bytes: number, format: AudioFormat): number {
  return bytes / bytesPerMs(format);
}

/** Text a user (or function output) item contributes, for script matching. */
export function itemText(item: Item): string | null {
  const content = item.content as Array<Record<string, unknown>> | undefined;
  if (!content) return null;
  const parts = content
    .map((c) => (typeof c.text === 'string' ? c.text : typeof c.transcript === 'string' ? c.transcript : ''))
    .filter(Boolean);
  return parts.length ? parts.join(' ') : null;
}

/** A wire copy of an item for added/done events: audio bytes stripped. */
export function withoutAudio(item: Item): Item {
  const content = item.content as Array<Record<string, unknown>> | undefined;
  if (!content) return { ...item };
  return { ...item, content: content.map(({ audio: _audio, ...rest }) => rest) };
}
