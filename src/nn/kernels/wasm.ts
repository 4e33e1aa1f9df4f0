/** WebAssembly SIMD kernels (work in progress: not built yet, the reference kernels are used). */
import type { Kernels } from './index.js';

export function loadWasmKernels(_threads: number): Kernels {
  throw new Error('WASM kernels are not built yet');
}
