import { describe, expect, it } from 'vitest';
import { gae, groupAdvantages, normalize } from './advantages.js';
import { DEFAULT_REWARD_WEIGHTS, makeRewards, proactiveBenchReward, scoreTrajectory } from './rewards.js';
import type { EpisodeRecord } from '../episode/types.js';

describe('group advantages', () => {
  it('zero mean per group, sign follows return', () => {
    const a = groupAdvantages([1, 0, 0, 0, 5, 5, 5, 5], 4);
    expect(a.slice(0, 4).reduce((x, y) => x + y)).toBeCloseTo(0);
    expect(a[0]).toBeGreaterThan(0);
    expect(a[1]).toBeLessThan(0);
    expect(a.slice(4)).toEqual([0, 0, 0, 0]);
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(/groups of 2/);
  });
});

describe('gae', () => {
  it('λ=1, γ=1 gives reward-to-go minus value', () => {
    const { advantages, returns } = gae([0, 0, 1], [0.2, 0.5, 0.7], 0, 1, 1);
    expect(advantages.map((x) => +x.toFixed(6))).toEqual([0.8, 0.5, 0.3]);
    expect(returns.map((x) => +x.toFixed(6))).toEqual([1, 1, 1]);
  });
  it('λ=0 gives one-step TD errors', () => {
    const { advantages } = gae([1, 2], [0.5, 0.5], 0.5, 0.9, 0);
    expect(advantages[0]).toBeCloseTo(1 + 0.9 * 0.5 - 0.5);
    expect(advantages[1]).toBeCloseTo(2 + 0.9 * 0.5 - 0.5);
  });
  it('normalize', () => {
    const n = normalize([1, 2, 3]);
    expect(n.reduce((a, b) => a + b)).toBeCloseTo(0);
  });
});

describe('rewards', () => {
  const rec = (o: Partial<EpisodeRecord>): EpisodeRecord => ({
    id: 'x', kind: 'sketch', mode: 'proactive', control: false, success: false, outcome: 'wrong-category',
    turns: 1, interventions: 0, ps: 0, minInterventions: 1, guessed: true, replies: [], actions: [], views: [], ...o,
  });
  it('weights and names every component', () => {
    const rs = makeRewards();
    const ask = { type: 'intervention', option: 0, intervention: 0, valid: true } as const;
    const cat = { type: 'category', option: 3, category: 0, correct: true } as const;
    const ok = scoreTrajectory(
      rec({ success: true, outcome: 'correct', interventions: 2, guessed: false, actions: [ask, ask, cat], informative: [false, false, true] }),
      rs,
    );
    expect(ok.total).toBeCloseTo(1 + 2 * DEFAULT_REWARD_WEIGHTS.interventions + 2 * DEFAULT_REWARD_WEIGHTS.neededAsks);
    expect(ok.parts.correct).toBe(1);
    expect(ok.parts.neededAsks).toBeCloseTo(2 * DEFAULT_REWARD_WEIGHTS.neededAsks);
    const overAsked = scoreTrajectory(rec({ success: true, outcome: 'correct', interventions: 1, guessed: false, actions: [ask, cat], informative: [true, true] }), rs);
    expect(overAsked.parts.needlessAsks).toBeCloseTo(DEFAULT_REWARD_WEIGHTS.needlessAsks);
    const bad = scoreTrajectory(rec({}), rs);
    expect(bad.total).toBeCloseTo(DEFAULT_REWARD_WEIGHTS.wrong + DEFAULT_REWARD_WEIGHTS.guessed);
  });
  it('ProactiveBench single-turn reward', () => {
    expect(proactiveBenchReward({ type: 'category', option: 3, category: 0, correct: true }, 0.5)).toBe(1);
    expect(proactiveBenchReward({ type: 'intervention', option: 0, intervention: 0, valid: true }, 0.5)).toBe(0.5);
    expect(proactiveBenchReward({ type: 'intervention', option: 0, intervention: 0, valid: false }, 0.5)).toBe(0);
    expect(proactiveBenchReward({ type: 'abstain', option: 2, intervention: 2 }, 1)).toBe(0);
  });
});
