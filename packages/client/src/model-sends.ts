// The seed's send conveniences (sendUserInput, sendAudio, interrupt, updateSession), each one
// `sendEvent` call, shared by the model (client.ts) and the page's proxy of a model in a worker
// (worker/model.ts), over the listener API both have.
import type { RealtimeSendEvent, UserInput } from './core/send.js';
import type { RealtimeModelSettings } from './core/session-config.js';
import { ModelListeners } from './model-listeners.js';

/** Listeners plus the send conveniences; `sendEvent` is the subclass's. */
export abstract class ModelSends extends ModelListeners {
  /** Sends one event (see the model's `sendEvent`). */
  abstract sendEvent(event: RealtimeSendEvent): Promise<void>;

  /** Sends a user message (text or text/image parts) and asks for a response. */
  sendUserInput(userInput: UserInput): Promise<void> {
    return this.sendEvent({ type: 'user_input', userInput });
  }

  /** Appends pcm/G.711 bytes to the input buffer, optionally committing it. */
  sendAudio(audio: Uint8Array | ArrayBuffer, options: { commit?: boolean } = {}): Promise<void> {
    return this.sendEvent({ type: 'audio', audio, commit: options.commit === true });
  }

  /**
   * Stops the reply: every bit of assistant audio the listener has not heard is dropped and
   * truncated at what was heard, and the running response is cancelled on the server even when
   * the session's `interrupt_response` is on (the server cancels by itself only on VAD speech).
   * `{ playbackOnly: true }` keeps the response running; `sendEvent({ type: 'interrupt' })`
   * keeps the seed's defaults exactly.
   */
  interrupt(options: Omit<Extract<RealtimeSendEvent, { type: 'interrupt' }>, 'type'> = {}): Promise<void> {
    const cancelByDefault = !options.playbackOnly && !options.cancelResponseOnly && options.forceResponseCancel === undefined;
    return this.sendEvent({ type: 'interrupt', ...options, ...(cancelByDefault ? { forceResponseCancel: true } : {}) });
  }

  /** Sends a `session.update` built from settings (and keeps them for a reconnect). */
  updateSession(sessionSettings: RealtimeModelSettings): Promise<void> {
    return this.sendEvent({ type: 'session_update', sessionSettings });
  }
}
