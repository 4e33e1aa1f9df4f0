import { describe, expect, it } from 'vitest';
import { turnSample as sample } from '../testing/turn-sample.js';
import { ppoTargets } from './ppo.js';
import type { Rollout } from './rollout.js';

describe('PPO pieces', () => {
  it('PPO targets: GAE within trajectories, advantages normalised', () => {
    const s0 = sample({ traj: 0, value: 0.1 });
    const s1 = sample({ traj: 0, value: 0.4 });
    const s2 = sample({ traj: 1, value: 0.2 });
    const ro: Rollout = { samples: [s0, s1, s2], trajectories: [{ episode: s0.episode, turns: [0, 1], record: null }, { episode: s0.episode, turns: [2], record: null }] };
    const { adv, targets } = ppoTargets(ro, [1, -0.5], 1, 1);
    expect(Array.from(targets).map((x) => +x.toFixed(4))).toEqual([1, 1, -0.5]);
    expect(adv.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
  });
});
