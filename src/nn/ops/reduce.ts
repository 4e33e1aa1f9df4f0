/**
 * Reductions: sum and mean over all values or over one axis (keepdim as in PyTorch).
 * Accumulation is in float64 for the all-values case, so large losses stay exact enough.
 * The mean of no values is NaN, as torch.mean (the sum of none is 0, as torch.sum).
 */
import { InputError } from '../../util/errors.js';
import { Tensor, makeResult, shapeStr } from '../tensor.js';

function normAxis(axis: number, ndim: number, shape: readonly number[]): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) throw new InputError(`axis ${axis} out of range for shape ${shapeStr(shape)}`);
  return a;
}

/** Sum of all values (axis undefined → scalar) or along `axis`. */
export function sum(x: Tensor, axis?: number, keepdim = false): Tensor {
  return reduce(x, axis, keepdim, 1);
}

/**
 * Mean of all values (axis undefined → scalar) or along `axis`; NaN where there are no values
 * (an empty tensor, an axis of length 0), as torch.mean — it said 0, which hid an empty batch in
 * a loss. A caller for whom an empty batch is possible and means "no loss" must say so itself.
 */
export function mean(x: Tensor, axis?: number, keepdim = false): Tensor {
  const n = axis === undefined ? x.size : x.shape[normAxis(axis, x.ndim, x.shape)];
  return reduce(x, axis, keepdim, n === 0 ? NaN : 1 / n);
}

function reduce(x: Tensor, axis: number | undefined, keepdim: boolean, scale: number): Tensor {
  const X = x.data;
  if (axis === undefined) {
    let s = 0;
    for (let i = 0; i < X.length; i++) s += X[i];
    return makeResult(Float32Array.of(s * scale), keepdim ? x.shape.map(() => 1) : [], [x], (o) => {
      const g = o.grad![0] * scale;
      const gx = x.ensureGrad();
      for (let i = 0; i < gx.length; i++) gx[i] += g;
    });
  }
  const ax = normAxis(axis, x.ndim, x.shape);
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= x.shape[i];
  const len = x.shape[ax];
  let inner = 1;
  for (let i = ax + 1; i < x.ndim; i++) inner *= x.shape[i];
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < len; k++) {
      const base = (o * len + k) * inner;
      const ob = o * inner;
      for (let i = 0; i < inner; i++) out[ob + i] += X[base + i];
    }
  }
  if (scale !== 1) for (let i = 0; i < out.length; i++) out[i] *= scale;
  const shape = keepdim ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_d, i) => i !== ax);
  return makeResult(out, shape, [x], (o) => {
    const g = o.grad!;
    const gx = x.ensureGrad();
    for (let oo = 0; oo < outer; oo++) {
      for (let k = 0; k < len; k++) {
        const base = (oo * len + k) * inner;
        const ob = oo * inner;
        for (let i = 0; i < inner; i++) gx[base + i] += g[ob + i] * scale;
      }
    }
  });
}
