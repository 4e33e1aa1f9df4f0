/**
 * Modules, optimizers, schedules, init: parameter naming, gradient checks through layers,
 * AdamW/SGD against hand-computed updates (the torch.optim formulas), clipping, schedules,
 * and a tiny end-to-end fit that must drive the loss down.
 */
import { describe, expect, it } from 'vitest';
import { gradCheck } from './gradcheck.js';
import { kaimingUniform, xavierUniform } from './init.js';
import { setKernels } from './kernels/index.js';
import { Conv2d, Embedding, LayerNorm, Linear, Sequential } from './module.js';
import { maxPool2d } from './ops/conv.js';
import { gelu, mul, relu } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { flatten, reshape } from './ops/shape.js';
import { crossEntropy } from './ops/softmax.js';
import { AdamW, SGD, clipGradNorm, gradNorm } from './optim.js';
import { Rng } from '../util/rng.js';
import { constantLR, warmupCosine } from './schedule.js';
import { Tensor, noGrad, tensor } from './tensor.js';

setKernels('ref');

function randT(rng: Rng, shape: number[], grad = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), shape, grad);
}

describe('modules', () => {
  it('names parameters by dotted path, counts them, zeroes grads', () => {
    const rng = new Rng(1);
    const net = new Sequential(new Conv2d(3, 4, 3, { pad: 1, rng }), relu, (x) => maxPool2d(x, 2), flatten, new Linear(4 * 2 * 2, 5, { rng }), new LayerNorm(5));
    expect(net.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      '0.weight:4x3x3x3',
      '0.bias:4',
      '4.weight:5x16',
      '4.bias:5',
      '5.weight:5',
      '5.bias:5',
    ]);
    expect(net.numParameters()).toBe(108 + 4 + 80 + 5 + 10);
    const x = randT(rng, [2, 3, 4, 4]);
    sum(net.forward(x)).backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(gradNorm(net.parameters())).toBe(0);
  });
  it('gradient check through a small conv + linear + layernorm + gelu net', () => {
    const rng = new Rng(2);
    const net = new Sequential(new Conv2d(2, 3, 3, { pad: 1, stride: 2, rng }), gelu, flatten, new Linear(3 * 3 * 3, 4, { rng }), new LayerNorm(4));
    const x = randT(rng, [2, 2, 5, 5], true);
    const R = randT(rng, [2, 4]);
    const r = gradCheck(() => sum(mul(net.forward(x), R)), [x, ...net.parameters()]);
    expect(r.ok, r.where).toBe(true);
  });
  it('same seed → same init; embeddings have the documented scale', () => {
    expect(new Linear(8, 4, { rng: new Rng(7) }).weight.data).toEqual(new Linear(8, 4, { rng: new Rng(7) }).weight.data);
    expect(new Linear(8, 4, { rng: new Rng(7) }).weight.data).not.toEqual(new Linear(8, 4, { rng: new Rng(8) }).weight.data);
    const w = kaimingUniform([64, 100], new Rng(3));
    expect(Math.max(...w)).toBeLessThanOrEqual(Math.sqrt(6 / 100));
    expect(Math.max(...xavierUniform([64, 100], new Rng(3)))).toBeLessThanOrEqual(Math.sqrt(6 / 164));
    const e = new Embedding(1000, 16, { rng: new Rng(4) });
    const std = Math.sqrt(e.weight.data.reduce((a, v) => a + v * v, 0) / e.weight.size);
    expect(std).toBeGreaterThan(0.23);
    expect(std).toBeLessThan(0.27);
  });
  it('loadStateDict checks names and shapes', () => {
    const a = new Linear(3, 2, { rng: new Rng(1) });
    const b = new Linear(3, 2, { rng: new Rng(2) });
    b.loadStateDict(a.stateDict());
    expect(b.weight.data).toEqual(a.weight.data);
    expect(() => b.loadStateDict(new Linear(4, 2).stateDict())).toThrow(/weight: checkpoint has \[2, 4\], model wants \[2, 3\]/);
    expect(() => b.loadStateDict({ weight: { data: a.weight.data, shape: [2, 3] } })).toThrow(/missing bias/);
  });
});

describe('optimizers', () => {
  it('AdamW matches the torch.optim.AdamW update', () => {
    const p = tensor([1, -2], [2], true);
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.1 });
    const grads = [
      [0.5, -1],
      [0.2, 0.3],
    ];
    // reference in float64
    const w = [1, -2];
    const m = [0, 0];
    const v = [0, 0];
    grads.forEach((g, t) => {
      p.grad = Float32Array.from(g);
      opt.step();
      for (let i = 0; i < 2; i++) {
        w[i] *= 1 - 0.1 * 0.1;
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        const mh = m[i] / (1 - 0.9 ** (t + 1));
        const vh = v[i] / (1 - 0.999 ** (t + 1));
        w[i] -= (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
      }
    });
    expect(p.data[0]).toBeCloseTo(w[0], 5);
    expect(p.data[1]).toBeCloseTo(w[1], 5);
  });
  it('SGD with momentum and nesterov matches torch.optim.SGD', () => {
    for (const nesterov of [false, true]) {
      const p = tensor([1], [1], true);
      const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov });
      let w = 1;
      let b = 0;
      [0.5, -0.25, 1].forEach((g, t) => {
        p.grad = Float32Array.of(g);
        opt.step();
        b = t === 0 ? g : 0.9 * b + g;
        w -= 0.1 * (nesterov ? g + 0.9 * b : b);
      });
      expect(p.data[0]).toBeCloseTo(w, 6);
    }
  });
  it('clipGradNorm scales to the max norm and returns the norm before', () => {
    const a = tensor([0, 0], [2], true);
    const b = tensor([0], [1], true);
    a.grad = Float32Array.of(3, 0);
    b.grad = Float32Array.of(4);
    expect(clipGradNorm([a, b], 1)).toBeCloseTo(5, 6);
    expect(gradNorm([a, b])).toBeCloseTo(1, 5);
    expect(a.grad[0]).toBeCloseTo(0.6, 5);
  });
  it('schedules: constant, warmup + cosine', () => {
    expect(constantLR(0.3)(1000)).toBe(0.3);
    const s = warmupCosine({ lr: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
    expect(s(0)).toBeCloseTo(0.1);
    expect(s(9)).toBeCloseTo(1);
    expect(s(10)).toBeCloseTo(1);
    expect(s(60)).toBeCloseTo(0.55);
    expect(s(110)).toBeCloseTo(0.1);
    expect(s(500)).toBeCloseTo(0.1);
    expect(() => warmupCosine({ lr: 1, warmupSteps: 20, totalSteps: 10 })).toThrow(/warmupSteps/);
  });
});

describe('training', () => {
  it('a small CNN fits a toy task (loss falls by more than half) with AdamW + clipping', () => {
    const rng = new Rng(5);
    // Class = which quadrant holds the bright square.
    const N = 32;
    const x = new Float32Array(N * 1 * 8 * 8);
    const y: number[] = [];
    for (let n = 0; n < N; n++) {
      const c = n % 4;
      y.push(c);
      const oy = c < 2 ? 0 : 4;
      const ox = c % 2 ? 4 : 0;
      for (let i = 0; i < 64; i++) x[n * 64 + i] = rng.uniform(0, 0.2);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) x[n * 64 + (oy + i) * 8 + ox + j] += 1;
    }
    const xt = new Tensor(x, [N, 1, 8, 8]);
    const net = new Sequential(new Conv2d(1, 4, 3, { pad: 1, rng }), relu, (t) => maxPool2d(t, 2), flatten, new Linear(64, 4, { rng }));
    const opt = new AdamW(net.parameters(), { lr: 0.02 });
    const first = noGrad(() => crossEntropy(net.forward(xt), y).item());
    let last = first;
    for (let step = 0; step < 40; step++) {
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(xt), y);
      loss.backward();
      clipGradNorm(net.parameters(), 5);
      opt.step();
      last = loss.item();
    }
    expect(last).toBeLessThan(first / 2);
  });
  it('recycled gradient buffers: repeated backward passes give identical gradients', () => {
    // big enough (≥ 16384 values) that backward() recycles the intermediates' gradients and
    // ensureGrad() (zeroed: linear's input) and gradForWrite() (conv's, pool's) hand them out again
    const rng = new Rng(9);
    const net = new Sequential(new Conv2d(2, 32, 3, { pad: 1, rng }), relu, (t) => maxPool2d(t, 2), flatten, new Linear(32 * 16 * 16, 3, { rng }));
    const x = randT(rng, [4, 2, 32, 32], true);
    const y = [0, 1, 2, 1];
    const grads = () => {
      for (const p of net.parameters()) p.zeroGrad();
      x.grad = null;
      crossEntropy(net.forward(x), y).backward();
      return [...net.parameters().map((p) => Array.from(p.grad!)), Array.from(x.grad!)];
    };
    const first = grads();
    for (let i = 0; i < 3; i++) expect(grads()).toEqual(first);
    // reshape hands its gradient buffer down, except when it is the root (which keeps its own)
    const z = randT(rng, [2, 3], true);
    const r = reshape(z, [6]);
    r.backward(Float32Array.from([1, 2, 3, 4, 5, 6]));
    expect(r.grad).not.toBe(z.grad);
    z.grad![0] = 100;
    expect(Array.from(r.grad!)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it("recycled activations: Sequential's intermediates go back to the pool after backward, never its input or output", () => {
    const rng = new Rng(10);
    // the last layer is a view (flatten) of an intermediate: that buffer is the output's, kept
    const net = new Sequential(new Conv2d(2, 32, 3, { pad: 1, rng }), relu, (t) => maxPool2d(t, 2), (t) => new Sequential(relu, flatten).forward(t));
    const x = randT(rng, [4, 2, 32, 32], true);
    const seen: Tensor[] = [];
    const spy = new Sequential(...net.layers.map((l) => (t: Tensor) => {
      const o = typeof l === 'function' ? l(t) : l.forward(t);
      seen.push(o);
      return o;
    }));
    const run = (m: Sequential) => {
      x.grad = null;
      for (const p of net.parameters()) p.zeroGrad();
      const out = m.forward(x);
      const kept = Float32Array.from(out.data);
      sum(mul(out, randT(new Rng(11), out.shape))).backward();
      return { out, kept, grads: [...net.parameters().map((p) => Array.from(p.grad!)), Array.from(x.grad!)] };
    };
    const a = run(spy);
    // the conv, relu and pool outputs were released; the output (and the relu it views) kept theirs
    expect(seen.slice(0, 3).map((t) => t.data.length)).toEqual([0, 0, 0]);
    expect(a.out.data).toEqual(a.kept);
    expect(x.data.length).toBe(4 * 2 * 32 * 32);
    // recycled buffers are reused by the next forward, with identical results
    for (let i = 0; i < 3; i++) {
      const b = run(net);
      expect(b.kept).toEqual(a.kept);
      expect(b.grads).toEqual(a.grads);
    }
    // without backward nothing is released
    const c = net.forward(x);
    expect(c.data).toEqual(a.kept);
  });
});
