/**
 * Matrix products: `matmul` (2-D) and `linear` (x·Wᵀ + b, PyTorch's layout: W is [out, in],
 * x is [..., in]). Both run on the active GEMM kernel; backward uses the transposed variants
 * (dX = dY·W, dW = dYᵀ·X) so nothing is transposed in memory.
 */
import { InputError } from '../../util/errors.js';
import { kernels } from '../kernels/index.js';
import { Tensor, makeResult, shapeStr } from '../tensor.js';

/** [M, K] · [K, N] → [M, N]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2 || a.shape[1] !== b.shape[0]) {
    throw new InputError(`matmul needs [M, K]·[K, N], got ${shapeStr(a.shape)}·${shapeStr(b.shape)}`);
  }
  const [M, K] = a.shape;
  const N = b.shape[1];
  const out = new Float32Array(M * N);
  kernels().gemm(a.data, b.data, out, M, N, K);
  return makeResult(out, [M, N], [a, b], (o) => {
    const g = o.grad!;
    const k = kernels();
    if (a.requiresGrad) k.gemm(g, b.data, a.ensureGrad(), M, K, N, false, true, true); // dA = dC·Bᵀ
    if (b.requiresGrad) k.gemm(a.data, g, b.ensureGrad(), K, N, M, true, false, true); // dB = Aᵀ·dC
  });
}

/** y = x·Wᵀ + b for x [..., in], W [out, in], b [out] (optional) → [..., out]. */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  if (w.ndim !== 2) throw new InputError(`linear weight must be [out, in], got ${shapeStr(w.shape)}`);
  const [O, I] = w.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== I) {
    throw new InputError(`linear: input ${shapeStr(x.shape)} does not end in ${I} (weight ${shapeStr(w.shape)})`);
  }
  if (b && (b.size !== O)) throw new InputError(`linear bias has ${b.size} values, expected ${O}`);
  let M = 1; // rows: the product of the leading dims (not x.size / I, which is 0/0 when I = 0)
  for (let d = 0; d < x.ndim - 1; d++) M *= x.shape[d];
  const out = new Float32Array(M * O);
  if (b) for (let r = 0; r < M; r++) out.set(b.data, r * O);
  kernels().gemm(x.data, w.data, out, M, O, I, false, true, !!b);
  const parents = b ? [x, w, b] : [x, w];
  return makeResult(out, [...x.shape.slice(0, -1), O], parents, (o) => {
    const g = o.grad!;
    const k = kernels();
    if (x.requiresGrad) k.gemm(g, w.data, x.ensureGrad(), M, I, O, false, false, true); // dX = dY·W
    if (w.requiresGrad) k.gemm(g, x.data, w.ensureGrad(), O, I, M, true, false, true); // dW = dYᵀ·X
    if (b && b.requiresGrad) {
      const gb = b.ensureGrad();
      for (let r = 0; r < M; r++) for (let j = 0; j < O; j++) gb[j] += g[r * O + j];
    }
  });
}
