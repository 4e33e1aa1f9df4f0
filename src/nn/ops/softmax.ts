/**
 * Softmax, log-softmax and cross-entropy over the last axis, with an optional validity mask
 * so rows can hold different numbers of options (option scoring: pad each row to the longest,
 * mask the padding). Masked entries get probability 0 and log-probability MASKED_LOGP (a
 * large finite negative, so 0·logp stays 0 in entropies/KLs) and receive no gradient.
 * Numerically stable (max subtraction). `gather` picks one entry per row (the log-prob of a
 * chosen option), as torch.gather along the last axis with one index per row.
 */
import { InputError } from '../../util/errors.js';
import { Tensor, makeResult, shapeStr } from '../tensor.js';

/** Log-probability given to masked-out entries. */
export const MASKED_LOGP = Math.fround(-1e30);

/** Validity per entry, same length as the input; nonzero / true = valid. */
export type Mask = ArrayLike<number | boolean>;

function checkMask(x: Tensor, mask: Mask | undefined, what: string): void {
  if (mask && mask.length !== x.size) {
    throw new InputError(`${what}: mask has ${mask.length} entries but input ${shapeStr(x.shape)} has ${x.size}`);
  }
}

/**
 * Row-wise log-softmax into `out`; returns nothing. Fully masked rows get MASKED_LOGP everywhere;
 * a NaN or +∞ among a row's valid entries makes them all NaN, and so do valid entries that are
 * all −∞ (as torch.log_softmax over the valid entries).
 */
function logSoftmaxRows(X: Float32Array, out: Float32Array, R: number, K: number, mask?: Mask): void {
  for (let r = 0; r < R; r++) {
    const o = r * K;
    let m = -Infinity;
    let valid = false;
    for (let j = 0; j < K; j++) {
      if (mask && !mask[o + j]) continue;
      valid = true;
      if (X[o + j] > m) m = X[o + j];
    }
    if (valid && m === -Infinity) {
      // every valid entry NaN or −∞: NaN, as PyTorch (a NaN elsewhere in the row, or a +∞, turns
      // every entry NaN below through exp(NaN) or ∞ − ∞) — not MASKED_LOGP, which hid a diverged
      // model's NaN logits behind finite log-probabilities and a loss of 1e30
      for (let j = 0; j < K; j++) out[o + j] = !mask || mask[o + j] ? NaN : MASKED_LOGP;
      continue;
    }
    if (m === -Infinity) {
      out.fill(MASKED_LOGP, o, o + K);
      continue;
    }
    let s = 0;
    for (let j = 0; j < K; j++) if (!mask || mask[o + j]) s += Math.exp(X[o + j] - m);
    // (x − m) − log s, not x − (m + log s): past |m| ≈ 1e16 (a diverging model's logits) m + log s rounds to m, which
    // made every maximal entry's log-probability 0 — probabilities summing to more than 1, a cross-entropy of 0
    const ls = Math.log(s);
    for (let j = 0; j < K; j++) out[o + j] = !mask || mask[o + j] ? X[o + j] - m - ls : MASKED_LOGP;
  }
}

/** log softmax over the last axis (masked entries → MASKED_LOGP). */
export function logSoftmax(x: Tensor, mask?: Mask): Tensor {
  checkMask(x, mask, 'logSoftmax');
  const K = x.shape[x.ndim - 1];
  const R = K ? x.size / K : 0;
  const out = new Float32Array(x.size);
  logSoftmaxRows(x.data, out, R, K, mask);
  return makeResult(out, x.shape, [x], (o) => {
    const g = o.grad!;
    const gx = x.ensureGrad();
    const Y = o.data;
    for (let r = 0; r < R; r++) {
      const off = r * K;
      let gs = 0;
      for (let j = 0; j < K; j++) if (!mask || mask[off + j]) gs += g[off + j];
      for (let j = 0; j < K; j++) {
        if (mask && !mask[off + j]) continue;
        gx[off + j] += g[off + j] - Math.exp(Y[off + j]) * gs;
      }
    }
  });
}

/** softmax over the last axis (masked entries → 0). */
export function softmax(x: Tensor, mask?: Mask): Tensor {
  checkMask(x, mask, 'softmax');
  const K = x.shape[x.ndim - 1];
  const R = K ? x.size / K : 0;
  const out = new Float32Array(x.size);
  logSoftmaxRows(x.data, out, R, K, mask);
  for (let i = 0; i < out.length; i++) out[i] = out[i] === MASKED_LOGP ? 0 : Math.exp(out[i]);
  return makeResult(out, x.shape, [x], (o) => {
    const g = o.grad!;
    const gx = x.ensureGrad();
    const P = o.data;
    for (let r = 0; r < R; r++) {
      const off = r * K;
      let dot = 0;
      for (let j = 0; j < K; j++) dot += g[off + j] * P[off + j];
      for (let j = 0; j < K; j++) gx[off + j] += P[off + j] * (g[off + j] - dot);
    }
  });
}

export interface CrossEntropyOptions {
  mask?: Mask;
  /** 'mean' (default) over rows with a target (NaN when no row has one, as PyTorch), 'sum', or 'none' (per-row losses). */
  reduction?: 'mean' | 'sum' | 'none';
  /** Rows whose target equals this are skipped (loss 0, no gradient). */
  ignoreIndex?: number;
}

/**
 * −log softmax(logits)[target] per row of logits [..., K]; targets: one class index per row. Each row's loss is the
 * float32 log-probability's negation, and a reduction sums those in float64 (as torch's float32 cross_entropy, a row
 * whose loss is past float32's range makes the sum and mean +∞). Its float64 twin is ops/ref.ts `crossEntropyRef` /
 * `crossEntropyBackwardRef`, checked in ops/ref.test.ts.
 */
export function crossEntropy(logits: Tensor, targets: ArrayLike<number>, opts: CrossEntropyOptions = {}): Tensor {
  const { mask, reduction = 'mean', ignoreIndex } = opts;
  checkMask(logits, mask, 'crossEntropy');
  const K = logits.shape[logits.ndim - 1];
  const R = K ? logits.size / K : 0;
  if (targets.length !== R) throw new InputError(`crossEntropy: ${targets.length} targets for ${R} rows of ${shapeStr(logits.shape)}`);
  const lp = new Float32Array(logits.size);
  logSoftmaxRows(logits.data, lp, R, K, mask);
  const per = new Float32Array(R);
  let count = 0;
  for (let r = 0; r < R; r++) {
    const t = targets[r];
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(t) || t < 0 || t >= K) throw new InputError(`crossEntropy: target ${t} of row ${r} is outside [0, ${K})`);
    if (mask && !mask[r * K + t]) throw new InputError(`crossEntropy: target ${t} of row ${r} is masked out`);
    per[r] = -lp[r * K + t];
    count++;
  }
  // the mean over no rows is NaN, as torch's cross_entropy (it said 0, hiding an all-ignored batch)
  const scale = reduction === 'mean' ? (count ? 1 / count : NaN) : 1;
  let data: Float32Array;
  let shape: number[];
  if (reduction === 'none') {
    data = per;
    shape = logits.shape.slice(0, -1);
  } else {
    let s = 0;
    for (let r = 0; r < R; r++) s += per[r];
    data = Float32Array.of(s * scale);
    shape = [];
  }
  return makeResult(data, shape, [logits], (o) => {
    const g = o.grad!;
    const gx = logits.ensureGrad();
    for (let r = 0; r < R; r++) {
      const t = targets[r];
      if (t === ignoreIndex) continue;
      const gr = (reduction === 'none' ? g[r] : g[0]) * scale;
      const off = r * K;
      for (let j = 0; j < K; j++) {
        if (mask && !mask[off + j]) continue;
        gx[off + j] += gr * (Math.exp(lp[off + j]) - (j === t ? 1 : 0));
      }
    }
  });
}

/** out[r] = x[r, idx[r]] for x [..., K] → [...] (one index per row). */
export function gather(x: Tensor, idx: ArrayLike<number>): Tensor {
  const K = x.shape[x.ndim - 1];
  const R = K ? x.size / K : 0;
  if (idx.length !== R) throw new InputError(`gather: ${idx.length} indices for ${R} rows of ${shapeStr(x.shape)}`);
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    const t = idx[r];
    if (!Number.isInteger(t) || t < 0 || t >= K) throw new InputError(`gather: index ${t} of row ${r} is outside [0, ${K})`);
    out[r] = x.data[r * K + t];
  }
  return makeResult(out, x.shape.slice(0, -1), [x], (o) => {
    const g = o.grad!;
    const gx = x.ensureGrad();
    for (let r = 0; r < R; r++) gx[r * K + idx[r]] += g[r];
  });
}
