// The player's records of the items it was given, on the main thread: what was received and how
// many output frames the worklet can render of it, counted with the worklet's own integer
// arithmetic (codec.ts resampledFrames), so no samples are decoded here. Invariants: a record
// exists from an item's first audio until the worklet moved past it or it was dropped; bytes of
// a sample split across two chunks are carried to the next one, so the worklet gets whole samples.
import { ENCODING_BYTES, ENCODING_RATE, resampledFrames } from './codec.js';
import type { AudioEncoding } from './codec.js';

/** One item (itemId, contentIndex) the player was given audio of. */
export interface ItemRecord {
  /** Id of the item in messages to and from the worklet. */
  id: number;
  itemId: string;
  contentIndex: number;
  encoding: AudioEncoding;
  receivedBytes: number;
  /** Output frames of the item's streams ended by itemDone (audio may follow one: a new stream). */
  endedFrames: number;
  /** Input samples of the stream running now. */
  samples: number;
  /** Output frames of it posted to the worklet (audio still held in the feed is not there yet). */
  sentFrames: number;
  /** The first byte of a pcm16 sample whose second byte has not arrived, or -1. */
  carry: number;
  /** Complete (itemDone, or audio of a later item came): the posted frames are the whole item. */
  done: boolean;
  /** Context frame of its first rendered frame, from the worklet's first report of it. */
  startFrame: number | null;
  /** performance.now() time at which the item's first frame reaches the listener, once known. */
  heardStartAt: number | null;
}

/** The records, by (itemId, contentIndex) and by worklet id, in the order they were created. */
export class ItemTable {
  private readonly byKey = new Map<string, ItemRecord>();
  private readonly byId = new Map<number, ItemRecord>();
  private nextId = 0;
  /** The record appended to last: consecutive chunks of one item skip the key lookup. */
  private last: ItemRecord | null = null;

  /** The record of (itemId, contentIndex), if live. */
  get(itemId: string, contentIndex: number): ItemRecord | undefined {
    const last = this.last;
    if (last && last.itemId === itemId && last.contentIndex === contentIndex) return last;
    return this.byKey.get(keyOf(itemId, contentIndex));
  }

  /** The record the worklet calls `id`, if live. */
  byWorkletId(id: number): ItemRecord | undefined {
    return this.byId.get(id);
  }

  /** A new record of (itemId, contentIndex), encoded as `encoding`. */
  create(itemId: string, contentIndex: number, encoding: AudioEncoding): ItemRecord {
    const item: ItemRecord = {
      id: this.nextId++, itemId, contentIndex, encoding, receivedBytes: 0, endedFrames: 0, samples: 0, sentFrames: 0, carry: -1,
      done: false, startFrame: null, heardStartAt: null,
    };
    this.byKey.set(keyOf(itemId, contentIndex), item);
    this.byId.set(item.id, item);
    return (this.last = item);
  }

  /** Forgets a record. */
  release(item: ItemRecord): void {
    this.byKey.delete(keyOf(item.itemId, item.contentIndex));
    this.byId.delete(item.id);
    if (this.last === item) this.last = null;
  }

  /** How many records were ever created (the worklet knows them by these ids). */
  get created(): number {
    return this.nextId;
  }

  /** The live records, oldest first. */
  values(): IterableIterator<ItemRecord> {
    return this.byKey.values();
  }
}

/** Output frames of `item` fed to the worklet so far, at `outRate`, as its resampler counts them. */
export function fedFrames(item: ItemRecord, outRate: number): number {
  return item.endedFrames + resampledFrames(item.samples, ENCODING_RATE[item.encoding], outRate, false);
}

/** Ends the item's running stream: its resampler's held frames are rendered too. */
export function endStream(item: ItemRecord, outRate: number): void {
  item.endedFrames += resampledFrames(item.samples, ENCODING_RATE[item.encoding], outRate, true);
  item.samples = 0;
}

/** True when `byteLength` bytes can go as they are: no byte carried in front of them, whole samples only. */
export function isWholeSamples(item: ItemRecord, byteLength: number): boolean {
  return item.carry < 0 && byteLength % ENCODING_BYTES[item.encoding] === 0;
}

/**
 * The rare path of a sample split across chunks: a new array of the carried byte and the whole
 * samples of `data` (possibly empty); a trailing half sample is carried to the next chunk.
 */
export function joinSamples(item: ItemRecord, data: Uint8Array): Uint8Array {
  const carried = item.carry >= 0 ? 1 : 0;
  const total = carried + data.length;
  const width = ENCODING_BYTES[item.encoding];
  const length = total - (total % width);
  const out = new Uint8Array(length);
  if (carried) out[0] = item.carry;
  out.set(data.subarray(0, length - carried), carried);
  item.carry = length < total ? data[data.length - 1]! : -1;
  return out;
}

function keyOf(itemId: string, contentIndex: number): string {
  return `${itemId}\u0000${contentIndex}`;
}
