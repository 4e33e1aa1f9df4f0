/**
 * The random stream a policy draws one reply from: one per (seed, episode, turn), so a reply does not
 * depend on which other episodes share its batch or ran before it, and a resumed evaluation (which plays
 * only the episodes left) draws the same replies as an uninterrupted one; a later draw of the same turn
 * (`Observation.draw`, e.g. the second of n choices) gets a stream of its own. An observation's own `seed` (an
 * OpenAI request's, through `askfirst serve`) stands for the policy's: the stream of (request seed, episode, turn) is the
 * one a policy built with that seed draws in process. The built-in model samples from it (`--sample`), the random
 * baseline picks from it.
 */
import { hashSeed, Rng } from '../util/rng.js';
import type { Observation } from './policy.js';

export function sampleStream(policySeed: number, o: Pick<Observation, 'episodeId' | 'turn' | 'draw' | 'seed'>): Rng {
  const seed = o.seed ?? policySeed;
  return new Rng(o.draw ? hashSeed(seed, o.episodeId, o.turn, o.draw) : hashSeed(seed, o.episodeId, o.turn));
}
