/**
 * Reference kernels in plain TypeScript: the slow, obviously-correct twins of the WASM SIMD
 * kernels (kernels/wasm.ts). Tests check the fast kernels against these on random shapes.
 *
 * GEMM: C[M×N] = op(A)·op(B) (+ C if `accumulate`), row-major, op = identity or transpose.
 * Convolution: NCHW input, weight [F, C, KH, KW], cross-correlation as in PyTorch's conv2d,
 * via im2col (Chellapilla et al., 2006, "High performance convolutional neural networks for
 * document processing") + GEMM.
 */
import { InputError } from '../../util/errors.js';

/**
 * C = op(A)·op(B) (+C). A is M×K (or K×M if transA), B is K×N (or N×K if transB); all dense
 * row-major. `accumulate` adds into C instead of overwriting it.
 */
export function gemmRef(
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  M: number,
  N: number,
  K: number,
  transA = false,
  transB = false,
  accumulate = false,
): void {
  if (!accumulate) C.fill(0, 0, M * N);
  const row = refScratch(N, `gemm of ${M}×${K} by ${K}×${N}: one output row's scratch (1 × ${N}`);
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      // No shortcut for a = 0: 0·NaN and 0·∞ are NaN, as in the WASM twin and PyTorch (skipping
      // zeros hid NaN/∞ in B — e.g. diverged weights behind ReLU zeros — and changes nothing else).
      const a = transA ? A[k * M + i] : A[i * K + k];
      if (transB) {
        for (let j = 0; j < N; j++) row[j] += a * B[j * K + k];
      } else {
        const off = k * N;
        for (let j = 0; j < N; j++) row[j] += a * B[off + j];
      }
    }
    const off = i * N;
    for (let j = 0; j < N; j++) C[off + j] += row[j];
  }
}

/** The geometry of a 2-D convolution (NCHW, weight [F, C, KH, KW]). */
export interface ConvGeom {
  N: number;
  C: number;
  H: number;
  W: number;
  F: number;
  KH: number;
  KW: number;
  stride: number;
  pad: number;
  OH: number;
  OW: number;
}

export function convGeom(N: number, C: number, H: number, W: number, F: number, KH: number, KW: number, stride: number, pad: number): ConvGeom {
  const OH = Math.floor((H + 2 * pad - KH) / stride) + 1;
  const OW = Math.floor((W + 2 * pad - KW) / stride) + 1;
  return { N, C, H, W, F, KH, KW, stride, pad, OH, OW };
}

/** cols[(c·KH + kh)·KW + kw, oh·OW + ow] = x[c, oh·s − p + kh, ow·s − p + kw] (0 outside). One image. */
export function im2col(x: Float32Array, xOff: number, g: ConvGeom, cols: Float32Array): void {
  const { C, H, W, KH, KW, stride, pad, OH, OW } = g;
  const P = OH * OW;
  let r = 0;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r++) {
        const base = r * P;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * stride - pad + kh;
          const o = base + oh * OW;
          if (ih < 0 || ih >= H) {
            cols.fill(0, o, o + OW);
            continue;
          }
          const xrow = xOff + (c * H + ih) * W;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * stride - pad + kw;
            cols[o + ow] = iw >= 0 && iw < W ? x[xrow + iw] : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[c, ih, iw] += Σ dcols over the positions that read it. One image. */
export function col2im(dcols: Float32Array, g: ConvGeom, dx: Float32Array, dxOff: number): void {
  const { C, H, W, KH, KW, stride, pad, OH, OW } = g;
  const P = OH * OW;
  let r = 0;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r++) {
        const base = r * P;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * stride - pad + kh;
          if (ih < 0 || ih >= H) continue;
          const xrow = dxOff + (c * H + ih) * W;
          const o = base + oh * OW;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * stride - pad + kw;
            if (iw >= 0 && iw < W) dx[xrow + iw] += dcols[o + ow];
          }
        }
      }
    }
  }
}

/** The most elements a Float32Array may have in Node 20's V8 (2^32): one more is a bare "Invalid typed array length". */
export const MAX_TYPED_ARRAY_LENGTH = 2 ** 32;

/**
 * A zeroed Float32Array of `floats` values for a reference kernel's scratch; when memory cannot give it (V8's bare
 * RangeError "Array buffer allocation failed", for any length up to 2^32), an InputError saying which scratch (`what`,
 * e.g. "conv2d forward of 512 channels, …: one image's im2col scratch (512·3·3 × 256·256") of how many floats and GiB.
 */
export function refScratch(floats: number, what: string): Float32Array {
  try {
    return new Float32Array(floats);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const gib = ((floats * 4) / 2 ** 30).toFixed(1);
    throw new InputError(
      `${what} = ${floats} floats, ${gib} GiB) could not be allocated: out of memory in the reference kernels (ASKFIRST_KERNELS=ref): use fewer channels, a smaller kernel or image, or free memory`,
      { cause: e },
    );
  }
}

/** The words every conv2d scratch message starts with: the op, its geometry. */
const convWhat = (g: ConvGeom, backward: boolean): string =>
  `conv2d ${backward ? 'gradients' : 'forward'} of ${g.C} channels, kernel ${g.KH}×${g.KW}, output ${g.OH}×${g.OW}`;

/**
 * One image's im2col scratch of `g` (C·KH·KW × OH·OW floats), zeroed; an InputError naming the geometry and the limit
 * when it is more floats than a typed array holds (a 3×3 kernel at a 256×256 output: from 7,282 channels; the built-in
 * model's channel cap, agents/builtin/model-config.ts MAX_CHANNELS, keeps it far below), and naming it and its size when
 * it is fewer but more than memory gives (refScratch). Before, a bare RangeError in both.
 */
function convScratch(g: ConvGeom, backward: boolean): Float32Array {
  const { C, KH, KW, OH, OW } = g;
  const floats = C * KH * KW * OH * OW;
  if (floats > MAX_TYPED_ARRAY_LENGTH) {
    throw new InputError(
      `${convWhat(g, backward)}: one image's im2col scratch (${C}·${KH}·${KW} × ${OH}·${OW} = ${floats} floats) is more than the ${MAX_TYPED_ARRAY_LENGTH} floats (2^32) a typed array can hold in the reference kernels (ASKFIRST_KERNELS=ref): use fewer channels, a smaller kernel or image`,
    );
  }
  return refScratch(floats, `${convWhat(g, backward)}: one image's im2col scratch (${C}·${KH}·${KW} × ${OH}·${OW}`);
}

/** y[n, f, :, :] = W[f]·cols(x[n]) + b[f]. y is overwritten. */
export function conv2dForwardRef(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, g: ConvGeom): void {
  const { N, C, H, W, F, KH, KW, OH, OW } = g;
  const K = C * KH * KW;
  const P = OH * OW;
  const cols = convScratch(g, false);
  const out = refScratch(F * P, `${convWhat(g, false)}: one image's output scratch (${F} filters × ${OH}·${OW}`);
  for (let n = 0; n < N; n++) {
    im2col(x, n * C * H * W, g, cols);
    gemmRef(w, cols, out, F, P, K);
    const yo = n * F * P;
    for (let f = 0; f < F; f++) {
      const bf = b ? b[f] : 0;
      for (let p = 0; p < P; p++) y[yo + f * P + p] = out[f * P + p] + bf;
    }
  }
}

/**
 * Gradients of conv2d, accumulated (+=): dw += Σ_n dy[n]·cols(x[n])ᵀ, db += Σ dy,
 * dx[n] += col2im(Wᵀ·dy[n]) (or = when overwriteDx). Pass null for gradients not needed: their im2col scratch
 * (C·KH·KW × OH·OW floats each, one for dw, one for dx) is then not allocated either.
 */
export function conv2dBackwardRef(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  dx: Float32Array | null,
  dw: Float32Array | null,
  db: Float32Array | null,
  g: ConvGeom,
  overwriteDx = false,
): void {
  const { N, C, H, W, F, KH, KW, OH, OW } = g;
  if (dx && overwriteDx) dx.fill(0, 0, N * C * H * W);
  const K = C * KH * KW;
  const P = OH * OW;
  // each scratch only for the gradient that uses it: x's columns for dw, their gradient for dx
  const cols = dw ? convScratch(g, true) : null;
  const dcols = dx ? convScratch(g, true) : null;
  for (let n = 0; n < N; n++) {
    const dyn = dy.subarray(n * F * P, (n + 1) * F * P);
    if (db) {
      for (let f = 0; f < F; f++) {
        let s = 0;
        for (let p = 0; p < P; p++) s += dyn[f * P + p];
        db[f] += s;
      }
    }
    if (dw && cols) {
      im2col(x, n * C * H * W, g, cols);
      gemmRef(dyn, cols, dw, F, K, P, false, true, true);
    }
    if (dx && dcols) {
      gemmRef(w, dyn, dcols, K, P, F, true, false, false);
      col2im(dcols, g, dx, n * C * H * W);
    }
  }
}

/**
 * Max-pool k×k windows with stride s (no padding) over P planes [P, H, W] → y [P, OH, OW];
 * arg (optional) gets the flat index into x of each window's first maximum (row-major scan,
 * strict `>`: ties go to the earliest element, as PyTorch). A NaN anywhere in a window makes
 * its maximum NaN and its index that of the window's last NaN, as PyTorch's max_pool2d (whose
 * scan takes `val > max || isnan(val)`); a plain `>` kept the NaN only when it came first.
 */
export function maxPool2dForwardRef(x: Float32Array, y: Float32Array, arg: Int32Array | null, P: number, H: number, W: number, k: number, s: number, OH: number, OW: number): void {
  let o = 0;
  for (let p = 0; p < P; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        let bi = base + oh * s * W + ow * s;
        let best = x[bi];
        for (let i = 0; i < k; i++) {
          const row = base + (oh * s + i) * W + ow * s;
          for (let j = 0; j < k; j++) {
            const v = x[row + j];
            if (v > best || v !== v) {
              best = v;
              bi = row + j;
            }
          }
        }
        y[o] = best;
        if (arg) arg[o] = bi;
      }
    }
  }
}

/** y = max(x, 0) elementwise (+0 for x ≤ 0; NaN stays NaN). */
export function reluForwardRef(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < y.length; i++) y[i] = x[i] <= 0 ? 0 : x[i];
}

/**
 * dx (+)= dy where x > 0 or x is NaN, else 0 (accumulate = false overwrites dx): PyTorch's
 * threshold_backward zeroes the gradient only where relu's output is <= 0, so a NaN passes it.
 */
export function reluBackwardRef(x: Float32Array, dy: Float32Array, dx: Float32Array, accumulate: boolean): void {
  for (let i = 0; i < dx.length; i++) {
    const g = x[i] <= 0 ? 0 : dy[i];
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

/** AdamW hyper-parameters of one step (see AdamW in optim.ts). */
export interface AdamStepParams {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** √(1 − β2ᵗ) */
  sqrtBc2: number;
  /** 1 − lr · weightDecay */
  decay: number;
}

/**
 * In place: m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²; w = w·decay − stepSize·m / (√v / √bc2 + ε).
 * In float64, except that a v past float32's range (|g| ≳ 5.8e20 at β2 = 0.999) is ∞, as stored and as
 * the WASM twin and PyTorch's Adam compute it: the weight then stays (the update read v's float64 value and moved it).
 */
export function adamStepRef(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamStepParams): void {
  const { beta1: b1, beta2: b2, eps, stepSize, sqrtBc2, decay } = h;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
    const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
    w[i] = w[i] * decay - (stepSize * mi) / (Math.sqrt(v[i] === Infinity ? Infinity : vi) / sqrtBc2 + eps);
  }
}

/**
 * The max-pool gradient: dx[arg[o]] += dy[o] for every output o (arg from maxPool2dForwardRef),
 * only where y[o] > 0 or y[o] is NaN when y is given (a ReLU before the pool folded in: its
 * output is > 0, or NaN, exactly where the pooled maximum is, and its backward passes the
 * gradient there, as reluBackwardRef). accumulate = false overwrites dx (zeros elsewhere).
 */
export function maxPool2dBackwardRef(dy: Float32Array, y: Float32Array | null, arg: Int32Array, dx: Float32Array, accumulate: boolean): void {
  if (!accumulate) dx.fill(0);
  for (let o = 0; o < dy.length; o++) if (!y || !(y[o] <= 0)) dx[arg[o]] += dy[o];
}
