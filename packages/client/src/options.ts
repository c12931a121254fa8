// The options of the model's constructor and of `connect` (seed-behaviour.md §7, plus the network
// options of README "The network"), in one place for the glue and the docs.
import type { RealtimeModelSettings } from './core/session-config.js';
import type { AudioPlayer, CreateWebSocket, PlaybackTracker } from './core/types.js';
import type { KeepAliveOptions } from './keepalive.js';
import type { ReconnectOptions } from './reconnect.js';
import type { SendQueueOptions } from './send-queue.js';

/** Options of the model's constructor. */
export interface RealtimeModelOptions {
  /** Opens the socket; defaults to the runtime's (native WebSocket in browsers, `ws` in Node). */
  createWebSocket?: CreateWebSocket;
  /** Monotonic clock in ms for the playback estimate and latencies (default `performance.now`). */
  clock?: () => number;
}

/** Options of `connect` (seed-behaviour.md §7, plus the network options of README "The network"). */
export interface RealtimeConnectOptions {
  apiKey?: string | (() => string | Promise<string>);
  url?: string;
  headers?: Record<string, string>;
  callId?: string;
  initialModelSettings?: RealtimeModelSettings;
  /** The audio output the model drives (same as `model.attachPlayer(player)`). */
  player?: AudioPlayer;
  /** The seed's tracker interface, for outputs the model does not drive (the app plays audio). */
  playbackTracker?: PlaybackTracker;
  /** Allow a non-ephemeral key in a browser (it is visible to anyone using the page). */
  dangerouslyAllowApiKeyInBrowser?: boolean;
  /** Handshake deadline (ms); default 10,000. */
  connectTimeoutMs?: number;
  /** Send backpressure limits. */
  sendQueue?: SendQueueOptions;
  /** Ping/pong dead-connection detection where the socket can ping (`ws`); `false` turns it off. */
  keepAlive?: KeepAliveOptions | false;
  /** Reconnect after a drop and continue the conversation; off unless set. */
  reconnect?: boolean | ReconnectOptions;
  /** How long before the session expires `session_expiring` fires (ms); default 60,000. */
  sessionExpiryWarningMs?: number;
}
