/**
 * Shape ops: reshape (a view: shares data, -1 infers one dim), concat along an axis,
 * 2-D transpose, row selection along axis 0 (mini-batches, gathers of rows).
 */
import { InputError } from '../../util/errors.js';
import { Tensor, makeResult, passGrad, shapeSize, shapeStr } from '../tensor.js';

/** Same data, new shape; one dim may be -1 (inferred). The result shares `x.data`. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = [...shape];
  const inf = s.indexOf(-1);
  if (inf >= 0) {
    const rest = shapeSize(s.filter((_d, i) => i !== inf));
    if (rest === 0 || x.size % rest !== 0) throw new InputError(`cannot reshape ${shapeStr(x.shape)} to ${shapeStr(shape)}`);
    s[inf] = x.size / rest;
  }
  if (shapeSize(s) !== x.size) throw new InputError(`cannot reshape ${shapeStr(x.shape)} (${x.size} values) to ${shapeStr(shape)}`);
  return makeResult(x.data, s, [x], (o) => passGrad(o, x));
}

/** Flatten all dims after the first: [N, ...] → [N, prod(...)]. */
export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.shape[0], -1]);
}

/** Concatenate along `axis`; all other dims must match. */
export function concat(xs: readonly Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new InputError('concat needs at least one tensor');
  const nd = xs[0].ndim;
  const ax = axis < 0 ? axis + nd : axis;
  if (ax < 0 || ax >= nd) throw new InputError(`concat axis ${axis} out of range for ${nd}-d tensors`);
  for (const t of xs) {
    if (t.ndim !== nd || t.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])) {
      throw new InputError(`concat along axis ${ax}: shapes ${xs.map((q) => shapeStr(q.shape)).join(', ')} do not match`);
    }
  }
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= xs[0].shape[i];
  const widths = xs.map((t) => t.size / Math.max(outer, 1));
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(outer * total);
  let off = 0;
  xs.forEach((t, k) => {
    const w = widths[k];
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * w, (o + 1) * w), o * total + off);
    off += w;
  });
  const shape = [...xs[0].shape];
  shape[ax] = xs.reduce((a, t) => a + t.shape[ax], 0);
  return makeResult(out, shape, [...xs], (o) => {
    const g = o.grad!;
    let off2 = 0;
    xs.forEach((t, k) => {
      const w = widths[k];
      if (t.requiresGrad) {
        const gt = t.ensureGrad();
        for (let oo = 0; oo < outer; oo++) {
          const src = oo * total + off2;
          const dst = oo * w;
          for (let i = 0; i < w; i++) gt[dst + i] += g[src + i];
        }
      }
      off2 += w;
    });
  });
}

/** Transpose a 2-D tensor: [R, C] → [C, R]. */
export function transpose(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new InputError(`transpose needs a 2-d tensor, got ${shapeStr(x.shape)}`);
  const [R, C] = x.shape;
  const X = x.data;
  const out = new Float32Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = X[r * C + c];
  return makeResult(out, [C, R], [x], (o) => {
    const g = o.grad!;
    const gx = x.ensureGrad();
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) gx[r * C + c] += g[c * R + r];
  });
}

/** Rows of x along axis 0: out[i] = x[idx[i]] (repeats allowed; gradients add up). */
export function selectRows(x: Tensor, idx: ArrayLike<number>): Tensor {
  const rows = x.shape[0];
  const w = rows === 0 ? 0 : x.size / rows;
  const n = idx.length;
  const out = new Float32Array(n * w);
  for (let i = 0; i < n; i++) {
    const r = idx[i];
    if (!(r >= 0 && r < rows) || !Number.isInteger(r)) throw new InputError(`selectRows: index ${r} out of range [0, ${rows})`);
    out.set(x.data.subarray(r * w, (r + 1) * w), i * w);
  }
  return makeResult(out, [n, ...x.shape.slice(1)], [x], (o) => {
    const g = o.grad!;
    const gx = x.ensureGrad();
    for (let i = 0; i < n; i++) {
      const r = idx[i] * w;
      for (let j = 0; j < w; j++) gx[r + j] += g[i * w + j];
    }
  });
}
