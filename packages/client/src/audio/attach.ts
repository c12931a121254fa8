// attachPlayer(model, player): the compat form of `model.attachPlayer(player)`, which is preferred.
// The model drives the player in one step: it appends each item's audio, tells the player what to
// drop on interrupts and reads its heard position for truncates, the heard transcript and latency.
// Typed structurally so this subpath stays free of the client (STYLE.md "audio/ stands alone").
import type { AudioPlayer } from '../core/types.js';

/** The part of the model attachPlayer uses (any model of this package). */
export interface AttachableModel {
  attachPlayer(player: AudioPlayer): () => void;
}

/**
 * Same as `model.attachPlayer(player)` (prefer the method): the model plays its audio through
 * `player` and reads what the listener heard from it. Returns `detach()`.
 */
export function attachPlayer(model: AttachableModel, player: AudioPlayer): () => void {
  return model.attachPlayer(player);
}
