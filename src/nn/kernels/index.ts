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
import { ConfigError, describeError } from '../../util/errors.js';
import { adamStepRef, conv2dBackwardRef, conv2dForwardRef, gemmRef, maxPool2dBackwardRef, maxPool2dForwardRef, reluBackwardRef, reluForwardRef } from './ref.js';
import type { Kernels } from './types.js';
import { loadWasmKernels } from './wasm.js';

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
      process.stderr.write(`askfirst: WASM kernels unavailable (${describeError(e)}); using the slow TypeScript reference kernels. Run \`npm run build\`.\n`);
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
