/**
 * Recycled typed-array buffers for the engine's own short-lived storage: the gradients of
 * intermediate tensors (released by Tensor.backward) and op-private scratch such as max-pool's
 * argmax indices (released by the op's backward). Fresh large typed arrays are expensive to
 * touch — every new page faults in, about 0.5 ms per MB on the machines measured, far more than
 * the arithmetic of a ReLU — so reusing them saves a large share of a training step.
 *
 * Only the engine recycles, and only buffers nothing else can reach any more, so a live buffer
 * is never handed out twice. Buffers under 64 KiB are left to the allocator; at most 256 MiB
 * is kept.
 */
type Buf = Float32Array | Int32Array;

const MIN_BYTES = 1 << 16;
const MAX_BYTES = 256 << 20;
const free = new Map<string, Buf[]>();
let keptBytes = 0;

const key = (kind: string, n: number) => `${kind}${n}`;

function take<T extends Buf>(ctor: { new (n: number): T; name: string }, n: number): [buf: T, recycled: boolean] {
  if (n * 4 >= MIN_BYTES) {
    const b = free.get(key(ctor.name, n))?.pop();
    if (b) {
      keptBytes -= b.byteLength;
      return [b as T, true];
    }
  }
  return [new ctor(n), false];
}

/** n floats with arbitrary contents (recycled when possible). */
export function takeF32(n: number): Float32Array {
  return take(Float32Array, n)[0];
}

/** n zeroed floats. */
export function takeZeroedF32(n: number): Float32Array {
  const [b, recycled] = take(Float32Array, n);
  return recycled ? b.fill(0) : b;
}

/** n int32s with arbitrary contents (recycled when possible). */
export function takeI32(n: number): Int32Array {
  return take(Int32Array, n)[0];
}

/** Give a buffer back; the caller must hold no other reference to it (views are not taken). */
export function recycle(b: Buf): void {
  if (b.byteLength < MIN_BYTES || keptBytes + b.byteLength > MAX_BYTES || b.byteOffset !== 0 || b.buffer.byteLength !== b.byteLength) return;
  if (b.buffer instanceof SharedArrayBuffer) return;
  const k = key(b.constructor.name, b.length);
  let list = free.get(k);
  if (!list) free.set(k, (list = []));
  list.push(b);
  keptBytes += b.byteLength;
}
