/**
 * Max-pooling (k×k windows, stride s, no padding) over planes [P, H, W] → [P, OH, OW]. The
 * forward also gives the flat input index of each window's first maximum (row-major scan,
 * strict `>`, as the reference twin maxPool2dForwardRef in kernels/ref.ts and PyTorch), or of
 * its last NaN when it holds one (the maximum is then NaN: PyTorch's scan takes
 * `val > max || isnan(val)`); the backward scatters the gradient to those indices. The 2×2/2
 * forward runs four windows at a time in f32x4 lanes, branch-free (compare + bitselect), which
 * matters: the windows' maxima sit at random positions, so a branchy scalar loop mispredicts
 * half its comparisons.
 */

import { next } from './work';

/**
 * Planes [P, H, W], taken `chunk` planes at a time from ctr: y[p][oh][ow] = max over the
 * window, arg[p][oh][ow] = its flat index into x (plane included). arg = 0 → no indices.
 */
export function maxPool2dForward(x: usize, y: usize, arg: usize, ctr: usize, P: i32, chunk: i32, H: i32, W: i32, k: i32, s: i32, OH: i32, OW: i32): void {
  for (let c = next(ctr); c * chunk < P; c = next(ctr)) pool(x, y, arg, c * chunk, min(P, (c + 1) * chunk), H, W, k, s, OH, OW);
}

function pool(x: usize, y: usize, arg: usize, p0: i32, p1: i32, H: i32, W: i32, k: i32, s: i32, OH: i32, OW: i32): void {
  if (k == 2 && s == 2) {
    pool2x2(x, y, arg, p0, p1, H, W, OH, OW);
    return;
  }
  for (let p = p0; p < p1; p++) {
    const base = p * H * W;
    let o = p * OH * OW;
    for (let oh: i32 = 0; oh < OH; oh++) {
      for (let ow: i32 = 0; ow < OW; ow++, o++) {
        // Two passes: the maximum by f32.max (one instruction an element; NaN if the window holds
        // one), then the index of its first occurrence (== treats −0 and +0 as equal, as the
        // strict-`>` scan does; the value stored is x at that index, so the sign of a zero is the
        // first maximum's) or, for NaN, of the last NaN. Cheaper than one scan that tracks both.
        const w0 = base + oh * s * W + ow * s;
        let m = load<f32>(x + <usize>w0 * 4);
        for (let i: i32 = 0; i < k; i++) {
          const r = x + <usize>(w0 + i * W) * 4;
          for (let j: i32 = 0; j < k; j++) m = max<f32>(m, load<f32>(r + <usize>j * 4));
        }
        const bi = m == m ? firstEqual(x, w0, W, k, m) : lastNaN(x, w0, W, k);
        store<f32>(y + <usize>o * 4, load<f32>(x + <usize>bi * 4));
        if (arg) store<i32>(arg + <usize>o * 4, bi);
      }
    }
  }
}

/** The flat index of the first element of the k×k window at w0 (row stride W) that equals m (present). */
// @ts-ignore: decorator
@inline
function firstEqual(x: usize, w0: i32, W: i32, k: i32, m: f32): i32 {
  for (let i: i32 = 0; i < k; i++) {
    const row = w0 + i * W;
    for (let j: i32 = 0; j < k; j++) if (load<f32>(x + <usize>(row + j) * 4) == m) return row + j;
  }
  return w0; // not reached: m is one of the window's values
}

/** The flat index of the last NaN of the k×k window at w0 (row stride W; it holds one). */
// @ts-ignore: decorator
@inline
function lastNaN(x: usize, w0: i32, W: i32, k: i32): i32 {
  let bi = w0;
  for (let i: i32 = 0; i < k; i++) {
    const row = w0 + i * W;
    for (let j: i32 = 0; j < k; j++) {
      const v = load<f32>(x + <usize>(row + j) * 4);
      bi = select<i32>(row + j, bi, v != v);
    }
  }
  return bi;
}

function pool2x2(x: usize, y: usize, arg: usize, p0: i32, p1: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  const right = i32x4.splat(1);
  const down = i32x4.splat(W);
  const downRight = i32x4.splat(W + 1);
  const lane2 = i32x4(0, 2, 4, 6);
  for (let p = p0; p < p1; p++) {
    for (let oh: i32 = 0; oh < OH; oh++) {
      const i0 = p * H * W + 2 * oh * W; // flat index of the window row's first element
      const r0 = x + <usize>i0 * 4;
      const r1 = r0 + <usize>W * 4;
      const yo = y + <usize>((p * OH + oh) * OW) * 4;
      const ao = arg + <usize>((p * OH + oh) * OW) * 4;
      let ow: i32 = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const c = <usize>(2 * ow) * 4;
        const a0 = v128.load(r0 + c);
        const a1 = v128.load(r0 + c, 16);
        const b0 = v128.load(r1 + c);
        const b1 = v128.load(r1 + c, 16);
        let best = f32x4.shuffle(a0, a1, 0, 2, 4, 6); // top-left of windows ow..ow+3
        let off = i32x4.splat(0);
        const tr = f32x4.shuffle(a0, a1, 1, 3, 5, 7);
        const bl = f32x4.shuffle(b0, b1, 0, 2, 4, 6);
        const br = f32x4.shuffle(b0, b1, 1, 3, 5, 7);
        // take v where v > best or v is NaN (ne(v, v)): a NaN is kept whatever follows it
        let m = v128.or(f32x4.gt(tr, best), f32x4.ne(tr, tr));
        best = v128.bitselect(tr, best, m);
        off = v128.bitselect(right, off, m);
        m = v128.or(f32x4.gt(bl, best), f32x4.ne(bl, bl));
        best = v128.bitselect(bl, best, m);
        off = v128.bitselect(down, off, m);
        m = v128.or(f32x4.gt(br, best), f32x4.ne(br, br));
        best = v128.bitselect(br, best, m);
        off = v128.bitselect(downRight, off, m);
        v128.store(yo + <usize>ow * 4, best);
        if (arg) v128.store(ao + <usize>ow * 4, i32x4.add(i32x4.add(off, lane2), i32x4.splat(i0 + 2 * ow)));
      }
      for (; ow < OW; ow++) {
        const c = <usize>(2 * ow) * 4;
        let best = load<f32>(r0 + c);
        let bi: i32 = 0;
        let v = load<f32>(r0 + c, 4);
        let gt = (v > best) | (v != v);
        best = select<f32>(v, best, gt);
        bi = select<i32>(1, bi, gt);
        v = load<f32>(r1 + c);
        gt = (v > best) | (v != v);
        best = select<f32>(v, best, gt);
        bi = select<i32>(W, bi, gt);
        v = load<f32>(r1 + c, 4);
        gt = (v > best) | (v != v);
        best = select<f32>(v, best, gt);
        bi = select<i32>(W + 1, bi, gt);
        store<f32>(yo + <usize>ow * 4, best);
        if (arg) store<i32>(ao + <usize>ow * 4, i0 + 2 * ow + bi);
      }
    }
  }
}

/**
 * The max-pool gradient for planes taken `chunk` at a time from ctr: dx[arg[o]] += dy[o] for
 * the outputs o of each plane (inPlane inputs, outPlane outputs per plane), only where
 * y[o] > 0 or y[o] is NaN when y ≠ 0 (a ReLU before the pool, folded in: its output is > 0, or
 * NaN, exactly where the pooled maximum is, and ReLU's backward passes a NaN's gradient, as
 * PyTorch's). overwrite ≠ 0 zeroes the planes of dx first.
 */
export function maxPool2dBackward(dy: usize, y: usize, arg: usize, dx: usize, ctr: usize, P: i32, chunk: i32, inPlane: i32, outPlane: i32, overwrite: i32): void {
  for (let c = next(ctr); c * chunk < P; c = next(ctr)) {
    const p0 = c * chunk;
    const p1 = min(P, p0 + chunk);
    if (overwrite) memory.fill(dx + <usize>(p0 * inPlane) * 4, 0, <usize>((p1 - p0) * inPlane) * 4);
    const o1 = p1 * outPlane;
    if (y) {
      for (let o = p0 * outPlane; o < o1; o++) {
        const a = dx + <usize>load<i32>(arg + <usize>o * 4) * 4;
        store<f32>(a, load<f32>(a) + select<f32>(0, load<f32>(dy + <usize>o * 4), load<f32>(y + <usize>o * 4) <= 0));
      }
    } else {
      for (let o = p0 * outPlane; o < o1; o++) {
        const a = dx + <usize>load<i32>(arg + <usize>o * 4) * 4;
        store<f32>(a, load<f32>(a) + load<f32>(dy + <usize>o * 4));
      }
    }
  }
}
