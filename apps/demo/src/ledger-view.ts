// Panels drawn from the model's ledger of assistant audio, never from the page's own accounting:
// the playback timeline (model.getAudioItems(): received, heard, phase, truncated at) and the
// latency as heard per turn (the model's `latency` events). The page only decides when to redraw.
import type { OpenAIRealtimeWebSocketModel, RealtimeModelEventOf } from '@open-realtime/client';

type Model = InstanceType<typeof OpenAIRealtimeWebSocketModel>;
type AudioItem = ReturnType<Model['getAudioItems']>[number];

const PHASE_LABEL: Record<AudioItem['phase'], string> = {
  queued: 'queued', playing: 'playing', done: 'heard in full', interrupted: 'stopped', truncated: 'cut',
};

/** The playback timeline: one row per item, redrawn at most once per animation frame. */
export class Timeline {
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private queued = false;

  constructor(private readonly table: HTMLTableElement, private readonly items: () => AudioItem[]) {}

  /** Asks for a redraw from the ledger at the next animation frame. */
  refresh(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      for (const item of this.items()) this.draw(item);
    });
  }

  private draw(item: AudioItem): void {
    const key = `${item.itemId}:${item.contentIndex}`;
    let tr = this.rows.get(key);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.itemId = item.itemId;
      tr.innerHTML = '<th scope="row"></th><td class="phase"></td><td class="received"></td><td class="heard"></td><td class="truncated"></td>';
      tr.children[0]!.textContent = item.itemId.slice(-8);
      tr.children[0]!.setAttribute('title', item.itemId);
      this.rows.set(key, tr);
      this.table.tBodies[0]!.append(tr);
    }
    tr.children[1]!.textContent = PHASE_LABEL[item.phase];
    tr.children[2]!.textContent = String(Math.floor(item.receivedMs));
    tr.children[3]!.textContent = String(Math.floor(item.heardMs));
    tr.children[4]!.textContent = item.truncatedAtMs === null ? '—' : String(item.truncatedAtMs);
  }
}

/** Appends one `latency` event to the list, with a line saying what the number measures. */
export function showLatency(list: HTMLOListElement, e: RealtimeModelEventOf<'latency'>): void {
  const li = document.createElement('li');
  li.dataset.kind = e.kind;
  const ms = document.createElement('span');
  ms.className = 'ms';
  ms.textContent = `${Math.round(e.ms)} ms`;
  const label = document.createElement('span');
  label.className = 'label';
  label.textContent = latencyLabel(e) + (e.clock === 'estimate' ? ' (estimated from the wall clock)' : '');
  li.append(ms, ' ', label);
  list.append(li);
  list.scrollTop = list.scrollHeight;
}

function latencyLabel(e: RealtimeModelEventOf<'latency'>): string {
  if (e.kind === 'barge_in') return 'barge-in to silence: from the server hearing you start to speak to the reply going quiet at your speaker';
  if (e.kind === 'interrupt') return 'interrupt to silence: from pressing Interrupt to the reply going quiet at your speaker';
  const from = e.trigger === 'speech_stopped' ? 'you stopped speaking' : 'it was asked for (a message or a tool output sent)';
  const delta = e.firstDeltaMs === null ? '' : `; its first audio arrived after ${Math.round(e.firstDeltaMs)} ms`;
  return `reply heard: from when ${from} to its first sound at your speaker${delta}`;
}
