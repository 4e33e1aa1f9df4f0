import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { fitLogistic, routeCommittee, routeLearned, routePairs, routerFeatures } from './routing.js';

describe('routing', () => {
  it('margin router sends the pairs the AI is least sure of to people, within the budget, and keeps every other AI label', async () => {
    const margins = [0.9, 0.05, 0.5, 0.01, 0.3];
    const humans = async (budget: number, s: 'margin' | 'random') => (await routePairs({ margins }, budget, s, 0)).humans;
    expect([...(await humans(0.4, 'margin'))].sort()).toEqual([1, 3]);
    expect((await humans(0.4, 'random')).size).toBe(2);
    expect((await humans(0, 'margin')).size).toBe(0);
    expect((await humans(1, 'random')).size).toBe(5);
    expect((await routePairs({ margins }, 0.4, 'margin', 0)).doubted.size).toBe(0);
  });

  it('fitLogistic learns a separable rule and is calibrated towards the base rate without signal', () => {
    const rng = new Rng(1);
    const xs = Array.from({ length: 60 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]);
    const f = fitLogistic(xs, xs.map((x) => (x[0] > 0 ? 1 : 0)));
    expect(f([0.8, 0])).toBeGreaterThan(0.8);
    expect(f([-0.8, 0])).toBeLessThan(0.2);
    const flat = fitLogistic(xs, xs.map((_, i) => (i % 4 === 0 ? 1 : 0)));
    expect(flat([0, 0])).toBeGreaterThan(0.1);
    expect(flat([0, 0])).toBeLessThan(0.4);
  });

  // 200 pairs. The AI is wrong on the 40 where its pick guessed at once and the other play asked
  // (feature 0 of the picked play = 1, the other's = 0), and there it is *sure* (margin 0.8–1);
  // elsewhere it is right with margins 0–0.6.
  const confidentlyWrong = () => {
    const rng = new Rng(7);
    const pairs = Array.from({ length: 200 }, (_, i) => {
      const wrong = i % 5 === 0;
      const picked = [wrong ? 1 : rng.uniform() < 0.3 ? 1 : 0, rng.uniform()];
      const other = [wrong ? 0 : picked[0], rng.uniform()];
      const margin = wrong ? rng.uniform(0.8, 1) : rng.uniform(0, 0.6);
      return { wrong, margin, features: routerFeatures(picked, other, margin) };
    });
    const input = { margins: pairs.map((p) => p.margin), features: pairs.map((p) => p.features), humanDisagrees: (i: number) => pairs[i].wrong };
    const found = (s: Set<number>) => [...s].filter((i) => pairs[i].wrong).length;
    return { pairs, input, found };
  };

  it('the learned router finds the pairs where the AI is confidently wrong; the margin router misses them', async () => {
    const { input, found } = confidentlyWrong();
    const learned = (await routePairs(input, 0.25, 'learned', 0)).humans;
    const margin = (await routePairs(input, 0.25, 'margin', 0)).humans;
    expect(learned.size).toBe(50);
    expect(found(margin)).toBe(0);
    expect(found(learned)).toBeGreaterThanOrEqual(35);
  });

  it('the learned router doubts the AI labels it left that it rates likely wrong, and with trustBelow 0 keeps none', () => {
    const { input, found } = confidentlyWrong();
    const r = routeLearned(input, 0.1, 0, { trustBelow: 0.5 });
    expect(r.humans.size).toBe(20);
    expect([...r.doubted].some((i) => r.humans.has(i))).toBe(false);
    // the 40 AI-wrong pairs not sent to people are doubted; few right ones are
    expect(found(r.doubted) + found(r.humans)).toBeGreaterThanOrEqual(36);
    expect(r.doubted.size - found(r.doubted)).toBeLessThanOrEqual(10);
    expect(routeLearned(input, 0.1, 0, { trustBelow: 0 }).doubted.size).toBe(180);
  });

  it('the learned router refuses to run without features and a person to ask', async () => {
    await expect(routePairs({ margins: [0.1, 0.2] }, 0.5, 'learned', 0)).rejects.toThrow(/features/);
  });

  // 200 pairs on a line, x in [-1, 1]; a person prefers A where x > 0. A toy "reward model" from
  // labelled pairs puts its boundary between the largest x labelled B and the smallest labelled A,
  // so the committee's bootstrap models split only on pairs near the boundary: those are the ones
  // that teach the model anything, and where a budget should go once the random start is spent.
  const line = () => {
    const rng = new Rng(3);
    const xs = Array.from({ length: 200 }, () => rng.uniform(-1, 1));
    const calls: number[][] = [];
    const margins = async (sample: readonly number[]) => {
      calls.push([...sample]);
      const lo = Math.max(-1, ...sample.filter((k) => xs[k] <= 0).map((k) => xs[k]));
      const hi = Math.min(1, ...sample.filter((k) => xs[k] > 0).map((k) => xs[k]));
      return xs.map((x) => x - (lo + hi) / 2);
    };
    return { xs, calls, margins };
  };

  it('the committee router spends its rounds where bootstrap reward models disagree, training them only on pairs people labelled', async () => {
    const { xs, calls, margins } = line();
    const humans = await routeCommittee(200, 0.2, 0, margins, { startShare: 0.25, rounds: 4, members: 5 });
    expect(humans.size).toBe(40);
    expect(calls).toHaveLength(4 * 5);
    // every committee member trains on a bootstrap resample of what people labelled before its round
    const start = new Set(calls[0]);
    expect(start.size).toBeLessThanOrEqual(10);
    for (const c of calls) expect(c.every((k) => humans.has(k))).toBe(true);
    const starts = await routeCommittee(200, 0.05, 0, margins, { startShare: 1 });
    const asked = [...humans].filter((k) => !starts.has(k));
    const near = asked.filter((k) => Math.abs(xs[k]) < 0.15).length;
    // a uniform sample would put ~15 % of them within 0.15 of the boundary
    expect(near / asked.length).toBeGreaterThan(0.6);
  });

  it('the committee router is deterministic for a seed and respects the budget', async () => {
    const { margins } = line();
    const a = await routeCommittee(200, 0.1, 4, margins);
    const b = await routeCommittee(200, 0.1, 4, margins);
    expect([...a]).toEqual([...b]);
    expect(a.size).toBe(20);
    expect((await routeCommittee(200, 0, 4, margins)).size).toBe(0);
  });

  it('one router interface: the committee through routePairs is routeCommittee, keeps no AI label, and says what it needs', async () => {
    const { margins } = line();
    const input = { margins: Array.from({ length: 200 }, () => 0.5), committee: margins };
    const r = await routePairs(input, 0.1, 'committee', 4, { probeShare: 0.25, rounds: 4, members: 5 });
    expect([...r.humans]).toEqual([...(await routeCommittee(200, 0.1, 4, margins, { startShare: 0.25, rounds: 4, members: 5 }))]);
    expect(r.doubted.size).toBe(180);
    expect([...r.doubted].some((k) => r.humans.has(k))).toBe(false);
    await expect(routePairs({ margins: [0.1, 0.2] }, 0.5, 'committee', 0)).rejects.toThrow(/reward models/);
  });
});
