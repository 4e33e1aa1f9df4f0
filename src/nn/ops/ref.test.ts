/**
 * The ops outside the kernels against their float64 twins (ops/ref.ts), value and gradient: softmax, log-softmax,
 * cross-entropy (each reduction, masks, ignored rows), gather, layerNorm, embedding, bagOfTokens (masks, empty
 * sequences), globalAvgPool, sum and mean (all values, each axis), the broadcasting binary ops (ties included),
 * logSigmoid, sigmoid, tanh, GELU, the one-call elementwise ops (neg, abs, relu, clamp, addScalar, mulScalar, square, exp,
 * log, sqrt), the copies (reshape, flatten, concat, transpose, selectRows), and, on the active kernels and the
 * reference ones, matmul and linear, conv2d (strides, padding, bias, batch and channels) and maxPool2d (ties, NaN,
 * overlapping windows, after a ReLU whose backward it folds in), on several shapes (odd sizes, 1-wide axes, masks) and
 * edge values (logits ±80, ±1e4, ±1e20, ±3e38, 0, ±∞ for log-sigmoid; 0, −0, subnormals, float32's largest,
 * overflow, ±∞ and NaN for the one-call ops).
 *
 * Each tolerance is a bound on the error an op can make, derived from where it rounds, not a number picked to pass:
 * - a float32 store of y rounds by at most U·|y| + TINY (U = 2^−24, half an ulp relative; TINY = 2^−150, half the
 *   smallest subnormal, what a subnormal or underflowing value loses): round32(y);
 * - a float32 sum of n terms accumulated with `+=` rounds n times, each by at most U·(the partial sum) ≤ U·Σ|terms|;
 * - float64 arithmetic (both the op's, which stores in float32 at the end, and the twin's) adds c·2^−53 per operation
 *   relative to the magnitudes it adds: a term c·n·U64·(those magnitudes), n the length of the longest sum;
 * - an error Δ in a float32 log-probability becomes a relative error e^|Δ| − 1 in its probability.
 * Terms are first order; second-order ones (U² ≈ 3.6e−15 relative) are covered by SLACK. The bounds are tight (the
 * worst error reaches 0.75–1.0 of its bound for most ops), so a wrong index or a missing term fails them, and so does one
 * float32 rounding more than an op makes: a sum, a dot product or a mean accumulated in float32, log(1 + e) for
 * log1p(e), x − (max + log Σ) for (x − max) − log Σ, 1/x rounded to float32 in log's gradient. The exception is the
 * GEMM under matmul and linear and the convolution under conv2d: their summation order is the kernel's own, so their
 * bound is the worst case over all orders (γ(n), reached at 0.03–0.35 for the GEMM and up to 0.46 for the convolution
 * here); it catches a wrong index, a dropped term, a transposed operand or a padding offset, not one rounding.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { kernels, refKernels, setKernels } from '../kernels/index.js';
import { Tensor } from '../tensor.js';
import { conv2d, globalAvgPool, maxPool2d } from './conv.js';
import {
  abs,
  add,
  addScalar,
  clamp,
  div,
  exp,
  gelu,
  log,
  logSigmoid,
  maximum,
  minimum,
  mul,
  mulScalar,
  neg,
  relu,
  sigmoid,
  sqrt,
  square,
  sub,
  tanh,
} from './elementwise.js';
import { bagOfTokens, embedding } from './embedding.js';
import { linear, matmul } from './linalg.js';
import { layerNorm } from './norm.js';
import { mean, sum } from './reduce.js';
import * as T from './ref.js';
import { concat, flatten, reshape, selectRows, transpose } from './shape.js';
import { crossEntropy, gather, logSoftmax, type Mask, softmax } from './softmax.js';

/** float32's unit roundoff: |fround(y) − y| ≤ U·|y| for a normal y. */
const U = 2 ** -24;
/** Half float32's smallest subnormal: the most a subnormal (or an underflow to 0) loses. */
const TINY = 2 ** -150;
/** float64's unit roundoff. */
const U64 = 2 ** -53;
/** Covers the second-order terms the bounds leave out. */
const SLACK = 1 + 2 ** -20;
const round32 = (y: number): number => U * Math.abs(y) + TINY;
/** The float64 values a float32 store rounds to ±∞: from float32's largest, (2 − 2^−23)·2^127, plus half an ulp. */
const F32_OVERFLOW = 2 ** 128 * (1 - 2 ** -25);

const rng = new Rng(4242);
const randF32 = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));

/**
 * got within tol(i) of want everywhere (non-finite wants exactly, NaN as NaN, and past float32's range as ±∞); returns the worst |got − want| / tol,
 * so a test can say how tight a bound is.
 */
function expectWithin(what: string, got: Float32Array, want: Float64Array, tol: (i: number) => number): number {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const w = Math.abs(want[i]) >= F32_OVERFLOW ? Math.sign(want[i]) * Infinity : want[i];
    if (!Number.isFinite(w)) {
      expect(Number.isNaN(w) ? Number.isNaN(got[i]) : got[i] === w, `${what} [${i}]: got ${got[i]}, want ${w}`).toBe(true);
      continue;
    }
    const e = Math.abs(got[i] - w);
    const t = tol(i) * SLACK;
    expect(e <= t, `${what} [${i}]: got ${got[i]}, want ${w}, |error| ${e} > bound ${t}`).toBe(true);
    if (t > 0) worst = Math.max(worst, e / t);
  }
  return worst;
}

/** Forward, then backward from the upstream gradient g, of f on a fresh leaf holding x. */
function run(f: (t: Tensor) => Tensor, x: Float32Array, shape: number[], g: Float32Array): { y: Float32Array; dx: Float32Array } {
  const t = new Tensor(x.slice(), shape, true);
  const out = f(t);
  const y = out.data.slice();
  out.backward(g);
  return { y, dx: t.grad!.slice() };
}

/**
 * logSoftmaxRef's and softmaxRef's values for x of `shape` (rows over the last axis), and each entry's bound on the op's
 * float32 log-probability error, Δ, and on its probability's, pe.
 */
function logSoftmaxTwin(x: Float32Array, shape: number[], mask?: Mask) {
  const K = shape[shape.length - 1];
  const R = x.length / K;
  const p = T.softmaxRef(x, R, K, mask);
  const lp = T.logSoftmaxRef(x, R, K, mask);
  const delta = new Float64Array(x.length);
  for (let r = 0; r < R; r++) {
    let m = -Infinity;
    for (let j = 0; j < K; j++) if (!mask || mask[r * K + j]) m = Math.max(m, x[r * K + j]);
    for (let j = 0; j < K; j++) {
      const i = r * K + j;
      if (mask && !mask[i]) continue; // masked: exactly MASKED_LOGP and 0 on both sides
      // the float32 store of lp, plus both sides' float64 x − max − log Σ e^(x − max) (a sum of K exponentials)
      delta[i] = U * Math.abs(lp[i]) + TINY + 2 * (K + 4) * U64 * (1 + Math.abs(lp[i]) + Math.abs(x[i] - m));
    }
  }
  // the error of the op's probability e^(lp32) against p: p·(e^Δ − 1), and e^(lp + Δ) where p underflows float64
  // (a log-probability of −2e20: Δ is then so large that p·(e^Δ − 1) would be 0·∞)
  const pe = p.map((v, i) => (v > 0 ? v * Math.expm1(delta[i]) : Math.exp(lp[i] + delta[i])) + 2 * (K + 4) * U64 * v);
  return { K, R, p, lp, delta, pe };
}

const numel = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Rows of logits at the edges: ±80, ±1e4, all equal, near ties, and a diverging model's ±1e20 and ±3e38. */
const edgeRows = [
  [80, -80, 0, 1e4, -1e4],
  [-1e4, -1e4, -1e4, -1e4, -1e4],
  [1e4, 1e4, 1e4, 1e4, 1e4],
  [0, 0, 0, 0, 0],
  [80, 80, -80, -80, 0],
  [-80, -1e4, 0, 80, -80],
  [1e4, 9999, 9990, 9900, -1e4],
  [-1e4, -9999, -1e4 + 0.5, 0, 80],
  // a diverging model's logits: x − (max + log Σ) would round the maximal entries' log-probabilities to 0
  [1e20, 1e20, -1e20, 0, 1e20],
  [-3e38, 3e38, 3e38, 0, 1],
];

describe('softmax and logSoftmax agree with their float64 twins', () => {
  const shapes = [[1, 1], [1, 2], [3, 3], [2, 7], [4, 17], [1, 33], [2, 3, 129], [5, 64]];
  type Case = { what: string; x: Float32Array; shape: number[]; mask?: Mask };
  const cases: Case[] = [];
  for (const shape of shapes) {
    const n = numel(shape);
    for (const scale of [5, 80, 1e4]) cases.push({ what: `${shape.join('×')} ±${scale}`, x: randF32(n, -scale, scale), shape });
    // about a third masked out, whole rows included when the row is short
    const mask = Array.from({ length: n }, () => (rng.next() < 0.35 ? 0 : 1));
    cases.push({ what: `${shape.join('×')} ±5 masked`, x: randF32(n, -5, 5), shape, mask });
  }
  cases.push({ what: 'edge rows', x: Float32Array.from(edgeRows.flat()), shape: [edgeRows.length, 5] });
  cases.push({ what: 'edge rows masked', x: Float32Array.from(edgeRows.flat()), shape: [edgeRows.length, 5], mask: edgeRows.flat().map((_, i) => (i % 5 === 3 ? 0 : 1)) });

  const twin = (c: Case) => logSoftmaxTwin(c.x, c.shape, c.mask);

  it('forward: log-probabilities within Δ, probabilities within p·(e^Δ − 1) and their own float32 rounding', () => {
    for (const c of cases) {
      const { p, lp, delta, pe } = twin(c);
      const lpFast = run((t) => logSoftmax(t, c.mask), c.x, c.shape, new Float32Array(c.x.length)).y;
      const pFast = run((t) => softmax(t, c.mask), c.x, c.shape, new Float32Array(c.x.length)).y;
      expectWithin(`logSoftmax ${c.what}`, lpFast, lp, (i) => (c.mask && !c.mask[i] ? 0 : delta[i]));
      // e^(lp32) in float64 (relative 2(K + 4)·U64 with the twin's own division: in pe), then stored in float32
      expectWithin(`softmax ${c.what}`, pFast, p, (i) => pe[i] * (1 + U) + round32(p[i]));
    }
  });

  it('backward: dx within the error of the float32 probabilities it is made of, plus its own rounding', () => {
    for (const c of cases) {
      const { K, R, p, pe: pe64 } = twin(c);
      const g = randF32(c.x.length, -1, 1);
      // softmax: dxⱼ = P32ⱼ·(gⱼ − Σ gₖ·P32ₖ); P32 = the stored probabilities, off by pe each
      const pe = pe64.map((v, i) => v * (1 + U) + round32(p[i]));
      const dsm = T.softmaxBackwardRef(p, g, R, K);
      const sm = run((t) => softmax(t, c.mask), c.x, c.shape, g).dx;
      expectWithin(`softmax grad ${c.what}`, sm, dsm, (i) => {
        const o = i - (i % K);
        let dot = 0;
        let ge = 0;
        let gp = 0;
        for (let k = o; k < o + K; k++) {
          dot += g[k] * p[k];
          ge += Math.abs(g[k]) * pe[k];
          gp += Math.abs(g[k]) * p[k];
        }
        return pe[i] * Math.abs(g[i] - dot) + (p[i] + pe[i]) * ge + 2 * (K + 3) * U64 * p[i] * (Math.abs(g[i]) + gp) + round32(dsm[i]);
      });
      // log-softmax: dxⱼ = gⱼ − e^(lp32ⱼ)·Σ gₖ over the valid entries (e^lp32 in float64: off by p·(e^Δ − 1))
      const dls = T.logSoftmaxBackwardRef(p, g, R, K, c.mask);
      const ls = run((t) => logSoftmax(t, c.mask), c.x, c.shape, g).dx;
      expectWithin(`logSoftmax grad ${c.what}`, ls, dls, (i) => {
        if (c.mask && !c.mask[i]) return 0;
        const o = i - (i % K);
        let gs = 0;
        let ga = 0;
        for (let k = o; k < o + K; k++) {
          if (c.mask && !c.mask[k]) continue;
          gs += g[k];
          ga += Math.abs(g[k]);
        }
        return pe64[i] * Math.abs(gs) + 2 * (K + 3) * U64 * (Math.abs(g[i]) + p[i] * ga) + round32(dls[i]);
      });
    }
  });
});

describe('crossEntropy agrees with its float64 twin', () => {
  const IGNORE = -100;
  type Case = { what: string; x: Float32Array; shape: number[]; targets: number[]; mask?: Mask };
  const cases: Case[] = [];
  /** A valid target per row (ignoreIndex for a row with no valid entry), and about a quarter of rows ignored if `ignore`. */
  const targetsFor = (R: number, K: number, mask: Mask | undefined, ignore: boolean): number[] =>
    Array.from({ length: R }, (_, r) => {
      const valid = Array.from({ length: K }, (_v, j) => j).filter((j) => !mask || mask[r * K + j]);
      return valid.length === 0 || (ignore && rng.next() < 0.25) ? IGNORE : valid[rng.int(valid.length)];
    });
  for (const shape of [[1, 1], [1, 2], [3, 3], [2, 7], [4, 17], [1, 33], [2, 3, 129], [5, 64]]) {
    const n = numel(shape);
    const K = shape[shape.length - 1];
    const R = n / K;
    for (const scale of [5, 80, 1e4]) cases.push({ what: `${shape.join('×')} ±${scale}`, x: randF32(n, -scale, scale), shape, targets: targetsFor(R, K, undefined, false) });
    cases.push({ what: `${shape.join('×')} ±5 ignored rows`, x: randF32(n, -5, 5), shape, targets: targetsFor(R, K, undefined, true) });
    const mask = Array.from({ length: n }, () => (rng.next() < 0.35 ? 0 : 1));
    cases.push({ what: `${shape.join('×')} ±5 masked, ignored rows`, x: randF32(n, -5, 5), shape, mask, targets: targetsFor(R, K, mask, true) });
  }
  const edge = Float32Array.from(edgeRows.flat());
  const edgeShape = [edgeRows.length, 5];
  for (const t of [0, 1, 2, 3, 4]) cases.push({ what: `edge rows, target ${t}`, x: edge, shape: edgeShape, targets: edgeRows.map(() => t) });
  const edgeMask = edgeRows.flat().map((_, i) => (i % 5 === 3 ? 0 : 1));
  cases.push({ what: 'edge rows masked', x: edge, shape: edgeShape, mask: edgeMask, targets: targetsFor(edgeRows.length, 5, edgeMask, true) });
  cases.push({ what: 'every row ignored', x: randF32(12, -5, 5), shape: [3, 4], targets: [IGNORE, IGNORE, IGNORE] });

  it('per-row, summed and mean losses, and their gradients, within the float32 log-probabilities they are made of', () => {
    for (const c of cases) {
      const { K, R, p, lp, delta, pe } = logSoftmaxTwin(c.x, c.shape, c.mask);
      const kept = (r: number) => c.targets[r] !== IGNORE;
      let count = 0;
      for (let r = 0; r < R; r++) if (kept(r)) count++;
      let perFast = new Float32Array(0); // the op's per-row losses, checked first
      for (const reduction of ['none', 'sum', 'mean'] as const) {
        const opts = { mask: c.mask, reduction, ignoreIndex: IGNORE };
        const what = `${c.what} ${reduction}`;
        const g = randF32(reduction === 'none' ? R : 1, -1, 1);
        const xt = new Tensor(c.x.slice(), c.shape, true);
        const out = crossEntropy(xt, c.targets, opts);
        const y = out.data.slice();
        out.backward(g);
        const want = T.crossEntropyRef(c.x, c.targets, R, K, opts);
        // each row's loss is stored in float32 before the reduction (as torch's float32 cross_entropy): a row's loss past
        // float32's range (a log-probability of −6e38 from logits ±3e38) is +∞ there, and so is their sum or mean
        // (the twin's mean of such rows can be finite: 6.0e37 over the ten edge rows)
        if (reduction !== 'none' && c.targets.some((t, r) => t !== IGNORE && -lp[r * K + t] >= F32_OVERFLOW)) want[0] = Infinity;
        // each row's loss is −lp32 at its target: off by Δ there; a reduction adds a float64 sum of R on both sides and
        // the mean's 1/count, then one float32 store
        const scale = reduction === 'mean' ? 1 / count : 1;
        let de = 0;
        let la = 0;
        for (let r = 0; r < R; r++) {
          if (!kept(r)) continue;
          de += delta[r * K + c.targets[r]];
          la += Math.abs(lp[r * K + c.targets[r]]);
        }
        expectWithin(`crossEntropy ${what}`, y, want, (i) =>
          reduction === 'none'
            ? kept(i) ? delta[i * K + c.targets[i]] : 0
            : scale * (de + 2 * (R + 4) * U64 * la) + round32(want[0]),
        );
        if (reduction === 'none') perFast = y;
        else {
          // and a reduction is the float64 sum of those float32 per-row losses (checked above) times scale, one store: a
          // float32 sum (one more rounding per row) would be off by up to R·U·Σ|losses|
          let s = 0;
          let sa = 0;
          for (let r = 0; r < R; r++) {
            s += perFast[r];
            sa += Math.abs(perFast[r]);
          }
          const red = Float64Array.of(s * scale); // NaN for the mean of no rows (scale 1/0 · 0)
          expectWithin(`crossEntropy ${what} from the per-row losses`, y, red, () => (R + 2) * U64 * sa * scale + round32(red[0]));
        }
        // dxⱼ = g·scale·(e^(lp32ⱼ) − δⱼₜ) in float64 (e^lp32 off by pe), one float32 store
        const dwant = T.crossEntropyBackwardRef(p, g, c.targets, R, K, opts);
        expectWithin(`crossEntropy grad ${what}`, xt.grad!, dwant, (i) => {
          const r = Math.floor(i / K);
          if (!kept(r) || (c.mask && !c.mask[i])) return 0;
          const gr = Math.abs((reduction === 'none' ? g[r] : g[0]) * scale);
          return gr * pe[i] + 6 * U64 * gr * (p[i] + 1) + round32(dwant[i]);
        });
      }
    }
  });

  it('the twin itself: ignored rows give 0, a mean over no rows is NaN, and the gradient sums to 0 over a row', () => {
    const x = [1, 2, 3, 0, 0, 0];
    const none = T.crossEntropyRef(x, [2, IGNORE], 2, 3, { reduction: 'none', ignoreIndex: IGNORE });
    expect(none[0]).toBeCloseTo(-Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))), 14);
    expect(none[1]).toBe(0);
    expect(T.crossEntropyRef(x, [IGNORE, IGNORE], 2, 3, { ignoreIndex: IGNORE })[0]).toBeNaN();
    expect(T.crossEntropyRef(x, [0, 1], 2, 3, { reduction: 'mean' })[0]).toBeCloseTo((T.crossEntropyRef(x, [0, 1], 2, 3, { reduction: 'sum' })[0]) / 2, 14);
    const dx = T.crossEntropyBackwardRef(T.softmaxRef(x, 2, 3), [1], [0, 1], 2, 3, { reduction: 'sum' });
    expect(dx[0] + dx[1] + dx[2]).toBeCloseTo(0, 14);
    expect(dx[3]).toBeCloseTo(1 / 3, 14);
    expect(dx[4]).toBeCloseTo(1 / 3 - 1, 14);
  });
});

describe('layerNorm agrees with its float64 twin', () => {
  type Case = { shape: number[]; lo: number; hi: number; affine: 'both' | 'gamma' | 'none'; eps: number; constantRow?: boolean };
  const cases: Case[] = [
    { shape: [1, 1], lo: -1, hi: 1, affine: 'both', eps: 1e-5 },
    { shape: [3, 2], lo: -1, hi: 1, affine: 'both', eps: 1e-5 },
    { shape: [2, 3], lo: -3, hi: 3, affine: 'gamma', eps: 1e-5 },
    { shape: [4, 7], lo: -1, hi: 1, affine: 'none', eps: 1e-5 },
    { shape: [2, 3, 17], lo: -1, hi: 1, affine: 'both', eps: 1e-3 },
    { shape: [5, 64], lo: -1, hi: 1, affine: 'both', eps: 1e-5 },
    { shape: [3, 129], lo: -80, hi: 80, affine: 'both', eps: 1e-5 },
    { shape: [2, 33], lo: 99, hi: 101, affine: 'both', eps: 1e-5 }, // a large mean, a small spread
    { shape: [3, 9], lo: -1e4, hi: 1e4, affine: 'gamma', eps: 1e-5 },
    { shape: [2, 5], lo: -1, hi: 1, affine: 'both', eps: 1e-5, constantRow: true }, // a row of one value: variance 0
  ];

  it('forward and the gradients of x, γ and β, within their float32 rounding bounds', () => {
    for (const c of cases) {
      const D = c.shape[c.shape.length - 1];
      const n = numel(c.shape);
      const R = n / D;
      const x = randF32(n, c.lo, c.hi);
      if (c.constantRow) x.fill(0.3, 0, D);
      const gammaV = c.affine !== 'none' ? randF32(D, -2, 2) : null;
      const betaV = c.affine === 'both' ? randF32(D, -1, 1) : null;
      const g = randF32(n, -1, 1);
      const xt = new Tensor(x.slice(), c.shape, true);
      const gt = gammaV ? new Tensor(gammaV.slice(), [D], true) : null;
      const bt = betaV ? new Tensor(betaV.slice(), [D], true) : null;
      const out = layerNorm(xt, gt, bt, c.eps);
      const y = out.data.slice();
      out.backward(g);
      const ln = T.layerNormRef(x, gammaV, betaV, R, D, c.eps);
      const grads = T.layerNormBackwardRef(ln, gammaV, g, R, D);
      const what = `${c.shape.join('×')} [${c.lo}, ${c.hi}] ${c.affine}${c.constantRow ? ' constant row' : ''}`;
      const gam = (j: number) => (gammaV ? gammaV[j] : 1);
      // x̂'s float64 error on either side: the mean's (a sum of D: D·U64·max|x|, scaled by rstd) and x̂'s own few operations
      const eh = new Float64Array(n);
      for (let r = 0; r < R; r++) {
        let M = 0;
        for (let j = 0; j < D; j++) M = Math.max(M, Math.abs(x[r * D + j]));
        for (let j = 0; j < D; j++) eh[r * D + j] = 2 * (ln.rstd[r] * D * U64 * M + (D + 5) * U64 * Math.abs(ln.xhat[r * D + j]));
      }
      expectWithin(`layerNorm ${what}`, y, ln.y, (i) => {
        const j = i % D;
        return eh[i] * Math.abs(gam(j)) + 4 * U64 * (Math.abs(ln.xhat[i] * gam(j)) + Math.abs(betaV ? betaV[j] : 0)) + round32(ln.y[i]);
      });
      // dx: the op stores x̂ and rstd in float32 and forms rstd/D·(D·dhⱼ − Σdh − x̂ⱼ·Σ dh·x̂) with dh = g·γ
      const xe = (i: number) => U * Math.abs(ln.xhat[i]) + TINY + eh[i];
      expectWithin(`layerNorm dx ${what}`, xt.grad!, grads.dx, (i) => {
        const r = Math.floor(i / D);
        const rs = ln.rstd[r];
        let s2 = 0;
        let es2 = 0;
        let s1a = 0;
        let s2a = 0;
        for (let k = r * D; k < r * D + D; k++) {
          const dh = g[k] * gam(k % D);
          s2 += dh * ln.xhat[k];
          es2 += Math.abs(dh) * xe(k);
          s1a += Math.abs(dh);
          s2a += Math.abs(dh * ln.xhat[k]);
        }
        const h = Math.abs(ln.xhat[i]);
        const dh = Math.abs(g[i] * gam(i % D));
        return (rs / D) * (Math.abs(s2) * xe(i) + (h + xe(i)) * es2) + 4 * (D + 5) * U64 * rs * (dh + (s1a + h * s2a) / D) + U * Math.abs(grads.dx[i]) + round32(grads.dx[i]);
      });
      // dγⱼ, dβⱼ: a float32 `+=` over the R rows (R roundings of at most U·Σ|terms|), dγ's terms off by x̂'s error
      if (gt) {
        expectWithin(`layerNorm dγ ${what}`, gt.grad!, grads.dgamma, (j) => {
          let ta = 0;
          let te = 0;
          for (let r = 0; r < R; r++) {
            ta += Math.abs(g[r * D + j] * ln.xhat[r * D + j]);
            te += Math.abs(g[r * D + j]) * xe(r * D + j);
          }
          return R * (U + U64) * ta + te + R * TINY;
        });
      }
      if (bt) {
        expectWithin(`layerNorm dβ ${what}`, bt.grad!, grads.dbeta, (j) => {
          let ga = 0;
          for (let r = 0; r < R; r++) ga += Math.abs(g[r * D + j]);
          return R * (U + U64) * ga + R * TINY;
        });
      }
    }
  });
});

describe('embedding agrees with its float64 twin', () => {
  it('rows copied exactly; the table gradient within the rounding of a float32 += over repeated ids', () => {
    for (const [V, D, shape] of [
      [1, 1, [1]],
      [1, 3, [4]],
      [3, 7, [2, 6]],
      [5, 16, [12]],
      [50, 33, [3, 5]],
      [7, 1, [17]],
    ] as [number, number, number[]][]) {
      const n = numel(shape);
      const table = randF32(V * D, -3, 3);
      const ids = Array.from({ length: n }, () => rng.int(V));
      const g = randF32(n * D, -1, 1);
      const tt = new Tensor(table.slice(), [V, D], true);
      const out = embedding(tt, ids, shape);
      expect(out.shape).toEqual([...shape, D]);
      const what = `V=${V} D=${D} ids ${shape.join('×')}`;
      expectWithin(`embedding ${what}`, out.data, T.embeddingRef(table, D, ids), () => 0);
      out.backward(g);
      const want = T.embeddingBackwardRef(g, V, D, ids);
      expectWithin(`embedding grad ${what}`, tt.grad!, want, (i) => {
        const v = Math.floor(i / D);
        const j = i % D;
        let c = 0;
        let ga = 0;
        for (let k = 0; k < n; k++) {
          if (ids[k] !== v) continue;
          c++;
          ga += Math.abs(g[k * D + j]);
        }
        // the first += adds to 0 exactly; each of the c − 1 others rounds (the twin's float64 sum: c·U64)
        return (c > 1 ? (c - 1) * (U * ga + TINY) : 0) + c * U64 * ga;
      });
    }
  });
});

describe('bagOfTokens agrees with its float64 twin', () => {
  type Case = { V: number; D: number; B: number; L: number; lo: number; hi: number; bool?: boolean; emptyRow?: boolean };
  const cases: Case[] = [
    { V: 1, D: 1, B: 1, L: 1, lo: -3, hi: 3 },
    { V: 3, D: 5, B: 3, L: 7, lo: -3, hi: 3, emptyRow: true },
    { V: 7, D: 1, B: 2, L: 17, lo: -3, hi: 3, bool: true },
    { V: 50, D: 33, B: 4, L: 9, lo: -3, hi: 3 },
    { V: 2, D: 16, B: 5, L: 33, lo: -1e4, hi: 1e4, emptyRow: true }, // long sums of large values, much cancellation
    { V: 11, D: 3, B: 2, L: 6, lo: 1e4 - 1, hi: 1e4 + 1 },
    { V: 4, D: 3, B: 2, L: 0, lo: -1, hi: 1 }, // no tokens at all
  ];
  it('means and the table gradient, within a float32 += over the valid tokens, 1/count in float32 and one store', () => {
    for (const c of cases) {
      const { V, D, B, L } = c;
      const n = B * L;
      const table = randF32(V * D, c.lo, c.hi);
      const m = Array.from({ length: n }, (_, i) => (c.emptyRow && i < L ? 0 : rng.next() < 0.3 ? 0 : 1));
      const mask = c.bool ? m.map((v) => v === 1) : m;
      // masked positions hold ids the op must never read: out of the vocabulary, negative, fractional, or a real id
      const ids = m.map((v, i) => (v ? rng.int(V) : [-1, V, V + 7, 0.5, rng.int(V)][i % 5]));
      const g = randF32(B * D, -1, 1);
      const tt = new Tensor(table.slice(), [V, D], true);
      const out = bagOfTokens(tt, ids, mask, B, L);
      expect(out.shape).toEqual([B, D]);
      const y = out.data.slice();
      out.backward(g);
      const what = `V=${V} D=${D} B=${B} L=${L} [${c.lo}, ${c.hi}]${c.bool ? ' boolean mask' : ''}`;
      const count = (b: number) => m.slice(b * L, b * L + L).reduce((a: number, v) => a + v, 0);
      const want = T.bagOfTokensRef(table, D, ids, mask, B, L);
      expectWithin(`bagOfTokens ${what}`, y, want, (i) => {
        const b = Math.floor(i / D);
        const cnt = count(b);
        // the first += adds to 0 exactly, each of the cnt − 1 others rounds by U·|the partial sum| (+ TINY); then
        // ·(1/cnt rounded to float32) and a store; the twin's float64 sum: cnt·U64·Σ|terms|
        let a = 0;
        let e = 0;
        let part = 0;
        for (let l = 0, k = 0; l < L; l++) {
          if (!m[b * L + l]) continue;
          const t = table[ids[b * L + l] * D + (i % D)];
          a += Math.abs(t);
          part += t;
          if (k++ > 0) e += U * Math.abs(part) + TINY;
        }
        return cnt ? (e + cnt * U64 * a) / cnt + (U + 2 * U64) * Math.abs(want[i]) + round32(want[i]) : 0;
      });
      const dwant = T.bagOfTokensBackwardRef(g, V, D, ids, mask, B, L);
      expectWithin(`bagOfTokens grad ${what}`, tt.grad!, dwant, (i) => {
        const v = Math.floor(i / D);
        const j = i % D;
        // terms g·(1/count)₃₂ in position order, each rounded by its float32 += to U·|the partial sum| (+ TINY; the
        // first too: a product of two floats needs 48 bits), 1/count's own float32 rounding (U·Σ|terms|), and the
        // twin's float64 sum over B of g·same/valid
        let a = 0;
        let e = 0;
        let part = 0;
        for (let b = 0; b < B; b++) {
          for (let l = 0; l < L; l++) {
            if (!m[b * L + l] || ids[b * L + l] !== v) continue;
            a += Math.abs(g[b * D + j]) / count(b);
            part += g[b * D + j] / count(b);
            e += U * Math.abs(part) + TINY;
          }
        }
        return e + U * a + 2 * (B + 2) * U64 * a;
      });
    }
  });
});

describe('globalAvgPool agrees with its float64 twin', () => {
  it('means and their gradient, within a float64 sum of P and one float32 rounding', () => {
    for (const [shape, lo, hi] of [
      [[1, 1, 1, 1], -1, 1],
      [[2, 3, 5, 7], -1, 1],
      [[1, 4, 8, 8], -80, 80],
      [[3, 2, 1, 17], -1, 1],
      [[2, 5, 13, 13], 1e4 - 1, 1e4 + 1],
      [[1, 1, 33, 1], -1e4, 1e4],
    ] as [number[], number, number][]) {
      const [N, C, H, W] = shape;
      const P = H * W;
      const x = randF32(numel(shape), lo, hi);
      const g = randF32(N * C, -1, 1);
      const { y, dx } = run(globalAvgPool, x, shape, g);
      const want = T.globalAvgPoolRef(x, N * C, P);
      const what = shape.join('×');
      expectWithin(`globalAvgPool ${what}`, y, want, (i) => {
        let a = 0;
        for (let p = 0; p < P; p++) a += Math.abs(x[i * P + p]);
        return 2 * (P + 1) * U64 * (a / P) + round32(want[i]);
      });
      const dwant = T.globalAvgPoolBackwardRef(g, N * C, P);
      expectWithin(`globalAvgPool grad ${what}`, dx, dwant, (i) => 2 * U64 * Math.abs(dwant[i]) + round32(dwant[i]));
    }
  });
});

describe('logSigmoid agrees with its float64 twin', () => {
  const edges = [0, -0, 80, -80, 1e4, -1e4, 15, -15, 17, -17, 37, -37, 88, -88, 104, -104, 709, -709, 710, -710, 3.4e38, -3.4e38, 1e-30, -1e-30, 1e-45, -1e-45, Infinity, -Infinity];
  const cases: [string, Float32Array][] = [
    ['edge values', Float32Array.from(edges)],
    ['1', randF32(1, -20, 20)],
    ['7', randF32(7, -20, 20)],
    ['3×5', randF32(15, -20, 20)],
    ['17×33', randF32(17 * 33, -20, 20)],
    ['2×129 ±1e4', randF32(258, -1e4, 1e4)],
    ['64 ±120', randF32(64, -120, 120)],
  ];
  it('value and gradient within one float32 rounding and a few float64 ones, relative (so −e^−80 is not 0)', () => {
    for (const [what, x] of cases) {
      const g = randF32(x.length, -1, 1);
      const { y, dx } = run(logSigmoid, x, [x.length], g);
      const want = Float64Array.from(x, T.logSigmoidRef);
      // min(x, 0) − log1p(e^−|x|) on one side, −log1p(e^−x) on the other: a few float64 roundings, relative to |y|
      expectWithin(`logSigmoid ${what}`, y, want, (i) => 8 * U64 * Math.abs(want[i]) + round32(want[i]));
      const dwant = Float64Array.from(x, (v, i) => g[i] * T.logSigmoidGradRef(v));
      expectWithin(`logSigmoid grad ${what}`, dx, dwant, (i) => 8 * U64 * Math.abs(dwant[i]) + round32(dwant[i]));
    }
  });
  it('the twin is exact where the obvious float32 log(σ(x)) is not: log σ(80) = −e^−80, log σ(−1e4) = −1e4', () => {
    expect(T.logSigmoidRef(80)).toBeCloseTo(-Math.exp(-80), 50);
    expect(T.logSigmoidRef(80)).toBeLessThan(0);
    expect(T.logSigmoidRef(-1e4)).toBe(-1e4);
    expect(T.logSigmoidRef(-80)).toBeCloseTo(-80, 12);
    expect(T.logSigmoidGradRef(-1e4)).toBe(1);
    expect(T.logSigmoidGradRef(1e4)).toBe(0);
  });
});


describe('sigmoid, tanh and GELU agree with their float64 twins', () => {
  const edges = [0, -0, 1e-30, -1e-30, 1, -1, 5, -5, 10, -10, 17, -17, 20, -20, 40, -40, 88, -88, 104, -104, 800, -800, 1e4, -1e4];
  const cases: [string, Float32Array][] = [
    ['edge values', Float32Array.from(edges)],
    ['1', randF32(1, -8, 8)],
    ['7', randF32(7, -8, 8)],
    ['17×33', randF32(17 * 33, -8, 8)],
    ['2×129 ±50', randF32(258, -50, 50)],
  ];
  // each op computes its value in float64 (a few roundings, and Math.tanh's < 1 ulp) and stores it in float32
  const value = (want: number) => 8 * U64 * Math.abs(want) + round32(want);
  it('sigmoid: value, and the gradient y·(1 − y) from the stored float32 y, within y\'s rounding', () => {
    for (const [what, x] of cases) {
      const g = randF32(x.length, -1, 1);
      const { y, dx } = run(sigmoid, x, [x.length], g);
      const want = Float64Array.from(x, T.sigmoidRef);
      expectWithin(`sigmoid ${what}`, y, want, (i) => value(want[i]));
      const dwant = Float64Array.from(x, (v, i) => g[i] * T.sigmoidGradRef(v));
      // y32 off by ey: y·(1 − y) off by |1 − 2y|·ey + ey² (so σ'(20) = 2.1e−9 comes out 0: y32 is 1)
      expectWithin(`sigmoid grad ${what}`, dx, dwant, (i) => {
        const ey = value(want[i]) * (1 + U);
        return Math.abs(g[i]) * (Math.abs(1 - 2 * want[i]) * ey + ey * ey) + 4 * U64 * Math.abs(dwant[i]) + round32(dwant[i]);
      });
    }
  });
  it('tanh: value, and the gradient 1 − y² from the stored float32 y, within y\'s rounding', () => {
    for (const [what, x] of cases) {
      const g = randF32(x.length, -1, 1);
      const { y, dx } = run(tanh, x, [x.length], g);
      // the twin: sign(x)·(1 − e^−2|x|) / (1 + e^−2|x|), not Math.tanh
      const want = Float64Array.from(x, (v) => (Math.sign(v) * -Math.expm1(-2 * Math.abs(v))) / (1 + Math.exp(-2 * Math.abs(v))) || v);
      expectWithin(`tanh ${what}`, y, want, (i) => value(want[i]));
      const dwant = Float64Array.from(x, (v, i) => g[i] * T.tanhGradRef(v));
      expectWithin(`tanh grad ${what}`, dx, dwant, (i) => {
        const ey = value(want[i]) * (1 + U);
        return Math.abs(g[i]) * (2 * Math.abs(want[i]) * ey + ey * ey) + 4 * U64 * Math.abs(dwant[i]) + round32(dwant[i]);
      });
    }
  });
  it('GELU: value and gradient, within the float64 cancellation of 1 + tanh(u) and 1 − tanh²(u) and one store', () => {
    for (const [what, x] of cases) {
      const g = randF32(x.length, -1, 1);
      const { y, dx } = run(gelu, x, [x.length], g);
      const want = Float64Array.from(x, T.geluRef);
      // ½x·(1 + t): t = tanh(u) off by 2·U64·|t|, the sum by U64·|1 + t|, then a product or two: absolute, where
      // 1 + t cancels (x = −10: the op's 0 for the twin's −1.2e−37)
      expectWithin(`gelu ${what}`, y, want, (i) => 0.5 * Math.abs(x[i]) * 4 * U64 + 8 * U64 * Math.abs(want[i]) + round32(want[i]));
      const dwant = Float64Array.from(x, (v, i) => g[i] * T.geluGradRef(v));
      expectWithin(`gelu grad ${what}`, dx, dwant, (i) => {
        const v = x[i];
        const du = Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * v * v);
        // ½(1 + t) + ½x·(1 − t²)·du: each cancelling bracket off by a few U64 absolute
        return Math.abs(g[i]) * (0.5 * 4 * U64 + 0.5 * Math.abs(v) * du * 6 * U64) + 8 * U64 * Math.abs(dwant[i]) + round32(dwant[i]);
      });
    }
  });
  it('the twins are exact where the ops round away the answer: σ\'(20), GELU(−10)', () => {
    expect(T.sigmoidGradRef(20) / Math.exp(-20)).toBeCloseTo(1, 6);
    expect(T.geluRef(-10)).toBeLessThan(0);
    expect(T.geluRef(-10) / (-10 * Math.exp(2 * Math.sqrt(2 / Math.PI) * (-10 - 44.715)))).toBeCloseTo(1, 6);
    expect(T.sigmoidRef(-800)).toBe(0);
    expect(T.tanhGradRef(1e4)).toBe(0);
  });
});

describe('sum and mean agree with their float64 twins', () => {
  const cases: [number[], number | undefined, number, number][] = [
    [[1], undefined, -1, 1],
    [[7], 0, -1, 1],
    [[3, 5], undefined, -80, 80],
    [[3, 5], 0, -1, 1],
    [[3, 5], 1, -1, 1],
    [[2, 3, 17], 1, -1e4, 1e4],
    [[2, 3, 17], 2, 1e4 - 1, 1e4 + 1],
    [[4, 1, 9], 1, -3, 3],
    [[5, 33], 0, -3, 3],
    [[2, 129], undefined, 1e4 - 1, 1e4 + 1],
  ];
  it('all values (a float64 sum, one store) and along an axis (a float32 +=, then ·1/n), value and gradient', () => {
    for (const [shape, axis, lo, hi] of cases) {
      for (const isMean of [false, true]) {
        const x = randF32(numel(shape), lo, hi);
        const want = T.reduceRef(x, shape, axis, isMean);
        const g = randF32(want.length, -1, 1);
        const { y, dx } = run((t) => (isMean ? mean : sum)(t, axis), x, shape, g);
        const n = axis === undefined ? x.length : shape[axis];
        const scale = isMean ? 1 / n : 1;
        const what = `${isMean ? 'mean' : 'sum'} ${shape.join('×')} axis ${axis ?? 'all'} [${lo}, ${hi}]`;
        expectWithin(what, y, want, (o) => {
          // the op's terms into output o in its order, with their partial sums
          let a = 0;
          let e = 0;
          let part = 0;
          for (let i = 0, k = 0; i < x.length; i++) {
            if (axis !== undefined && reduceInto(shape, axis, i) !== o) continue;
            a += Math.abs(x[i]);
            part += x[i];
            if (k++ > 0 && axis !== undefined) e += U * Math.abs(part) + TINY; // float32 +=: the first adds to 0 exactly
          }
          return scale * (e + 2 * (n + 2) * U64 * a) + round32(want[o]);
        });
        const dwant = T.reduceBackwardRef(g, shape, axis, isMean);
        expectWithin(`${what} grad`, dx, dwant, (i) => 4 * U64 * Math.abs(dwant[i]) + round32(dwant[i]));
      }
    }
  });
});

/** The output a reduction over `axis` puts input i of `shape` into (row-major, the axis removed). */
function reduceInto(shape: number[], axis: number, i: number): number {
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return Math.floor(i / (inner * shape[axis])) * inner + (i % inner);
}

describe('gather agrees with its float64 twin', () => {
  it('picks one entry per row exactly, and its gradient lands there exactly', () => {
    for (const shape of [[1, 1], [3, 1], [1, 7], [4, 5], [2, 3, 17]]) {
      const K = shape[shape.length - 1];
      const R = numel(shape) / K;
      const x = randF32(numel(shape), -1e4, 1e4);
      const idx = Array.from({ length: R }, () => rng.int(K));
      const g = randF32(R, -1, 1);
      const { y, dx } = run((t) => gather(t, idx), x, shape, g);
      expectWithin(`gather ${shape.join('×')}`, y, T.gatherRef(x, idx, R, K), () => 0);
      expectWithin(`gather grad ${shape.join('×')}`, dx, T.gatherBackwardRef(g, idx, R, K), () => 0);
    }
  });
});

describe('the broadcasting binary ops agree with their float64 twins', () => {
  const ops = { add, sub, mul, div, minimum, maximum };
  const pairs: [number[], number[], number[]][] = [
    [[4, 17], [4, 17], [4, 17]],
    [[3, 5], [5], [3, 5]],
    [[5], [3, 5], [3, 5]],
    [[3, 1], [1, 4], [3, 4]],
    [[2, 3, 4], [3, 1], [2, 3, 4]],
    [[1], [7], [7]],
    [[], [2, 3], [2, 3]],
    [[2, 1, 5], [2, 3, 1], [2, 3, 5]],
    [[9, 33], [1], [9, 33]],
  ];
  it('values within one float32 store (division: and a float64 rounding), gradients within a float32 += over stretched dims', () => {
    for (const [name, f] of Object.entries(ops) as [T.BinaryOp, (a: Tensor, b: Tensor) => Tensor][]) {
      for (const [as, bs, os] of pairs) {
        const a = randF32(numel(as), -3, 3);
        // b away from 0 for div; a few ties with a for minimum/maximum (their gradient goes to a)
        const b = Float32Array.from(randF32(numel(bs), 0.5, 3), (v) => (rng.next() < 0.5 ? -v : v));
        if (as.join() === bs.join()) for (let i = 0; i < b.length; i += 3) b[i] = a[i];
        const g = randF32(numel(os), -1, 1);
        const at = new Tensor(a.slice(), as, true);
        const bt = new Tensor(b.slice(), bs, true);
        const out = f(at, bt);
        expect(out.shape).toEqual(os);
        const y = out.data.slice();
        out.backward(g);
        const what = `${name} ${as.join('×') || 'scalar'} with ${bs.join('×')}`;
        const want = T.binaryRef(name, a, as, b, bs, os);
        expectWithin(what, y, want, (i) => 2 * U64 * Math.abs(want[i]) + round32(want[i]));
        const { da, db } = T.binaryBackwardRef(name, a, as, b, bs, os, g);
        // each input entry gets a float32 += of its outputs' g·∂f (computed in float64), in output order: U·|partial sum|
        // per add (the first too: g·∂f needs more than 24 bits), and the twin's float64 sum
        const terms = T.binaryTermsRef(name, a, as, b, bs, os, g);
        const gradBound = (idx: Int32Array, t: Float64Array) => {
          const e = new Float64Array(numel(os));
          const part = new Float64Array(numel(os));
          const sa = new Float64Array(numel(os));
          const n = new Float64Array(numel(os));
          for (let o = 0; o < g.length; o++) {
            const i = idx[o];
            part[i] += t[o];
            sa[i] += Math.abs(t[o]);
            n[i]++;
            e[i] += U * Math.abs(part[i]) + TINY;
          }
          return (i: number) => e[i] + 2 * (n[i] + 2) * U64 * sa[i];
        };
        expectWithin(`${what} grad a`, at.grad!, da, gradBound(terms.ia, terms.ta));
        expectWithin(`${what} grad b`, bt.grad!, db, gradBound(terms.ib, terms.tb));
      }
    }
  });
});

describe('the one-call elementwise ops agree with their float64 twins', () => {
  // The op computes f(x) in float64 (Math.exp and Math.log within an ulp, the rest correctly rounded) and stores it in
  // float32: one float32 rounding and a float64 one or two. Copies and sign flips are exact.
  const value = (want: number) => 2 * U64 * Math.abs(want) + round32(want);
  const exact = () => 0;
  interface Case {
    u: T.UnaryOp;
    f: (t: Tensor) => Tensor;
    edges: number[];
    lo: number;
    hi: number;
    yTol: (want: number) => number;
    /** the bound on dx[i], given the twin's value y (for ops whose gradient reads the stored float32 y), g[i] and dwant[i] */
    dTol: (y: number, g: number, dwant: number) => number;
  }
  const signed = [0, -0, 1, -1, 1e-45, -1e-45, 1e-30, -1e-30, 1e4, -1e4, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
  const ops: Case[] = [
    { u: { op: 'neg' }, f: neg, edges: signed, lo: -1e4, hi: 1e4, yTol: exact, dTol: exact },
    { u: { op: 'abs' }, f: abs, edges: signed, lo: -1e4, hi: 1e4, yTol: exact, dTol: exact },
    { u: { op: 'relu' }, f: relu, edges: signed, lo: -1e4, hi: 1e4, yTol: exact, dTol: exact },
    { u: { op: 'clamp', lo: -0.5, hi: 2 }, f: (t) => clamp(t, -0.5, 2), edges: [-0.5, 2, Math.fround(-0.5000001), Math.fround(2.0000001), ...signed], lo: -3, hi: 3, yTol: exact, dTol: exact },
    // x + s rounds in float64 (the twin's sum is the same), then in float32; the gradient is g itself
    { u: { op: 'addScalar', s: 0.1 }, f: (t) => addScalar(t, 0.1), edges: [Math.fround(-0.1), ...signed], lo: -1e4, hi: 1e4, yTol: value, dTol: exact },
    { u: { op: 'addScalar', s: -3 }, f: (t) => addScalar(t, -3), edges: [3, ...signed], lo: -10, hi: 10, yTol: value, dTol: exact },
    // x·s and g·s: a float64 product, then a float32 store
    { u: { op: 'mulScalar', s: -0.3 }, f: (t) => mulScalar(t, -0.3), edges: signed, lo: -1e4, hi: 1e4, yTol: value, dTol: (_y, _g, d) => value(d) },
    // x²: exact in float64 (24 + 24 bits), one store; 2x·g likewise
    { u: { op: 'square' }, f: square, edges: [1e-23, 1.8e19, 1.9e19, 1e20, -1e20, ...signed], lo: -100, hi: 100, yTol: round32, dTol: (_y, _g, d) => round32(d) },
    // the gradient reads the stored y = e^x rounded: |g|·(y's rounding) more
    { u: { op: 'exp' }, f: exp, edges: [20, -20, 88, 88.7, 89, -87, -104, -110, -150, ...signed], lo: -20, hi: 20, yTol: value, dTol: (y, g, d) => Math.abs(g) * round32(y) + value(d) },
    // 1/x in float64, times g, stored
    { u: { op: 'log' }, f: log, edges: [0.5, 2, 1e-38, 1.5, ...signed], lo: 1e-3, hi: 1e4, yTol: value, dTol: (_y, _g, d) => 2 * U64 * Math.abs(d) + value(d) },
    // the gradient is 0.5 / y with y rounded to float32 (never subnormal: √(2^−149) is 2^−74.5): U relative more
    { u: { op: 'sqrt' }, f: sqrt, edges: [0.5, 2, 1e-38, ...signed], lo: 0, hi: 1e4, yTol: value, dTol: (_y, _g, d) => (U + 2 * U64) * Math.abs(d) + value(d) },
  ];
  it('value and gradient, at edge values (0, −0, subnormal, ±1e4, float32\'s largest, overflow, ±∞, NaN) and random ones', () => {
    for (const c of ops) {
      const name = `${c.u.op}${'s' in c.u ? `(${c.u.s})` : 'lo' in c.u ? `(${c.u.lo}, ${c.u.hi})` : ''}`;
      for (const [what, x] of [
        ['edge values', Float32Array.from(c.edges)],
        ['1', randF32(1, c.lo, c.hi)],
        ['7', randF32(7, c.lo, c.hi)],
        ['17×33', randF32(17 * 33, c.lo, c.hi)],
      ] as [string, Float32Array][]) {
        const g = randF32(x.length, -1, 1);
        const { y, dx } = run(c.f, x, [x.length], g);
        const want = Float64Array.from(x, (v) => T.unaryRef(c.u, v).y);
        expectWithin(`${name} ${what}`, y, want, (i) => c.yTol(want[i]));
        // exp's gradient is g·y from the stored float32 y (as torch's): where e^x overflows float32 (x = 88.7), it is
        // g·∞ though the twin's g·e^x may be finite
        const dwant = Float64Array.from(x, (v, i) => g[i] * (c.u.op === 'exp' && y[i] === Infinity ? Infinity : T.unaryRef(c.u, v).dy));
        expectWithin(`${name} grad ${what}`, dx, dwant, (i) => c.dTol(want[i], g[i], dwant[i]));
      }
    }
  });
  it('the twins: relu passes NaN\'s gradient, clamp blocks it; |x|\' = 0 at 0; √ and log at 0 give ∞ slopes', () => {
    expect(T.unaryRef({ op: 'relu' }, NaN).dy).toBe(1);
    expect(T.unaryRef({ op: 'relu' }, -0).y).toBe(0);
    expect(T.unaryRef({ op: 'clamp', lo: 0, hi: 1 }, NaN).dy).toBe(0);
    expect(T.unaryRef({ op: 'clamp', lo: 0, hi: 1 }, 1).dy).toBe(1);
    expect(T.unaryRef({ op: 'abs' }, 0).dy).toBe(0);
    expect(T.unaryRef({ op: 'sqrt' }, 0).dy).toBe(Infinity);
    expect(T.unaryRef({ op: 'log' }, 0)).toEqual({ y: -Infinity, dy: Infinity });
  });
  it('exp\'s gradient where e^x overflows float32 is g·∞, as torch\'s, though the twin\'s g·e^x fits: x = 89, g = 0.5', () => {
    const { y, dx } = run(exp, Float32Array.of(89), [1], Float32Array.of(0.5));
    expect(y[0]).toBe(Infinity);
    expect(dx[0]).toBe(Infinity);
    const twin = 0.5 * T.unaryRef({ op: 'exp' }, 89).dy; // 2.24e38, under float32's largest 3.40e38
    expect(twin).toBeLessThan(F32_OVERFLOW);
    expect(twin / 2.2448e38).toBeCloseTo(1, 3);
  });
});

describe('the copies agree with their float64 twins exactly', () => {
  const exact0 = (): number => 0;
  it('reshape and flatten: the same values in the same order, the gradient passed through', () => {
    for (const [shape, to] of [
      [[2, 3, 4], [4, -1]],
      [[7], [7, 1]],
      [[1, 5, 1], [5]],
    ] as [number[], number[]][]) {
      const x = randF32(numel(shape), -1e4, 1e4);
      const g = randF32(x.length, -1, 1);
      for (const [what, f] of [
        [`reshape ${shape.join('×')} → ${to.join('×')}`, (t: Tensor) => reshape(t, to)],
        [`flatten ${shape.join('×')}`, flatten],
      ] as [string, (t: Tensor) => Tensor][]) {
        const { y, dx } = run(f, x, shape, g);
        expectWithin(what, y, Float64Array.from(x), exact0);
        expectWithin(`${what} grad`, dx, Float64Array.from(g), exact0);
      }
    }
  });
  it('concat along each axis (several inputs, 1-wide ones, a negative axis), value and gradients', () => {
    for (const [shapes, axis] of [
      [[[2, 3], [2, 5]], 1],
      [[[1, 4], [3, 4], [2, 4]], 0],
      [[[2, 1, 3], [2, 4, 3]], 1],
      [[[3, 2, 2], [3, 2, 5], [3, 2, 1]], -1],
      [[[5]], 0],
    ] as [number[][], number][]) {
      const xs = shapes.map((sh) => randF32(numel(sh), -1e4, 1e4));
      const ts = xs.map((x, k) => new Tensor(x.slice(), shapes[k], true));
      const out = concat(ts, axis);
      const ax = axis < 0 ? axis + shapes[0].length : axis;
      const what = `concat ${shapes.map((sh) => sh.join('×')).join(', ')} axis ${axis}`;
      expectWithin(what, out.data, T.concatRef(xs, shapes, ax), exact0);
      const g = randF32(out.size, -1, 1);
      out.backward(g);
      const dws = T.concatBackwardRef(g, shapes, ax);
      ts.forEach((t, k) => expectWithin(`${what} grad ${k}`, t.grad!, dws[k], exact0));
    }
  });
  it('transpose, value and gradient', () => {
    for (const [R, C] of [[1, 1], [1, 7], [5, 1], [3, 4], [17, 33]]) {
      const x = randF32(R * C, -1e4, 1e4);
      const g = randF32(R * C, -1, 1);
      const { y, dx } = run(transpose, x, [R, C], g);
      expectWithin(`transpose ${R}×${C}`, y, T.transposeRef(x, R, C), exact0);
      expectWithin(`transpose grad ${R}×${C}`, dx, T.transposeBackwardRef(g, R, C), exact0);
    }
  });
  it('selectRows is embedding\'s lookup: rows copied exactly, the gradient within a float32 += over repeated rows', () => {
    for (const shape of [[1, 1], [4, 3], [5, 2, 3], [9, 17]]) {
      const rows = shape[0];
      const w = numel(shape) / rows;
      const x = randF32(numel(shape), -1e4, 1e4);
      const idx = Array.from({ length: 2 * rows + 1 }, () => rng.int(rows));
      const g = randF32(idx.length * w, -1, 1);
      const { y, dx } = run((t) => selectRows(t, idx), x, shape, g);
      const what = `selectRows ${shape.join('×')}`;
      expectWithin(what, y, T.embeddingRef(x, w, idx), exact0);
      expectWithin(`${what} grad`, dx, T.embeddingBackwardRef(g, rows, w, idx), (i) => {
        let c = 0;
        let ga = 0;
        for (let k = 0; k < idx.length; k++) {
          if (idx[k] !== Math.floor(i / w)) continue;
          c++;
          ga += Math.abs(g[k * w + (i % w)]);
        }
        return (c > 1 ? (c - 1) * (U * ga + TINY) : 0) + c * U64 * ga; // as embedding's
      });
    }
  });
});


/**
 * For the sums of products (matmul, linear, conv2d): a float32 sum of n terms in any order is within γ(n)·Σ|terms| of the
 * exact one (the blocks below say which n); `dot(n)` adds a term more (a bias, or the add into a zeroed gradient), TINY
 * per product that underflows, and the twin's own float64 rounding.
 */
const gamma = (n: number) => (n * U) / (1 - n * U);
const dot = (n: number) => (abs: number) => (gamma(n + 1) + (n + 2) * U64) * abs + (n + 1) * TINY;
const absOf = (a: ArrayLike<number>) => Float64Array.from(a, Math.abs);
/** uniform in [−3, 3], with one in five an edge value: 0, −0, ±1e4, ±1e−20 (products underflow) */
const mixed = (n: number) =>
  Float32Array.from(randF32(n, -3, 3), (v) => (rng.next() < 0.2 ? [0, -0, 1e4, -1e4, 1e-20, -1e-20][rng.int(6)] : v));

/** Run `check` on the active kernels (WASM), then on the reference ones, restoring the active kernels after. */
function eachBackend(check: (name: 'active' | 'ref') => void): void {
  const before = kernels();
  try {
    for (const [name, k] of [['active', before], ['ref', refKernels]] as const) {
      setKernels(k);
      check(name);
    }
  } finally {
    setKernels(before);
  }
}

describe('matmul and linear agree with their float64 twins (on the active kernels and the reference ones)', () => {
  /**
   * A float32 sum of n products, in any order (blocked, SIMD lanes, with or without FMA), is within γ(n)·Σ|products| of
   * the exact one (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1), γ(n) = nU / (1 − nU); a preset bias,
   * or the accumulate into the zeroed gradient, is one term more; products that underflow lose TINY each; the twin's
   * float64 sum adds (n + 1)·U64·Σ|products|. A worst-case bound: random signs land well inside it, but a wrong index,
   * a dropped term or a transposed operand misses it by far.
   */
  it('matmul [M, K]·[K, N]: value, dA and dB', () => {
    eachBackend((name) => {
      for (const [M, K, N] of [[1, 1, 1], [3, 5, 7], [17, 33, 9], [1, 64, 1], [40, 3, 17]]) {
        const a = mixed(M * K);
        const b = mixed(K * N);
        const g = randF32(M * N, -1, 1);
        const at = new Tensor(a.slice(), [M, K], true);
        const bt = new Tensor(b.slice(), [K, N], true);
        const out = matmul(at, bt);
        const what = `matmul ${M}×${K}·${K}×${N} (${name})`;
        const bT = T.transposeRef(b, K, N);
        const want = T.linearRef(a, bT, null, M, K, N);
        const wantAbs = T.linearRef(absOf(a), absOf(bT), null, M, K, N);
        expectWithin(what, out.data, want, (i) => dot(K)(wantAbs[i]));
        out.backward(g);
        const d = T.linearBackwardRef(a, bT, g, M, K, N);
        const dAbs = T.linearBackwardRef(absOf(a), absOf(bT), absOf(g), M, K, N);
        expectWithin(`${what} dA`, at.grad!, d.dx, (i) => dot(N)(dAbs.dx[i]));
        // dw is dBᵀ [N, K]
        expectWithin(`${what} dB`, bt.grad!, T.transposeRef(d.dw, N, K), (i) => dot(M)(T.transposeRef(dAbs.dw, N, K)[i]));
        // a second pass adds into the gradients now held (the backward's accumulate path, not its overwrite one: a
        // fresh leaf's gradient is zeroed, so the first pass alone cannot tell them apart): twice the value, each half
        // within its bound, plus the add's rounding
        matmul(at, bt).backward(g);
        const twice = (v: ArrayLike<number>) => Float64Array.from(v, (e) => 2 * e);
        expectWithin(`${what} dA, second pass`, at.grad!, twice(d.dx), (i) => 2 * dot(N)(dAbs.dx[i]) + round32(2 * d.dx[i]));
        const dB = T.transposeRef(d.dw, N, K);
        const dBAbs = T.transposeRef(dAbs.dw, N, K);
        expectWithin(`${what} dB, second pass`, bt.grad!, twice(dB), (i) => 2 * dot(M)(dBAbs[i]) + round32(2 * dB[i]));
      }
    });
  });
  it('linear x [..., I]·Wᵀ + b: value, dx, dW and db, with and without a bias, over leading dims', () => {
    eachBackend((name) => {
      for (const [xs, O, bias] of [
        [[4, 5], 3, true],
        [[2, 3, 7], 9, false],
        [[1, 1], 1, true],
        [[33], 17, true],
        [[5, 2, 64], 3, true],
      ] as [number[], number, boolean][]) {
        const I = xs[xs.length - 1];
        const M = numel(xs) / I;
        const x = mixed(M * I);
        const w = mixed(O * I);
        const b = bias ? mixed(O) : null;
        const g = randF32(M * O, -1, 1);
        const xt = new Tensor(x.slice(), xs, true);
        const wt = new Tensor(w.slice(), [O, I], true);
        const bt = b ? new Tensor(b.slice(), [O], true) : null;
        const out = linear(xt, wt, bt);
        expect(out.shape).toEqual([...xs.slice(0, -1), O]);
        const what = `linear ${xs.join('×')} → ${O}${b ? ' + b' : ''} (${name})`;
        const want = T.linearRef(x, w, b, M, I, O);
        const wantAbs = T.linearRef(absOf(x), absOf(w), b && absOf(b), M, I, O);
        expectWithin(what, out.data, want, (i) => dot(I)(wantAbs[i]));
        out.backward(g);
        const d = T.linearBackwardRef(x, w, g, M, I, O);
        const dAbs = T.linearBackwardRef(absOf(x), absOf(w), absOf(g), M, I, O);
        expectWithin(`${what} dx`, xt.grad!, d.dx, (i) => dot(O)(dAbs.dx[i]));
        expectWithin(`${what} dW`, wt.grad!, d.dw, (i) => dot(M)(dAbs.dw[i]));
        if (bt) expectWithin(`${what} db`, bt.grad!, d.db, (i) => dot(M)(dAbs.db[i]));
        // a second pass adds into the gradients now held (the accumulate path): twice, plus the add's rounding
        linear(xt, wt, bt).backward(g);
        const twice = (v: ArrayLike<number>) => Float64Array.from(v, (e) => 2 * e);
        expectWithin(`${what} dx, second pass`, xt.grad!, twice(d.dx), (i) => 2 * dot(O)(dAbs.dx[i]) + round32(2 * d.dx[i]));
        expectWithin(`${what} dW, second pass`, wt.grad!, twice(d.dw), (i) => 2 * dot(M)(dAbs.dw[i]) + round32(2 * d.dw[i]));
        if (bt) expectWithin(`${what} db, second pass`, bt.grad!, twice(d.db), (i) => 2 * dot(M)(dAbs.db[i]) + round32(2 * d.db[i]));
      }
    });
  });
});

describe('conv2d agrees with its float64 twin (on the active kernels and the reference ones)', () => {
  /**
   * Each value is a sum of products (plus the bias): the forward of C·KH·KW products, dx of F·KH·KW (the kernels sum F in
   * Wᵀ·dy, then col2im adds up to KH·KW of those), dw and db of N·OH·OW (image by image, then summed). The kernels'
   * order is their own (im2col + GEMM, threads' slots), so each bound is the worst case over all orders, as the GEMM's
   * below: γ(n + 1)·Σ|terms| (the bias, or the add into the zeroed gradient, one term more), TINY per product, and the
   * twin's float64 sum. Padding contributes exact zeros, so n counts them too and the bound only loosens.
   */
  // [N, C, H, W, F, KH, KW, stride, pad, bias]: odd and non-square sizes, batch and channels > 1, strides 1–3 that skip
  // trailing rows, padding up to past the kernel (border outputs that are the bias alone), 1×1 and whole-image kernels
  const shapes: [number, number, number, number, number, number, number, number, number, boolean][] = [
    [1, 1, 1, 1, 1, 1, 1, 1, 0, true],
    [2, 3, 7, 5, 4, 3, 3, 1, 1, true],
    [2, 2, 9, 8, 3, 3, 2, 2, 1, false],
    [3, 1, 8, 7, 2, 5, 3, 3, 2, true],
    [1, 4, 5, 5, 5, 1, 1, 1, 0, true],
    [2, 3, 4, 6, 2, 4, 6, 1, 0, true],
    [1, 2, 3, 3, 2, 2, 2, 1, 3, true],
    [2, 5, 11, 6, 3, 3, 3, 2, 0, false],
  ];
  it('value, dx, dW and db, with and without a bias, over strides and paddings', () => {
    eachBackend((name) => {
      for (const [N, C, H, W, F, KH, KW, stride, pad, bias] of shapes) {
        const geom = { N, C, H, W, F, KH, KW, stride, pad };
        const { OH, OW } = T.conv2dRefOut(geom);
        const x = mixed(N * C * H * W);
        const w = mixed(F * C * KH * KW);
        const b = bias ? mixed(F) : null;
        const g = randF32(N * F * OH * OW, -1, 1);
        const xt = new Tensor(x.slice(), [N, C, H, W], true);
        const wt = new Tensor(w.slice(), [F, C, KH, KW], true);
        const bt = b ? new Tensor(b.slice(), [F], true) : null;
        const out = conv2d(xt, wt, bt, { stride, pad });
        expect(out.shape).toEqual([N, F, OH, OW]);
        const what = `conv2d ${N}×${C}×${H}×${W} ⊛ ${F}×${C}×${KH}×${KW} s${stride} p${pad}${b ? ' + b' : ''} (${name})`;
        const want = T.conv2dRef(x, w, b, geom);
        const wantAbs = T.conv2dRef(absOf(x), absOf(w), b && absOf(b), geom);
        expectWithin(what, out.data, want, (i) => dot(C * KH * KW)(wantAbs[i]));
        out.backward(g);
        const d = T.conv2dBackwardRef(x, w, g, geom);
        const dAbs = T.conv2dBackwardRef(absOf(x), absOf(w), absOf(g), geom);
        expectWithin(`${what} dx`, xt.grad!, d.dx, (i) => dot(F * KH * KW)(dAbs.dx[i]));
        expectWithin(`${what} dW`, wt.grad!, d.dw, (i) => dot(N * OH * OW)(dAbs.dw[i]));
        if (bt) {
          expect(bt.grad, `${what} db`).toBeInstanceOf(Float32Array);
          expectWithin(`${what} db`, bt.grad!, d.db, (i) => dot(N * OH * OW)(dAbs.db[i]));
        }
        // a second pass adds into the gradients now held (the backward's accumulate path, not its overwrite one):
        // twice the value, each half within its bound, plus the add's rounding
        conv2d(xt, wt, bt, { stride, pad }).backward(g);
        const twice = (v: Float64Array) => v.map((e) => 2 * e);
        expectWithin(`${what} dx, second pass`, xt.grad!, twice(d.dx), (i) => 2 * dot(F * KH * KW)(dAbs.dx[i]) + round32(2 * d.dx[i]));
        expectWithin(`${what} dW, second pass`, wt.grad!, twice(d.dw), (i) => 2 * dot(N * OH * OW)(dAbs.dw[i]) + round32(2 * d.dw[i]));
        if (bt) expectWithin(`${what} db, second pass`, bt.grad!, twice(d.db), (i) => 2 * dot(N * OH * OW)(dAbs.db[i]) + round32(2 * d.db[i]));
      }
    });
  });
});

describe('maxPool2d agrees with its float64 twin, ties and NaN included (on the active kernels and the reference ones)', () => {
  /**
   * The value is a copy: exact, the sign of a zero included (Object.is). The tie rule is the op's (ops/conv.ts, as
   * PyTorch): among equal maxima the first in row-major order of the window (−0 and +0 are equal, so the first of them
   * is copied), and a window with a NaN gives NaN at its last NaN; maxPool2dRef states it independently of the kernels'
   * scans. The gradient is a copy too, except where overlapping windows (stride < window) pick the same input c times:
   * a float32 sum of c upstream values (as selectRows').
   */
  // [N, C, H, W, window, stride]: the 2×2/2 SIMD path (even and odd sizes), overlapping windows, strides past the
  // window, a window over the whole width, 1×1
  const shapes = [
    [1, 1, 1, 1, 1, 1],
    [2, 3, 6, 6, 2, 2],
    [2, 3, 7, 9, 2, 2],
    [1, 2, 7, 7, 3, 2],
    [2, 2, 8, 5, 3, 3],
    [1, 3, 5, 7, 2, 1],
    [3, 1, 4, 6, 4, 4],
    [1, 2, 5, 5, 1, 2],
  ];
  /** uniform values; values from {−1, −0, 0, 0.5} (ties in most windows); and those with one in eight a NaN */
  const kinds: [string, (n: number) => Float32Array][] = [
    ['uniform', (n) => randF32(n, -3, 3)],
    ['ties', (n) => Float32Array.from({ length: n }, () => [-1, -0, 0, 0.5][rng.int(4)])],
    ['ties and NaN', (n) => Float32Array.from({ length: n }, () => (rng.next() < 0.125 ? NaN : [-1, -0, 0, 0.5][rng.int(4)]))],
  ];
  /** The bound on dx[i]: a float32 sum of the c upstream values that reach it (through arg), plus the twin's float64 one. */
  const gradBound = (arg: Int32Array, g: Float32Array) => (i: number) => {
    let c = 0;
    let ga = 0;
    for (let o = 0; o < arg.length; o++) {
      if (arg[o] !== i) continue;
      c++;
      ga += Math.abs(g[o]);
    }
    return (c > 1 ? (c - 1) * (U * ga + TINY) : 0) + c * U64 * ga;
  };
  const expectSame = (what: string, got: Float32Array, want: Float64Array) => {
    expect(got.length, what).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Object.is(got[i], want[i]), `${what} [${i}]: got ${got[i]}, want ${want[i]}`).toBe(true);
  };

  it('value (exact) and gradient', () => {
    eachBackend((name) => {
      for (const [N, C, H, W, win, s] of shapes) {
        for (const [kind, make] of kinds) {
          const x = make(N * C * H * W);
          const { y, arg } = T.maxPool2dRef(x, N * C, H, W, win, s);
          const g = randF32(y.length, -1, 1);
          const what = `maxPool2d ${N}×${C}×${H}×${W} window ${win} stride ${s}, ${kind} (${name})`;
          const xt = new Tensor(x.slice(), [N, C, H, W], true);
          const out = maxPool2d(xt, win, s);
          expectSame(what, out.data, y);
          out.backward(g);
          const want = T.maxPool2dBackwardRef(g, arg, x.length);
          expectWithin(`${what} grad`, xt.grad!, want, gradBound(arg, g));
          // a second pass adds into the gradient now held (the accumulate path): twice, plus the add's rounding
          maxPool2d(xt, win, s).backward(g);
          const twice = want.map((v) => 2 * v);
          expectWithin(`${what} grad, second pass`, xt.grad!, twice, (i) => 2 * gradBound(arg, g)(i) + round32(twice[i]));
        }
      }
    });
  });

  it('after a ReLU (whose backward the op folds in): the chain rule through relu, also when relu\'s output has another consumer', () => {
    eachBackend((name) => {
      for (const [N, C, H, W, win, s] of shapes) {
        for (const [kind, make] of kinds) {
          const x = make(N * C * H * W);
          const rx = Float64Array.from(x, (v) => T.unaryRef({ op: 'relu' }, v).y);
          const { y, arg } = T.maxPool2dRef(rx, N * C, H, W, win, s);
          const g = randF32(y.length, -1, 1);
          const what = `maxPool2d(relu) ${N}×${C}×${H}×${W} window ${win} stride ${s}, ${kind} (${name})`;
          const r = run((t) => maxPool2d(relu(t), win, s), x, [N, C, H, W], g);
          expectSame(what, r.y, y);
          // windows all ≤ 0 pool a tie of zeros: the first gets the gradient, which relu then stops (relu'(x ≤ 0) = 0)
          const want = T.maxPool2dBackwardRef(g, arg, x.length, x);
          expectWithin(`${what} grad`, r.dx, want, gradBound(arg, g));
          // relu's output also goes on by itself: its gradient g2 reaches x through relu's own backward, added to the
          // pool's (one float32 add more)
          const g2 = randF32(x.length, -1, 1);
          const xt = new Tensor(x.slice(), [N, C, H, W], true);
          const rt = relu(xt);
          concat([reshape(maxPool2d(rt, win, s), [-1]), reshape(rt, [-1])], 0).backward(Float32Array.from([...g, ...g2]));
          const both = Float64Array.from(want, (v, i) => v + T.unaryRef({ op: 'relu' }, x[i]).dy * g2[i]);
          expectWithin(`${what}, relu output used twice, grad`, xt.grad!, both, (i) => gradBound(arg, g)(i) * (1 + U) + round32(both[i]));
        }
      }
    });
  });
});
