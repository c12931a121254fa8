// The word timings of recent assistant audio items, across every connection of one simulator,
// so a test can compare what a client believes was heard with what was really spoken when.
// Bounded: past `limit` items the oldest is forgotten. Readers get copies, never the stored list.
import type { WordTiming } from './word-speech.js';

/** Word timings by item id, oldest evicted first. */
export class WordTimingLog {
  private readonly items = new Map<string, readonly WordTiming[]>();

  constructor(private readonly limit = 1000) {}

  /** Records (or replaces, keeping its age) the timings of an item. */
  set(itemId: string, timings: readonly WordTiming[]): void {
    if (!this.items.has(itemId) && this.items.size >= this.limit) {
      this.items.delete(this.items.keys().next().value!);
    }
    this.items.set(itemId, timings);
  }

  /** A copy of an item's timings, or undefined for an item never synthesized (or forgotten). */
  get(itemId: string): WordTiming[] | undefined {
    return this.items.get(itemId)?.map((w) => ({ ...w }));
  }
}
