/**
 * 2-D convolution (cross-correlation, NCHW, weight [F, C, KH, KW], zero padding, stride — as
 * PyTorch's conv2d) on the active conv kernel, and max-pooling (kernel k, stride s; the
 * gradient goes to the first maximum of each window — or, when the window holds a NaN, the
 * output is NaN and the gradient goes to its last NaN — as in PyTorch; after a ReLU it goes
 * straight to the ReLU's input, see reluInput).
 */
import { InputError } from '../../util/errors.js';
import { recycle, takeF32, takeI32 } from '../bufpool.js';
import { kernels } from '../kernels/index.js';
import { reluInput } from './elementwise.js';
import { convGeom } from '../kernels/ref.js';
import { Tensor, gradForWrite, isGradEnabled, makeResult, shapeStr } from '../tensor.js';

export interface Conv2dOptions {
  /** Zero padding on every side (default 0). */
  pad?: number;
  /** Stride (default 1). */
  stride?: number;
}

/** x [N, C, H, W] ⊛ w [F, C, KH, KW] + b [F] → [N, F, OH, OW]. */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const pad = opts.pad ?? 0;
  const stride = opts.stride ?? 1;
  if (x.ndim !== 4) throw new InputError(`conv2d input must be [N, C, H, W], got ${shapeStr(x.shape)}`);
  if (w.ndim !== 4 || w.shape[1] !== x.shape[1]) {
    throw new InputError(`conv2d weight ${shapeStr(w.shape)} does not match input ${shapeStr(x.shape)} (want [F, ${x.shape[1]}, KH, KW])`);
  }
  if (b && b.size !== w.shape[0]) throw new InputError(`conv2d bias has ${b.size} values, expected ${w.shape[0]}`);
  if (!Number.isInteger(pad) || pad < 0 || !Number.isInteger(stride) || stride < 1) {
    throw new InputError(`conv2d: pad must be an integer >= 0 and stride >= 1 (got pad ${pad}, stride ${stride})`);
  }
  const [N, C, H, W] = x.shape;
  const [F, , KH, KW] = w.shape;
  const g = convGeom(N, C, H, W, F, KH, KW, stride, pad);
  if (g.OH < 1 || g.OW < 1) throw new InputError(`conv2d: kernel ${KH}×${KW} with pad ${pad} does not fit input ${H}×${W}`);
  const out = takeF32(N * F * g.OH * g.OW); // the kernel writes every value
  kernels().conv2dForward(x.data, w.data, b ? b.data : null, out, g);
  const parents = b ? [x, w, b] : [x, w];
  return makeResult(out, [N, F, g.OH, g.OW], parents, (o) => {
    const [dx, accDx] = x.requiresGrad ? gradForWrite(x) : [null, true];
    kernels().conv2dBackward(x.data, w.data, o.grad!, dx, w.requiresGrad ? w.ensureGrad() : null, b && b.requiresGrad ? b.ensureGrad() : null, g, !accDx);
  });
}

/** Max-pool over k×k windows with stride s (default s = k), no padding: [N, C, H, W] → [N, C, OH, OW]. */
export function maxPool2d(x: Tensor, k = 2, s = k): Tensor {
  if (x.ndim !== 4) throw new InputError(`maxPool2d input must be [N, C, H, W], got ${shapeStr(x.shape)}`);
  if (!Number.isInteger(k) || k < 1 || !Number.isInteger(s) || s < 1) {
    // (a window of 0, a negative or fractional one, or a fractional stride gave a bigger output
    // read from outside each plane, silently)
    throw new InputError(`maxPool2d: window and stride must be integers >= 1 (got window ${k}, stride ${s})`);
  }
  const [N, C, H, W] = x.shape;
  const OH = Math.floor((H - k) / s) + 1;
  const OW = Math.floor((W - k) / s) + 1;
  if (OH < 1 || OW < 1) throw new InputError(`maxPool2d: window ${k} does not fit input ${H}×${W}`);
  const out = takeF32(N * C * OH * OW); // the kernel writes every value
  // Argmax indices only when a backward pass can follow (no-grad allocates just the output).
  // (op-private, so it goes back to the buffer pool once the backward has used it)
  const arg = isGradEnabled() && x.requiresGrad ? takeI32(out.length) : null;
  kernels().maxPool2dForward(x.data, out, arg, N * C, H, W, k, s, OH, OW);
  return makeResult(out, [N, C, OH, OW], [x], (r) => {
    // after a ReLU, its backward is folded in: the gradient goes where the pooled maximum (the
    // ReLU's output) is > 0 or NaN, straight to the ReLU's input
    const pre = reluInput(x);
    const [dx, acc] = gradForWrite(pre ?? x);
    kernels().maxPool2dBackward(r.grad!, pre ? r.data : null, arg!, dx, N * C, acc);
    recycle(arg!);
  });
}

/** Mean over the spatial dims: [N, C, H, W] → [N, C]. */
export function globalAvgPool(x: Tensor): Tensor {
  if (x.ndim !== 4) throw new InputError(`globalAvgPool input must be [N, C, H, W], got ${shapeStr(x.shape)}`);
  const [N, C, H, W] = x.shape;
  const P = H * W;
  const X = x.data;
  const out = new Float32Array(N * C);
  for (let i = 0; i < N * C; i++) {
    let sum = 0;
    for (let p = 0; p < P; p++) sum += X[i * P + p];
    out[i] = sum / P;
  }
  return makeResult(out, [N, C], [x], (r) => {
    const g = r.grad!;
    const gx = x.ensureGrad();
    for (let i = 0; i < N * C; i++) {
      const v = g[i] / P;
      for (let p = 0; p < P; p++) gx[i * P + p] += v;
    }
  });
}
