// Binds the model classes to a runtime's transport; each entry point calls this once, so the
// browser build never imports `ws` and the Node build never touches `window`.
import { RealtimeWebSocketModelBase, type RealtimeConnectOptions, type RealtimeModelOptions } from './model-base.js';
import { RealtimeUserError } from './core/errors.js';
import { type RealtimeModelSettings, buildInitialSessionPayload } from './core/session-config.js';
import type { Transport } from './transport/types.js';

/** Creates the public classes for one transport. */
export function defineModels(transport: Transport) {
  /** The Realtime model over WebSocket (the seed's OpenAIRealtimeWebSocketModel). */
  class OpenAIRealtimeWebSocketModel extends RealtimeWebSocketModelBase {
    constructor(options: RealtimeModelOptions = {}) {
      super(options, transport);
    }
  }
  /** Attaches to an existing SIP/WebRTC call by `callId` (seed-behaviour.md §6). */
  class OpenAIRealtimeSIPModel extends OpenAIRealtimeWebSocketModel {
    override connect(options: RealtimeConnectOptions = {}): Promise<void> {
      if (!options.callId) {
        return Promise.reject(new RealtimeUserError('missing_call_id', 'OpenAIRealtimeSIPModel requires `callId` in the model configuration.'));
      }
      return super.connect(options);
    }
    /** The session object to pass to the Realtime Calls "accept" API. */
    static buildInitialSessionPayload(settings: RealtimeModelSettings = {}) {
      return buildInitialSessionPayload(settings);
    }
  }
  return { OpenAIRealtimeWebSocketModel, OpenAIRealtimeSIPModel };
}
