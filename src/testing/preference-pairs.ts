/** Preference pairs for reward-model and DPO tests: two random plays per episode, labelled by the gold reward. */
import { playEpisode } from './play-episode.js';
import type { EpisodeRecord } from '../episode/types.js';
import { makeRewards, scoreTrajectory } from '../rl/rewards.js';
import type { PreferenceExample } from '../rl/reward-model.js';
import type { SuiteEpisode } from '../suite/types.js';
import { Rng } from '../util/rng.js';

export const testGold = (r: EpisodeRecord) => scoreTrajectory(r, makeRewards()).total;

/** Random plays of each episode (at each turn a random offered intervention or a random category); gold ties are dropped. */
export function randomPairs(eps: readonly SuiteEpisode[], seed: number): PreferenceExample[] {
  const rng = new Rng(seed);
  const play = (ep: SuiteEpisode) => playEpisode(ep, 'proactive', (t) => (rng.next() < 0.5 ? t.options[rng.int(t.numInterventions)] : t.options[t.numInterventions + rng.int(t.options.length - t.numInterventions)]));
  return eps.flatMap((ep) => {
    const a = play(ep);
    const b = play(ep);
    if (testGold(a) === testGold(b)) return [];
    return [{ pairId: `${ep.id}#pair0`, a: { episode: ep, record: a }, b: { episode: ep, record: b }, preferred: testGold(a) > testGold(b) ? (0 as const) : (1 as const) }];
  });
}
