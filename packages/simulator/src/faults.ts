// The outgoing side of one connection: every server frame goes through send(), which records it,
// counts it and applies the configured faults (drop, delay, malformed frame) in order.
// Frames keep their order even when delayed: a delay chains them on one promise.
import type { WebSocket } from 'ws';

/** Faults to inject, per server (options) or per connection (script.faults). */
export interface FaultOptions {
  /** Terminate the TCP socket (no close frame) after this many frames were sent. */
  dropAfterFrames?: number;
  /** Terminate the socket after this many response.output_audio.delta / output_text.delta frames of a response. */
  dropMidResponseAfterDeltas?: number;
  /** Delay every outgoing frame by this many ms. */
  delayMs?: number;
  /** Send one frame that is not JSON right after this many frames were sent. */
  malformedAfterFrames?: number;
  /** The text of the malformed frame (default `{"type":"response.output_audio.delta",` cut short). */
  malformedFrame?: string;
}

/** Counts and sends frames on one socket, honouring FaultOptions. */
export class Outbox {
  private sent = 0;
  private deltas = 0;
  private chain: Promise<void> = Promise.resolve();
  /** True once the socket was dropped or closed: later frames are discarded. */
  dead = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly faults: FaultOptions,
    private readonly record: (data: string) => void,
  ) {}

  /** Sends one server event (an object, serialised here). */
  send(event: Record<string, unknown>): void {
    const data = JSON.stringify(event);
    if (this.faults.delayMs && this.faults.delayMs > 0) {
      const ms = this.faults.delayMs;
      this.chain = this.chain.then(() => new Promise((r) => setTimeout(r, ms))).then(() => this.write(data, event));
    } else {
      this.write(data, event);
    }
  }

  /** Resolves when every delayed frame queued so far was written. */
  flushed(): Promise<void> {
    return this.chain;
  }

  private write(data: string, event: Record<string, unknown>): void {
    if (this.dead || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(data);
    this.record(data);
    this.sent++;
    const f = this.faults;
    if (f.malformedAfterFrames !== undefined && this.sent === f.malformedAfterFrames) {
      const bad = f.malformedFrame ?? '{"type":"response.output_audio.delta","delta":"AAAA';
      this.ws.send(bad);
      this.record(bad);
    }
    if (f.dropAfterFrames !== undefined && this.sent >= f.dropAfterFrames) return this.drop();
    if (event.type === 'response.output_audio.delta' || event.type === 'response.output_text.delta') {
      this.deltas++;
      if (f.dropMidResponseAfterDeltas !== undefined && this.deltas >= f.dropMidResponseAfterDeltas) this.drop();
    } else if (event.type === 'response.done') {
      this.deltas = 0;
    }
  }

  private drop(): void {
    this.dead = true;
    this.ws.terminate();
  }
}
