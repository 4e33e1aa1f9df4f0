/**
 * The random stream a policy draws one reply from: one per (seed, episode, turn), so a reply does not
 * depend on which other episodes share its batch or ran before it, and a resumed evaluation (which plays
 * only the episodes left) draws the same replies as an uninterrupted one; a later draw of the same turn
 * (`Observation.draw`, e.g. the second of n choices) gets a stream of its own. The built-in model samples
 * from it (`--sample`), the random baseline picks from it.
 */
import { hashSeed, Rng } from '../util/rng.js';
import type { Observation } from './policy.js';

export function sampleStream(seed: number, o: Pick<Observation, 'episodeId' | 'turn' | 'draw'>): Rng {
  return new Rng(o.draw ? hashSeed(seed, o.episodeId, o.turn, o.draw) : hashSeed(seed, o.episodeId, o.turn));
}
