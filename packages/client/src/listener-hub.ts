// Delivery of model events to listeners (`addListener`) and per-type handlers (`on`). A listener
// that throws or whose promise rejects is reported as a `listener_error` exception to everyone
// else, never to itself, and failures while delivering such a report are counted, not reported:
// a failing listener can never loop (an async logger whose backend is down would otherwise
// reject, be told, reject again, forever). Handlers are registered in an eventemitter3 emitter;
// delivery reads a snapshot of each type's handlers, made again only after on/off, so delivering
// an event allocates nothing and a change during delivery takes effect from the next event.
import { EventEmitter } from 'eventemitter3';
import { RealtimeProtocolError } from './core/errors.js';
import type { RealtimeModelEvent, RealtimeModelEventOf, RealtimeModelEventType } from './core/model-events.js';

/** A seed-style listener receiving every event. */
export interface RealtimeModelListener {
  onEvent(event: RealtimeModelEvent): void | Promise<void>;
}

type Target = RealtimeModelListener | ((event: RealtimeModelEvent) => void);

/** The model's listeners and handlers, with failure isolation. */
export class ListenerHub {
  #listeners: readonly RealtimeModelListener[] = [];
  readonly #emitter = new EventEmitter();
  /** Snapshots of the emitter's handlers per type, dropped on every on/off. */
  readonly #handlers = new Map<string, ReadonlyArray<(event: RealtimeModelEvent) => void>>();
  /** Listener failures that were not reported because they happened while reporting one. */
  unreportedFailures = 0;
  /** Called after every add, remove, on and off (the model follows what is listened to). */
  onChange: () => void = () => {};

  /** Adds a listener of every event; the same listener added twice is kept once. */
  add(listener: RealtimeModelListener): void {
    if (!this.#listeners.includes(listener)) this.#listeners = [...this.#listeners, listener];
    this.onChange();
  }

  remove(listener: RealtimeModelListener): void {
    this.#listeners = this.#listeners.filter((l) => l !== listener);
    this.onChange();
  }

  on<T extends RealtimeModelEventType>(type: T, handler: (event: RealtimeModelEventOf<T>) => void): void {
    this.#emitter.on(type, handler as (event: unknown) => void);
    this.#handlers.delete(type);
    this.onChange();
  }

  off<T extends RealtimeModelEventType>(type: T, handler: (event: RealtimeModelEventOf<T>) => void): void {
    this.#emitter.off(type, handler as (event: unknown) => void);
    this.#handlers.delete(type);
    this.onChange();
  }

  /** True when an event of `type` would reach anyone (a listener of every event, or a handler of it). */
  has(type: RealtimeModelEventType): boolean {
    return this.#listeners.length > 0 || this.#emitter.listenerCount(type) > 0;
  }

  /** What anyone listens to: `*` while a listener of every event is added, else the handled types. */
  listened(): '*' | string[] {
    return this.#listeners.length > 0 ? '*' : (this.#emitter.eventNames() as string[]);
  }

  /** Delivers to every listener and handler except `skip` (the one whose failure is reported). */
  emit(event: RealtimeModelEvent, skip?: Target): void {
    const reporting = event.type === 'exception' && event.exception instanceof RealtimeProtocolError && event.exception.code === 'listener_error';
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      const listener = listeners[i]!;
      if (listener !== skip) this.#deliver(event, listener, reporting);
    }
    let handlers = this.#handlers.get(event.type);
    if (!handlers) this.#handlers.set(event.type, (handlers = this.#emitter.listeners(event.type) as Array<(event: RealtimeModelEvent) => void>));
    for (let i = 0; i < handlers.length; i++) {
      const handler = handlers[i]!;
      if (handler !== skip) this.#deliver(event, handler, reporting);
    }
  }

  #deliver(event: RealtimeModelEvent, target: Target, reporting: boolean): void {
    try {
      const result = typeof target === 'function' ? target(event) : target.onEvent(event);
      if (result && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, (error: unknown) => this.#failed(error, event.type, target, reporting));
      }
    } catch (error) {
      this.#failed(error, event.type, target, reporting);
    }
  }

  #failed(error: unknown, eventType: string, target: Target, whileReporting: boolean): void {
    if (whileReporting) {
      this.unreportedFailures++;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = new RealtimeProtocolError('listener_error', `A listener of "${eventType}" threw: ${message}`, error);
    this.emit({ type: 'exception', exception: wrapped, context: 'Listener error' }, target);
  }
}
