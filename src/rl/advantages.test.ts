import { describe, expect, it } from 'vitest';
import { gae, groupAdvantages, normalize } from './advantages.js';

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
