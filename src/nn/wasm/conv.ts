/**
 * Convolution (NCHW, weight [F, C, KH, KW]) as im2col + GEMM per image (Chellapilla et al.,
 * 2006, "High performance convolutional neural networks for document processing").
 *
 * Offsets: an element index into one buffer is an i32 (every buffer lies in the 4 GiB memory,
 * so it has fewer than 2³⁰ floats), turned into bytes as a usize (`<usize>i * 4`, exact to
 * 4 GiB). A size in bytes is never an i32: one image's im2col buffer passes 2 GiB at K·P = 2²⁹
 * floats (1024 channels, 3×3, 256×256 out), where `K * P * 4` wrapped negative and the scratch
 * came out too small (the JS side then handed out overlapping scratch, silently). colBytes
 * computes it in u64; the JS side refuses a scratch the memory cannot hold before any kernel runs.
 */
import { gemm, gemmScratchBytes } from './gemm';
import { next } from './work';

// Short row copies and fills inline (memory.copy / memory.fill are calls: for the 8–64-float
// rows of im2col their fixed cost dominates).
// @ts-ignore: decorator
@inline
function copyF32(dst: usize, src: usize, n: i32): void {
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, v128.load(src + <usize>i * 4));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(src + <usize>i * 4));
}

// @ts-ignore: decorator
@inline
function zeroF32(dst: usize, n: i32): void {
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, i32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, 0);
}

/** One image: cols[(c·KH+kh)·KW+kw][oh·OW+ow] = x[c][oh·s−p+kh][ow·s−p+kw] (0 outside). */
function im2col(x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, stride: i32, pad: i32, OH: i32, OW: i32, cols: usize): void {
  const P = OH * OW;
  let r: i32 = 0;
  for (let c: i32 = 0; c < C; c++) {
    for (let kh: i32 = 0; kh < KH; kh++) {
      for (let kw: i32 = 0; kw < KW; kw++) {
        let o = cols + <usize>(r * P) * 4;
        for (let oh: i32 = 0; oh < OH; oh++) {
          const ih = oh * stride - pad + kh;
          if (ih < 0 || ih >= H) {
            zeroF32(o, OW);
            o += <usize>OW * 4;
            continue;
          }
          const xrow = x + <usize>((c * H + ih) * W) * 4;
          if (stride == 1) {
            // valid ow range: 0 <= ow - pad + kw < W
            const lo = max(0, pad - kw);
            const hi = min(OW, W + pad - kw);
            if (lo > 0) zeroF32(o, lo);
            if (hi > lo) copyF32(o + <usize>lo * 4, xrow + <usize>(lo - pad + kw) * 4, hi - lo);
            if (hi < OW) zeroF32(o + <usize>max(hi, lo) * 4, OW - max(hi, lo));
          } else {
            for (let ow: i32 = 0; ow < OW; ow++) {
              const iw = ow * stride - pad + kw;
              store<f32>(o + <usize>ow * 4, iw >= 0 && iw < W ? load<f32>(xrow + <usize>iw * 4) : 0);
            }
          }
          o += <usize>OW * 4;
        }
        r++;
      }
    }
  }
}

/** The adjoint of im2col: dx[c][ih][iw] += Σ dcols at the positions that read it. One image. */
function col2im(dcols: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, stride: i32, pad: i32, OH: i32, OW: i32, dx: usize): void {
  const P = OH * OW;
  let r: i32 = 0;
  for (let c: i32 = 0; c < C; c++) {
    for (let kh: i32 = 0; kh < KH; kh++) {
      for (let kw: i32 = 0; kw < KW; kw++) {
        const base = dcols + <usize>(r * P) * 4;
        for (let oh: i32 = 0; oh < OH; oh++) {
          const ih = oh * stride - pad + kh;
          if (ih < 0 || ih >= H) continue;
          const xrow = dx + <usize>((c * H + ih) * W) * 4;
          const src = base + <usize>(oh * OW) * 4;
          if (stride == 1) {
            // contiguous: dx[ih][ow − pad + kw] += dcols[oh][ow] for the valid ow range
            const lo = max(0, pad - kw);
            const n = min(OW, W + pad - kw) - lo;
            const d = xrow + <usize>(lo - pad + kw) * 4;
            const s = src + <usize>lo * 4;
            let i: i32 = 0;
            for (; i + 4 <= n; i += 4) {
              const o = <usize>i * 4;
              v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
            }
            for (; i < n; i++) store<f32>(d + <usize>i * 4, load<f32>(d + <usize>i * 4) + load<f32>(s + <usize>i * 4));
            continue;
          }
          for (let ow: i32 = 0; ow < OW; ow++) {
            const iw = ow * stride - pad + kw;
            if (iw >= 0 && iw < W) {
              const p = xrow + <usize>iw * 4;
              store<f32>(p, load<f32>(p) + load<f32>(src + <usize>ow * 4));
            }
          }
        }
        r++;
      }
    }
  }
}

/** Bytes of one im2col buffer (K·P floats), rounded up to 64, in u64 (exact for any i32 K and P). */
// @ts-ignore: decorator
@inline
function colBytes(K: u64, P: u64): u64 {
  return (K * P * 4 + 63) & ~(<u64>63);
}

/** Scratch for conv calls: one im2col buffer (K·P floats) + a gemm scratch; exact (f64: it may pass 4 GiB, which the caller refuses). */
export function convScratchBytes(C: i32, KH: i32, KW: i32, OH: i32, OW: i32): f64 {
  return <f64>(colBytes(<u64>C * <u64>KH * <u64>KW, <u64>OH * <u64>OW) + <u64>gemmScratchBytes());
}

/** y[n] = W·im2col(x[n]) + b for the images n < N this thread takes from ctr (b = 0 → no bias). */
export function conv2dForward(
  x: usize, w: usize, b: usize, y: usize, ctr: usize, N: i32,
  C: i32, H: i32, W: i32, F: i32, KH: i32, KW: i32, stride: i32, pad: i32, OH: i32, OW: i32, scratch: usize,
): void {
  const K = C * KH * KW;
  const P = OH * OW;
  const cols = scratch;
  const gs = scratch + <usize>colBytes(<u64>K, <u64>P);
  for (let n = next(ctr); n < N; n = next(ctr)) {
    const yn = y + <usize>(n * F * P) * 4;
    const xn = x + <usize>(n * C * H * W) * 4;
    if (b) {
      for (let f: i32 = 0; f < F; f++) {
        const v = f32x4.splat(load<f32>(b + <usize>f * 4));
        const row = yn + <usize>(f * P) * 4;
        let p: i32 = 0;
        for (; p + 4 <= P; p += 4) v128.store(row + <usize>p * 4, v);
        for (; p < P; p++) store<f32>(row + <usize>p * 4, load<f32>(b + <usize>f * 4));
      }
    }
    if (KH == 1 && KW == 1 && stride == 1 && pad == 0) {
      gemm(F, P, K, w, K, 1, xn, P, 1, yn, P, b ? 1 : 0, gs);
    } else {
      im2col(xn, C, H, W, KH, KW, stride, pad, OH, OW, cols);
      gemm(F, P, K, w, K, 1, cols, P, 1, yn, P, b ? 1 : 0, gs);
    }
  }
}

/** Scratch for the conv backward: im2col + dcols buffers + a gemm scratch; exact, as convScratchBytes. */
export function convBackwardScratchBytes(C: i32, KH: i32, KW: i32, OH: i32, OW: i32): f64 {
  return <f64>(<u64>2 * colBytes(<u64>C * <u64>KH * <u64>KW, <u64>OH * <u64>OW) + <u64>gemmScratchBytes());
}

/**
 * The conv gradients for the work items this thread takes from ctr; item `it` is the images
 * [it·per, min(N, (it+1)·per)). dx[n] (+)= col2im(Wᵀ·dy[n]) (accumulate dx unless dxOverwrite);
 * the weight and bias gradients of item `it`'s images, summed in image order, are WRITTEN to
 * its own slot: dw + it·dwStride floats (dy[n]·colsᵀ) and db + it·dbStride floats (Σ_p dy[n]).
 * The caller sums the slots in item order (sumSlots), so the result does not depend on which
 * thread ran which item, nor on how many threads there were. Pointers of 0 skip that gradient.
 */
export function conv2dBackward(
  x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, ctr: usize, N: i32, per: i32, dwStride: i32, dbStride: i32, dxOverwrite: i32,
  C: i32, H: i32, W: i32, F: i32, KH: i32, KW: i32, stride: i32, pad: i32, OH: i32, OW: i32, scratch: usize,
): void {
  const K = C * KH * KW;
  const P = OH * OW;
  const cb = <usize>colBytes(<u64>K, <u64>P);
  const cols = scratch;
  const dcols = scratch + cb;
  const gs = dcols + cb;
  const direct = KH == 1 && KW == 1 && stride == 1 && pad == 0;
  for (let it = next(ctr); it * per < N; it = next(ctr)) {
    const n0 = it * per;
    const n1 = min(N, n0 + per);
    const dwi = dw ? dw + <usize>it * <usize>dwStride * 4 : 0;
    const dbi = db ? db + <usize>it * <usize>dbStride * 4 : 0;
    for (let n = n0; n < n1; n++) {
      const first = n == n0; // the item's first image overwrites its slot
      const dyn = dy + <usize>(n * F * P) * 4;
      const xn = x + <usize>(n * C * H * W) * 4;
      if (dbi) {
        for (let f: i32 = 0; f < F; f++) {
          const row = dyn + <usize>(f * P) * 4;
          let s4 = f32x4.splat(0);
          let p: i32 = 0;
          for (; p + 4 <= P; p += 4) s4 = f32x4.add(s4, v128.load(row + <usize>p * 4));
          let s = f32x4.extract_lane(s4, 0) + f32x4.extract_lane(s4, 1) + f32x4.extract_lane(s4, 2) + f32x4.extract_lane(s4, 3);
          for (; p < P; p++) s += load<f32>(row + <usize>p * 4);
          store<f32>(dbi + <usize>f * 4, first ? s : load<f32>(dbi + <usize>f * 4) + s);
        }
      }
      if (dwi) {
        let src = xn;
        if (!direct) {
          im2col(xn, C, H, W, KH, KW, stride, pad, OH, OW, cols);
          src = cols;
        }
        // dw[F×K] (+)= dy[F×P] · colsᵀ (B(k=p, j=kk) = cols[kk·P + p])
        gemm(F, K, P, dyn, P, 1, src, 1, P, dwi, K, first ? 0 : 1, gs);
      }
      if (dx) {
        const dxn = dx + <usize>(n * C * H * W) * 4;
        if (direct) {
          gemm(K, P, F, w, 1, K, dyn, P, 1, dxn, P, dxOverwrite ? 0 : 1, gs);
        } else {
          // dcols[K×P] = Wᵀ·dy (A(i=kk, k=f) = w[f·K + kk])
          gemm(K, P, F, w, 1, K, dyn, P, 1, dcols, P, 0, gs);
          if (dxOverwrite) zeroF32(dxn, C * H * W);
          col2im(dcols, C, H, W, KH, KW, stride, pad, OH, OW, dxn);
        }
      }
    }
  }
}
