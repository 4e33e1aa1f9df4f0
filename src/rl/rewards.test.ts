import { describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../episode/types.js';
import { DEFAULT_REWARD_WEIGHTS, RewardWeightListSchema, makeRewards, parseRewardWeights, proactiveBenchReward, scoreTrajectory } from './rewards.js';

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
  it('weight overrides: name=value items, validated, parsed into the weights they change', () => {
    expect(parseRewardWeights(RewardWeightListSchema.parse(['needlessAsks=-1', ' guessed = -0.5 ']))).toEqual({ needlessAsks: -1, guessed: -0.5 });
    expect(parseRewardWeights([])).toEqual({});
    const problems = (items: string[]) => RewardWeightListSchema.safeParse(items).error?.issues.map((i) => i.message) ?? [];
    expect(problems(['needlessAsks=-1'])).toEqual([]);
    expect(problems(['needless=-1'])).toEqual([expect.stringMatching(/"needless" is not a reward; use one of correct, wrong, .*needlessAsks/)]);
    expect(problems(['guesed=-1'])).toEqual([expect.stringMatching(/^"guesed" is not a reward \(Did you mean guessed\?\); use one of correct/)]);
    expect(problems(['guessed'])).toEqual([expect.stringMatching(/not name=value/)]);
    expect(problems(['guessed=x', 'wrong=-1', 'wrong=-2'])).toEqual([expect.stringMatching(/"x" \(guessed\) is not a number/), 'wrong is given twice']);
    expect(() => parseRewardWeights(['x=1'])).toThrow(/invalid reward weight/);
    const rs = makeRewards(parseRewardWeights(['needlessAsks=-1']));
    expect(rs.find((r) => r.name === 'needlessAsks')!.weight).toBe(-1);
    expect(rs.find((r) => r.name === 'guessed')!.weight).toBe(DEFAULT_REWARD_WEIGHTS.guessed);
  });
  it('ProactiveBench single-turn reward', () => {
    expect(proactiveBenchReward({ type: 'category', option: 3, category: 0, correct: true }, 0.5)).toBe(1);
    expect(proactiveBenchReward({ type: 'intervention', option: 0, intervention: 0, valid: true }, 0.5)).toBe(0.5);
    expect(proactiveBenchReward({ type: 'intervention', option: 0, intervention: 0, valid: false }, 0.5)).toBe(0);
    expect(proactiveBenchReward({ type: 'abstain', option: 2, intervention: 2 }, 1)).toBe(0);
  });
});
