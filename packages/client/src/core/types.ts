// Shared contracts between the sans-I/O core, the transports and the audio layer.
// Nothing here does I/O; these are the seams that let a Web Audio player report real played
// milliseconds and let any WebSocket implementation carry the protocol.

/** A GA audio format object, or a legacy string the session builder converts (PROTOCOL.md §6). */
export type AudioFormat =
  | { type: 'audio/pcm'; rate?: 24000 }
  | { type: 'audio/pcmu' }
  | { type: 'audio/pcma' };

/** Any spelling a caller or server may use for a format: GA object, GA type or legacy string. */
export type AudioFormatLike = AudioFormat | string | { type: string; rate?: number } | null | undefined;

/** What a playback tracker reports: the item being heard and how much of it has been heard. */
export interface PlaybackState {
  currentItemId: string | null;
  currentItemContentIndex: number | null;
  /** Milliseconds of that item's audio that reached the listener (null when nothing is playing). */
  elapsedMs: number | null;
  /**
   * When the item's first frame reached the listener, on the model's clock (`performance.now()`
   * by default); a player on the audio clock knows it, a tracker may leave it out.
   */
  heardStartAt?: number | null;
}

/** An item of assistant audio, by id and content index. */
export interface AudioItemRef {
  itemId: string;
  contentIndex: number;
}

/** What the core tells the audio output to do (STYLE.md rule 11: the player renders and reports). */
export type PlayerCommand =
  | { op: 'append'; itemId: string; contentIndex: number; responseId: string; base64: string; readonly data: Uint8Array }
  | { op: 'done'; itemId: string; contentIndex: number }
  /** Never render these items (any not yet played); `stop` when the item being heard is one. */
  | { op: 'drop'; items: AudioItemRef[]; stop: boolean }
  | { op: 'format'; format: AudioFormatLike };

/**
 * An audio output the model drives in one step (`model.attachPlayer(player)` or
 * `connect({ player })`): it plays what it is told and reports what the listener heard.
 * `WebAudioPlayer` implements it; so can any output (a telephony bridge, a test double).
 */
export interface AudioPlayer {
  /**
   * Queue encoded audio of an item, to play after everything appended before it. `transfer`:
   * nothing else holds data's buffer, so the player may take it (e.g. move it to an audio thread,
   * leaving `data` empty) instead of copying it; the model says so when no listener got the bytes.
   */
  append(itemId: string, contentIndex: number, data: Uint8Array, responseId: string, transfer?: boolean): void;
  /**
   * Optional: the same audio as the server's base64, for a player that decodes it elsewhere (the
   * Web Audio player decodes in its worklet, off the main thread). The model uses it when no
   * listener of its `audio` event needs the bytes; the string is whole padded base64.
   */
  appendBase64?(itemId: string, contentIndex: number, base64: string, responseId: string): void;
  /** No more audio will come for the item. */
  itemDone(itemId: string, contentIndex: number): void;
  /**
   * Never render any more of these items; silence at once if one is playing. Returns when the
   * output will be silent, on the model's clock, if the player knows it.
   */
  drop(items: readonly AudioItemRef[]): number | void;
  /** The session's output format changed. */
  setAudioFormat(format: AudioFormatLike): void;
  /** The item being heard and the ms of it heard so far (and when its first frame was heard). */
  getState(): PlaybackState;
  /**
   * Calls `listener` when the heard position moves: at least at each transition (an item starts,
   * ends or is dropped, its tail is heard) and, while audio plays, about every `options.everyMs`
   * ms (0: transitions only; a player may ignore it and call more often). Returns an unsubscribe
   * function.
   */
  onPlayback?(listener: () => void, options?: { everyMs?: number }): () => void;
}

/**
 * Tells the model how much of each assistant audio item the listener actually heard
 * (seed-behaviour.md §2.6). The model reads `getState()` synchronously at interrupt time and
 * calls `onInterrupted()` after an interrupt; `setAudioFormat` follows the server's session.
 * A Web Audio player implements this from the audio clock; the default estimates from received audio.
 */
export interface PlaybackTracker {
  /** Bytes of (itemId, contentIndex) were played; converted to ms with the current format. */
  onPlayBytes(itemId: string, contentIndex: number, bytes: Uint8Array): void;
  /** `ms` more of (itemId, contentIndex) were played; switching item resets the count. */
  onPlayMs(itemId: string, contentIndex: number, ms: number): void;
  /** The model interrupted playback: forget the current item. */
  onInterrupted(): void;
  /** The session's output audio format changed. */
  setAudioFormat(format: AudioFormatLike): void;
  /** The item being heard and the ms of it heard so far. */
  getState(): PlaybackState;
}

/**
 * A listener parameter that is checked bivariantly (method syntax), so a socket's own listener
 * types (DOM `MessageEvent`, `ws`'s `WebSocket.MessageEvent`) and callers' narrower listeners
 * both fit without casts under `strict`.
 */
type SocketListener<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The key of `WebSocketLike`'s optional parts-sending method (shared by the core and the Node socket). */
export const SEND_ASCII_PARTS: unique symbol = Symbol.for('open-realtime.sendAsciiParts');

/**
 * The WHATWG WebSocket subset that both the browser's WebSocket and `ws` implement: either one,
 * returned from a `createWebSocket` option, type-checks as this under `strict` with no cast.
 * Each event type has its own overload (add and remove alike) so that a socket's generic
 * `addEventListener<K>` is matched per type rather than against a union of events.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  /**
   * Optional: sends one text frame whose payload is `parts` joined, each part ASCII. Our Node
   * socket has it, so a microphone append goes out without a joined string to build and copy.
   */
  [SEND_ASCII_PARTS]?(parts: readonly string[]): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: (event: unknown) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  removeEventListener(type: 'open', listener: SocketListener<unknown>): void;
  removeEventListener(type: 'message', listener: SocketListener<{ data: unknown }>): void;
  removeEventListener(type: 'close', listener: SocketListener<{ code: number; reason: string }>): void;
  removeEventListener(type: 'error', listener: SocketListener<unknown>): void;
}

/** What a WebSocket factory receives: the final URL, subprotocols and handshake headers. */
export interface CreateWebSocketOptions {
  url: string;
  protocols?: string[];
  headers?: Record<string, string>;
}

/** Opens a socket; may be async (e.g. to mint a key first). */
export type CreateWebSocket = (options: CreateWebSocketOptions) => WebSocketLike | Promise<WebSocketLike>;
