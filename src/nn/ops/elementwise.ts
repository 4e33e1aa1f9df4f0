/**
 * Elementwise ops with NumPy-style broadcasting (shapes aligned at the right; a dim of 1 or a
 * missing dim stretches). Gradients of a broadcast input are summed over the stretched dims.
 * GELU uses the tanh approximation of Hendrycks & Gimpel (2016), "Gaussian Error Linear Units".
 */
import { InputError } from '../../util/errors.js';
import { kernels } from '../kernels/index.js';
import { takeF32 } from '../bufpool.js';
import { Tensor, gradForWrite, makeResult, shapeSize, shapeStr } from '../tensor.js';

/** The broadcast shape of a and b, or an InputError naming both shapes. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new InputError(`cannot broadcast shapes ${shapeStr(a)} and ${shapeStr(b)}`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For an output of shape `out`, the flat index into an input of shape `inp` (broadcast to
 * `out`) for every output position. Null when no map is needed (same size).
 */
function indexMap(out: readonly number[], inp: readonly number[]): Int32Array | null {
  const size = shapeSize(out);
  const inSize = shapeSize(inp);
  if (inSize === size) return null;
  const map = new Int32Array(size);
  if (inSize === 1) return map; // all zeros
  // Suffix broadcast (bias over the last dims): index = i mod inSize.
  const k = inp.length;
  let suffix = true;
  for (let i = 0; i < k; i++) if (inp[i] !== out[out.length - k + i]) suffix = false;
  if (suffix) {
    for (let i = 0; i < size; i++) map[i] = i % inSize;
    return map;
  }
  const n = out.length;
  const inStrides = new Array<number>(n).fill(0);
  let s = 1;
  for (let i = n - 1; i >= 0; i--) {
    const d = inp[inp.length - n + i] ?? 1;
    inStrides[i] = d === 1 ? 0 : s;
    s *= d;
  }
  const idx = new Array<number>(n).fill(0);
  let j = 0;
  for (let i = 0; i < size; i++) {
    map[i] = j;
    for (let ax = n - 1; ax >= 0; ax--) {
      idx[ax]++;
      j += inStrides[ax];
      if (idx[ax] < out[ax]) break;
      j -= inStrides[ax] * out[ax];
      idx[ax] = 0;
    }
  }
  return map;
}

type Binary = (a: number, b: number) => number;

function binary(a: Tensor, b: Tensor, f: Binary, da: Binary | null, db: Binary | null): Tensor {
  const shape = broadcastShape(a.shape, b.shape);
  const size = shapeSize(shape);
  const ma = indexMap(shape, a.shape);
  const mb = indexMap(shape, b.shape);
  const A = a.data;
  const B = b.data;
  const out = new Float32Array(size);
  if (!ma && !mb) for (let i = 0; i < size; i++) out[i] = f(A[i], B[i]);
  else for (let i = 0; i < size; i++) out[i] = f(A[ma ? ma[i] : i], B[mb ? mb[i] : i]);
  return makeResult(out, shape, [a, b], (o) => {
    const g = o.grad!;
    if (a.requiresGrad && da) {
      const ga = a.ensureGrad();
      for (let i = 0; i < size; i++) {
        const ia = ma ? ma[i] : i;
        ga[ia] += g[i] * da(A[ia], B[mb ? mb[i] : i]);
      }
    }
    if (b.requiresGrad && db) {
      const gb = b.ensureGrad();
      for (let i = 0; i < size; i++) {
        const ib = mb ? mb[i] : i;
        gb[ib] += g[i] * db(A[ma ? ma[i] : i], B[ib]);
      }
    }
  });
}

const one = () => 1;
export const add = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x + y, one, one);
export const sub = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x - y, one, () => -1);
export const mul = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x * y, (_x, y) => y, (x) => x);
export const div = (a: Tensor, b: Tensor): Tensor =>
  binary(a, b, (x, y) => x / y, (_x, y) => 1 / y, (x, y) => -x / (y * y));
const eitherNaN = (x: number, y: number) => x !== x || y !== y;
/**
 * Elementwise minimum; the gradient goes to a where a <= b, else to b (on a tie PyTorch splits
 * it half and half; the sum is the same). A NaN in either propagates and both get the gradient,
 * as torch.minimum (x <= y alone picked the other value when a was NaN).
 */
export const minimum = (a: Tensor, b: Tensor): Tensor =>
  binary(a, b, (x, y) => (x <= y || x !== x ? x : y), (x, y) => (x <= y || eitherNaN(x, y) ? 1 : 0), (x, y) => (x <= y ? 0 : 1));
/**
 * Elementwise maximum; the gradient goes to a where a >= b, else to b (on a tie PyTorch splits
 * it half and half; the sum is the same). A NaN in either propagates and both get the gradient,
 * as torch.maximum (x >= y alone picked the other value when a was NaN).
 */
export const maximum = (a: Tensor, b: Tensor): Tensor =>
  binary(a, b, (x, y) => (x >= y || x !== x ? x : y), (x, y) => (x >= y || eitherNaN(x, y) ? 1 : 0), (x, y) => (x >= y ? 0 : 1));

/** y = f(x) with dy/dx = df(x, y). */
function unary(x: Tensor, f: (v: number) => number, df: (v: number, y: number) => number): Tensor {
  const X = x.data;
  const n = X.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(X[i]);
  return makeResult(out, x.shape, [x], (o) => {
    const g = o.grad!;
    const gx = x.ensureGrad();
    const Y = o.data;
    for (let i = 0; i < n; i++) gx[i] += g[i] * df(X[i], Y[i]);
  });
}

export const neg = (x: Tensor): Tensor => unary(x, (v) => -v, () => -1);
export const addScalar = (x: Tensor, s: number): Tensor => unary(x, (v) => v + s, one);
export const mulScalar = (x: Tensor, s: number): Tensor => unary(x, (v) => v * s, () => s);
export const exp = (x: Tensor): Tensor => unary(x, Math.exp, (_v, y) => y);
export const log = (x: Tensor): Tensor => unary(x, Math.log, (v) => 1 / v);
export const sqrt = (x: Tensor): Tensor => unary(x, Math.sqrt, (_v, y) => 0.5 / y);
export const square = (x: Tensor): Tensor => unary(x, (v) => v * v, (v) => 2 * v);
export const abs = (x: Tensor): Tensor => unary(x, Math.abs, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0));
export const tanh = (x: Tensor): Tensor => unary(x, Math.tanh, (_v, y) => 1 - y * y);
export const sigmoid = (x: Tensor): Tensor => unary(x, (v) => 1 / (1 + Math.exp(-v)), (_v, y) => y * (1 - y));
/**
 * log σ(x) = −softplus(−x), computed stably (as torch.nn.functional.logsigmoid): min(x, 0) − log1p(e^−|x|), never
 * through σ itself, which rounds to 0 below x ≈ −104 in float32 (log gives −∞; it is already inexact below −88, where it is subnormal) and to 1 above x ≈ 17 (log gives 0). The
 * gradient is σ(−x) = 1 − σ(x) from the same e^−|x|: 1 at very negative x, where log(σ(x) + ε) fades to 0.
 * Its float64 twin is ops/ref.ts `logSigmoidRef` (value) and `logSigmoidGradRef` (gradient), checked in ops/ref.test.ts.
 */
export const logSigmoid = (x: Tensor): Tensor =>
  unary(
    x,
    (v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v))),
    (v) => {
      const e = Math.exp(-Math.abs(v));
      return v >= 0 ? e / (1 + e) : 1 / (1 + e);
    },
  );
/** Clamp to [lo, hi]; the gradient passes only where lo <= x <= hi (as torch.clamp). */
export const clamp = (x: Tensor, lo: number, hi: number): Tensor =>
  unary(x, (v) => (v < lo ? lo : v > hi ? hi : v), (v) => (v >= lo && v <= hi ? 1 : 0));

/** relu output → relu input, for ops that fold ReLU's backward into their own (see reluInput). */
const reluInputs = new WeakMap<Tensor, Tensor>();

/**
 * If t = relu(x) is on the autograd graph, x. A consumer of t may then add its gradient
 * contribution, masked by t > 0, straight into x's gradient instead of into t's: ReLU's
 * backward is linear in the upstream gradient, so the sum is the same, and when every
 * consumer does so ReLU's backward has nothing left to do (max-pool does this).
 */
export function reluInput(t: Tensor): Tensor | undefined {
  return reluInputs.get(t);
}

/** max(x, 0) on the active kernels (NaN propagates, as torch.relu); the gradient passes where x > 0 or x is NaN (as torch's). */
export function relu(x: Tensor): Tensor {
  const out = takeF32(x.size); // the kernel writes every value
  kernels().reluForward(x.data, out);
  const r = makeResult(out, x.shape, [x], (o) => {
    if (!o.grad) return; // every consumer passed its gradient straight to x
    const [gx, acc] = gradForWrite(x);
    kernels().reluBackward(x.data, o.grad, gx, acc);
  });
  if (r.requiresGrad) reluInputs.set(r, x);
  return r;
}

const GELU_C = Math.sqrt(2 / Math.PI);
export function gelu(x: Tensor): Tensor {
  return unary(
    x,
    (v) => 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v))),
    (v) => {
      const u = GELU_C * (v + 0.044715 * v * v * v);
      const t = Math.tanh(u);
      const du = GELU_C * (1 + 3 * 0.044715 * v * v);
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du;
    },
  );
}
