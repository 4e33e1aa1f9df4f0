/**
 * Kernel dispatch: the ops call `kernels()` for GEMM, convolution, max-pooling, ReLU and the
 * Adam update, which is either the plain-TypeScript reference (kernels/ref.ts) or the
 * WebAssembly SIMD backend (kernels/wasm.ts, multi-threaded over a shared WebAssembly.Memory).
 * Every fast kernel has its reference twin and an agreement test (kernels/kernels.test.ts).
 *
 * The backend is chosen on first use: `ASKFIRST_KERNELS=ref|wasm|auto` (default auto = wasm
 * if build/kernels.wasm loads, else ref with a one-line warning), and `ASKFIRST_THREADS=n`
 * (default: all cores, at most 8). `setKernels('ref')` switches at run time (tests do this).
 */
import { ConfigError } from '../../util/errors.js';
import { type AdamStepParams, type ConvGeom, adamStepRef, conv2dBackwardRef, conv2dForwardRef, gemmRef, maxPool2dBackwardRef, maxPool2dForwardRef, reluBackwardRef, reluForwardRef } from './ref.js';
import { loadWasmKernels } from './wasm.js';

export interface Kernels {
  readonly name: 'ref' | 'wasm';
  readonly threads: number;
  /** C = op(A)·op(B) (+C if accumulate); see gemmRef. */
  gemm(A: Float32Array, B: Float32Array, C: Float32Array, M: number, N: number, K: number, transA?: boolean, transB?: boolean, accumulate?: boolean): void;
  /** y = conv(x, w) + b (y overwritten). */
  conv2dForward(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, g: ConvGeom): void;
  /** dx, dw, db += the conv gradients (null = not needed); overwriteDx: dx = instead of +=. */
  conv2dBackward(x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, g: ConvGeom, overwriteDx?: boolean): void;
  /** Max-pool P planes [P, H, W] → y [P, OH, OW] (k×k windows, stride s); arg = first-max flat indices (or null). */
  maxPool2dForward(x: Float32Array, y: Float32Array, arg: Int32Array | null, P: number, H: number, W: number, k: number, s: number, OH: number, OW: number): void;
  /**
   * dx[arg[o]] += dy[o] over P planes (dx.length / P inputs, dy.length / P outputs each), only
   * where y[o] > 0 when y is given (a ReLU before the pool folded in); accumulate = false
   * overwrites dx.
   */
  maxPool2dBackward(dy: Float32Array, y: Float32Array | null, arg: Int32Array, dx: Float32Array, P: number, accumulate: boolean): void;
  /** y = max(x, 0) (NaN stays NaN); y.length elements. */
  reluForward(x: Float32Array, y: Float32Array): void;
  /** dx (+)= dy where x > 0 (else 0); dx.length elements; accumulate = false overwrites dx. */
  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, accumulate: boolean): void;
  /** One AdamW update of w, m, v in place from g (all w.length long). */
  adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamStepParams): void;
}

export const refKernels: Kernels = {
  name: 'ref',
  threads: 1,
  gemm: gemmRef,
  conv2dForward: conv2dForwardRef,
  conv2dBackward: conv2dBackwardRef,
  maxPool2dForward: maxPool2dForwardRef,
  maxPool2dBackward: (dy, y, arg, dx, _P, accumulate) => maxPool2dBackwardRef(dy, y, arg, dx, accumulate),
  reluForward: reluForwardRef,
  reluBackward: reluBackwardRef,
  adamStep: adamStepRef,
};

let current: Kernels | null = null;
let warned = false;

export function defaultThreads(): number {
  const env = process.env.ASKFIRST_THREADS;
  if (env) {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`ASKFIRST_THREADS must be a positive integer, got "${env}"`);
    return n;
  }
  return 0; // auto
}

/** The active kernels (loaded on first call). */
export function kernels(): Kernels {
  if (current) return current;
  const want = process.env.ASKFIRST_KERNELS ?? 'auto';
  if (want === 'ref') return (current = refKernels);
  if (want !== 'wasm' && want !== 'auto') throw new ConfigError(`ASKFIRST_KERNELS must be ref, wasm or auto, got "${want}"`);
  try {
    current = loadWasmKernels(defaultThreads());
  } catch (e) {
    if (want === 'wasm') throw e;
    if (!warned) {
      warned = true;
      process.stderr.write(`askfirst: WASM kernels unavailable (${(e as Error).message}); using the slow TypeScript reference kernels. Run \`npm run build\`.\n`);
    }
    current = refKernels;
  }
  return current;
}

/** Switch backends: 'ref', 'wasm' (throws if it cannot load), or a custom Kernels object. */
export function setKernels(k: 'ref' | 'wasm' | Kernels, threads = 0): Kernels {
  if (k === 'ref') current = refKernels;
  else if (k === 'wasm') current = loadWasmKernels(threads || defaultThreads());
  else current = k;
  return current;
}
