import { describe, expect, it } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import type { SuiteEpisode } from '../suite/types.js';
import { competence, difficultyRanks, eligible, oracleDifficulty } from './curriculum.js';

describe('curriculum by the oracle’s difficulty', () => {
  it('competence grows from c0 to 1 at span of the updates (root schedule)', () => {
    const s = { start: 0.25, span: 0.5 };
    expect(competence(0, 150, s)).toBeCloseTo(0.25);
    expect(competence(75, 150, s)).toBe(1);
    expect(competence(149, 150, s)).toBe(1);
    const mid = competence(37, 150, s);
    expect(mid).toBeGreaterThan(0.25);
    expect(mid).toBeLessThan(1);
    expect(competence(0, 150, { start: 0.25, span: 0 })).toBe(1); // span 0: no curriculum
  });

  it('controls are the easiest; difficulty rises with the steps to an informative view', () => {
    const eps = generateSuite({ episodes: 24, seed: 5, kinds: ['sketch', 'camera'], size: 32 });
    const d = eps.map(oracleDifficulty);
    eps.forEach((e, i) => {
      expect(d[i]).toBeGreaterThanOrEqual(e.minInterventions);
      expect(d[i]).toBeLessThanOrEqual(e.minInterventions + 1);
    });
    const ranks = difficultyRanks(eps);
    for (const kind of ['sketch', 'camera']) {
      const mine = eps.map((e, i) => [e, i] as [SuiteEpisode, number]).filter(([e]) => e.kind === kind);
      const easiest = mine.reduce((a, b) => (ranks[b[1]] < ranks[a[1]] ? b : a));
      expect(easiest[0].minInterventions).toBe(Math.min(...mine.map(([e]) => e.minInterventions)));
      // ranks are shares within the kind: 0, 1/n, …
      expect(mine.map(([, i]) => ranks[i]).sort((a, b) => a - b)[0]).toBe(0);
      // rank order follows difficulty
      for (const [a, i] of mine) for (const [b, j] of mine) if (oracleDifficulty(a) < oracleDifficulty(b)) expect(ranks[i]).toBeLessThan(ranks[j]);
    }
  });

  it('the eligible pool keeps every kind and grows to every episode', () => {
    const eps = generateSuite({ episodes: 20, seed: 6, kinds: ['sketch', 'camera'], size: 32 });
    const ranks = difficultyRanks(eps);
    const small = eligible(ranks, 0.01);
    expect(new Set(small.map((i) => eps[i].kind))).toEqual(new Set(['sketch', 'camera']));
    expect(eligible(ranks, 0.25)).toHaveLength(10); // 5 of each kind's 20
    expect(eligible(ranks, 1)).toHaveLength(eps.length);
  });
});
