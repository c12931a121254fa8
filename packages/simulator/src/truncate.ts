// conversation.item.truncate: cuts an assistant item's audio to what the user heard and trims its
// transcript in proportion (PROTOCOL.md §5). Past the audio's end it answers with the observed
// real error: invalid_value "Audio content of Xms is already shorter than Yms", event_id null.
import { audioMs } from './conversation.js';
import type { SimConnection } from './connection.js';

/** Handles one conversation.item.truncate event. */
export function truncateItem(c: SimConnection, ev: Record<string, unknown> & { event_id?: string }): void {
  const stored = c.conversation.get(ev.item_id as string);
  if (!stored) return c.itemNotFound(ev as never);
  const index = ev.content_index as number;
  const audio = stored.audio.get(index);
  const part = (stored.item.content as Array<Record<string, unknown>> | undefined)?.[index];
  if (stored.item.type !== 'message' || stored.item.role !== 'assistant' || !audio || !part) {
    // Assumed wording: only assistant audio can be truncated.
    return c.error('invalid_value', 'Only assistant messages with audio content can be truncated.', 'content_index', ev.event_id ?? null);
  }
  const endMs = ev.audio_end_ms as number;
  const haveMs = Math.floor(audioMs(audio.bytes.length, audio.format));
  if (endMs > haveMs) {
    // Observed shape: error.event_id is null even when the client set one (3rd-party, §5).
    return c.error('invalid_value', `Audio content of ${haveMs}ms is already shorter than ${endMs}ms`, null, null);
  }
  const keep = Math.round((endMs * (audio.format.type === 'audio/pcm' ? 48 : 8)) / 2) * 2;
  const fraction = audio.bytes.length ? keep / audio.bytes.length : 0;
  audio.bytes = audio.bytes.subarray(0, audio.format.type === 'audio/pcm' ? keep : keep / 2 * 2);
  if (typeof part.transcript === 'string') {
    // Keep whole words spoken before the cut; the rest was never heard.
    const words = part.transcript.match(/\S+\s*/g) ?? [];
    let kept = '';
    for (const w of words) {
      if ((kept.length + w.trim().length) / Math.max(1, part.transcript.length) > fraction) break;
      kept += w;
    }
    part.transcript = kept.trim();
  }
  stored.truncated = true;
  c.send({ type: 'conversation.item.truncated', item_id: stored.item.id, content_index: index, audio_end_ms: endMs });
}
