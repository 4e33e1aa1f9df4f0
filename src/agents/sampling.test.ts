import { describe, expect, it } from 'vitest';
import { resolveSampling, samplingWeights } from './sampling.js';

const logs = (ps: number[]) => ps.map(Math.log);
const normalised = (w: number[]) => {
  const t = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / t);
};

describe('resolveSampling', () => {
  it('fills the defaults (the model’s own distribution) and refuses a temperature not above 0 or a top_p outside (0, 1]', () => {
    expect(resolveSampling(undefined)).toEqual({ temperature: 1, topP: 1 });
    expect(resolveSampling({ topP: 0.5 })).toEqual({ temperature: 1, topP: 0.5 });
    for (const temperature of [0, -1, NaN, Infinity]) expect(() => resolveSampling({ temperature }), String(temperature)).toThrow(/temperature must be a number above 0/);
    for (const topP of [0, -0.1, 1.01, NaN]) expect(() => resolveSampling({ topP }), String(topP)).toThrow(/top_p must be a number above 0 and at most 1/);
  });
});

describe('samplingWeights', () => {
  const p = [0.1, 0.5, 0.15, 0.25];
  it('at temperature 1 and top_p 1: the probabilities themselves', () => {
    normalised(samplingWeights(logs(p), { temperature: 1, topP: 1 })).forEach((x, i) => expect(x).toBeCloseTo(p[i], 12));
  });
  it('temperature T gives softmax(z / T): p^(1/T), sharper below 1, flatter above', () => {
    for (const T of [0.25, 0.5, 2, 4]) {
      const want = normalised(p.map((x) => x ** (1 / T)));
      normalised(samplingWeights(logs(p), { temperature: T, topP: 1 })).forEach((x, i) => expect(x, `T=${T}`).toBeCloseTo(want[i], 12));
    }
  });
  it('top_p keeps the likeliest until their mass reaches it (always the likeliest; a tie in index order), after the temperature', () => {
    const kept = (topP: number, T = 1) => samplingWeights(logs(p), { temperature: T, topP }).map((w) => w > 0);
    expect(kept(0.01)).toEqual([false, true, false, false]);
    expect(kept(0.5)).toEqual([false, true, false, false]); // 0.5 reaches 0.5
    expect(kept(0.51)).toEqual([false, true, false, true]);
    expect(kept(0.9)).toEqual([false, true, true, true]);
    expect(kept(0.91)).toEqual([true, true, true, true]);
    expect(kept(0.9, 0.5)).toEqual([false, true, false, true]); // sharper first: 0.5² / Σp² = 0.72, then 0.25² adds 0.18
    expect(samplingWeights(logs([0.4, 0.4, 0.2]), { temperature: 1, topP: 0.3 }).map((w) => w > 0)).toEqual([true, false, false]);
  });
});
