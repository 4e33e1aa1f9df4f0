import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Means, average, clusterBootstrap, clusteredWilson95, clustersOf, holmAdjustLog10, logBinomialHalfCdf, logSumExp, mcnemar, mean, meanInterval95, quantileSorted, sampleStd, stratifiedBootstrap, tQuantile975, wilson95 } from './stats.js';

describe('stats', () => {
  it('average is the arithmetic mean, 0 for no values', () => {
    expect(average([1, 2, 6])).toBe(3);
    expect(average([])).toBe(0);
  });
  it('Means averages each name and prefixes it, in first-seen order', () => {
    const m = new Means();
    m.add({ kl: 1, loss: 4 });
    m.add({ kl: 3, loss: 0, extra: 5 });
    expect(m.prefixed('rl/')).toEqual({ 'rl/kl': 2, 'rl/loss': 2, 'rl/extra': 5 });
    expect(Object.keys(m.prefixed(''))).toEqual(['kl', 'loss', 'extra']);
  });
});

describe('mean, sample sd, Student t interval', () => {
  it('mean is NaN for no values', () => {
    expect(mean([2, 4, 9])).toBe(5);
    expect(mean([])).toBeNaN();
  });

  it('sample sd divides by n − 1 and needs two values', () => {
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.13809, 5); // population sd is 2
    expect(sampleStd([0.9, 0.8, 0.7])).toBeCloseTo(0.1, 12);
    expect(sampleStd([3])).toBeNaN();
    expect(sampleStd([])).toBeNaN();
  });

  it('t(0.975, df) is exact: 40-digit values for df 1…30, 60, 120, to 1e-12', () => {
    // mpmath (/usr/bin/python3, mp.dps = 40, each rounded to the nearest double): findroot of 1 − betainc(df/2, 1/2, 0, df/(df + x²), regularized)/2 = 0.975.
    // scipy 1.10.1's t.ppf is itself up to 2.4e-9 off these (df 6: 2.4469118487916806); the old 3-decimal table up to 5e-4.
    const exact: [number, number][] = [[1, 12.706204736174705], [2, 4.302652729749464], [3, 3.1824463052837095], [4, 2.7764451051977943], [5, 2.5705818356363155], [6, 2.44691185114497], [7, 2.3646242515927853], [8, 2.3060041352041667], [9, 2.2621571627982053], [10, 2.228138851986275], [11, 2.2009851600916397], [12, 2.178812829667229], [13, 2.1603686564627926], [14, 2.144786687917804], [15, 2.1314495455597755], [16, 2.1199052992212546], [17, 2.109815577833317], [18, 2.1009220402410387], [19, 2.0930240544083096], [20, 2.085963447265865], [21, 2.0796138447276804], [22, 2.0738730679040263], [23, 2.0686576104190486], [24, 2.063898561628026], [25, 2.0595385527532977], [26, 2.055529438642873], [27, 2.0518305164802855], [28, 2.0484071417952454], [29, 2.0452296421327043], [30, 2.042272456301238], [60, 2.0002978220142604], [120, 1.979930405082441]];
    for (const [df, t] of exact) expect(Math.abs(tQuantile975(df) - t), `df ${df}`).toBeLessThan(1e-12);
    // closed forms: df 1 is Cauchy's tan(π(p − ½)); df 2 is (2p − 1)/√(2p(1 − p))
    expect(tQuantile975(1)).toBeCloseTo(Math.tan(0.475 * Math.PI), 12);
    expect(tQuantile975(2)).toBeCloseTo(0.95 / Math.sqrt(2 * 0.975 * 0.025), 12);
  });

  it('t(0.975, df) falls toward z = 1.96 as df grows, through the switch from the exact sum to the expansion at df 1,000', () => {
    // mpmath as above (nearest doubles): df 999, 1000 (the sum), 1001, 5000 (the expansion)
    const exact: [number, number][] = [[999, 1.96234146113345], [1000, 1.9623390808264085], [1001, 1.96233670528088], [5000, 1.960438551706508]];
    for (const [df, t] of exact) expect(Math.abs(tQuantile975(df) - t), `df ${df}`).toBeLessThan(1e-12);
    expect(tQuantile975(1e6)).toBeCloseTo(1.959964, 5);
    for (let df = 1; df < 1100; df++) expect(tQuantile975(df + 1)).toBeLessThan(tQuantile975(df));
  });

  it('t(0.975, df) is NaN for df < 1 or a fraction', () => {
    expect(tQuantile975(0)).toBeNaN();
    expect(tQuantile975(2.5)).toBeNaN();
  });

  it('the 95 % interval is mean ± t·sd/√n', () => {
    const r = meanInterval95([0.9, 0.8, 0.7]);
    expect(r.n).toBe(3);
    expect(r.mean).toBeCloseTo(0.8, 12);
    expect(r.sd).toBeCloseTo(0.1, 12);
    expect(r.ci95!.halfWidth).toBeCloseTo((4.302652729749464 * 0.1) / Math.sqrt(3), 12); // 0.2484
    expect(r.ci95!.low).toBeCloseTo(0.8 - 0.24844, 4);
    expect(r.ci95!.high).toBeCloseTo(0.8 + 0.24844, 4);
    const s = meanInterval95([1, 2, 3, 4, 10]); // sd = 3.5355, t(0.975, 4) = 2.7764
    expect(s.ci95!.halfWidth).toBeCloseTo(4.389945, 6); // scipy: t.ppf(0.975, 4) · std(ddof=1) / √5
  });

  it('identical values give a zero-width interval', () => {
    expect(meanInterval95([0.5, 0.5, 0.5]).ci95).toEqual({ low: 0.5, high: 0.5, halfWidth: 0 });
  });

  it('one value has a mean but no sd and no interval; none has nothing', () => {
    expect(meanInterval95([0.7])).toEqual({ n: 1, mean: 0.7, sd: null, ci95: null });
    expect(meanInterval95([])).toEqual({ n: 0, mean: null, sd: null, ci95: null });
  });
});

describe('Wilson interval and McNemar test (hand-computed)', () => {
  it('Wilson 95 % for 8 of 10 is [0.4902, 0.9433]; 0 of 5 starts at 0; no trials has none', () => {
    const w = wilson95(8, 10);
    expect(w.rate).toBe(0.8);
    expect(w.low!).toBeCloseTo(0.49016, 4);
    expect(w.high!).toBeCloseTo(0.94331, 4);
    const z = wilson95(0, 5);
    expect(z.low).toBe(0);
    expect(z.high!).toBeCloseTo(0.43449, 4); // z²/(n+z²) = 3.8415/8.8415
    expect(wilson95(0, 0)).toEqual({ k: 0, n: 0, rate: null, low: null, high: null });
  });
  it('a Wilson interval always holds its own rate: exactly 0 at k = 0, exactly 1 at k = n', () => {
    // 0 of 3 gave low = 5.6e-17 > rate 0, 10 of 10 high = 0.9999999999999999 < rate 1 (float cancellation)
    expect(wilson95(0, 3).low).toBe(0);
    expect(wilson95(10, 10).high).toBe(1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, u) => {
        const k = Math.round(u * n);
        const w = wilson95(k, n);
        expect(w.low!).toBeLessThanOrEqual(w.rate!);
        expect(w.rate!).toBeLessThanOrEqual(w.high!);
        expect(w.low!).toBeGreaterThanOrEqual(0);
        expect(w.high!).toBeLessThanOrEqual(1);
      }),
      { seed: 20260101, numRuns: 2000, examples: [[3, 0], [10, 1], [1000, 0], [1000, 1]] },
    );
  });
  it('McNemar with b = 2, c = 8: exact p = 2·(1 + 10 + 45)/1024 = 0.109375, chi² = (|2−8|−1)²/10 = 2.5', () => {
    const a = [...Array(5).fill(true), ...Array(2).fill(true), ...Array(8).fill(false), ...Array(3).fill(false)];
    const b = [...Array(5).fill(true), ...Array(2).fill(false), ...Array(8).fill(true), ...Array(3).fill(false)];
    const m = mcnemar(a, b);
    expect(m).toMatchObject({ n: 18, both: 5, neither: 3, onlyA: 2, onlyB: 8, chi2: 2.5 });
    expect(m.pExact).toBeCloseTo(0.109375, 12);
    expect(mcnemar([true, false], [true, false]).pExact).toBe(1);
    expect(() => mcnemar([true], [])).toThrow();
  });
});

describe('McNemar continuity correction', () => {
  it('b = c gives χ² = 0 (the correction does not overshoot |b − c| = 0), as R\'s mcnemar.test', () => {
    // R: mcnemar.test(matrix(c(5, 3, 3, 4), 2))$statistic is 0; (|3 − 3| − 1)² / 6 = 0.17 said the runs differed
    const pair = (b: number, c: number) => mcnemar([...Array(b).fill(true), ...Array(c).fill(false)], [...Array(b).fill(false), ...Array(c).fill(true)]);
    expect(pair(3, 3)).toMatchObject({ onlyA: 3, onlyB: 3, chi2: 0, pExact: 1 });
    expect(pair(1, 1).chi2).toBe(0);
    expect(pair(4, 5).chi2).toBe(0); // |b − c| = 1: corrected to 0
    expect(pair(5, 20).chi2).toBeCloseTo(7.84, 12); // (15 − 1)² / 25, scipy/R agree
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), (b, c) => {
        const m = pair(b, c);
        expect(m.chi2).toBeGreaterThanOrEqual(0);
        expect(m.chi2).toBe(pair(c, b).chi2); // symmetric in the two runs
        expect(m.chi2 <= (b - c) ** 2 / Math.max(1, b + c)).toBe(true); // the correction only shrinks the uncorrected statistic
      }),
      { seed: 20260102, numRuns: 300 },
    );
  });
});

describe('McNemar exact p for many discordant pairs (log space)', () => {
  const pair = (b: number, c: number) => mcnemar([...Array(b).fill(true), ...Array(c).fill(false)], [...Array(b).fill(false), ...Array(c).fill(true)]);
  /** log10 of a positive BigInt, from its leading 17 digits. */
  const log10Big = (x: bigint) => {
    const s = x.toString();
    const lead = Math.min(17, s.length);
    return Math.log10(Number(s.slice(0, lead))) + (s.length - lead);
  };
  /** The exact two-sided p, 2 · Σ_{i ≤ min(b, c)} C(b + c, i) / 2^(b + c), as log10, by BigInt arithmetic (capped at 1). */
  const exactLog10P = (b: number, c: number) => {
    const d = b + c;
    const m = Math.min(b, c);
    let choose = 1n;
    let sum = 1n;
    for (let i = 1; i <= m; i++) {
      choose = (choose * BigInt(d - i + 1)) / BigInt(i);
      sum += choose;
    }
    return Math.min(0, log10Big(2n * sum) - d * Math.log10(2));
  };

  it('b + c = 1,075 to 0 is 2 · 0.5^1075 = 2^−1074 = Number.MIN_VALUE, not 0; past the doubles the log10 still tells it', () => {
    // summing exp of each term gave 0 here: 0.5^1075 underflows before it is doubled
    expect(pair(1075, 0).pExact).toBe(Number.MIN_VALUE);
    expect(pair(0, 1075).pExact).toBe(Number.MIN_VALUE);
    expect(pair(1074, 0).pExact).toBe(2 ** -1073);
    expect(pair(1000, 0).pExact / 2 ** -999).toBeCloseTo(1, 9); // 2 · 0.5^1000
    // 2 · 1086 / 2^1086 and 2 · (1 + 1103 + C(1103, 2) + C(1103, 3)) / 2^1103: both above Number.MIN_VALUE, both read 0 before
    expect(pair(1085, 1).pExact).toBeGreaterThan(0);
    expect(pair(1100, 3).pExact).toBeGreaterThan(0);
    expect(pair(1097, 3).pExact / 10 ** exactLog10P(1097, 3)).toBeCloseTo(1, 0); // 3.5e-323: a denormal, a few bits of precision
    // 2 · 0.5^2000 = 2^−1999 ≈ 1.74e-602: no double holds it (pExact 0); log10PExact does
    expect(pair(2000, 0).log10PExact).toBeCloseTo(-1999 * Math.log10(2), 9);
    expect(pair(2000, 0).log10PExact).toBeCloseTo(-601.759, 3);
    expect(pair(5000, 40).log10PExact).toBeCloseTo(exactLog10P(5000, 40), 8);
  });

  it('log10PExact equals the exact BigInt value for any counts, and pExact is 10 ** log10PExact', () => {
    expect(pair(2, 8).log10PExact).toBeCloseTo(Math.log10(0.109375), 12);
    expect(pair(3, 3).log10PExact).toBe(0);
    expect(mcnemar([true], [true]).log10PExact).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2500 }), fc.integer({ min: 0, max: 2500 }), (b, c) => {
        const m = pair(b, c);
        const want = b + c === 0 ? 0 : exactLog10P(b, c);
        expect(Math.abs(m.log10PExact - want)).toBeLessThan(1e-9 * Math.max(1, -want));
        if (want > -300) expect(m.pExact / 10 ** want).toBeCloseTo(1, 9);
        expect(m.pExact).toBeLessThanOrEqual(1);
        // positive whenever the p is at least the smallest double; 0 only below half of it (2^−1075, the rounding tie, either way)
        if (want >= Math.log10(Number.MIN_VALUE)) expect(m.pExact).toBeGreaterThan(0);
        if (want < Math.log10(Number.MIN_VALUE / 2) - 1e-9) expect(m.pExact).toBe(0);
      }),
      { seed: 20260103, numRuns: 300, examples: [[1075, 0], [0, 1076], [1085, 1], [1200, 10], [1500, 1500], [2500, 2499]] },
    );
  });

  it('logBinomialHalfCdf: ln P(X ≤ m) for X ~ Binomial(n, ½)', () => {
    expect(logBinomialHalfCdf(0, 3)).toBeCloseTo(Math.log(1 / 8), 12);
    expect(logBinomialHalfCdf(1, 3)).toBeCloseTo(Math.log(4 / 8), 12);
    expect(logBinomialHalfCdf(3, 3)).toBe(0);
    expect(logBinomialHalfCdf(-1, 3)).toBe(-Infinity);
    expect(logBinomialHalfCdf(0, 10_000)).toBeCloseTo(-10_000 * Math.LN2, 8);
  });
});

describe('logSumExp', () => {
  it('is log Σ exp, stable for large values, −∞ for nothing', () => {
    expect(logSumExp([Math.log(0.2), Math.log(0.3)])).toBeCloseTo(Math.log(0.5), 12);
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 9);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
  });
  it('is +∞ when a value is +∞ and NaN when one is NaN, as torch.logsumexp (∞ − ∞ made +∞ NaN)', () => {
    expect(logSumExp([Infinity, 1, 2])).toBe(Infinity);
    expect(logSumExp([Infinity, -Infinity])).toBe(Infinity);
    expect(logSumExp([Infinity, Infinity])).toBe(Infinity);
    expect(logSumExp([Infinity, NaN])).toBeNaN();
    expect(logSumExp([1, NaN, 3])).toBeNaN();
    expect(logSumExp([NaN, -Infinity])).toBeNaN();
  });
});

describe('stratified percentile bootstrap', () => {
  it('keeps every group its size, draws only its own items, and is deterministic by seed', () => {
    const sizes = [3, 5, 1];
    const seen: number[][] = [];
    const stat = (groups: readonly Int32Array[]) => {
      expect(groups.map((g) => g.length)).toEqual(sizes);
      groups.forEach((g, i) => g.forEach((j) => expect(j >= 0 && j < sizes[i]).toBe(true)));
      seen.push([...groups[1]]);
      return [groups[1].reduce((a, j) => a + j, 0)];
    };
    const draws = (seed: number) => {
      seen.length = 0;
      const ci = stratifiedBootstrap(sizes, stat, { seed, resamples: 200 });
      return { ci, draws: seen.map((d) => d.join()) };
    };
    const a = draws(7);
    expect(draws(7)).toEqual(a);
    expect(draws(8).draws).not.toEqual(a.draws);
    expect(new Set(a.draws).size).toBeGreaterThan(100); // the resamples differ from one another
  });

  it('its ends are the 2.5 % and 97.5 % quantiles as numpy.percentile and R compute them, as far in from each side', () => {
    // numpy.percentile(numpy.arange(2000), [2.5, 97.5]) → [49.975, 1949.025]: 50 values below the low end, 50 above the
    // high end. (Taking the value at index ⌊p·B⌋ gave 50 and 1950: 50 below, 49 above.)
    let b = 0;
    const [ci] = stratifiedBootstrap([3], () => [b++], { resamples: 2000 });
    expect(ci!.low).toBeCloseTo(49.975, 9);
    expect(ci!.high).toBeCloseTo(1949.025, 9);
  });

  it('quantileSorted interpolates between order statistics (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5); // numpy.percentile([1, 2, 3, 4], 50)
    expect(quantileSorted([10, 20, 40], 0.25)).toBe(15);
    expect(quantileSorted([10, 20, 40], 1)).toBe(40);
    expect(quantileSorted([7], 0.975)).toBe(7);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('a constant statistic has a zero-width interval; one never defined has none', () => {
    expect(stratifiedBootstrap([4, 4], () => [0.25, null], { resamples: 50 })).toEqual([{ low: 0.25, high: 0.25 }, null]);
  });

  it("a proportion's interval is close to Wilson's, and narrower with four times the items", () => {
    const share = (k: number, n: number) => {
      const items = Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));
      return stratifiedBootstrap([n], ([d]) => [d.reduce((a, j) => a + items[j], 0) / n], { resamples: 2000 })[0]!;
    };
    const small = share(60, 200);
    const w = wilson95(60, 200);
    expect(Math.abs(small.low - w.low!)).toBeLessThan(0.015);
    expect(Math.abs(small.high - w.high!)).toBeLessThan(0.015);
    const large = share(240, 800);
    expect((large.high - large.low) / (small.high - small.low)).toBeGreaterThan(0.4);
    expect((large.high - large.low) / (small.high - small.low)).toBeLessThan(0.6);
  });
});

describe('cluster bootstrap (several items per cluster, resampled together)', () => {
  const mean01 = (xs: readonly number[]) => (idx: Int32Array) => [idx.reduce((a, i) => a + xs[i], 0) / idx.length];

  it('groups items by key in order of first appearance', () => {
    expect(clustersOf(['a', 'b', 'a', 'c', 'b'], (x) => x)).toEqual([[0, 2], [1, 4], [3]]);
  });

  it('with one item per cluster it is the item bootstrap: the same draws, the same ends', () => {
    const xs = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const [c] = clusterBootstrap(xs.map((_, i) => [i]), mean01(xs), { seed: 4, resamples: 500 });
    const [s] = stratifiedBootstrap([30], ([d]) => mean01(xs)(d), { seed: 4, resamples: 500 });
    expect({ low: c!.low, high: c!.high }).toEqual(s);
  });

  it('keeps every item of a drawn cluster: clusters whose items agree give the interval of the clusters, not of the items', () => {
    // 25 clusters of 8 items, each cluster all 1 or all 0
    const xs = Array.from({ length: 200 }, (_, i) => (Math.floor(i / 8) % 5 < 2 ? 1 : 0));
    const clusters = Array.from({ length: 25 }, (_, c) => Array.from({ length: 8 }, (_, j) => 8 * c + j));
    const seen = new Set<number>();
    const [c] = clusterBootstrap(clusters, (idx) => {
      expect(idx.length).toBe(200);
      for (let j = 0; j < idx.length; j += 8) for (let t = 1; t < 8; t++) expect(idx[j + t]).toBe(idx[j] + t);
      seen.add(idx[0]);
      return mean01(xs)(idx);
    }, { seed: 2, resamples: 2000 });
    const [items] = stratifiedBootstrap([200], ([d]) => mean01(xs)(d), { seed: 2, resamples: 2000 });
    expect(seen.size).toBeGreaterThan(20);
    expect(c!.high - c!.low).toBeGreaterThan(2.3 * (items!.high - items!.low)); // √8 ≈ 2.8 in the limit
    expect(c!.variance).toBeCloseTo((0.4 * 0.6) / 25, 3); // the variance of a mean of 25 independent 0/1 values
    expect(clusterBootstrap(clusters, mean01(xs), { seed: 2, resamples: 300 })).toEqual(clusterBootstrap(clusters, mean01(xs), { seed: 2, resamples: 300 }));
  });

  it("clusteredWilson95: Wilson's interval at n / design effect; the design effect is the cluster size when a cluster's items agree", () => {
    const xs = Array.from({ length: 200 }, (_, i) => (Math.floor(i / 8) % 5 < 2 ? 1 : 0));
    const clusters = Array.from({ length: 25 }, (_, c) => Array.from({ length: 8 }, (_, j) => 8 * c + j));
    const r = clusteredWilson95(clusters, () => true, (i) => xs[i] === 1, { seed: 3 });
    expect([r.k, r.n, r.rate, r.clusters]).toEqual([80, 200, 0.4, 25]);
    expect(r.designEffect).toBeGreaterThan(7);
    expect(r.designEffect).toBeLessThan(9);
    const ofClusters = wilson95(10, 25);
    expect(r.low!).toBeCloseTo(ofClusters.low!, 2);
    expect(r.high!).toBeCloseTo(ofClusters.high!, 2);
    expect(clusteredWilson95(clusters, () => true, (i) => xs[i] === 1, { seed: 3 })).toEqual(r);
    expect(clusteredWilson95(clusters, () => true, (i) => xs[i] === 1, { seed: 9 }).designEffect).not.toBe(r.designEffect);
  });

  it('clusteredWilson95 is the items\' Wilson interval for single-item clusters, at 0 or all of n, and never narrower', () => {
    const single = Array.from({ length: 40 }, (_, i) => [i]);
    expect(clusteredWilson95(single, () => true, (i) => i < 13)).toEqual({ ...wilson95(13, 40), clusters: 40, designEffect: 1 });
    const pairs = Array.from({ length: 20 }, (_, c) => [2 * c, 2 * c + 1]);
    expect(clusteredWilson95(pairs, () => true, () => false)).toEqual({ ...wilson95(0, 40), clusters: 20, designEffect: 1 });
    expect(clusteredWilson95(pairs, () => true, () => true)).toEqual({ ...wilson95(40, 40), clusters: 20, designEffect: 1 });
    // one success and one failure in every pair: less variation than independent items — floored at the items' interval
    const alt = clusteredWilson95(pairs, () => true, (i) => i % 2 === 0);
    expect(alt).toEqual({ ...wilson95(20, 40), clusters: 20, designEffect: 1 });
    // only the trials count: the odd items are out, so every cluster holds one trial
    expect(clusteredWilson95(pairs, (i) => i % 2 === 0, (i) => i < 10)).toEqual({ ...wilson95(5, 20), clusters: 20, designEffect: 1 });
    expect(clusteredWilson95([], () => true, () => true)).toMatchObject({ n: 0, rate: null, low: null, high: null });
  });
});

describe("Holm's adjustment (hand-computed, as R's p.adjust(p, 'holm'))", () => {
  it('multiplies the i-th smallest by m − i + 1, keeps the order, caps at 1, and works on p below the doubles', () => {
    // p.adjust(c(0.01, 0.04, 0.03), "holm") = 0.03 0.06 0.06: 0.01·3, 0.03·2, then 0.04·1 raised to the 0.06 before it
    const adj = holmAdjustLog10([0.01, 0.04, 0.03].map(Math.log10)).map((l) => 10 ** l);
    expect(adj[0]).toBeCloseTo(0.03, 12);
    expect(adj[1]).toBeCloseTo(0.06, 12);
    expect(adj[2]).toBeCloseTo(0.06, 12);
    expect(holmAdjustLog10([Math.log10(0.5), Math.log10(0.6)])).toEqual([0, 0]); // 0.5·2 = 1, 0.6 raised to it: capped at p = 1
    expect(holmAdjustLog10([-700, 0])[0]).toBeCloseTo(-700 + Math.log10(2), 12); // 1e-700 · 2: told by its log10
    expect(holmAdjustLog10([])).toEqual([]);
  });
});
