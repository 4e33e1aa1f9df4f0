/**
 * Reference twins of the ops computed outside the kernels (kernels/ref.ts twins those): softmax, log-softmax,
 * cross-entropy and gather (ops/softmax.ts), layer normalisation (ops/norm.ts), the embedding lookup and the bag of
 * tokens (ops/embedding.ts), global average pooling (ops/conv.ts), sum and mean (ops/reduce.ts), the broadcasting
 * binary ops, log-sigmoid, sigmoid, tanh, GELU and the one-call elementwise ops (neg, exp, log, sqrt, square, abs, relu,
 * addScalar, mulScalar, clamp; ops/elementwise.ts), the copies concat and transpose (ops/shape.ts; reshape and flatten
 * share their data, selectRows is embeddingRef's lookup), matmul and linear around the GEMM kernel (ops/linalg.ts),
 * and conv2d and maxPool2d around the convolution and pooling kernels (ops/conv.ts: direct loops over the window, no
 * im2col; max-pooling's gradient optionally carried on through a ReLU before it, which the op folds in) — the kernels
 * themselves are twinned in kernels/ref.ts — each forward and backward, written the plain obvious way on flat arrays
 * in float64: a gradient is the full Jacobian's sum Σᵢ gᵢ·∂yᵢ/∂xⱼ, not the op's simplified closed form. Slow (O(K²) per
 * softmax row, O(D²) per layer-norm row, every input against every output in conv2d's and max-pooling's backward);
 * ops/ref.test.ts checks the ops against them within bounds derived from float32 rounding.
 */
import type { ConvGeom } from '../kernels/ref.js';
import { MASKED_LOGP, type Mask } from './softmax.js';

const valid = (mask: Mask | undefined, i: number): boolean => !mask || !!mask[i];

/** Row maxima over the valid entries of R rows of K (−∞ for a row with none). */
function rowMax(x: ArrayLike<number>, r: number, K: number, mask?: Mask): number {
  let m = -Infinity;
  for (let j = 0; j < K; j++) if (valid(mask, r * K + j)) m = Math.max(m, x[r * K + j]);
  return m;
}

/** softmax over each row of K: pⱼ = e^(xⱼ − max) / Σₖ e^(xₖ − max) over the valid entries; masked entries (and rows with none valid) 0. */
export function softmaxRef(x: ArrayLike<number>, R: number, K: number, mask?: Mask): Float64Array {
  const p = new Float64Array(R * K);
  for (let r = 0; r < R; r++) {
    const m = rowMax(x, r, K, mask);
    if (m === -Infinity) continue;
    let s = 0;
    for (let j = 0; j < K; j++) if (valid(mask, r * K + j)) s += Math.exp(x[r * K + j] - m);
    for (let j = 0; j < K; j++) if (valid(mask, r * K + j)) p[r * K + j] = Math.exp(x[r * K + j] - m) / s;
  }
  return p;
}

/** log softmax over each row of K: xⱼ − max − log Σₖ e^(xₖ − max) over the valid entries; masked entries MASKED_LOGP. */
export function logSoftmaxRef(x: ArrayLike<number>, R: number, K: number, mask?: Mask): Float64Array {
  const lp = new Float64Array(R * K).fill(MASKED_LOGP);
  for (let r = 0; r < R; r++) {
    const m = rowMax(x, r, K, mask);
    if (m === -Infinity) continue;
    let s = 0;
    for (let j = 0; j < K; j++) if (valid(mask, r * K + j)) s += Math.exp(x[r * K + j] - m);
    for (let j = 0; j < K; j++) if (valid(mask, r * K + j)) lp[r * K + j] = x[r * K + j] - m - Math.log(s);
  }
  return lp;
}

/** softmax's gradient: dxⱼ = Σᵢ gᵢ·pᵢ·(δᵢⱼ − pⱼ) per row, p = softmaxRef(x) (masked entries have pⱼ = 0, so dxⱼ = 0). */
export function softmaxBackwardRef(p: Float64Array, g: ArrayLike<number>, R: number, K: number): Float64Array {
  const dx = new Float64Array(R * K);
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let i = 0; i < K; i++) s += g[r * K + i] * p[r * K + i] * ((i === j ? 1 : 0) - p[r * K + j]);
      dx[r * K + j] = s;
    }
  }
  return dx;
}

/** log-softmax's gradient: dxⱼ = Σᵢ gᵢ·(δᵢⱼ − pⱼ) over the valid i, j of each row, p = softmaxRef(x); masked entries 0. */
export function logSoftmaxBackwardRef(p: Float64Array, g: ArrayLike<number>, R: number, K: number, mask?: Mask): Float64Array {
  const dx = new Float64Array(R * K);
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < K; j++) {
      if (!valid(mask, r * K + j)) continue;
      let s = 0;
      for (let i = 0; i < K; i++) if (valid(mask, r * K + i)) s += g[r * K + i] * ((i === j ? 1 : 0) - p[r * K + j]);
      dx[r * K + j] = s;
    }
  }
  return dx;
}

/** Layer normalisation of R rows of D, and what its gradient needs. */
export interface LayerNormRef {
  /** yⱼ = x̂ⱼ·γⱼ + βⱼ */
  y: Float64Array;
  /** x̂ⱼ = (xⱼ − mean) / √(var + eps), var the biased variance */
  xhat: Float64Array;
  /** 1 / √(var + eps) per row */
  rstd: Float64Array;
}

/** layerNorm over the last axis (γ, β null: 1 and 0), two passes: the mean, then the mean squared deviation. */
export function layerNormRef(x: ArrayLike<number>, gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null, R: number, D: number, eps: number): LayerNormRef {
  const y = new Float64Array(R * D);
  const xhat = new Float64Array(R * D);
  const rstd = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let mean = 0;
    for (let j = 0; j < D; j++) mean += x[r * D + j] / D;
    let v = 0;
    for (let j = 0; j < D; j++) v += (x[r * D + j] - mean) * (x[r * D + j] - mean) / D;
    rstd[r] = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < D; j++) {
      xhat[r * D + j] = (x[r * D + j] - mean) * rstd[r];
      y[r * D + j] = xhat[r * D + j] * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
    }
  }
  return { y, xhat, rstd };
}

/**
 * layerNorm's gradients from the Jacobian ∂yᵢ/∂xⱼ = γᵢ·rstd·(δᵢⱼ − 1/D − x̂ᵢ·x̂ⱼ/D) (x̂ depends on xⱼ through xⱼ itself,
 * the mean and the variance): dxⱼ = Σᵢ gᵢ·∂yᵢ/∂xⱼ per row; dγⱼ = Σ_rows gⱼ·x̂ⱼ, dβⱼ = Σ_rows gⱼ.
 */
export function layerNormBackwardRef(
  ln: LayerNormRef,
  gamma: ArrayLike<number> | null,
  g: ArrayLike<number>,
  R: number,
  D: number,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const dx = new Float64Array(R * D);
  const dgamma = new Float64Array(D);
  const dbeta = new Float64Array(D);
  for (let r = 0; r < R; r++) {
    const o = r * D;
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let i = 0; i < D; i++) {
        const dyidxj = (gamma ? gamma[i] : 1) * ln.rstd[r] * ((i === j ? 1 : 0) - 1 / D - (ln.xhat[o + i] * ln.xhat[o + j]) / D);
        s += g[o + i] * dyidxj;
      }
      dx[o + j] = s;
      dgamma[j] += g[o + j] * ln.xhat[o + j];
      dbeta[j] += g[o + j];
    }
  }
  return { dx, dgamma, dbeta };
}

/** The rows of a table [V, D] at ids: out[n, :] = table[ids[n], :]. */
export function embeddingRef(table: ArrayLike<number>, D: number, ids: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ids.length * D);
  for (let n = 0; n < ids.length; n++) for (let j = 0; j < D; j++) out[n * D + j] = table[ids[n] * D + j];
  return out;
}

/** The table's gradient: dtable[v, j] = Σ over the positions n with ids[n] = v of g[n, j]. */
export function embeddingBackwardRef(g: ArrayLike<number>, V: number, D: number, ids: ArrayLike<number>): Float64Array {
  const dt = new Float64Array(V * D);
  for (let v = 0; v < V; v++) {
    for (let n = 0; n < ids.length; n++) {
      if (ids[n] !== v) continue;
      for (let j = 0; j < D; j++) dt[v * D + j] += g[n * D + j];
    }
  }
  return dt;
}

/** How many of sequence b's valid tokens (mask nonzero) are token v, and how many valid tokens it has. */
function bagCounts(ids: ArrayLike<number>, mask: ArrayLike<number | boolean>, b: number, L: number, v: number): { same: number; valid: number } {
  let same = 0;
  let valid = 0;
  for (let l = 0; l < L; l++) {
    if (!mask[b * L + l]) continue;
    valid++;
    if (ids[b * L + l] === v) same++;
  }
  return { same, valid };
}

/**
 * The mean of each sequence's valid word embeddings: out[b, j] = Σ over the valid l of table[ids[b, l], j] / (their
 * count), 0 for a sequence with none; ids and mask [B, L] flat, table [V, D] → [B, D]. Masked ids are never read.
 */
export function bagOfTokensRef(table: ArrayLike<number>, D: number, ids: ArrayLike<number>, mask: ArrayLike<number | boolean>, B: number, L: number): Float64Array {
  const out = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    let c = 0;
    const s = new Float64Array(D);
    for (let l = 0; l < L; l++) {
      if (!mask[b * L + l]) continue;
      c++;
      for (let j = 0; j < D; j++) s[j] += table[ids[b * L + l] * D + j];
    }
    for (let j = 0; j < D; j++) out[b * D + j] = c ? s[j] / c : 0;
  }
  return out;
}

/**
 * Its table gradient from the Jacobian ∂out[b, i]/∂table[v, j] = δᵢⱼ·(the valid positions of b holding v) / (b's valid
 * count), 0 for a sequence with none: dtable[v, j] = Σ_b Σᵢ g[b, i]·∂out[b, i]/∂table[v, j].
 */
export function bagOfTokensBackwardRef(g: ArrayLike<number>, V: number, D: number, ids: ArrayLike<number>, mask: ArrayLike<number | boolean>, B: number, L: number): Float64Array {
  const dt = new Float64Array(V * D);
  for (let v = 0; v < V; v++) {
    for (let b = 0; b < B; b++) {
      const { same, valid } = bagCounts(ids, mask, b, L, v);
      for (let j = 0; j < D; j++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += g[b * D + i] * (i === j && valid ? same / valid : 0);
        dt[v * D + j] += s;
      }
    }
  }
  return dt;
}

/** What crossEntropyRef is asked: as ops/softmax.ts's CrossEntropyOptions. */
export interface CrossEntropyRefOptions {
  mask?: Mask;
  reduction?: 'mean' | 'sum' | 'none';
  ignoreIndex?: number;
}

/** Each row's weight in the loss: 0 for an ignored row, else 1 ('sum', 'none') or 1 / (rows not ignored) ('mean', NaN for none). */
function ceWeights(targets: ArrayLike<number>, R: number, opts: CrossEntropyRefOptions): Float64Array {
  let count = 0;
  for (let r = 0; r < R; r++) if (targets[r] !== opts.ignoreIndex) count++;
  const w = new Float64Array(R);
  for (let r = 0; r < R; r++) if (targets[r] !== opts.ignoreIndex) w[r] = (opts.reduction ?? 'mean') === 'mean' ? 1 / count : 1;
  return w;
}

/**
 * −log softmax(x)[r, targets[r]] per row of K (0 for a row whose target is ignoreIndex), from logSoftmaxRef; 'none'
 * gives the R per-row losses, 'sum' their sum, 'mean' (the default) their sum over the rows not ignored divided by how
 * many there are (NaN for none), as one value.
 */
export function crossEntropyRef(x: ArrayLike<number>, targets: ArrayLike<number>, R: number, K: number, opts: CrossEntropyRefOptions = {}): Float64Array {
  const lp = logSoftmaxRef(x, R, K, opts.mask);
  const per = new Float64Array(R);
  for (let r = 0; r < R; r++) if (targets[r] !== opts.ignoreIndex) per[r] = -lp[r * K + targets[r]];
  const reduction = opts.reduction ?? 'mean';
  if (reduction === 'none') return per;
  let count = 0;
  let s = 0;
  for (let r = 0; r < R; r++) {
    if (targets[r] === opts.ignoreIndex) continue;
    count++;
    s += per[r];
  }
  return Float64Array.of(reduction === 'sum' ? s : s / count);
}

/**
 * Its gradient: the loss is Σ_r w_r·(−lp[r, t_r]) (w from the reduction, 0 for ignored rows), so with the log-softmax
 * Jacobian ∂lpᵢ/∂xⱼ = δᵢⱼ − pⱼ over the valid i, j of a row: dxⱼ = Σᵢ Gᵢ·(δᵢⱼ − pⱼ), Gᵢ = −w_r·g_r·δ_{i t_r} (g the upstream
 * gradient, one per row for 'none', one value otherwise), p = softmaxRef(x); masked entries 0.
 */
export function crossEntropyBackwardRef(p: Float64Array, g: ArrayLike<number>, targets: ArrayLike<number>, R: number, K: number, opts: CrossEntropyRefOptions = {}): Float64Array {
  const w = ceWeights(targets, R, opts);
  const G = new Float64Array(R * K);
  for (let r = 0; r < R; r++) {
    if (targets[r] === opts.ignoreIndex) continue;
    for (let i = 0; i < K; i++) G[r * K + i] = i === targets[r] ? -w[r] * ((opts.reduction ?? 'mean') === 'none' ? g[r] : g[0]) : 0;
  }
  return logSoftmaxBackwardRef(p, G, R, K, opts.mask);
}

/** The mean of each of NC planes of P values: [N, C, H, W] → [N, C], P = H·W. */
export function globalAvgPoolRef(x: ArrayLike<number>, NC: number, P: number): Float64Array {
  const y = new Float64Array(NC);
  for (let i = 0; i < NC; i++) {
    let s = 0;
    for (let p = 0; p < P; p++) s += x[i * P + p];
    y[i] = s / P;
  }
  return y;
}

/** Its gradient: every value of plane i gets g[i] / P. */
export function globalAvgPoolBackwardRef(g: ArrayLike<number>, NC: number, P: number): Float64Array {
  const dx = new Float64Array(NC * P);
  for (let i = 0; i < NC; i++) for (let p = 0; p < P; p++) dx[i * P + p] = g[i] / P;
  return dx;
}

/**
 * log σ(x) = −log(1 + e^−x), in float64. Where e^−x overflows float64 (x below −709.78), log(1 + e^−x) =
 * −x + log(1 + e^x) with e^x under 2^−1022, far below float64's resolution at −x: the value is x.
 */
export function logSigmoidRef(x: number): number {
  const e = Math.exp(-x);
  return e === Infinity ? x : -Math.log1p(e);
}

/** d/dx log σ(x) = 1 − σ(x) = 1 / (1 + e^x), in float64. */
export function logSigmoidGradRef(x: number): number {
  return 1 / (1 + Math.exp(x));
}

/** σ(x) = 1 / (1 + e^−x), in float64, from e^x where x < 0 (so σ(−800) is e^−800's 0, not 1/∞ by accident). */
export function sigmoidRef(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** dσ/dx = σ(x)·σ(−x), in float64 from x (not from a rounded σ(x)): e^−|x| / (1 + e^−|x|)². */
export function sigmoidGradRef(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
}

/** d tanh/dx = 1 − tanh²(x) = 4e^−2|x| / (1 + e^−2|x|)², in float64 from x. */
export function tanhGradRef(x: number): number {
  const e = Math.exp(-2 * Math.abs(x));
  return (4 * e) / ((1 + e) * (1 + e));
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * GELU's tanh approximation, x·Φ(x) ≈ ½x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715x³), written as x·σ(2u) (1 + tanh(u) =
 * 2σ(2u)), so it stays exact where 1 + tanh(u) cancels to 0 (u below about −19).
 */
export function geluRef(x: number): number {
  const u = GELU_C * (x + GELU_A * x * x * x);
  return x * sigmoidRef(2 * u);
}

/** Its derivative: σ(2u) + x·2σ'(2u)·du/dx, du/dx = √(2/π)·(1 + 3·0.044715x²). */
export function geluGradRef(x: number): number {
  const u = GELU_C * (x + GELU_A * x * x * x);
  return sigmoidRef(2 * u) + x * 2 * sigmoidGradRef(2 * u) * GELU_C * (1 + 3 * GELU_A * x * x);
}

/** The strides of a row-major shape. */
function strides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * shape[i + 1];
  return st;
}

/** Which output of a reduction over `axis` (all axes if undefined) the input at flat index i goes into. */
function reducedIndex(shape: readonly number[], axis: number | undefined, i: number): number {
  if (axis === undefined) return 0;
  const st = strides(shape);
  let o = 0;
  let ost = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (d === axis) continue;
    o += (Math.floor(i / st[d]) % shape[d]) * ost;
    ost *= shape[d];
  }
  return o;
}

/** The sum (mean: divided by the count, NaN for none) of x of `shape` over `axis` (0 ≤ axis < ndim), or over all values. */
export function reduceRef(x: ArrayLike<number>, shape: readonly number[], axis: number | undefined, mean: boolean): Float64Array {
  const n = axis === undefined ? x.length : shape[axis];
  const outSize = axis === undefined ? 1 : n === 0 ? shape.reduce((a, d, i) => (i === axis ? a : a * d), 1) : x.length / n;
  const out = new Float64Array(outSize);
  for (let i = 0; i < x.length; i++) out[reducedIndex(shape, axis, i)] += x[i];
  if (mean) for (let o = 0; o < outSize; o++) out[o] /= n;
  return out;
}

/** Its gradient from the Jacobian ∂y_o/∂x_i = (1 or 1/n) where input i reduces into output o: dxᵢ = Σ_o g_o·∂y_o/∂xᵢ. */
export function reduceBackwardRef(g: ArrayLike<number>, shape: readonly number[], axis: number | undefined, mean: boolean): Float64Array {
  const size = shape.reduce((a, d) => a * d, 1);
  const n = axis === undefined ? size : shape[axis];
  const dx = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let s = 0;
    for (let o = 0; o < g.length; o++) s += g[o] * (reducedIndex(shape, axis, i) === o ? (mean ? 1 / n : 1) : 0);
    dx[i] = s;
  }
  return dx;
}

/** out[r] = x[r, idx[r]] for R rows of K. */
export function gatherRef(x: ArrayLike<number>, idx: ArrayLike<number>, R: number, K: number): Float64Array {
  const out = new Float64Array(R);
  for (let r = 0; r < R; r++) out[r] = x[r * K + idx[r]];
  return out;
}

/** Its gradient from the Jacobian ∂out_r'/∂x[r, j] = δ_{r'r}·δ_{j idx[r]}: dx[r, j] = Σ_r' g_r'·∂out_r'/∂x[r, j]. */
export function gatherBackwardRef(g: ArrayLike<number>, idx: ArrayLike<number>, R: number, K: number): Float64Array {
  const dx = new Float64Array(R * K);
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < K; j++) {
      let s = 0;
      for (let q = 0; q < R; q++) s += g[q] * (q === r && j === idx[r] ? 1 : 0);
      dx[r * K + j] = s;
    }
  }
  return dx;
}

/** The broadcasting binary ops' names, for binaryRef. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'minimum' | 'maximum';

/** y = f(a, b) and ∂y/∂a, ∂y/∂b for one pair (minimum/maximum: a tie's gradient goes to a, as ops/elementwise.ts says). */
function binaryAt(op: BinaryOp, a: number, b: number): { y: number; da: number; db: number } {
  switch (op) {
    case 'add':
      return { y: a + b, da: 1, db: 1 };
    case 'sub':
      return { y: a - b, da: 1, db: -1 };
    case 'mul':
      return { y: a * b, da: b, db: a };
    case 'div':
      return { y: a / b, da: 1 / b, db: -a / (b * b) };
    case 'minimum':
      return a <= b ? { y: a, da: 1, db: 0 } : { y: b, da: 0, db: 1 };
    case 'maximum':
      return a >= b ? { y: a, da: 1, db: 0 } : { y: b, da: 0, db: 1 };
  }
}

/** For each output position of the broadcast shape `out`, the flat index into an input of shape `inp` (aligned right). */
function broadcastIndex(out: readonly number[], inp: readonly number[], o: number): number {
  let i = 0;
  let ist = 1;
  let rest = o;
  for (let d = out.length - 1; d >= 0; d--) {
    const k = rest % out[d];
    rest = Math.floor(rest / out[d]);
    const di = d - (out.length - inp.length);
    if (di < 0) continue;
    if (inp[di] !== 1) i += k * ist;
    ist *= inp[di];
  }
  return i;
}

/** f(a, b) broadcast NumPy-style to `out` (the broadcast shape of aShape and bShape), in float64. */
export function binaryRef(op: BinaryOp, a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[], out: readonly number[]): Float64Array {
  const size = out.reduce((x, d) => x * d, 1);
  const y = new Float64Array(size);
  for (let o = 0; o < size; o++) y[o] = binaryAt(op, a[broadcastIndex(out, aShape, o)], b[broadcastIndex(out, bShape, o)]).y;
  return y;
}

/**
 * Its gradients from the Jacobian, which is diagonal but for broadcasting: ∂y_o/∂aᵢ = ∂f/∂a at o where output o reads
 * aᵢ, else 0; da_i = Σ_o g_o·∂y_o/∂aᵢ (so a stretched input sums over the outputs it fed), and likewise db.
 */
export function binaryBackwardRef(
  op: BinaryOp,
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  out: readonly number[],
  g: ArrayLike<number>,
): { da: Float64Array; db: Float64Array } {
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  for (let i = 0; i < a.length; i++) {
    for (let o = 0; o < g.length; o++) {
      const ia = broadcastIndex(out, aShape, o);
      if (ia === i) da[i] += g[o] * binaryAt(op, a[ia], b[broadcastIndex(out, bShape, o)]).da;
    }
  }
  for (let i = 0; i < b.length; i++) {
    for (let o = 0; o < g.length; o++) {
      const ib = broadcastIndex(out, bShape, o);
      if (ib === i) db[i] += g[o] * binaryAt(op, a[broadcastIndex(out, aShape, o)], b[ib]).db;
    }
  }
  return { da, db };
}

/** Per output o of binaryRef: the input entries it reads (ia, ib) and g_o·∂f/∂a, g_o·∂f/∂b there (for error bounds). */
export function binaryTermsRef(op: BinaryOp, a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[], out: readonly number[], g: ArrayLike<number>) {
  const ia = new Int32Array(g.length);
  const ib = new Int32Array(g.length);
  const ta = new Float64Array(g.length);
  const tb = new Float64Array(g.length);
  for (let o = 0; o < g.length; o++) {
    ia[o] = broadcastIndex(out, aShape, o);
    ib[o] = broadcastIndex(out, bShape, o);
    const d = binaryAt(op, a[ia[o]], b[ib[o]]);
    ta[o] = g[o] * d.da;
    tb[o] = g[o] * d.db;
  }
  return { ia, ib, ta, tb };
}

/**
 * The one-call elementwise ops of ops/elementwise.ts with their parameters, for unaryRef: neg, exp, log, sqrt, square,
 * abs, relu, addScalar (x + s), mulScalar (x·s), clamp (to [lo, hi]).
 */
export type UnaryOp =
  | { op: 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'abs' | 'relu' }
  | { op: 'addScalar' | 'mulScalar'; s: number }
  | { op: 'clamp'; lo: number; hi: number };

/**
 * y = f(x) and dy/dx, both in float64 from x (never from a rounded y): −x and −1; e^x and e^x; log x and 1/x; √x and
 * 1/(2√x); x² and 2x; |x| and sign(x) (0 at 0); max(x, 0) and 1 where x > 0 or x is NaN (as torch.relu), else 0; x + s
 * and 1; x·s and s; x clamped to [lo, hi] and 1 where lo ≤ x ≤ hi, else 0 (as torch.clamp).
 */
export function unaryRef(u: UnaryOp, x: number): { y: number; dy: number } {
  switch (u.op) {
    case 'neg':
      return { y: -x, dy: -1 };
    case 'exp':
      return { y: Math.exp(x), dy: Math.exp(x) };
    case 'log':
      return { y: Math.log(x), dy: 1 / x };
    case 'sqrt':
      return { y: Math.sqrt(x), dy: 1 / (2 * Math.sqrt(x)) };
    case 'square':
      return { y: x * x, dy: 2 * x };
    case 'abs':
      return { y: Math.abs(x), dy: x > 0 ? 1 : x < 0 ? -1 : 0 };
    case 'relu':
      return x > 0 ? { y: x, dy: 1 } : x !== x ? { y: x, dy: 1 } : { y: 0, dy: 0 };
    case 'addScalar':
      return { y: x + u.s, dy: 1 };
    case 'mulScalar':
      return { y: x * u.s, dy: u.s };
    case 'clamp':
      return x < u.lo ? { y: u.lo, dy: 0 } : x > u.hi ? { y: u.hi, dy: 0 } : { y: x, dy: x === x ? 1 : 0 };
  }
}

/** Where output o (of shape `out`) of concatRef reads from: which input k, and the flat index i into it. */
function concatSource(shapes: readonly (readonly number[])[], out: readonly number[], axis: number, o: number): { k: number; i: number } {
  const st = strides(out);
  const idx = out.map((d, ax) => Math.floor(o / st[ax]) % d);
  let k = 0;
  let a = idx[axis];
  while (a >= shapes[k][axis]) a -= shapes[k++][axis];
  const own = [...idx];
  own[axis] = a;
  const ist = strides(shapes[k]);
  return { k, i: own.reduce((s, v, ax) => s + v * ist[ax], 0) };
}

/** The concatenation of xs (of `shapes`, equal but along `axis`, 0 ≤ axis < ndim) along `axis`, index by index. */
export function concatRef(xs: readonly ArrayLike<number>[], shapes: readonly (readonly number[])[], axis: number): Float64Array {
  const out = [...shapes[0]];
  out[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
  const y = new Float64Array(out.reduce((a, d) => a * d, 1));
  for (let o = 0; o < y.length; o++) {
    const { k, i } = concatSource(shapes, out, axis, o);
    y[o] = xs[k][i];
  }
  return y;
}

/** Its gradients from the Jacobian ∂y_o/∂x_k[i] = 1 where output o reads x_k[i], else 0: dx_k[i] = Σ_o g_o·∂y_o/∂x_k[i]. */
export function concatBackwardRef(g: ArrayLike<number>, shapes: readonly (readonly number[])[], axis: number): Float64Array[] {
  const out = [...shapes[0]];
  out[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
  const dxs = shapes.map((sh) => new Float64Array(sh.reduce((a, d) => a * d, 1)));
  for (let k = 0; k < shapes.length; k++) {
    for (let i = 0; i < dxs[k].length; i++) {
      let s = 0;
      for (let o = 0; o < g.length; o++) {
        const src = concatSource(shapes, out, axis, o);
        s += g[o] * (src.k === k && src.i === i ? 1 : 0);
      }
      dxs[k][i] = s;
    }
  }
  return dxs;
}

/** The transpose of x [R, C]: y[c, r] = x[r, c]. */
export function transposeRef(x: ArrayLike<number>, R: number, C: number): Float64Array {
  const y = new Float64Array(R * C);
  for (let c = 0; c < C; c++) for (let r = 0; r < R; r++) y[c * R + r] = x[r * C + c];
  return y;
}

/** Its gradient from the Jacobian ∂y[c', r']/∂x[r, c] = δ_{c'c}·δ_{r'r}: dx[r, c] = Σ g[c', r']·∂y[c', r']/∂x[r, c]. */
export function transposeBackwardRef(g: ArrayLike<number>, R: number, C: number): Float64Array {
  const dx = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let c2 = 0; c2 < C; c2++) for (let r2 = 0; r2 < R; r2++) s += g[c2 * R + r2] * (c2 === c && r2 === r ? 1 : 0);
      dx[r * C + c] = s;
    }
  }
  return dx;
}

/**
 * y = x·Wᵀ + b for x [M, I], W [O, I], b [O] (null: none): y[m, o] = Σᵢ x[m, i]·W[o, i] + b[o], in float64. matmul
 * A [M, K]·B [K, N] is this with W = Bᵀ and no bias (linearRef(A, transposeRef(B, K, N), null, M, K, N)).
 */
export function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, M: number, I: number, O: number): Float64Array {
  const y = new Float64Array(M * O);
  for (let m = 0; m < M; m++) {
    for (let o = 0; o < O; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < I; i++) s += x[m * I + i] * w[o * I + i];
      y[m * O + o] = s;
    }
  }
  return y;
}

/**
 * Its gradients from the Jacobian: ∂y[m', o]/∂x[m, i] = δ_{m'm}·W[o, i], ∂y[m, o']/∂W[o, i] = δ_{o'o}·x[m, i],
 * ∂y[m, o']/∂b[o] = δ_{o'o}; each gradient is Σ over every output of g·(that derivative).
 */
export function linearBackwardRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  g: ArrayLike<number>,
  M: number,
  I: number,
  O: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(M * I);
  const dw = new Float64Array(O * I);
  const db = new Float64Array(O);
  for (let m = 0; m < M; m++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let m2 = 0; m2 < M; m2++) for (let o = 0; o < O; o++) s += g[m2 * O + o] * (m2 === m ? w[o * I + i] : 0);
      dx[m * I + i] = s;
    }
  }
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let m = 0; m < M; m++) for (let o2 = 0; o2 < O; o2++) s += g[m * O + o2] * (o2 === o ? x[m * I + i] : 0);
      dw[o * I + i] = s;
    }
    let s = 0;
    for (let m = 0; m < M; m++) for (let o2 = 0; o2 < O; o2++) s += g[m * O + o2] * (o2 === o ? 1 : 0);
    db[o] = s;
  }
  return { dx, dw, db };
}

/**
 * What conv2dRef is given: the shapes of x [N, C, H, W] and w [F, C, KH, KW], the stride and the zero padding — the
 * kernels' geometry without its output size, which the twin works out on its own (conv2dRefOut).
 */
export type Conv2dRefGeom = Omit<ConvGeom, 'OH' | 'OW'>;

/** The output's height and width: ⌊(H + 2·pad − KH) / stride⌋ + 1 and likewise for W. */
export function conv2dRefOut(g: Conv2dRefGeom): { OH: number; OW: number } {
  return { OH: Math.floor((g.H + 2 * g.pad - g.KH) / g.stride) + 1, OW: Math.floor((g.W + 2 * g.pad - g.KW) / g.stride) + 1 };
}

/** x[n, c, ih, iw] for an index that may fall in the zero padding (0 there). */
function padded(x: ArrayLike<number>, g: Conv2dRefGeom, n: number, c: number, ih: number, iw: number): number {
  return ih < 0 || ih >= g.H || iw < 0 || iw >= g.W ? 0 : x[((n * g.C + c) * g.H + ih) * g.W + iw];
}

/**
 * Cross-correlation as PyTorch's conv2d, NCHW: y[n, f, oh, ow] = b[f] + Σ_c Σ_kh Σ_kw w[f, c, kh, kw]·x[n, c, oh·s − p +
 * kh, ow·s − p + kw] (x zero outside), b null: none; in float64, no im2col.
 */
export function conv2dRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, g: Conv2dRefGeom): Float64Array {
  const { N, C, F, KH, KW, stride: s, pad: p } = g;
  const { OH, OW } = conv2dRefOut(g);
  const y = new Float64Array(N * F * OH * OW);
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < F; f++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let sum = b ? b[f] : 0;
          for (let c = 0; c < C; c++) {
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) sum += w[((f * C + c) * KH + kh) * KW + kw] * padded(x, g, n, c, oh * s - p + kh, ow * s - p + kw);
            }
          }
          y[((n * F + f) * OH + oh) * OW + ow] = sum;
        }
      }
    }
  }
  return y;
}

/**
 * Its gradients from the Jacobian, each a sum over every output (n', f', oh, ow) of g·(that derivative):
 * ∂y/∂x[n, c, ih, iw] = δ_{n'n}·w[f', c, ih − oh·s + p, iw − ow·s + p] (0 where that kernel index is outside KH×KW),
 * ∂y/∂w[f, c, kh, kw] = δ_{f'f}·x[n', c, oh·s − p + kh, ow·s − p + kw] (0 in the padding), ∂y/∂b[f] = δ_{f'f}.
 */
export function conv2dBackwardRef(x: ArrayLike<number>, w: ArrayLike<number>, gy: ArrayLike<number>, g: Conv2dRefGeom): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { N, C, H, W, F, KH, KW, stride: s, pad: p } = g;
  const { OH, OW } = conv2dRefOut(g);
  const gAt = (n: number, f: number, oh: number, ow: number) => gy[((n * F + f) * OH + oh) * OW + ow];
  const dx = new Float64Array(N * C * H * W);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let ih = 0; ih < H; ih++) {
        for (let iw = 0; iw < W; iw++) {
          let sum = 0;
          for (let f = 0; f < F; f++) {
            for (let oh = 0; oh < OH; oh++) {
              for (let ow = 0; ow < OW; ow++) {
                const kh = ih - oh * s + p;
                const kw = iw - ow * s + p;
                if (kh >= 0 && kh < KH && kw >= 0 && kw < KW) sum += gAt(n, f, oh, ow) * w[((f * C + c) * KH + kh) * KW + kw];
              }
            }
          }
          dx[((n * C + c) * H + ih) * W + iw] = sum;
        }
      }
    }
  }
  const dw = new Float64Array(F * C * KH * KW);
  const db = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    for (let c = 0; c < C; c++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          let sum = 0;
          for (let n = 0; n < N; n++) {
            for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) sum += gAt(n, f, oh, ow) * padded(x, g, n, c, oh * s - p + kh, ow * s - p + kw);
          }
          dw[((f * C + c) * KH + kh) * KW + kw] = sum;
        }
      }
    }
    let sum = 0;
    for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) sum += gAt(n, f, oh, ow);
    db[f] = sum;
  }
  return { dx, dw, db };
}

/**
 * Max-pooling of NC planes [H, W] over k×k windows with stride s, no padding → [NC, OH, OW], OH = ⌊(H − k) / s⌋ + 1:
 * y[o] = x[arg[o]], arg[o] the flat index into x of the window's maximum chosen by the op's rule (ops/conv.ts, as
 * PyTorch): among equal maxima (ties, −0 and +0 included) the first in row-major order; a window holding a NaN has the
 * maximum NaN at its last NaN. Written as "the largest value, then where it first occurs", not as the kernels' scan.
 */
export function maxPool2dRef(x: ArrayLike<number>, NC: number, H: number, W: number, k: number, s: number): { y: Float64Array; arg: Int32Array } {
  const OH = Math.floor((H - k) / s) + 1;
  const OW = Math.floor((W - k) / s) + 1;
  const y = new Float64Array(NC * OH * OW);
  const arg = new Int32Array(NC * OH * OW);
  for (let pl = 0; pl < NC; pl++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const window: number[] = [];
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) window.push((pl * H + oh * s + i) * W + ow * s + j);
        const nans = window.filter((q) => Number.isNaN(x[q]));
        const m = Math.max(...window.map((q) => x[q]));
        const o = (pl * OH + oh) * OW + ow;
        arg[o] = nans.length ? nans[nans.length - 1] : window.find((q) => x[q] === m)!;
        y[o] = x[arg[o]];
      }
    }
  }
  return { y, arg };
}

/**
 * Its gradient from the Jacobian ∂y[o]/∂x[i] = δ_{i arg[o]}: dx[i] = Σ_o g[o]·∂y[o]/∂x[i] over `size` inputs. With
 * `reluIn` (the pool reads relu(reluIn)), the gradient is carried on through ReLU by the chain rule, to reluIn:
 * dx[i] = relu'(reluIn[i])·Σ_o g[o]·∂y[o]/∂relu[i] (relu' = 1 where the input is > 0 or NaN, as unaryRef's relu).
 */
export function maxPool2dBackwardRef(gy: ArrayLike<number>, arg: Int32Array, size: number, reluIn?: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let o = 0; o < gy.length; o++) sum += gy[o] * (arg[o] === i ? 1 : 0);
    dx[i] = reluIn ? unaryRef({ op: 'relu' }, reluIn[i]).dy * sum : sum;
  }
  return dx;
}
