// Thousands of seeded random conversations through the sans-I/O core, against a reference model:
// a simulated server (responses with audio, text-only and tool-call replies, late audio after
// interrupts, custom voice objects, cancels) and a reference player that renders in order what the
// core tells it and reports what was heard. Invariants checked after every step:
// - a truncate never exceeds the audio the client received for the item;
// - a barge-in while anything is audible truncates the audible item at its heard position, and every
//   queued item at 0;
// - no audio of an interrupted response is emitted or played afterwards; a dropped item is never played;
// - `audio_interrupted` is emitted at most once per item;
// - a held response.create is always sent once the running response ends;
// - state stays bounded.
import { describe, expect, it } from 'vitest';
import { endConnection } from '../../src/core/connection.js';
import { interrupt } from '../../src/core/interrupt.js';
import { playbackStep } from '../../src/core/playback.js';
import { DELTA_EVENTS, receiveServerEvent } from '../../src/core/receive.js';
import { planSend } from '../../src/core/send.js';
import { type StepResult, createCoreState, stateSize } from '../../src/core/state.js';
import type { PlaybackState, PlayerCommand } from '../../src/core/types.js';
import { mulberry32 } from '../helpers/prng.js';

type Obj = Record<string, any>;

/** The reference player: plays appended items in order at real time, drops what it is told. */
class RefPlayer {
  queue: Array<{ key: string; itemId: string; responseId: string; ms: number; heard: number; done: boolean }> = [];
  last: { itemId: string; heard: number } | null = null;
  dropped = new Set<string>();

  apply(command: PlayerCommand): void {
    if (command.op === 'append') {
      const key = command.itemId;
      if (this.dropped.has(key)) throw new Error(`append after drop of ${key}`);
      let item = this.queue.find((i) => i.key === key);
      if (!item) this.queue.push((item = { key, itemId: command.itemId, responseId: command.responseId, ms: 0, heard: 0, done: false }));
      item.ms += command.data.length / 48;
    } else if (command.op === 'done') {
      const item = this.queue.find((i) => i.key === command.itemId);
      if (item) item.done = true;
    } else if (command.op === 'drop') {
      for (const ref of command.items) this.dropped.add(ref.itemId);
      this.queue = this.queue.filter((i) => !this.dropped.has(i.key));
      if (command.stop) this.last = null;
    }
  }

  /** Plays `dt` ms: the head item advances; a finished, complete item gives way to the next. */
  advance(dt: number): void {
    while (dt > 0 && this.queue.length > 0) {
      const head = this.queue[0]!;
      const step = Math.min(dt, head.ms - head.heard);
      head.heard += step;
      dt -= step;
      this.last = { itemId: head.itemId, heard: head.heard };
      if (head.heard >= head.ms) {
        if (!head.done) return; // dry: waits for more audio of this item
        this.queue.shift();
      }
    }
  }

  /** Marks items of a response complete (its response.done). */
  endResponse(responseId: string): void {
    for (const item of this.queue) if (item.responseId === responseId) item.done = true;
  }

  reading(): PlaybackState {
    const head = this.queue[0];
    const cur = head && head.heard > 0 ? { itemId: head.itemId, heard: head.heard } : this.last;
    return cur ? { currentItemId: cur.itemId, currentItemContentIndex: 0, elapsedMs: cur.heard } : { currentItemId: null, currentItemContentIndex: null, elapsedMs: null };
  }

  /** What is audible: the item being heard (not yet to its end) then the queued ones. */
  audible(): RefPlayer["queue"] {
    return this.queue.filter((i) => i.heard < i.ms || !i.done);
  }
}

interface ServerResponse {
  id: string;
  items: Array<{ id: string; deltas: number[] }>;
  kind: 'audio' | 'text' | 'tool';
  cancelled: boolean;
}

/** A cheap assertion for the per-step invariants (expect() per step would dominate the run time). */
function ok(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

let frameId = 0;
const ev = (type: string, fields: Obj) => ({ type, event_id: `ev_${++frameId}`, ...fields });

function runConversation(seed: number): { steps: number; truncates: number; bargeIns: number; drops: number } {
  const rand = mulberry32(seed);
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const state = createCoreState('gpt-realtime');
  const player = new RefPlayer();
  const serverCancels = rand() < 0.5;
  let now = 0;
  let responseCounter = 0;
  let running = null as ServerResponse | null; // (assigned in closures: no narrowing to null)
  let createsWanted = 0; // response.create sent by the client, not yet answered
  const received = new Map<string, number>(); // client-side received ms per item
  const interruptedResponses = new Set<string>();
  const interruptedItems = new Set<string>();
  const endedResponses = new Set<string>();
  let heldCreate = false;
  const stats = { steps: 0, truncates: 0, bargeIns: 0, drops: 0 };

  const check = (step: StepResult, context: string) => {
    stats.steps++;
    for (const e of step.send) {
      if (e.type === 'conversation.item.truncate') {
        stats.truncates++;
        const max = Math.floor(received.get(e.item_id as string) ?? Infinity);
        ok((e.audio_end_ms as number) <= max, `${context}: truncate ${e.audio_end_ms} past received ${max}`);
        ok(Number.isInteger(e.audio_end_ms), `${context}: audio_end_ms not an integer`);
      }
      if (e.type === 'response.create') createsWanted++;
      if (e.type === 'response.cancel' && running) running.cancelled = true;
    }
    for (const e of step.emit) {
      if (e.type === 'audio') ok(!interruptedResponses.has(e.responseId), `${context}: audio of an interrupted response`);
      if (e.type === 'audio_interrupted') {
        ok(!interruptedItems.has(e.itemId), `${context}: audio_interrupted twice for ${e.itemId}`);
        interruptedItems.add(e.itemId);
      }
    }
    for (const c of step.play) {
      if (c.op === 'append') ok(!interruptedResponses.has(c.responseId), `${context}: played audio of an interrupted response`);
      player.apply(c);
    }
    ok(stateSize(state) <= 64 * 2 + 16 + 256 + 8, `${context}: state grew to ${stateSize(state)}`);
  };

  const receive = (frame: Obj) => {
    const playback = DELTA_EVENTS.has(frame.type) ? null : player.reading();
    const step = receiveServerEvent(state, frame, { now, playback });
    if (frame.type === 'response.done' && heldCreate) {
      ok(step.send.some((e) => e.type === 'response.create'), `seed ${seed}: held response.create not sent after response.done`);
      heldCreate = false;
    }
    check(step, `seed ${seed} ${frame.type}`);
    return step;
  };

  /**
   * The reference's own account of what an interrupt stops: the responses of the items that were
   * audible (queue order, from the reference player) and the running response; a scoped interrupt
   * only its response. Audio of these must never be emitted or played afterwards.
   */
  const noteInterrupt = (audibleBefore: Array<{ responseId: string }>, scoped?: string) => {
    if (scoped) {
      if (!endedResponses.has(scoped)) interruptedResponses.add(scoped);
      return;
    }
    for (const item of audibleBefore) if (!endedResponses.has(item.responseId)) interruptedResponses.add(item.responseId);
    if (running) interruptedResponses.add(running.id);
  };

  const startResponse = () => {
    const kind = pick<ServerResponse['kind']>(['audio', 'audio', 'audio', 'text', 'tool']);
    const id = `resp_${++responseCounter}`;
    const items = kind === 'audio'
      ? Array.from({ length: 1 + Math.floor(rand() * 2) }, (_, i) => ({ id: `${id}_item${i}`, deltas: Array.from({ length: 1 + Math.floor(rand() * 6) }, () => 48 * (20 + Math.floor(rand() * 400))) }))
      : [];
    running = { id, items, kind, cancelled: false };
    const voice = rand() < 0.3 ? { id: 'voice_custom' } : 'marin';
    receive(ev('response.created', { response: { id, object: 'realtime.response', status: 'in_progress', output: [], audio: { output: { voice } } } }));
  };

  const serverTick = () => {
    const r = running!;
    const item = r.items[0];
    if (item && !r.cancelled) {
      const bytes = item.deltas.shift()!;
      received.set(item.id, (received.get(item.id) ?? 0) + (interruptedResponses.has(r.id) ? 0 : bytes / 48));
      receive(ev('response.output_audio.delta', { response_id: r.id, item_id: item.id, output_index: 0, content_index: 0, delta: Buffer.alloc(bytes, 1).toString('base64') }));
      if (item.deltas.length === 0) {
        r.items.shift();
        receive(ev('response.output_audio.done', { response_id: r.id, item_id: item.id, output_index: 0, content_index: 0 }));
      }
      return;
    }
    if (r.kind === 'tool' && !r.cancelled) {
      receive(ev('response.output_item.done', { response_id: r.id, output_index: 0, item: { id: `${r.id}_fc`, type: 'function_call', status: 'completed', call_id: `call_${r.id}`, name: 'f', arguments: '{}' } }));
    }
    running = null;
    endedResponses.add(r.id);
    player.endResponse(r.id);
    const voice = rand() < 0.3 ? { id: 'voice_custom' } : 'marin';
    receive(ev('response.done', { response: { id: r.id, object: 'realtime.response', status: r.cancelled ? 'cancelled' : 'completed', output: [], audio: { output: { voice } } } }));
    interruptedResponses.delete(r.id); // its late audio can no longer arrive
  };

  receive(ev('session.created', { session: { type: 'realtime', object: 'realtime.session', id: 's', model: 'gpt-realtime', audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: serverCancels } }, output: { voice: rand() < 0.5 ? 'ash' : { id: 'voice_x' } } } } }));
  const actions = 20 + Math.floor(rand() * 60);
  for (let a = 0; a < actions; a++) {
    const r = rand();
    if (running && r < 0.45) serverTick();
    else if (r < 0.6) {
      const dt = rand() * 400;
      now += dt;
      player.advance(dt);
      check(playbackStep(state, player.reading(), now), `seed ${seed} playback`);
    } else if (r < 0.7) {
      if (running) heldCreate = true;
      check(planSend(state, { type: 'user_input', userInput: 'hi' }, null, now), `seed ${seed} user_input`);
    } else if (r < 0.8) {
      const audible = player.audible().map((i) => ({ ...i }));
      const reading = player.reading();
      stats.bargeIns++;
      // Marked before the step: the core drops the audio of these responses from this step on.
      if (audible.length > 0) noteInterrupt(audible);
      // Sometimes the server's position override (seed §3.3 step 3), even past what was received.
      const override = audible.length > 0 && rand() < 0.15 ? Math.floor(rand() * 2 * audible[0]!.ms) + 1 : undefined;
      const step = receive(ev('input_audio_buffer.speech_started', { audio_start_ms: 0, item_id: `u${a}`, ...(override ? { audio_end_ms: override } : {}) }));
      if (audible.length > 0) {
        const truncates = step.send.filter((e) => e.type === 'conversation.item.truncate');
        const [head, ...queued] = audible;
        const heardAt = override ?? (head!.itemId === reading.currentItemId ? reading.elapsedMs! : head!.heard);
        const expectedHead = Math.min(Math.floor(heardAt), Math.floor(received.get(head!.itemId)!));
        // The seed's one exception: a position at or past the end of a complete item while no
        // response runs needs no truncate (§3.2.4d, #2374).
        const skip = expectedHead >= Math.floor(received.get(head!.itemId)!) && !running && head!.done;
        if (skip) expect(truncates.map((t) => t.item_id), `seed ${seed}`).not.toContain(head!.itemId);
        else expect(truncates[0], `seed ${seed}: barge-in truncates the audible item at its heard position`).toEqual({ type: 'conversation.item.truncate', item_id: head!.itemId, content_index: 0, audio_end_ms: expectedHead });
        for (const q of queued) expect(truncates, `seed ${seed}: queued item truncated at 0`).toContainEqual({ type: 'conversation.item.truncate', item_id: q.itemId, content_index: 0, audio_end_ms: 0 });
        expect(player.audible(), `seed ${seed}: nothing audible after a barge-in`).toEqual([]);
      }
      if (running && serverCancels && audible.length > 0) running.cancelled = true;
    } else if (r < 0.9) {
      const options = pick([{}, { forceResponseCancel: true }, { playbackOnly: true }, { responseId: `resp_${1 + Math.floor(rand() * responseCounter)}` }]);
      noteInterrupt(player.audible(), (options as { responseId?: string }).responseId);
      const step = interrupt(state, options, player.reading(), now);
      check(step, `seed ${seed} interrupt ${JSON.stringify(options)}`);
      if (!(options as { responseId?: string }).responseId) expect(player.audible(), `seed ${seed}: nothing audible after an interrupt`).toEqual([]);
    } else if (r < 0.9025) {
      // The socket drops: every turn ends, everything audible stops, and the conversation is over.
      const audible = player.audible();
      const wasRunning = running?.id ?? null;
      const step = endConnection(state, player.reading(), now, 'connection_lost');
      check(step, `seed ${seed} drop`);
      expect(step.emit.filter((e) => e.type === 'turn_ended'), `seed ${seed}: the running turn ends on a drop`)
        .toEqual(wasRunning ? [{ type: 'turn_ended', responseId: wasRunning, reason: 'connection_lost' }] : []);
      for (const item of audible) ok(interruptedItems.has(item.itemId), `seed ${seed}: audible ${item.itemId} not reported interrupted on a drop`);
      ok(player.audible().length === 0, `seed ${seed}: still audible after a drop`);
      stats.drops++;
      return stats;
    } else if (!running && createsWanted > 0) {
      createsWanted--;
      startResponse();
    } else if (!running && rand() < 0.3) {
      startResponse(); // a server-initiated (VAD) response
    }
  }
  while (running) serverTick(); // every turn ends: a held create must then have been sent
  return stats;
}

describe('random conversations through the core', () => {
  it('keep every invariant over 2,000 seeded conversations', () => {
    let totals = { steps: 0, truncates: 0, bargeIns: 0, drops: 0 };
    for (let seed = 1; seed <= 2000; seed++) {
      const s = runConversation(seed);
      totals = { steps: totals.steps + s.steps, truncates: totals.truncates + s.truncates, bargeIns: totals.bargeIns + s.bargeIns, drops: totals.drops + s.drops };
    }
    // The generator must exercise the rules it checks, not wander around them.
    expect(totals.truncates).toBeGreaterThan(1500);
    expect(totals.bargeIns).toBeGreaterThan(5000);
    expect(totals.drops).toBeGreaterThan(50);
  });
});
