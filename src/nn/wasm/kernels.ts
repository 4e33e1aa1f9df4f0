/**
 * WebAssembly SIMD kernels (AssemblyScript; compiled by `npm run build` to build/kernels.wasm).
 * This entry file re-exports the kernels of the sibling files: gemm.ts (blocked, packed GEMM),
 * conv.ts (im2col convolution and its gradients), pool.ts (max-pooling), elementwise.ts
 * (ReLU, sums of gradient slots), optim.ts (Adam).
 *
 * Memory is imported (shared between threads); every pointer is a byte offset chosen by the
 * JS side (kernels/wasm.ts), which also splits work between threads. No runtime, no static data.
 */
export { gemm, gemmShared, gemmScratchBytes } from './gemm';
export { conv2dForward, conv2dBackward, convScratchBytes, convBackwardScratchBytes } from './conv';
export { maxPool2dForward, maxPool2dBackward } from './pool';
export { reluForward, reluBackward, sumSlots } from './elementwise';
export { adamStep } from './optim';
