/**
 * Modules: named, trainable parameters and child modules (PyTorch's nn.Module pattern).
 * Names are dotted paths ("encoder.conv1.weight") — the keys of checkpoints. Layers: Linear,
 * Conv2d, LayerNorm, Embedding, and Sequential composition of layers and plain functions.
 * Every layer initialises from a seeded Rng (init.ts), so the same seed gives the same model.
 */
import { DataError, InputError } from '../util/errors.js';
import { kaimingUniform, xavierUniform } from './init.js';
import { conv2d } from './ops/conv.js';
import { bagOfTokens, embedding } from './ops/embedding.js';
import { linear } from './ops/linalg.js';
import { layerNorm } from './ops/norm.js';
import { Rng } from '../util/rng.js';
import { Tensor, markInternal, shapeStr } from './tensor.js';

/** Anything a Sequential can hold: a module with forward(x), or a plain function. */
export type Layer = { forward(x: Tensor): Tensor } | ((x: Tensor) => Tensor);

/** Plain tensor data, as read from a checkpoint. */
export interface TensorData {
  data: Float32Array;
  shape: number[];
}

export class Module {
  /** False after eval(); layers with train/eval differences read it. */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Register a trainable parameter under `name`. */
  protected addParameter(name: string, data: Float32Array, shape: readonly number[]): Tensor {
    const t = new Tensor(data, shape, true);
    t.name = name;
    this.params.set(name, t);
    return t;
  }

  /**
   * Register a child module under `name` (its parameters become `name.…`, and so do their
   * `Tensor.name`s, which optimizers key their saved state by: two layers' "weight" must not
   * share one entry).
   */
  protected addModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    for (const [n, p] of m.namedParameters()) p.name = `${name}.${n}`;
    return m;
  }

  /** [dotted name, parameter] for this module and all descendants, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((a, p) => a + p.size, 0);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** name → parameter (shares data; copy before mutating if you keep it). */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copy values into the parameters. Strict (default): every parameter must be present with
   * the same shape and no extra names may appear; otherwise a DataError lists the mismatches.
   */
  loadStateDict(state: ReadonlyMap<string, TensorData> | Record<string, TensorData>, strict = true, file?: string): void {
    const map: ReadonlyMap<string, TensorData> = state instanceof Map ? state : new Map(Object.entries(state as Record<string, TensorData>));
    const problems: string[] = [];
    const mine = this.namedParameters();
    for (const [name, p] of mine) {
      const t = map.get(name);
      if (!t) {
        if (strict) problems.push(`missing ${name} ${shapeStr(p.shape)}`);
        continue;
      }
      if (t.shape.length !== p.shape.length || t.shape.some((d: number, i: number) => d !== p.shape[i])) {
        problems.push(`${name}: checkpoint has ${shapeStr(t.shape)}, model wants ${shapeStr(p.shape)}`);
        continue;
      }
      p.data.set(t.data);
    }
    if (strict) {
      const names = new Set(mine.map(([n]) => n));
      for (const n of map.keys()) if (!names.has(n)) problems.push(`unexpected ${n}`);
    }
    if (problems.length) throw new DataError(`checkpoint does not match the model: ${problems.join('; ')}`, { file });
  }
}

export interface LinearOptions {
  bias?: boolean;
  rng?: Rng;
  /** 'kaiming' (default, for ReLU nets) or 'xavier'. */
  init?: 'kaiming' | 'xavier';
}

/** y = x·Wᵀ + b; weight [out, in], bias [out] (zeros at init). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    const rng = opts.rng ?? new Rng(0);
    const shape = [outFeatures, inFeatures];
    const w = opts.init === 'xavier' ? xavierUniform(shape, rng) : kaimingUniform(shape, rng);
    this.weight = this.addParameter('weight', w, shape);
    this.bias = opts.bias === false ? null : this.addParameter('bias', new Float32Array(outFeatures), [outFeatures]);
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export interface Conv2dLayerOptions {
  stride?: number;
  pad?: number;
  bias?: boolean;
  rng?: Rng;
}

/** 2-D convolution layer; weight [out, in, k, k] (Kaiming-uniform), bias [out] (zeros). */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly pad: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: Conv2dLayerOptions = {},
  ) {
    super();
    const rng = opts.rng ?? new Rng(0);
    const shape = [outChannels, inChannels, kernelSize, kernelSize];
    this.weight = this.addParameter('weight', kaimingUniform(shape, rng), shape);
    this.bias = opts.bias === false ? null : this.addParameter('bias', new Float32Array(outChannels), [outChannels]);
    this.stride = opts.stride ?? 1;
    this.pad = opts.pad ?? 0;
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, pad: this.pad });
  }
}

/** Layer norm over the last axis with learned gain (ones) and shift (zeros). */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.addParameter('weight', new Float32Array(dim).fill(1), [dim]);
    this.bias = this.addParameter('bias', new Float32Array(dim), [dim]);
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** A [V, D] embedding table, initialised N(0, 1/D) (std 1/√D). */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    opts: { rng?: Rng } = {},
  ) {
    super();
    const rng = opts.rng ?? new Rng(0);
    const w = new Float32Array(numEmbeddings * dim);
    const std = 1 / Math.sqrt(dim);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal(0, std);
    this.weight = this.addParameter('weight', w, [numEmbeddings, dim]);
  }
  /** ids laid out as `shape` → [...shape, D]. */
  forward(ids: ArrayLike<number>, shape?: readonly number[]): Tensor {
    return embedding(this.weight, ids, shape);
  }
  /** Mean embedding of the valid tokens of each row: ids/mask [B, L] → [B, D]. */
  bag(ids: ArrayLike<number>, mask: ArrayLike<number | boolean>, B: number, L: number): Tensor {
    return bagOfTokens(this.weight, ids, mask, B, L);
  }
}

/** Applies its layers in order. Module layers are registered as children "0", "1", …. */
export class Sequential extends Module {
  readonly layers: Layer[];
  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => {
      if (l instanceof Module) this.addModule(String(i), l);
    });
  }
  /**
   * The layers in order. With grad on, the intermediate outputs (never the input, the result,
   * or anything sharing their buffers) are internal: their buffers are recycled once a backward
   * pass through them has finished (markInternal). A layer must therefore not keep its input or
   * output for use after backward (none of this package's layers do).
   */
  forward(x: Tensor): Tensor {
    let y = x;
    const inner: Tensor[] = [];
    for (const l of this.layers) {
      y = typeof l === 'function' ? l(y) : l.forward(y);
      if (y.requiresGrad && y !== x) inner.push(y);
    }
    for (const t of inner) if (t !== y && t.data.buffer !== x.data.buffer && t.data.buffer !== y.data.buffer) markInternal(t);
    return y;
  }
}

/** Check a tensor's shape, with a message naming `what`. */
export function expectShape(t: Tensor, shape: readonly (number | null)[], what: string): void {
  if (t.ndim !== shape.length || shape.some((d, i) => d !== null && d !== t.shape[i])) {
    throw new InputError(`${what}: expected shape ${shapeStr(shape.map((d) => d ?? -1))}, got ${shapeStr(t.shape)}`);
  }
}
