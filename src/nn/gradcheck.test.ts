/**
 * gradCheck itself: it passes a correct gradient, and fails a wrong one — including a NaN or
 * infinite analytic gradient, which compares false with every threshold and so used to pass
 * with maxError 0.
 */
import { describe, expect, it } from 'vitest';
import { gradCheck } from './gradcheck.js';
import { sum } from './ops/reduce.js';
import { Tensor, makeResult } from './tensor.js';

/** y = x² with a backward that adds `grad(x)` instead of 2x. */
function square(x: Tensor, grad: (v: number) => number): Tensor {
  const out = Float32Array.from(x.data, (v) => v * v);
  return makeResult(out, x.shape, [x], (o) => {
    const g = x.ensureGrad();
    for (let i = 0; i < g.length; i++) g[i] += o.grad![i] * grad(x.data[i]);
  });
}

describe('gradCheck', () => {
  const x = () => new Tensor(Float32Array.of(0.5, -1, 2), [3], true);
  it('passes a correct gradient and fails a wrong one', () => {
    const a = x();
    expect(gradCheck(() => sum(square(a, (v) => 2 * v)), [a]).ok).toBe(true);
    const b = x();
    expect(gradCheck(() => sum(square(b, (v) => 3 * v)), [b]).ok).toBe(false);
  });
  it.each([
    ['NaN', NaN],
    ['+Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('fails an analytic gradient of %s (it used to pass with maxError 0)', (_name, bad) => {
    const a = x();
    const r = gradCheck(() => sum(square(a, () => bad)), [a]);
    expect(r.ok).toBe(false);
    expect(r.maxError).toBe(Infinity);
    expect(r.where).toMatch(/input 0/);
  });
  it('fails when the function itself is not finite near the point (numeric gradient NaN)', () => {
    const a = x();
    // forward: log of a negative value → NaN, but a backward that claims gradient 0
    const f = () =>
      sum(makeResult(Float32Array.from(a.data, (v) => Math.log(v)), a.shape, [a], () => void a.ensureGrad()));
    expect(gradCheck(f, [a]).ok).toBe(false);
  });
  it('a zero gradient with atol 0 is not an error (0/0)', () => {
    const a = x();
    const f = () => sum(makeResult(Float32Array.of(1), [1], [a], () => void a.ensureGrad()));
    expect(gradCheck(f, [a], { atol: 0 }).ok).toBe(true);
  });
});
