// Server-side identifiers shaped like the real ones: a prefix and 21 base62 characters
// (e.g. `event_C9G5RJeJ2gF77mV7f2B1j` in the spec's session.created example).
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh id with the given prefix, e.g. newId('item') → item_…. */
export function newId(prefix: 'event' | 'item' | 'resp' | 'sess' | 'conv' | 'call'): string {
  const bytes = randomBytes(21);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${s}`;
}
