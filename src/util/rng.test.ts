import { describe, expect, it } from 'vitest';
import { hashSeed, MAX_SEED, Rng, SceneRng } from './rng.js';

/** Chi-square statistic of the orders `shuffle` gives [0, 1, 2, 3] over `n` draws (23 degrees of freedom). */
function permutationChiSquare(shuffle: (xs: number[]) => number[], n: number): number {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = shuffle([0, 1, 2, 3]).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const expected = n / 24;
  let chi = 0;
  for (const c of counts.values()) chi += (c - expected) ** 2 / expected;
  return chi + (24 - counts.size) * expected; // orders never seen
}

describe('Rng (xoshiro128**)', () => {
  it('gives the same stream as it always has', () => {
    const r = new Rng(42);
    expect(Array.from({ length: 4 }, () => r.nextU32())).toEqual([2837322924, 544945897, 479756282, 3500138142]);
    expect(new Rng(7).state()).toEqual({ s: [588686121, 1937383562, 4286812467, 2372217166], spare: null });
  });

  it('restored from its state, continues the same stream (the spare normal included)', () => {
    const a = new Rng(5);
    a.normal();
    const b = new Rng(0).restore(JSON.parse(JSON.stringify(a.state())));
    expect([b.normal(), b.next(), b.int(1000)]).toEqual([a.normal(), a.next(), a.int(1000)]);
    expect(() => new Rng(0).restore({ s: [1, 2], spare: null })).toThrow(/four unsigned 32-bit integers/);
  });

  it('shuffles uniformly', () => {
    const r = new Rng(3);
    expect(permutationChiSquare((xs) => r.shuffle(xs), 24_000)).toBeLessThan(60); // p < 1e-4 at 23 dof
  });
});

describe('SceneRng (mulberry32)', () => {
  it('is deterministic and in range', () => {
    const a = new SceneRng(42);
    const b = new SceneRng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const r = new SceneRng(1);
    for (let i = 0; i < 200; i++) {
      const k = r.int(3, 5);
      expect(k >= 3 && k <= 5 && Number.isInteger(k)).toBe(true);
    }
    expect(new SceneRng(7).shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(hashSeed(1, 'a')).not.toBe(hashSeed(1, 'b'));
    expect(new SceneRng(3).sample([1, 2, 3, 4], 2)).toHaveLength(2);
  });

  it('gives the same stream as it always has (generated suites depend on it)', () => {
    const r = new SceneRng(42);
    expect(Array.from({ length: 4 }, () => r.next() * 2 ** 32)).toEqual([2581720956, 1925393290, 3661312704, 2876485805]);
    const zero = new SceneRng(0); // seed 0 starts from 0x9e3779b9
    expect([zero.next() * 2 ** 32, zero.next() * 2 ** 32]).toEqual([1541420728, 454851044]);
    expect(new SceneRng(5).fork('k').next() * 2 ** 32).toBe(4022627823);
    expect([hashSeed(1, 'a'), hashSeed('x', 2, 'y')]).toEqual([2736630133, 4294849395]);
  });

  it('no two seeds give one stream: seed 0x9e3779b9 starts from state 0, not from seed 0\'s state; other seeds as before', () => {
    const first = (r: SceneRng) => Array.from({ length: 3 }, () => r.next() * 2 ** 32);
    // Before the fix, new SceneRng(2654435769) drew seed 0's stream, 1541420728, 454851044, … (both seeds ≤ MAX_SEED).
    expect(first(new SceneRng(0x9e3779b9))).not.toEqual(first(new SceneRng(0)));
    expect(first(new SceneRng(0x9e3779b9))).toEqual(first(SceneRng.fromState(0)));
    // Every other seed keeps its stream (values drawn before the fix).
    const before: [number, number[]][] = [
      [0, [1541420728, 454851044]],
      [1, [2693262067, 11749833]],
      [7, [50271532, 266108690]],
      [MAX_SEED, [3850105811, 813802916]],
    ];
    for (const [seed, values] of before) expect(first(new SceneRng(seed)).slice(0, 2)).toEqual(values);
  });

  it('Rng: seeds that step splitmix32 onto each other\'s words still start from different states', () => {
    // Its first word is a bijection of the seed (seed + 0x9e3779b9, then an invertible mix), so no two seeds share a
    // state: seed 0, seed 0x9e3779b9 (one step of seed 0) and 0x61c88647 (whose first word is 0) all differ.
    const states = [0, 0x9e3779b9, 0x61c88647].map((seed) => new Rng(seed).state().s.join(','));
    expect(new Set(states).size).toBe(3);
    expect(new Rng(0x61c88647).state().s[0]).toBe(0);
  });

  it('fromState is mulberry32 seeded as published (state 0 included); other seeds match the constructor', () => {
    const zero = SceneRng.fromState(0);
    expect([zero.next() * 2 ** 32, zero.next() * 2 ** 32]).toEqual([1144304738, 1416247]);
    for (const seed of [1, 42, 2 ** 32 - 1, -7]) {
      const a = SceneRng.fromState(seed);
      const b = new SceneRng(seed);
      expect(Array.from({ length: 8 }, () => a.next())).toEqual(Array.from({ length: 8 }, () => b.next()));
    }
  });

  it('shuffles uniformly, and leaves its input alone', () => {
    const r = new SceneRng(3);
    const xs = [0, 1, 2, 3];
    r.shuffle(xs);
    expect(xs).toEqual([0, 1, 2, 3]);
    expect(permutationChiSquare((xs) => r.shuffle(xs), 24_000)).toBeLessThan(60);
  });

  it('a comparator shuffle, sort(() => next() - 0.5), fails the same uniformity check', () => {
    const r = new SceneRng(3);
    // eslint-disable-next-line no-restricted-syntax -- the biased pattern itself, on purpose
    expect(permutationChiSquare((xs) => xs.sort(() => r.next() - 0.5), 24_000)).toBeGreaterThan(60);
  });
});
