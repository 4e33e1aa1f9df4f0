/**
 * WebAssembly SIMD kernels (AssemblyScript; compiled by `npm run build` to build/kernels.wasm).
 *
 * GEMM follows the BLIS/GotoBLAS design (Goto & van de Geijn, 2008, "Anatomy of
 * High-Performance Matrix Multiplication"; Van Zee & van de Geijn, 2015, "BLIS"): the operands
 * are packed into MR-row / NR-column micro-panels per KC×MC / KC×NC cache block, and a 4×8
 * register-tiled micro-kernel (eight f32x4 accumulators) runs over them. Any strides are
 * accepted, so the transposed variants backward needs cost only a different packing order.
 * Convolution is im2col + this GEMM per image (Chellapilla et al., 2006).
 *
 * Memory is imported (shared between threads); every pointer is a byte offset chosen by the
 * JS side (kernels/wasm.ts), which also splits work between threads. No runtime, no static data.
 */

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 1024;

/** Bytes of scratch one gemm call needs (packed A block, packed B block, an edge tile). */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4 + 64;
}

// Pack A(ic.., pc..) (mc×kc) into MR-row panels: dst[p][k][r], zero-padded rows.
function packA(A: usize, rsA: i32, csA: i32, mc: i32, kc: i32, dst: usize): void {
  for (let p: i32 = 0; p < mc; p += MR) {
    const rows = min(MR, mc - p);
    const panel = dst + <usize>(p * kc) * 4;
    if (rows == MR && csA == 1) {
      const r0 = A + <usize>(p * rsA) * 4;
      const r1 = r0 + <usize>rsA * 4;
      const r2 = r1 + <usize>rsA * 4;
      const r3 = r2 + <usize>rsA * 4;
      for (let k: i32 = 0; k < kc; k++) {
        const o = panel + <usize>(k * MR) * 4;
        const ko = <usize>k * 4;
        store<f32>(o, load<f32>(r0 + ko));
        store<f32>(o + 4, load<f32>(r1 + ko));
        store<f32>(o + 8, load<f32>(r2 + ko));
        store<f32>(o + 12, load<f32>(r3 + ko));
      }
    } else if (rows == MR && rsA == 1) {
      // transposed A: the MR values of one k are contiguous
      for (let k: i32 = 0; k < kc; k++) {
        v128.store(panel + <usize>(k * MR) * 4, v128.load(A + <usize>(p + k * csA) * 4));
      }
    } else {
      for (let k: i32 = 0; k < kc; k++) {
        const o = panel + <usize>(k * MR) * 4;
        for (let r: i32 = 0; r < MR; r++) {
          store<f32>(o + <usize>r * 4, r < rows ? load<f32>(A + <usize>((p + r) * rsA + k * csA) * 4) : 0);
        }
      }
    }
  }
}

// Pack B(pc.., jc..) (kc×nc) into NR-column panels: dst[q][k][c], zero-padded columns.
function packB(B: usize, rsB: i32, csB: i32, kc: i32, nc: i32, dst: usize): void {
  for (let q: i32 = 0; q < nc; q += NR) {
    const cols = min(NR, nc - q);
    const panel = dst + <usize>(q * kc) * 4;
    if (cols == NR && csB == 1) {
      for (let k: i32 = 0; k < kc; k++) {
        const src = B + <usize>(k * rsB + q) * 4;
        const o = panel + <usize>(k * NR) * 4;
        v128.store(o, v128.load(src));
        v128.store(o + 16, v128.load(src + 16));
      }
    } else if (cols == NR && rsB == 1) {
      // transposed B: column j is contiguous in k
      for (let c: i32 = 0; c < NR; c++) {
        const src = B + <usize>((q + c) * csB) * 4;
        for (let k: i32 = 0; k < kc; k++) store<f32>(panel + <usize>(k * NR + c) * 4, load<f32>(src + <usize>k * 4));
      }
    } else {
      for (let k: i32 = 0; k < kc; k++) {
        const o = panel + <usize>(k * NR) * 4;
        for (let c: i32 = 0; c < NR; c++) {
          store<f32>(o + <usize>c * 4, c < cols ? load<f32>(B + <usize>(k * rsB + (q + c) * csB) * 4) : 0);
        }
      }
    }
  }
}

// C[MR×NR tile] (+)= Apanel · Bpanel over kc. Full tiles go straight to C; edges via `tmp`.
// @ts-ignore: decorator
@inline
function micro(kc: i32, pa: usize, pb: usize, C: usize, ldc: i32, rows: i32, cols: i32, acc: bool, tmp: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let k: i32 = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += 32;
  }
  if (rows == MR && cols == NR) {
    const s = <usize>ldc * 4;
    let r = C;
    if (acc) {
      v128.store(r, f32x4.add(v128.load(r), c00));
      v128.store(r, f32x4.add(v128.load(r, 16), c01), 16);
      r += s;
      v128.store(r, f32x4.add(v128.load(r), c10));
      v128.store(r, f32x4.add(v128.load(r, 16), c11), 16);
      r += s;
      v128.store(r, f32x4.add(v128.load(r), c20));
      v128.store(r, f32x4.add(v128.load(r, 16), c21), 16);
      r += s;
      v128.store(r, f32x4.add(v128.load(r), c30));
      v128.store(r, f32x4.add(v128.load(r, 16), c31), 16);
    } else {
      v128.store(r, c00);
      v128.store(r, c01, 16);
      r += s;
      v128.store(r, c10);
      v128.store(r, c11, 16);
      r += s;
      v128.store(r, c20);
      v128.store(r, c21, 16);
      r += s;
      v128.store(r, c30);
      v128.store(r, c31, 16);
    }
    return;
  }
  v128.store(tmp, c00);
  v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32);
  v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64);
  v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96);
  v128.store(tmp, c31, 112);
  for (let i: i32 = 0; i < rows; i++) {
    for (let j: i32 = 0; j < cols; j++) {
      const p = C + <usize>(i * ldc + j) * 4;
      const v = load<f32>(tmp + <usize>(i * NR + j) * 4);
      store<f32>(p, acc ? load<f32>(p) + v : v);
    }
  }
}

/**
 * C[M×N] (+)= A·B where A(i,k) = A[i·rsA + k·csA], B(k,j) = B[k·rsB + j·csB] (f32, element
 * strides), C row-major with leading dimension ldc. accumulate = 0 overwrites C.
 * `scratch` must hold gemmScratchBytes() bytes, 16-byte aligned.
 */
export function gemm(
  M: i32, N: i32, K: i32,
  A: usize, rsA: i32, csA: i32,
  B: usize, rsB: i32, csB: i32,
  C: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let i: i32 = 0; i < M; i++) memory.fill(C + <usize>(i * ldc) * 4, 0, <usize>N * 4);
    return;
  }
  const pA = scratch;
  const pB = pA + <usize>(MC * KC) * 4;
  const tmp = pB + <usize>(KC * NC) * 4;
  for (let jc: i32 = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc: i32 = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const acc = accumulate != 0 || pc > 0;
      packB(B + <usize>(pc * rsB + jc * csB) * 4, rsB, csB, kc, nc, pB);
      for (let ic: i32 = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(A + <usize>(ic * rsA + pc * csA) * 4, rsA, csA, mc, kc, pA);
        for (let jr: i32 = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pb = pB + <usize>(jr * kc) * 4;
          for (let ir: i32 = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            micro(kc, pA + <usize>(ir * kc) * 4, pb, C + <usize>((ic + ir) * ldc + jc + jr) * 4, ldc, rows, cols, acc, tmp);
          }
        }
      }
    }
  }
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
            memory.fill(o, 0, <usize>OW * 4);
            o += <usize>OW * 4;
            continue;
          }
          const xrow = x + <usize>((c * H + ih) * W) * 4;
          if (stride == 1) {
            // valid ow range: 0 <= ow - pad + kw < W
            const lo = max(0, pad - kw);
            const hi = min(OW, W + pad - kw);
            if (lo > 0) memory.fill(o, 0, <usize>lo * 4);
            if (hi > lo) memory.copy(o + <usize>lo * 4, xrow + <usize>(lo - pad + kw) * 4, <usize>(hi - lo) * 4);
            if (hi < OW) memory.fill(o + <usize>max(hi, lo) * 4, 0, <usize>(OW - max(hi, lo)) * 4);
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

/** Scratch for conv calls: one im2col buffer (K·P floats) + a gemm scratch. */
export function convScratchBytes(C: i32, KH: i32, KW: i32, OH: i32, OW: i32): i32 {
  return ((C * KH * KW * OH * OW * 4 + 63) & ~63) + gemmScratchBytes();
}

/** y[n] = W·im2col(x[n]) + b for images n0 ≤ n < n1 (b = 0 → no bias). */
export function conv2dForward(
  x: usize, w: usize, b: usize, y: usize, n0: i32, n1: i32,
  C: i32, H: i32, W: i32, F: i32, KH: i32, KW: i32, stride: i32, pad: i32, OH: i32, OW: i32, scratch: usize,
): void {
  const K = C * KH * KW;
  const P = OH * OW;
  const cols = scratch;
  const gs = scratch + <usize>((K * P * 4 + 63) & ~63);
  for (let n = n0; n < n1; n++) {
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

/** Scratch for the conv backward: im2col + dcols buffers + a gemm scratch. */
export function convBackwardScratchBytes(C: i32, KH: i32, KW: i32, OH: i32, OW: i32): i32 {
  return 2 * ((C * KH * KW * OH * OW * 4 + 63) & ~63) + gemmScratchBytes();
}

/**
 * For images n0 ≤ n < n1: dw += dy[n]·colsᵀ, db += Σ_p dy[n], dx[n] += col2im(Wᵀ·dy[n]).
 * Pointers of 0 skip that gradient. dw/db are this thread's own accumulators.
 */
export function conv2dBackward(
  x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, n0: i32, n1: i32,
  C: i32, H: i32, W: i32, F: i32, KH: i32, KW: i32, stride: i32, pad: i32, OH: i32, OW: i32, scratch: usize,
): void {
  const K = C * KH * KW;
  const P = OH * OW;
  const colBytes = <usize>((K * P * 4 + 63) & ~63);
  const cols = scratch;
  const dcols = scratch + colBytes;
  const gs = dcols + colBytes;
  const direct = KH == 1 && KW == 1 && stride == 1 && pad == 0;
  for (let n = n0; n < n1; n++) {
    const dyn = dy + <usize>(n * F * P) * 4;
    const xn = x + <usize>(n * C * H * W) * 4;
    if (db) {
      for (let f: i32 = 0; f < F; f++) {
        const row = dyn + <usize>(f * P) * 4;
        let s4 = f32x4.splat(0);
        let p: i32 = 0;
        for (; p + 4 <= P; p += 4) s4 = f32x4.add(s4, v128.load(row + <usize>p * 4));
        let s = f32x4.extract_lane(s4, 0) + f32x4.extract_lane(s4, 1) + f32x4.extract_lane(s4, 2) + f32x4.extract_lane(s4, 3);
        for (; p < P; p++) s += load<f32>(row + <usize>p * 4);
        store<f32>(db + <usize>f * 4, load<f32>(db + <usize>f * 4) + s);
      }
    }
    if (dw) {
      let src = xn;
      if (!direct) {
        im2col(xn, C, H, W, KH, KW, stride, pad, OH, OW, cols);
        src = cols;
      }
      // dw[F×K] += dy[F×P] · colsᵀ (B(k=p, j=kk) = cols[kk·P + p])
      gemm(F, K, P, dyn, P, 1, src, 1, P, dw, K, 1, gs);
    }
    if (dx) {
      const dxn = dx + <usize>(n * C * H * W) * 4;
      if (direct) {
        gemm(K, P, F, w, 1, K, dyn, P, 1, dxn, P, 1, gs);
      } else {
        // dcols[K×P] = Wᵀ·dy (A(i=kk, k=f) = w[f·K + kk])
        gemm(K, P, F, w, 1, K, dyn, P, 1, dcols, P, 0, gs);
        col2im(dcols, C, H, W, KH, KW, stride, pad, OH, OW, dxn);
      }
    }
  }
}

/** dst[i] += src[i] for n floats (summing per-thread gradient partials). */
export function addInto(dst: usize, src: usize, n: i32): void {
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(dst + <usize>i * 4) + load<f32>(src + <usize>i * 4));
}
