// The model's listener API (the seed's addListener/removeListener, plus typed on/off), over the
// hub the connection delivers through (listener-hub.ts). The hub tells the connection when what
// is listened to changes, so it can stop work nobody would see (the heard-transcript wakes).

import type { RealtimeModelEventOf, RealtimeModelEventType } from './core/model-events.js';
import type { ListenerHub, RealtimeModelListener } from './listener-hub.js';

/** The public listener methods of the model. */
export class ModelListeners {
  readonly #hub: ListenerHub;

  constructor(hub: ListenerHub) {
    this.#hub = hub;
  }

  /** Adds a listener that receives every event; adding the same listener again keeps one copy. */
  addListener(listener: RealtimeModelListener): void {
    this.#hub.add(listener);
  }

  /** Removes a listener added with `addListener`. */
  removeListener(listener: RealtimeModelListener): void {
    this.#hub.remove(listener);
  }

  /** Subscribes to one event type. */
  on<T extends RealtimeModelEventType>(type: T, handler: (event: RealtimeModelEventOf<T>) => void): this {
    this.#hub.on(type, handler);
    return this;
  }

  /** Unsubscribes a handler added with `on`. */
  off<T extends RealtimeModelEventType>(type: T, handler: (event: RealtimeModelEventOf<T>) => void): this {
    this.#hub.off(type, handler);
    return this;
  }
}
