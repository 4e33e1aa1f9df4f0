/**
 * Optimizers and gradient clipping. AdamW: Loshchilov & Hutter (2019), "Decoupled Weight
 * Decay Regularization" (Adam of Kingma & Ba, 2015, with bias correction, decay applied to
 * the weights directly, as torch.optim.AdamW). SGD with (Nesterov) momentum as torch.optim.SGD.
 * Clipping by global norm: Pascanu et al. (2013), as torch.nn.utils.clip_grad_norm_.
 */
import { ConfigError } from '../util/errors.js';
import { kernels } from './kernels/index.js';
import type { Tensor } from './tensor.js';

export abstract class Optimizer {
  /** Current learning rate (set it each step from a schedule). */
  lr: number;
  /** Steps taken so far. */
  stepCount = 0;
  constructor(
    readonly params: Tensor[],
    lr: number,
  ) {
    if (!(lr >= 0)) throw new ConfigError(`learning rate must be >= 0, got ${lr}`);
    this.lr = lr;
  }
  /** Set every parameter's gradient to zero. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }
  /** Update the parameters from their gradients (parameters without a grad are skipped). */
  abstract step(): void;
  /** Optimizer state for checkpoints: named buffers + step count. */
  abstract stateBuffers(): Map<string, Float32Array>;
}

export interface AdamWOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (default 0.01, as PyTorch; 0 gives plain Adam). */
  weightDecay?: number;
}

export class AdamW extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  constructor(params: Tensor[], opts: AdamWOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1)) {
      throw new ConfigError(`AdamW betas must be in [0, 1), got ${this.beta1}, ${this.beta2}`);
    }
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }
  step(): void {
    this.stepCount++;
    const { beta1: b1, beta2: b2, eps, lr, weightDecay: wd } = this;
    const bc1 = 1 - b1 ** this.stepCount;
    const bc2 = 1 - b2 ** this.stepCount;
    const h = { beta1: b1, beta2: b2, eps, stepSize: lr / bc1, sqrtBc2: Math.sqrt(bc2), decay: 1 - lr * wd };
    const k = kernels();
    this.params.forEach((p, i) => {
      if (p.grad) k.adamStep(p.data, p.grad, this.m[i], this.v[i], h);
    });
  }
  stateBuffers(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    this.params.forEach((p, k) => {
      out.set(`${p.name ?? k}.exp_avg`, this.m[k]);
      out.set(`${p.name ?? k}.exp_avg_sq`, this.v[k]);
    });
    return out;
  }
}

export interface SGDOptions {
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient (coupled, as torch.optim.SGD). */
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly buf: (Float32Array | null)[];
  constructor(params: Tensor[], opts: SGDOptions = {}) {
    super(params, opts.lr ?? 1e-2);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    if (this.nesterov && this.momentum <= 0) throw new ConfigError('SGD: nesterov needs momentum > 0');
    this.buf = params.map(() => null);
  }
  step(): void {
    this.stepCount++;
    const { lr, momentum: mu, weightDecay: wd, nesterov } = this;
    this.params.forEach((p, k) => {
      const g = p.grad;
      if (!g) return;
      const w = p.data;
      let b = this.buf[k];
      if (mu > 0 && !b) {
        b = this.buf[k] = new Float32Array(w.length);
        for (let i = 0; i < w.length; i++) b[i] = g[i] + wd * w[i]; // first step: buf = grad
        for (let i = 0; i < w.length; i++) w[i] -= lr * (nesterov ? g[i] + wd * w[i] + mu * b[i] : b[i]);
        return;
      }
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] + wd * w[i];
        if (b) {
          b[i] = mu * b[i] + gi;
          w[i] -= lr * (nesterov ? gi + mu * b[i] : b[i]);
        } else w[i] -= lr * gi;
      }
    });
  }
  stateBuffers(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    this.params.forEach((p, k) => {
      const b = this.buf[k];
      if (b) out.set(`${p.name ?? k}.momentum_buffer`, b);
    });
    return out;
  }
}

/** The global L2 norm of all gradients. */
export function gradNorm(params: readonly Tensor[]): number {
  let s = 0;
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  }
  return Math.sqrt(s);
}

/** Scale all gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  const n = gradNorm(params);
  if (n > maxNorm && n > 0) {
    const s = maxNorm / (n + 1e-6);
    for (const p of params) {
      const g = p.grad;
      if (g) for (let i = 0; i < g.length; i++) g[i] *= s;
    }
  }
  return n;
}
