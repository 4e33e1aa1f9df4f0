/**
 * A TurnSample for tests of the RL objective: one turn of chainEpisode('a') with two
 * interventions (the first valid) and two categories, fields overridable.
 */
import type { TurnSample } from '../rl/rollout.js';
import { chainEpisode } from './chain-episode.js';

export function turnSample(over: Partial<TurnSample>): TurnSample {
  return {
    traj: 0, episode: chainEpisode('a'), view: 0, text: { question: 'q', options: ['ask', 'I cannot answer this question.', 'x', 'y'], numInterventions: 2 },
    action: 0, oldLogp: Math.log(0.25), oldDecision: Math.log(0.5), refLogp: Float32Array.of(-1.386, -1.386, -1.386, -1.386), value: 0, reward: 0,
    parsed: { type: 'intervention', option: 0, intervention: 0, valid: true }, valid: Uint8Array.of(1, 0, 0, 0), ...over,
  };
}
