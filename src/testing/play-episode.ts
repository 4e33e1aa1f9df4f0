/** Test support: play an episode to the end with a synchronous reply function (the product plays through agents/runner.ts). */
import { EpisodeState, type TurnView } from '../episode/state.js';
import type { Episode, EpisodeRecord, EvalMode } from '../episode/types.js';

export function playEpisode<V>(ep: Episode<V>, mode: EvalMode, reply: (t: TurnView<V>) => string): EpisodeRecord {
  const s = new EpisodeState(ep, mode);
  while (!s.done) s.step(reply(s.observe()));
  return s.record();
}
