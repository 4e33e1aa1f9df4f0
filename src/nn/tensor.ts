/**
 * Tensors and reverse-mode automatic differentiation (a dynamic graph of closures, as in
 * PyTorch's autograd / micrograd): every op that sees an input with `requiresGrad` records a
 * node holding its parents and a `backward` closure that adds the op's vector–Jacobian product
 * into the parents' `grad` buffers. `loss.backward()` visits the graph once in reverse
 * topological order and then releases it (closures are dropped so buffers can be collected).
 *
 * Data is a flat, row-major `Float32Array`; `shape` lists the dimensions (outermost first).
 * Inside `noGrad(() => …)` ops record nothing and allocate only their outputs.
 */
import { InputError } from '../util/errors.js';
import { recycle, takeF32, takeZeroedF32 } from './bufpool.js';

let gradEnabled = true;

/** Whether ops currently record the graph (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording the autograd graph (inference, evaluation, target networks). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export class Tensor {
  /** Flat row-major values; length = product of `shape`. */
  data: Float32Array;
  readonly shape: number[];
  /** Accumulated gradient (same length as data), allocated on first use. */
  grad: Float32Array | null = null;
  /** True for parameters and for any tensor computed from one while grad is enabled. */
  requiresGrad: boolean;
  /** Optional name (parameters get their dotted module path). */
  name?: string;
  /** @internal graph edges, set by ops. */
  _parents: Tensor[] = [];
  /** @internal adds this node's vector–Jacobian product into the parents' grads. */
  _backward: (() => void) | null = null;

  constructor(data: Float32Array, shape: readonly number[], requiresGrad = false) {
    const n = shapeSize(shape);
    if (data.length !== n) {
      throw new InputError(`tensor data has ${data.length} values but shape ${shapeStr(shape)} needs ${n}`);
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new InputError(`bad tensor shape ${shapeStr(shape)}: dims must be integers >= 0`);
    }
    this.data = data;
    this.shape = [...shape];
    this.requiresGrad = requiresGrad;
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor (a loss, a metric). */
  item(): number {
    if (this.data.length !== 1) throw new InputError(`item() needs a one-element tensor, got shape ${shapeStr(this.shape)}`);
    return this.data[0];
  }

  /** The gradient buffer, allocated (zeroed) if absent. */
  ensureGrad(): Float32Array {
    if (!this.grad) this.grad = takeZeroedF32(this.data.length);
    return this.grad;
  }

  zeroGrad(): void {
    if (this.grad) this.grad.fill(0);
  }

  /** A tensor sharing this one's data but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** A deep copy of the values (no graph). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, false);
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  toString(): string {
    return `Tensor${shapeStr(this.shape)}${this.name ? ` ${this.name}` : ''}`;
  }

  /**
   * Back-propagate from this tensor. A scalar gets d(this)/d(this) = 1; any other shape needs
   * an explicit upstream gradient. Gradients accumulate into `.grad` of every tensor that
   * requires them; the graph is released afterwards (call backward once per forward).
   */
  backward(upstream?: Float32Array): void {
    if (!this.requiresGrad) {
      throw new InputError('backward() on a tensor that does not require grad (was it computed inside noGrad, or from no parameter?)');
    }
    if (!upstream && this.data.length !== 1) {
      throw new InputError(`backward() without an upstream gradient needs a scalar, got shape ${shapeStr(this.shape)}`);
    }
    const order = topoOrder(this);
    const g = this.ensureGrad();
    if (upstream) {
      if (upstream.length !== g.length) throw new InputError(`upstream gradient has ${upstream.length} values, tensor has ${g.length}`);
      for (let i = 0; i < g.length; i++) g[i] += upstream[i];
    } else g[0] += 1;
    const prevRoot = enterBackward(this);
    try {
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        if (t._backward) {
          t._backward();
          t._backward = null;
          t._parents = [];
          // Intermediate gradients are not needed any more: recycle them (leaves keep theirs).
          if (t !== this && t.grad) {
            recycle(t.grad);
            t.grad = null;
          }
        }
      }
      releaseInternal(order); // only after a complete pass
    } finally {
      backwardRoot = prevRoot;
    }
  }
}

// ---------------------------------------------------------------- internal activations
/**
 * Activations nothing outside the engine can reach: Sequential's intermediate outputs (see
 * markInternal). Once a backward pass through them has finished, no closure needs their values
 * any more, so their buffers go back to the pool (bufpool) for the next forward pass's outputs
 * — a fresh 16 MB activation costs more to fault in than the convolution that fills it.
 */
const internal = new WeakSet<Tensor>();
/** What a released activation's data becomes: empty, so a stray read fails loudly (NaN, length 0). */
const RELEASED = new Float32Array(0);

/**
 * Tests and Sequential: declare t an activation only the engine holds (no user reference to t
 * or to its data, and no buffer shared with a tensor that is not also internal — views of one
 * buffer are released once). Its buffer is recycled after the backward pass that visits it.
 */
export function markInternal(t: Tensor): void {
  if (t.requiresGrad && t._backward) internal.add(t);
}

function releaseInternal(order: Tensor[]): void {
  const bufs = new Set<ArrayBufferLike>();
  for (const t of order) {
    if (!internal.has(t)) continue;
    internal.delete(t);
    const d = t.data;
    t.data = RELEASED;
    if (bufs.has(d.buffer)) continue;
    bufs.add(d.buffer);
    recycle(d);
  }
}

// ---------------------------------------------------------------- gradient helpers for ops
/** The tensor whose backward() is running (its gradient stays; the others are released). */
let backwardRoot: Tensor | null = null;

/** Make `root` the running backward's root; returns the previous one (to restore). */
function enterBackward(root: Tensor): Tensor | null {
  const prev = backwardRoot;
  backwardRoot = root;
  return prev;
}

/**
 * to.grad += from.grad (same length), for the backward of a view op (reshape). When `to` has
 * no gradient yet and `from` is an intermediate (its gradient is released right after its own
 * backward), the buffer is handed over instead of copied.
 */
export function passGrad(from: Tensor, to: Tensor): void {
  const g = from.grad!;
  if (!to.grad && from !== backwardRoot && g.length === to.data.length) {
    to.grad = g;
    from.grad = null;
    return;
  }
  const gx = to.ensureGrad();
  for (let i = 0; i < g.length; i++) gx[i] += g[i];
}

/**
 * For an op's backward that writes every element of t's gradient: t's existing gradient with
 * accumulate = true, or a new (possibly recycled, NOT zeroed) buffer installed as t.grad with
 * accumulate = false, which the caller must overwrite entirely.
 */
export function gradForWrite(t: Tensor): [grad: Float32Array, accumulate: boolean] {
  if (t.grad) return [t.grad, true];
  t.grad = takeF32(t.data.length);
  return [t.grad, false];
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS (deep graphs must not overflow the JS stack).
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i < t._parents.length) {
      top[1]++;
      const p = t._parents[i];
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * Build an op's output. If grad is enabled and some input requires grad, the output records
 * `parents` and `backward`; otherwise it is a plain tensor and `backward` is dropped.
 */
export function makeResult(data: Float32Array, shape: readonly number[], parents: Tensor[], backward: (out: Tensor) => void): Tensor {
  let needs = false;
  if (gradEnabled) for (const p of parents) if (p.requiresGrad) needs = true;
  const out = new Tensor(data, shape, needs);
  if (needs) {
    out._parents = parents;
    out._backward = () => backward(out);
  }
  return out;
}

// ---------------------------------------------------------------- constructors

export function tensor(values: ArrayLike<number>, shape?: readonly number[], requiresGrad = false): Tensor {
  const data = Float32Array.from(values as ArrayLike<number>);
  return new Tensor(data, shape ?? [data.length], requiresGrad);
}

export function zeros(shape: readonly number[], requiresGrad = false): Tensor {
  return new Tensor(new Float32Array(shapeSize(shape)), shape, requiresGrad);
}

export function ones(shape: readonly number[], requiresGrad = false): Tensor {
  return full(shape, 1, requiresGrad);
}

export function full(shape: readonly number[], value: number, requiresGrad = false): Tensor {
  return new Tensor(new Float32Array(shapeSize(shape)).fill(value), shape, requiresGrad);
}

export function scalar(value: number): Tensor {
  return new Tensor(Float32Array.of(value), [], false);
}

/** A trainable leaf (requiresGrad = true). */
export function parameter(data: Float32Array, shape: readonly number[], name?: string): Tensor {
  const t = new Tensor(data, shape, true);
  t.name = name;
  return t;
}
