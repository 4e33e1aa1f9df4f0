/**
 * Elementwise kernels in f32x4 lanes, branch-free: ReLU forward and backward (the gradient
 * passes where x > 0 or x is NaN, as PyTorch's), and the sum of per-item gradient slots (sumSlots). ReLU and
 * sumSlots take element chunks [c·chunk, (c+1)·chunk) from a shared counter (chunk a multiple
 * of 4); every element's arithmetic is the same whichever thread or chunk it falls in.
 */
import { next } from './work';

/** y[i] = max(x[i], 0) for i < n (NaN propagates, as the reference twin). */
export function reluForward(x: usize, y: usize, ctr: usize, n: i32, chunk: i32): void {
  for (let c = next(ctr); c * chunk < n; c = next(ctr)) reluF(x, y, c * chunk, min(n, (c + 1) * chunk));
}

function reluF(x: usize, y: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    // lanes with v > 0 keep v, NaN lanes keep v, the rest become +0
    v128.store(y + o, v128.bitselect(zero, v, f32x4.le(v, zero)));
  }
  for (; i < i1; i++) {
    const v = load<f32>(x + <usize>i * 4);
    store<f32>(y + <usize>i * 4, select<f32>(0, v, v <= 0));
  }
}

/** dx[i] (+)= x[i] <= 0 ? 0 : dy[i] for i < n (a NaN passes the gradient, as the reference twin; accumulate = 0 overwrites dx). */
export function reluBackward(x: usize, dy: usize, dx: usize, ctr: usize, n: i32, chunk: i32, accumulate: i32): void {
  for (let c = next(ctr); c * chunk < n; c = next(ctr)) reluB(x, dy, dx, c * chunk, min(n, (c + 1) * chunk), accumulate);
}

function reluB(x: usize, dy: usize, dx: usize, i0: i32, i1: i32, accumulate: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  if (accumulate) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      const g = v128.andnot(v128.load(dy + o), f32x4.le(v128.load(x + o), zero));
      v128.store(dx + o, f32x4.add(v128.load(dx + o), g));
    }
  } else {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      v128.store(dx + o, v128.andnot(v128.load(dy + o), f32x4.le(v128.load(x + o), zero)));
    }
  }
  for (; i < i1; i++) {
    const o = <usize>i * 4;
    const g = select<f32>(0, load<f32>(dy + o), load<f32>(x + o) <= 0);
    store<f32>(dx + o, accumulate ? load<f32>(dx + o) + g : g);
  }
}

/**
 * dst[i] += (…((s[0][i] + s[1][i]) + s[2][i]) … + s[G−1][i]) for i < n, where slot g starts at
 * slots + g·stride floats: the slots are summed in slot order, so the result is the same
 * whichever thread takes which chunk (stride a multiple of 4, slots 16-byte aligned).
 */
export function sumSlots(dst: usize, slots: usize, G: i32, stride: i32, n: i32, ctr: usize, chunk: i32): void {
  const sb = <usize>stride * 4;
  for (let c = next(ctr); c * chunk < n; c = next(ctr)) {
    const i1 = min(n, (c + 1) * chunk);
    let i = c * chunk;
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i * 4;
      let s = v128.load(slots + o);
      let p = slots + o;
      for (let g: i32 = 1; g < G; g++) {
        p += sb;
        s = f32x4.add(s, v128.load(p));
      }
      v128.store(dst + o, f32x4.add(v128.load(dst + o), s));
    }
    for (; i < i1; i++) {
      const o = <usize>i * 4;
      let s = load<f32>(slots + o);
      let p = slots + o;
      for (let g: i32 = 1; g < G; g++) {
        p += sb;
        s += load<f32>(p);
      }
      store<f32>(dst + o, load<f32>(dst + o) + s);
    }
  }
}
