/**
 * Finite-difference gradient checks for every differentiable op, plus forward values against
 * hand-computed or naive results. Each loss is Σ out·R with a fixed random R so every output
 * position carries a distinct weight (a wrong index or a missing term changes the gradient).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradCheck } from '../gradcheck.js';
import { setKernels } from '../kernels/index.js';
import { Rng } from '../../util/rng.js';
import { Tensor, noGrad, tensor } from '../tensor.js';
import { conv2d, globalAvgPool, maxPool2d } from './conv.js';
import * as E from './elementwise.js';
import { bagOfTokens, embedding } from './embedding.js';
import { linear, matmul } from './linalg.js';
import { layerNorm } from './norm.js';
import { mean, sum } from './reduce.js';
import { concat, reshape, selectRows, transpose } from './shape.js';
import { MASKED_LOGP, crossEntropy, gather, logSoftmax, softmax } from './softmax.js';

setKernels('ref');

const rng = new Rng(1234);
function rand(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform(lo, hi);
  return new Tensor(d, shape, true);
}
/** Random values at least 0.05 away from every kink (so ±h never crosses one). */
function randAway(shape: number[], kinks: number[]): Tensor {
  const t = rand(shape);
  for (let i = 0; i < t.size; i++) while (kinks.some((k) => Math.abs(t.data[i] - k) < 0.05)) t.data[i] = rng.uniform(-1, 1);
  return t;
}
/** Distinct values spaced 0.05 apart in random order (max-pool ties never flip under ±h). */
function randDistinct(shape: number[]): Tensor {
  const t = rand(shape);
  const order = rng.shuffle(Array.from({ length: t.size }, (_, i) => i));
  order.forEach((o, i) => (t.data[o] = (i - t.size / 2) * 0.05));
  return t;
}
/** Σ out·R for a fixed random R of out's shape. */
function weighted(out: Tensor, R: Tensor): Tensor {
  return sum(E.mul(out, R));
}
function check(build: () => Tensor, inputs: Tensor[], opts?: { h?: number; tol?: number }): void {
  let R: Tensor | null = null;
  const f = () => {
    const out = build();
    if (!R) R = new Tensor(rand(out.shape).data, out.shape, false);
    return weighted(out, R);
  };
  const r = gradCheck(f, inputs, opts);
  expect(r.ok, `max error ${r.maxError} at ${r.where}`).toBe(true);
}

describe('elementwise ops', () => {
  it('add/sub/mul/div with broadcasting', () => {
    const a = rand([2, 3, 4]);
    const b = rand([4]);
    const c = rand([3, 1]);
    const d = rand([2, 3, 4], 0.5, 2);
    check(() => E.add(a, b), [a, b]);
    check(() => E.sub(a, c), [a, c]);
    check(() => E.mul(a, c), [a, c]);
    check(() => E.div(a, d), [a, d]);
    check(() => E.mul(b, a), [a, b]);
    const s = rand([1]);
    check(() => E.mul(a, s), [a, s]);
    expect(E.add(tensor([1, 2, 3, 4], [2, 2]), tensor([10, 20], [2])).toArray()).toEqual([11, 22, 13, 24]);
    expect(E.add(tensor([1, 2], [2, 1]), tensor([10, 20, 30], [3])).toArray()).toEqual([11, 21, 31, 12, 22, 32]);
  });
  it('unary ops', () => {
    const x = randAway([5, 7], [0, -0.5, 0.5]);
    const p = rand([5, 7], 0.2, 2);
    for (const f of [E.neg, E.exp, E.tanh, E.sigmoid, E.gelu, E.square, E.relu, E.abs]) check(() => f(x), [x]);
    check(() => E.log(p), [p]);
    check(() => E.sqrt(p), [p]);
    check(() => E.addScalar(x, 3), [x]);
    check(() => E.mulScalar(x, -2.5), [x]);
    check(() => E.clamp(x, -0.5, 0.5), [x]);
    expect(E.relu(tensor([-1, 0, 2])).toArray()).toEqual([0, 0, 2]);
    expect(E.gelu(tensor([1])).item()).toBeCloseTo(0.8412, 3);
  });
  it('minimum / maximum (PPO clipped objective)', () => {
    const a = rand([3, 5]);
    const b = rand([3, 5]);
    check(() => E.minimum(a, b), [a, b]);
    check(() => E.maximum(a, b), [a, b]);
  });
});

describe('reductions and shapes', () => {
  it('sum / mean over all and over axes', () => {
    const x = rand([2, 3, 4]);
    check(() => sum(x, 1), [x]);
    check(() => mean(x, -1, true), [x]);
    check(() => mean(x, 0), [x]);
    check(() => E.mulScalar(mean(x), 7), [x]);
    expect(sum(tensor([1, 2, 3, 4], [2, 2]), 0).toArray()).toEqual([4, 6]);
    expect(mean(tensor([1, 2, 3, 4], [2, 2]), 1).toArray()).toEqual([1.5, 3.5]);
  });
  it('reshape / concat / transpose / selectRows', () => {
    const x = rand([2, 6]);
    const y = rand([2, 3]);
    check(() => reshape(x, [3, -1]), [x]);
    check(() => concat([x, y], 1), [x, y]);
    check(() => concat([reshape(x, [4, 3]), y], 0), [x, y]);
    check(() => transpose(y), [y]);
    check(() => selectRows(x, [1, 0, 1]), [x]);
    expect(concat([tensor([1, 2], [2, 1]), tensor([3, 4, 5, 6], [2, 2])], 1).toArray()).toEqual([1, 3, 4, 2, 5, 6]);
  });
});

describe('linear algebra', () => {
  it('matmul and linear (with and without bias, 3-d input)', () => {
    const a = rand([3, 5]);
    const b = rand([5, 4]);
    check(() => matmul(a, b), [a, b]);
    const x = rand([2, 3, 5]);
    const w = rand([7, 5]);
    const bias = rand([7]);
    check(() => linear(x, w, bias), [x, w, bias]);
    check(() => linear(x, w), [x, w]);
    expect(matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([5, 6, 7, 8], [2, 2])).toArray()).toEqual([19, 22, 43, 50]);
    expect(linear(tensor([1, 2], [1, 2]), tensor([1, 0, 0, 1, 1, 1], [3, 2]), tensor([0, 0, 10])).toArray()).toEqual([1, 2, 13]);
  });
});

describe('convolution and pooling', () => {
  it.each([
    [{ pad: 0, stride: 1 }, 5, 5],
    [{ pad: 1, stride: 1 }, 6, 5],
    [{ pad: 1, stride: 2 }, 7, 6],
    [{ pad: 2, stride: 3 }, 7, 8],
  ])('conv2d %o on %i×%i', (o, H, W) => {
    const x = rand([2, 3, H, W]);
    const w = rand([4, 3, 3, 3]);
    const b = rand([4]);
    check(() => conv2d(x, w, b, o), [x, w, b]);
  });
  it('conv2d forward equals a direct loop', () => {
    const x = rand([1, 2, 4, 5]);
    const w = rand([3, 2, 3, 2]);
    const y = noGrad(() => conv2d(x, w, null, { pad: 1, stride: 2 }));
    const [, , OH, OW] = y.shape;
    expect(y.shape).toEqual([1, 3, 2, 3]);
    for (let f = 0; f < 3; f++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = 0;
          for (let c = 0; c < 2; c++)
            for (let kh = 0; kh < 3; kh++)
              for (let kw = 0; kw < 2; kw++) {
                const ih = oh * 2 - 1 + kh;
                const iw = ow * 2 - 1 + kw;
                if (ih >= 0 && ih < 4 && iw >= 0 && iw < 5) s += x.data[(c * 4 + ih) * 5 + iw] * w.data[((f * 2 + c) * 3 + kh) * 2 + kw];
              }
          expect(y.data[(f * OH + oh) * OW + ow]).toBeCloseTo(s, 5);
        }
  });
  it('maxPool2d and globalAvgPool', () => {
    const x = randDistinct([2, 3, 6, 7]);
    check(() => maxPool2d(x, 2), [x]);
    check(() => maxPool2d(x, 3, 2), [x]);
    check(() => globalAvgPool(x), [x]);
    expect(maxPool2d(tensor([1, 5, 2, 3, 4, 0, 9, 1, 2, 2, 2, 2, 7, 1, 1, 8], [1, 1, 4, 4])).toArray()).toEqual([5, 9, 7, 8]);
  });
});

describe('layer norm, softmax, losses', () => {
  it('layerNorm', () => {
    const x = rand([4, 6]);
    const g = rand([6]);
    const b = rand([6]);
    check(() => layerNorm(x, g, b), [x, g, b]);
    const y = noGrad(() => layerNorm(tensor([1, 2, 3, 4], [1, 4]), null, null));
    expect(mean(y).item()).toBeCloseTo(0, 6);
  });
  it('softmax / logSoftmax with a mask over variable option counts', () => {
    const x = rand([3, 5]);
    const mask = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0];
    check(() => softmax(x, mask), [x]);
    check(() => logSoftmax(x), [x]);
    const lp = logSoftmax(x, mask);
    const f = () => sum(E.mul(gather(logSoftmax(x, mask), [2, 4, 1]), tensor([0.3, -1.2, 0.7])));
    const r = gradCheck(f, [x]);
    expect(r.ok, r.where).toBe(true);
    // masked entries: log-prob MASKED_LOGP, prob 0, no gradient; valid ones sum to 1.
    expect(lp.data[3]).toBe(MASKED_LOGP);
    const p = noGrad(() => softmax(x, mask));
    expect(p.data[3] + p.data[4]).toBe(0);
    expect(p.data[0] + p.data[1] + p.data[2]).toBeCloseTo(1, 6);
    x.grad = null;
    sum(E.mul(softmax(x, mask), rand([3, 5]))).backward();
    expect(x.grad![3]).toBe(0);
    expect(x.grad![13]).toBe(0);
  });
  it('crossEntropy (mean, sum, none, mask, ignoreIndex)', () => {
    const x = rand([4, 5]);
    const t = [0, 3, 4, 1];
    const mask = Array.from({ length: 20 }, (_, i) => (i % 5 < 4 || i >= 10 ? 1 : 0));
    for (const reduction of ['mean', 'sum'] as const) {
      const r = gradCheck(() => crossEntropy(x, t, { reduction }), [x]);
      expect(r.ok, r.where).toBe(true);
    }
    check(() => crossEntropy(x, t, { reduction: 'none' }), [x]);
    const r2 = gradCheck(() => crossEntropy(x, [0, 3, 4, -100], { mask, ignoreIndex: -100 }), [x]);
    expect(r2.ok, r2.where).toBe(true);
    // equals −mean(gather(logSoftmax))
    const ce = noGrad(() => crossEntropy(x, t).item());
    const ref = noGrad(() => -mean(gather(logSoftmax(x), t)).item());
    expect(ce).toBeCloseTo(ref, 5);
    expect(() => crossEntropy(x, [0, 3, 4, 4], { mask: mask.map((m, i) => (i === 19 ? 0 : m)) })).toThrow(/masked out/);
  });
  it('PPO-style clipped ratio loss and KL term', () => {
    const lp = rand([6]);
    const old = new Tensor(rand([6]).data, [6], false);
    const adv = tensor([1, -1, 0.5, 2, -0.3, 0.1]);
    const f = () => {
      const ratio = E.exp(E.sub(lp, old));
      const pg = E.minimum(E.mul(ratio, adv), E.mul(E.clamp(ratio, 0.8, 1.2), adv));
      const kl = E.sub(E.sub(E.exp(E.sub(old, lp)), E.sub(old, lp)), tensor([1])); // k3 estimator
      return E.add(E.neg(mean(pg)), E.mulScalar(mean(kl), 0.1));
    };
    const r = gradCheck(f, [lp], { h: 1e-3 });
    expect(r.ok, r.where).toBe(true);
  });
});

describe('embeddings', () => {
  it('embedding and bagOfTokens (mask, empty rows)', () => {
    const table = rand([6, 4]);
    check(() => embedding(table, [1, 5, 1, 0], [2, 2]), [table]);
    const ids = [1, 2, 3, 0, 5, 5, 0, 0, 4, 4, 4, 4];
    const mask = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0];
    check(() => bagOfTokens(table, ids, mask, 3, 4), [table]);
    const y = noGrad(() => bagOfTokens(table, ids, mask, 3, 4));
    expect(y.shape).toEqual([3, 4]);
    expect(y.data[0]).toBeCloseTo((table.data[4] + table.data[8] + table.data[12]) / 3, 6);
    expect(Array.from(y.data.subarray(8))).toEqual([0, 0, 0, 0]);
    expect(() => embedding(table, [6])).toThrow(/outside the vocabulary/);
  });
});

describe('autograd mechanics', () => {
  it('accumulates through shared subgraphs and frees the graph', () => {
    const x = tensor([2], [1], true);
    const y = E.mul(x, x); // x²
    const z = E.add(y, E.mul(y, x)); // x² + x³ → dz/dx = 2x + 3x² = 16
    z.backward(new Float32Array([1]));
    expect(x.grad![0]).toBeCloseTo(16, 5);
    expect(() => z.backward(new Float32Array([1]))).not.toThrow(); // graph released: no double counting through it
    expect(x.grad![0]).toBeCloseTo(16, 5);
  });
  it('noGrad records nothing', () => {
    const x = tensor([1, 2], [2], true);
    const y = noGrad(() => E.mul(x, x));
    expect(y.requiresGrad).toBe(false);
    expect(y._backward).toBeNull();
    expect(() => y.backward()).toThrow(/does not require grad/);
  });
});

describe('gradient checks on the WASM kernels (conv2d, linear, matmul)', () => {
  beforeAll(() => void setKernels('wasm'));
  afterAll(() => void setKernels('ref'));
  it.each([
    [{ pad: 1, stride: 1 }, 6, 7],
    [{ pad: 2, stride: 3 }, 9, 8],
  ])('conv2d %o on %i×%i', (o, H, W) => {
    const x = rand([3, 3, H, W]);
    const w = rand([5, 3, 3, 3]);
    const b = rand([5]);
    check(() => conv2d(x, w, b, o), [x, w, b]);
  });
  it('linear and matmul', () => {
    const x = rand([9, 17]);
    const w = rand([7, 17]);
    const b = rand([7]);
    check(() => linear(x, w, b), [x, w, b]);
    const a = rand([33, 5]);
    const c = rand([3, 5]);
    check(() => matmul(a, transpose(c)), [a, c]);
  });
});

// Last in the file, so the shared rng stream of the tests above stays as it was.
describe('relu → maxPool2d', () => {
  it('maxPool2d after relu (relu backward folded into the pool), also with a second consumer of the relu output', () => {
    const x = randDistinct([2, 3, 6, 7]);
    // mostly negative (many windows entirely ≤ 0: their gradient must vanish), and no value
    // within ±h of relu's kink or of a tie; every position checked
    for (let i = 0; i < x.size; i++) x.data[i] -= 2.025;
    const opts = { h: 0.02, samples: x.size };
    check(() => maxPool2d(E.relu(x), 2), [x], opts);
    check(() => maxPool2d(E.relu(x), 3, 2), [x], opts);
    check(() => {
      const h = E.relu(x);
      return concat([reshape(maxPool2d(h, 2), [2, -1]), reshape(E.mul(h, h), [2, -1])], 1); // [2, 9 + 126]
    }, [x], opts);
  });
});

// (no rng: the shared stream of the tests above is untouched)
describe('shape checks and zero-size inputs', () => {
  it('maxPool2d refuses a window or stride that is not an integer >= 1 (it returned a larger output read from outside each plane)', () => {
    const x = tensor(Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4], true);
    for (const [k, s] of [[0, 1], [-1, 1], [1.5, 1.5], [2, 0.5], [2, 0], [NaN, 2]]) {
      expect(() => maxPool2d(x, k, s), `window ${k}, stride ${s}`).toThrow(/window and stride must be integers >= 1/);
    }
    expect(maxPool2d(x, 2).toArray()).toEqual([5, 7, 13, 15]);
    expect(maxPool2d(x, 3, 1).shape).toEqual([1, 1, 2, 2]);
  });
  it('linear with 0 input features gives the bias (or zeros), as torch.nn.functional.linear; gradients flow to the bias', () => {
    const x = new Tensor(new Float32Array(0), [2, 3, 0], true);
    const w = new Tensor(new Float32Array(0), [4, 0], true);
    const b = new Tensor(Float32Array.of(1, 2, 3, 4), [4], true);
    const y = linear(x, w, b);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(y.toArray()).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    sum(y).backward();
    expect(Array.from(b.grad!)).toEqual([6, 6, 6, 6]);
    expect(noGrad(() => linear(x, w)).toArray()).toEqual(new Array(24).fill(0));
  });
});

describe('NaN logits propagate', () => {
  it('logSoftmax / softmax / crossEntropy: a row whose valid entries are all NaN is NaN, not MASKED_LOGP (which hid it behind a finite loss of 1e30)', () => {
    const x = tensor([NaN, NaN, NaN, 1, 2, 3, NaN, -Infinity, 0, NaN, 5, 1], [4, 3]);
    const mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0];
    const lp = noGrad(() => logSoftmax(x, mask)).toArray();
    expect(lp.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(lp.slice(3, 6).every(Number.isFinite)).toBe(true);
    expect(lp.slice(6, 8).every(Number.isNaN)).toBe(true); // NaN and −∞
    expect(lp[8]).toBe(MASKED_LOGP); // masked stays masked
    expect(Number.isNaN(lp[9])).toBe(true);
    expect(lp.slice(10)).toEqual([MASKED_LOGP, MASKED_LOGP]);
    expect(noGrad(() => softmax(x)).toArray().slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(noGrad(() => crossEntropy(x, [0, 1, 0, 0], { mask })).item()).toBeNaN();
    // a fully masked row is still MASKED_LOGP / probability 0
    const z = tensor([NaN, 1], [1, 2]);
    expect(noGrad(() => logSoftmax(z, [0, 0])).toArray()).toEqual([MASKED_LOGP, MASKED_LOGP]);
    expect(noGrad(() => softmax(z, [0, 0])).toArray()).toEqual([0, 0]);
  });
});

// Last in the file: its random draws come after every other test's, which keep theirs.
describe('log-sigmoid', () => {
  it('logSigmoid: gradient check, and stable where log(σ(x)) in float32 is not (its float64 twin: ops/ref.test.ts)', () => {
    const x = rand([5, 7], -6, 6);
    check(() => E.logSigmoid(x), [x]);
    const far = new Tensor(Float32Array.from([-60, -30, -20, 20, 40]), [5], true);
    check(() => E.logSigmoid(far), [far]);
    // log σ(−110) = −110 (log(σ(x)) in float32 gives −∞: σ rounds to 0), log σ(30) = −e^−30 (it gives 0: σ rounds to 1)
    const big = E.logSigmoid(tensor([-110, -30, 0, 30])).toArray();
    expect(big[0]).toBeCloseTo(-110, 4);
    expect(big[1]).toBeCloseTo(-30, 4);
    expect(big[2]).toBeCloseTo(-Math.LN2, 6);
    expect(big[3]).toBeCloseTo(-Math.exp(-30), 20);
    expect(big[3]).toBeLessThan(0);
    expect(E.log(E.sigmoid(tensor([-110]))).item()).toBe(-Infinity);
    expect(E.log(E.sigmoid(tensor([30]))).item()).toBe(0);
  });
});

// NaN, ±∞ and empty inputs as PyTorch 1.13 (Debian's python3-torch) gives them; no rng draws.
describe('non-finite and empty inputs as PyTorch', () => {
  it('mean of no values is NaN (torch.mean), not 0; sum of none stays 0', () => {
    const e = new Tensor(new Float32Array(0), [0], true);
    const m = mean(e);
    expect(m.item()).toBeNaN();
    m.backward(); // nothing to receive a gradient, and no error
    expect(e.grad?.length ?? 0).toBe(0);
    expect(mean(tensor([], [0, 3]), 0).toArray().map(Number.isNaN)).toEqual([true, true, true]); // torch.zeros(0, 3).mean(0) = [nan, nan, nan]
    expect(mean(tensor([], [0, 3]), 1).toArray()).toEqual([]);
    expect(sum(tensor([], [0])).item()).toBe(0);
  });

  it('crossEntropy with reduction mean over no rows with a target is NaN (torch), not 0', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(noGrad(() => crossEntropy(x, [-100, -100], { ignoreIndex: -100 })).item()).toBeNaN();
    expect(noGrad(() => crossEntropy(x, [-100, -100], { ignoreIndex: -100, reduction: 'sum' })).item()).toBe(0);
  });

  it('logSoftmax / softmax of a row whose valid entries are all −∞ are NaN (torch), a fully masked row stays MASKED_LOGP', () => {
    const x = tensor([-Infinity, -Infinity, -Infinity, -Infinity, 1, 2], [2, 3]);
    const lp = noGrad(() => logSoftmax(x)).toArray();
    expect(lp.slice(0, 3).map(Number.isNaN)).toEqual([true, true, true]);
    expect(lp[3]).toBe(-Infinity); // torch: [-inf, -1.3133, -0.3133]
    expect(lp[4]).toBeCloseTo(-1.31326, 4);
    expect(noGrad(() => softmax(x)).toArray().slice(0, 3).map(Number.isNaN)).toEqual([true, true, true]);
    const masked = noGrad(() => logSoftmax(x, [1, 1, 0, 0, 1, 1])).toArray();
    expect(masked.slice(0, 2).map(Number.isNaN)).toEqual([true, true]);
    expect(masked[2]).toBe(MASKED_LOGP);
    expect(noGrad(() => logSoftmax(x, [0, 0, 0, 1, 1, 1])).toArray().slice(0, 3)).toEqual([MASKED_LOGP, MASKED_LOGP, MASKED_LOGP]);
    // +∞ (torch: all NaN) and a −∞ next to finite values (torch: −∞, finite) were already right
    const inf = noGrad(() => logSoftmax(tensor([Infinity, 1, 2], [1, 3]))).toArray();
    expect(inf.map(Number.isNaN)).toEqual([true, true, true]);
  });

  it('logSoftmax / softmax / crossEntropy of huge equal logits (1e20, 3e38: a diverging model) are log K, 1/K and log K, not 0, 1 and 0', () => {
    for (const big of [1e20, 3e38, -3e38]) {
      const x = tensor([big, big, big, big, big, -Infinity], [2, 3], true);
      const lp = noGrad(() => logSoftmax(x)).toArray();
      for (const v of lp.slice(0, 3)) expect(v).toBeCloseTo(-Math.log(3), 5);
      for (const v of lp.slice(3, 5)) expect(v).toBeCloseTo(-Math.log(2), 5);
      expect(lp[5]).toBe(-Infinity);
      const p = noGrad(() => softmax(x)).toArray();
      expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 6);
      expect(p[3] + p[4] + p[5]).toBeCloseTo(1, 6);
      expect(p[5]).toBe(0);
      const ce = crossEntropy(x, [0, 1]);
      expect(ce.item()).toBeCloseTo((Math.log(3) + Math.log(2)) / 2, 5);
      ce.backward();
      // gradient of the mean: (p − onehot) / 2 per row, summing to 0
      expect(Array.from(x.grad!).map((g) => +g.toFixed(4))).toEqual([-1 / 3, 1 / 6, 1 / 6, 0.25, -0.25, 0].map((g) => +g.toFixed(4)));
    }
  });

  it('maximum / minimum propagate a NaN in either argument and give both the gradient (torch.maximum / torch.minimum)', () => {
    const a = new Tensor(Float32Array.from([NaN, 1, Infinity, 2]), [4], true);
    const b = new Tensor(Float32Array.from([1, NaN, NaN, 3]), [4], true);
    for (const [op, want] of [
      [E.maximum, [NaN, NaN, NaN, 3]],
      [E.minimum, [NaN, NaN, NaN, 2]],
    ] as const) {
      a.grad = null;
      b.grad = null;
      const y = op(a, b);
      expect(y.toArray()).toEqual(want);
      sum(y).backward();
      // torch: maximum → a.grad [1, 1, 1, 0], b.grad [1, 1, 1, 1]; minimum → a.grad [1, 1, 1, 1], b.grad [1, 1, 1, 0]
      expect(Array.from(a.grad!)).toEqual(op === E.maximum ? [1, 1, 1, 0] : [1, 1, 1, 1]);
      expect(Array.from(b.grad!)).toEqual(op === E.maximum ? [1, 1, 1, 1] : [1, 1, 1, 0]);
    }
  });

  it.each(['ref', 'wasm'] as const)('relu and maxPool2d with NaN, alone and folded (%s kernels): values and gradients as torch', (backend) => {
    setKernels(backend);
    try {
      // windows (row-major tl, tr, bl, br) → torch's max_pool2d output and the gradient of its sum
      const cases: [number[], number, number[]][] = [
        [[1, NaN, 3, 2], NaN, [0, 1, 0, 0]],
        [[NaN, 1, 3, 2], NaN, [1, 0, 0, 0]],
        [[1, 2, 3, NaN], NaN, [0, 0, 0, 1]],
        [[NaN, NaN, 1, 2], NaN, [0, 1, 0, 0]], // the last NaN gets it
        [[1, Infinity, NaN, 2], NaN, [0, 0, 1, 0]],
        [[-Infinity, -Infinity, -Infinity, -Infinity], -Infinity, [1, 0, 0, 0]],
        [[1, 2, NaN, 5], NaN, [0, 0, 1, 0]],
      ];
      for (const [win, want, grad] of cases) {
        const x = new Tensor(Float32Array.from(win), [1, 1, 2, 2], true);
        const y = maxPool2d(x, 2);
        expect(Object.is(y.item(), want), `max_pool2d(${win}) = ${y.item()}, torch ${want}`).toBe(true);
        sum(y).backward();
        expect(Array.from(x.grad!), `gradient of max_pool2d(${win})`).toEqual(grad);
      }
      // relu: NaN stays NaN and passes its gradient (torch's threshold_backward zeroes only where the output is <= 0)
      const r = new Tensor(Float32Array.from([NaN, Infinity, -Infinity, 0, 1]), [5], true);
      const ry = E.relu(r);
      expect(ry.toArray()).toEqual([NaN, Infinity, 0, 0, 1]);
      sum(E.mul(ry, tensor([1, 1, 1, 1, 1], [5]))).backward(); // a consumer other than the pool: relu's own backward
      expect(Array.from(r.grad!)).toEqual([1, 1, 0, 0, 1]);
      // relu → max_pool2d (relu's backward folded into the pool): torch gives the NaN's input the gradient
      for (const [win, grad] of [
        [[1, NaN, 3, 2], [0, 1, 0, 0]],
        [[-1, NaN, -3, -2], [0, 1, 0, 0]],
        [[-1, -2, -3, -2], [0, 0, 0, 0]],
      ]) {
        const x = new Tensor(Float32Array.from(win), [1, 1, 2, 2], true);
        sum(maxPool2d(E.relu(x), 2)).backward();
        expect(Array.from(x.grad!), `gradient of max_pool2d(relu(${win}))`).toEqual(grad);
      }
      // the generic k×k path: 3×3 windows, stride 1, on 4×4 with one NaN at (1, 2) — torch: all four outputs NaN, gradient 4 there
      const g = new Tensor(Float32Array.from({ length: 16 }, (_, i) => (i === 6 ? NaN : i)), [1, 1, 4, 4], true);
      const gy = maxPool2d(g, 3, 1);
      expect(gy.toArray().every(Number.isNaN)).toBe(true);
      sum(gy).backward();
      expect(Array.from(g.grad!)).toEqual(Array.from({ length: 16 }, (_, i) => (i === 6 ? 4 : 0)));
    } finally {
      setKernels('ref');
    }
  });
});
