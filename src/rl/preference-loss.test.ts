import { describe, expect, it } from 'vitest';
import { tensor } from '../nn/index.js';
import { preferenceLoss } from './preference-loss.js';

const gradAt = (margins: number[]) => {
  const m = tensor(margins, [margins.length], true);
  const loss = preferenceLoss(m);
  loss.backward();
  return { loss: loss.item(), grad: Array.from(m.grad!) };
};

describe('preference loss −log σ(margin)', () => {
  it('a pair ranked wrong by 30 still pulls with the full gradient, ≈ −1 (the 1e-7 floor left ≈ −1e-6)', () => {
    const { loss, grad } = gradAt([-30]);
    expect(loss).toBeCloseTo(30, 4);
    expect(grad[0]).toBeCloseTo(-1, 6);
    const deep = gradAt([-60, -200]);
    expect(deep.loss).toBeCloseTo(130, 3);
    deep.grad.forEach((g) => expect(g).toBeCloseTo(-0.5, 6)); // mean over two pairs
  });

  it('is −log σ(m) and its gradient −σ(−m) elsewhere: ln 2 and −½ at 0, small at a wide right margin', () => {
    const at0 = gradAt([0]);
    expect(at0.loss).toBeCloseTo(Math.LN2, 6);
    expect(at0.grad[0]).toBeCloseTo(-0.5, 6);
    const mixed = gradAt([2, -3]);
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    expect(mixed.loss).toBeCloseTo((-Math.log(sig(2)) - Math.log(sig(-3))) / 2, 5);
    expect(mixed.grad[0]).toBeCloseTo(-sig(-2) / 2, 6);
    expect(mixed.grad[1]).toBeCloseTo(-sig(3) / 2, 6);
    const right = gradAt([40]);
    expect(right.loss).toBeGreaterThanOrEqual(0);
    expect(right.loss).toBeLessThan(1e-12);
    expect(Math.abs(right.grad[0])).toBeLessThan(1e-12);
  });
});
