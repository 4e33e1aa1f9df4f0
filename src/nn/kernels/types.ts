/**
 * The kernel interface both backends implement (the TypeScript reference in ref.ts, the
 * WebAssembly SIMD backend in wasm.ts); index.ts picks one.
 */
import type { AdamStepParams, ConvGeom } from './ref.js';

export interface Kernels {
  readonly name: 'ref' | 'wasm';
  readonly threads: number;
  /** C = op(A)·op(B) (+C if accumulate); see gemmRef. */
  gemm(A: Float32Array, B: Float32Array, C: Float32Array, M: number, N: number, K: number, transA?: boolean, transB?: boolean, accumulate?: boolean): void;
  /** y = conv(x, w) + b (y overwritten). */
  conv2dForward(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, g: ConvGeom): void;
  /** dx, dw, db += the conv gradients (null = not needed); overwriteDx: dx = instead of +=. */
  conv2dBackward(x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, g: ConvGeom, overwriteDx?: boolean): void;
  /** Max-pool P planes [P, H, W] → y [P, OH, OW] (k×k windows, stride s); arg = first-max flat indices (or null); a NaN in a window wins (its last NaN), as PyTorch. */
  maxPool2dForward(x: Float32Array, y: Float32Array, arg: Int32Array | null, P: number, H: number, W: number, k: number, s: number, OH: number, OW: number): void;
  /**
   * dx[arg[o]] += dy[o] over P planes (dx.length / P inputs, dy.length / P outputs each), only
   * where y[o] > 0 or is NaN when y is given (a ReLU before the pool folded in); accumulate = false
   * overwrites dx.
   */
  maxPool2dBackward(dy: Float32Array, y: Float32Array | null, arg: Int32Array, dx: Float32Array, P: number, accumulate: boolean): void;
  /** y = max(x, 0) (NaN stays NaN); y.length elements. */
  reluForward(x: Float32Array, y: Float32Array): void;
  /** dx (+)= dy where x > 0 or x is NaN (else 0, as PyTorch); dx.length elements; accumulate = false overwrites dx. */
  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, accumulate: boolean): void;
  /** One AdamW update of w, m, v in place from g (all w.length long). */
  adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamStepParams): void;
}
