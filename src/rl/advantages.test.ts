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
  it('scale by the sample std (n − 1, as torch.std and TRL), plus ε; without scaling, R − mean', () => {
    const R = [1, 0, 0.5, 0.2];
    const m = 0.425;
    const sd = Math.sqrt(R.reduce((a, r) => a + (r - m) ** 2, 0) / 3);
    groupAdvantages(R, 4).forEach((a, i) => expect(a).toBeCloseTo((R[i] - m) / (sd + 1e-6), 12));
    groupAdvantages(R, 4, 1e-6, false).forEach((a, i) => expect(a).toBeCloseTo(R[i] - m, 12));
    expect(groupAdvantages([3], 1)).toEqual([0]); // a group of one: no division by a zero std
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
  it('equals Σ_l (γλ)^l δ_{t+l} with δ_t = r_t + γ V(s_{t+1}) − V(s_t), bootstrapping only after the last step', () => {
    const r = [0.3, -0.1, 0.7, 0, 1.2];
    const v = [0.5, 0.2, -0.3, 0.9, 0.1];
    const [g, l, last] = [0.9, 0.8, 0.4];
    const V = [...v, last];
    const delta = r.map((x, t) => x + g * V[t + 1] - V[t]);
    const { advantages, returns } = gae(r, v, last, g, l);
    advantages.forEach((a, t) => expect(a).toBeCloseTo(delta.slice(t).reduce((s, d, k) => s + (g * l) ** k * d, 0), 12));
    returns.forEach((x, t) => expect(x).toBeCloseTo(advantages[t] + v[t], 12));
  });
  it('normalize', () => {
    const n = normalize([1, 2, 3]);
    expect(n.reduce((a, b) => a + b)).toBeCloseTo(0);
  });
});
