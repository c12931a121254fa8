// attachPlayer: wires a model's audio events to a WebAudioPlayer in one line.
// The player must ALSO be the model's PlaybackTracker, so truncates use the audio clock:
// pass it to connect() (the tracker is fixed at connect; attachPlayer cannot set it):
//
//   const player = new WebAudioPlayer(); await player.start();
//   await model.connect({ apiKey, playbackTracker: player });
//   const detach = attachPlayer(model, player);
//
// Typed structurally on the core's event types, so this subpath stays free of the client
// (STYLE.md "audio/ stands alone": it uses only the core's types).
import type { RealtimeModelEventOf, RealtimeModelEventType } from '../core/model-events.js';
import type { WebAudioPlayer } from './player.js';

/** The part of the model attachPlayer uses: `on`/`off` per event type (any model of this package). */
export interface AttachableModel {
  on<T extends RealtimeModelEventType>(type: T, handler: (event: RealtimeModelEventOf<T>) => void): unknown;
  off<T extends RealtimeModelEventType>(type: T, handler: (event: RealtimeModelEventOf<T>) => void): unknown;
}

type Ev<T extends RealtimeModelEventType> = RealtimeModelEventOf<T>;
type PlayerLike = Pick<WebAudioPlayer, 'enqueue' | 'interrupt' | 'itemDone' | 'responseDone' | 'getState'>;

/**
 * Plays the model's audio through `player`: `audio` → enqueue, `audio_done` → itemDone,
 * `turn_ended` → responseDone, `audio_interrupted` → interrupt (only when the player still plays
 * that item: as the model's PlaybackTracker it was already interrupted via onInterrupted(), and an
 * interrupt of a response the listener is not hearing must not cut the one being heard).
 * Returns `detach()`, which removes the listeners.
 */
export function attachPlayer(model: AttachableModel, player: PlayerLike): () => void {
  const onAudio = (e: Ev<'audio'>) => player.enqueue(e.itemId, e.contentIndex, e.data, e.responseId);
  const onInterrupted = (e: Ev<'audio_interrupted'>) => {
    const s = player.getState();
    if (s.currentItemId === e.itemId && (s.currentItemContentIndex ?? 0) === e.contentIndex) player.interrupt();
  };
  const onDone = (e: Ev<'audio_done'>) => player.itemDone(e.itemId, e.contentIndex);
  const onTurnEnded = (e: Ev<'turn_ended'>) => {
    if (e.responseId) player.responseDone(e.responseId);
  };
  model.on('audio', onAudio);
  model.on('audio_interrupted', onInterrupted);
  model.on('audio_done', onDone);
  model.on('turn_ended', onTurnEnded);
  return () => {
    model.off('audio', onAudio);
    model.off('audio_interrupted', onInterrupted);
    model.off('audio_done', onDone);
    model.off('turn_ended', onTurnEnded);
  };
}
