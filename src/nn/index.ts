/**
 * askfirst's tensor engine (nn/): flat Float32Array tensors, reverse-mode autograd, layers,
 * optimizers, schedules, seeded init, safetensors checkpoints, and kernels for GEMM, conv,
 * max-pool, ReLU and the Adam update (a plain TypeScript reference and a WebAssembly SIMD
 * backend over all cores; see kernels/index.ts). Profile a training step with
 * `npx tsx bench/engine-profile.ts`; compare with PyTorch with `npx tsx bench/engine.ts`.
 *
 * Layout conventions: row-major; images NCHW; linear weights [out, in] (PyTorch's layout, so
 * checkpoints map 1:1 onto torch state dicts); conv weights [F, C, KH, KW].
 *
 * @example
 * ```ts
 * import { Conv2d, Linear, Sequential, relu, maxPool2d, flatten, crossEntropy,
 *          AdamW, warmupCosine, clipGradNorm, noGrad, tensor, saveCheckpoint } from '../nn/index.js';
 * import { Rng } from '../util/rng.js';
 * const rng = new Rng(42);
 * const net = new Sequential(
 *   new Conv2d(3, 16, 3, { pad: 1, rng }), relu, (x) => maxPool2d(x, 2),  // [N,16,32,32]
 *   flatten,                                                              // [N,16384]
 *   new Linear(16 * 32 * 32, 10, { rng }),
 * );
 * const opt = new AdamW(net.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * const sched = warmupCosine({ lr: 1e-3, warmupSteps: 100, totalSteps: 5000 });
 * const x = tensor(pixels, [64, 3, 64, 64]);                 // float pixels, NCHW
 * opt.zeroGrad();
 * const loss = crossEntropy(net.forward(x), labels);         // mean over the batch
 * loss.backward();
 * clipGradNorm(net.parameters(), 1.0);
 * opt.lr = sched(step); opt.step();
 * const logits = noGrad(() => net.forward(x));               // inference: no graph
 * saveCheckpoint('runs/x/ckpt', net, { config: { arch: 'demo' } });
 * ```
 * Option scoring (variable option counts per row): pad scores to [B, K], pass a mask:
 * `const lp = logSoftmax(scores, mask); const chosen = gather(lp, actions);`.
 * PPO/GRPO pieces: `exp(sub(lp, oldLp))`, `clamp`, `minimum`, `mul`, `mean`, `neg`.
 */
export { Tensor, tensor, zeros, ones, full, scalar, parameter, noGrad, isGradEnabled, shapeSize, shapeStr, makeResult } from './tensor.js';
export {
  add,
  sub,
  mul,
  div,
  neg,
  addScalar,
  mulScalar,
  exp,
  log,
  sqrt,
  square,
  abs,
  tanh,
  sigmoid,
  logSigmoid,
  relu,
  gelu,
  clamp,
  minimum,
  maximum,
  broadcastShape,
} from './ops/elementwise.js';
export { sum, mean } from './ops/reduce.js';
export { reshape, flatten, concat, transpose, selectRows } from './ops/shape.js';
export { matmul, linear } from './ops/linalg.js';
export { conv2d, maxPool2d, globalAvgPool, type Conv2dOptions } from './ops/conv.js';
export { layerNorm } from './ops/norm.js';
export { softmax, logSoftmax, crossEntropy, gather, MASKED_LOGP, type Mask, type CrossEntropyOptions } from './ops/softmax.js';
export { embedding, bagOfTokens } from './ops/embedding.js';
export { Module, Linear, Conv2d, LayerNorm, Embedding, Sequential, expectShape, type Layer, type TensorData } from './module.js';
export { Optimizer, AdamW, SGD, clipGradNorm, gradNorm, type AdamWOptions, type SGDOptions } from './optim.js';
export { constantLR, warmupCosine, type Schedule, type WarmupCosineOptions } from './schedule.js';
export { kaimingUniform, kaimingNormal, xavierUniform, xavierNormal, fans } from './init.js';
export { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, CHECKSUM_KEY, type SafetensorsContents } from './safetensors.js';
export { saveCheckpoint, readCheckpoint, readCheckpointConfig, loadCheckpointInto, optimizerExtras, restoreOptimizer, checkFinite, configJson, WEIGHTS_FILE, CONFIG_FILE, type LoadedCheckpoint, type ReadCheckpointOptions } from './checkpoint.js';
export { oldCheckpointsAllowed, ALLOW_OLD_CHECKPOINT_ENV } from './old-checkpoints.js';
export { RunDir, resolveCheckpointDir, savedConfig, weightsDigest, weightsDigestIfAny, RUN_OPTIONS, CHECKPOINTS_DIR, FINAL_DIR, STATE_FILE, type CompleteCheckpoint, type RunContents } from './run-dir.js';
export { stopIfDiverged, stopIfWeightsDiverged, type RunPosition } from './diverged.js';
export { gradCheck, type GradCheckResult } from './gradcheck.js';
export { kernels, setKernels, refKernels } from './kernels/index.js';
export type { Kernels } from './kernels/types.js';
