/**
 * GEMM in WebAssembly SIMD, after the BLIS/GotoBLAS design (Goto & van de Geijn, 2008,
 * "Anatomy of High-Performance Matrix Multiplication"; Van Zee & van de Geijn, 2015, "BLIS"):
 * the operands are packed into MR-row / NR-column micro-panels per KC×MC / KC×NC cache block,
 * and a 4×8 register-tiled micro-kernel (eight f32x4 accumulators) runs over them. Any strides
 * are accepted, so the transposed variants backward needs cost only a different packing order.
 */
import { next } from './work';
const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 64;
const NC: i32 = 1024;

/** Bytes of scratch one gemm call needs (packed A block, packed B block, an edge tile). */
export function gemmScratchBytes(): i32 {
  return (MC * KC * 4 + KC * NC + MR * NR) * 4 + 64;
}

// Pack A(ic.., pc..) (mc×kc) into MR-row panels of pre-broadcast values: dst[p][k][r] is a
// whole f32x4 holding A(p + r, k) in every lane (zero rows past the edge). The micro-kernel
// then reads A with plain v128 loads at constant offsets, which V8 folds into the addressing
// mode (its load32_splat with an offset costs a register per offset, and the loop spills).
function packA(A: usize, rsA: i32, csA: i32, mc: i32, kc: i32, dst: usize): void {
  for (let p: i32 = 0; p < mc; p += MR) {
    const rows = min(MR, mc - p);
    const panel = dst + <usize>(p * kc) * 16;
    if (rows == MR && csA == 1) {
      const r0 = A + <usize>(p * rsA) * 4;
      const r1 = r0 + <usize>rsA * 4;
      const r2 = r1 + <usize>rsA * 4;
      const r3 = r2 + <usize>rsA * 4;
      for (let k: i32 = 0; k < kc; k++) {
        const o = panel + <usize>k * 64;
        const ko = <usize>k * 4;
        v128.store(o, v128.load32_splat(r0 + ko));
        v128.store(o, v128.load32_splat(r1 + ko), 16);
        v128.store(o, v128.load32_splat(r2 + ko), 32);
        v128.store(o, v128.load32_splat(r3 + ko), 48);
      }
    } else if (rows == MR && rsA == 1) {
      // transposed A: the MR values of one k are contiguous
      for (let k: i32 = 0; k < kc; k++) {
        const v = v128.load(A + <usize>(p + k * csA) * 4);
        const o = panel + <usize>k * 64;
        v128.store(o, i32x4.shuffle(v, v, 0, 0, 0, 0));
        v128.store(o, i32x4.shuffle(v, v, 1, 1, 1, 1), 16);
        v128.store(o, i32x4.shuffle(v, v, 2, 2, 2, 2), 32);
        v128.store(o, i32x4.shuffle(v, v, 3, 3, 3, 3), 48);
      }
    } else {
      for (let k: i32 = 0; k < kc; k++) {
        const o = panel + <usize>k * 64;
        for (let r: i32 = 0; r < MR; r++) {
          v128.store(o + <usize>r * 16, f32x4.splat(r < rows ? load<f32>(A + <usize>((p + r) * rsA + k * csA) * 4) : 0));
        }
      }
    }
  }
}

// Four columns (src, src + stride, …) of 4 consecutive k → 4 rows of an 8-wide panel at dst
// (row r at dst + r·32 bytes).
// @ts-ignore: decorator
@inline
function transpose4(src: usize, stride: usize, dst: usize): void {
  const c0 = v128.load(src);
  const c1 = v128.load(src + stride);
  const c2 = v128.load(src + 2 * stride);
  const c3 = v128.load(src + 3 * stride);
  const t0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5); // c0k0 c1k0 c0k1 c1k1
  const t1 = i32x4.shuffle(c2, c3, 0, 4, 1, 5); // c2k0 c3k0 c2k1 c3k1
  const t2 = i32x4.shuffle(c0, c1, 2, 6, 3, 7); // c0k2 c1k2 c0k3 c1k3
  const t3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 32);
  v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 64);
  v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 96);
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
      // transposed B: column j is contiguous in k. Four k at a time, the 8 columns' 4-vectors
      // are transposed in registers (two 4×4 transposes) into 4 panel rows of 8.
      let k: i32 = 0;
      for (; k + 4 <= kc; k += 4) {
        const o = panel + <usize>(k * NR) * 4;
        transpose4(B + <usize>(q * csB + k) * 4, <usize>csB * 4, o);
        transpose4(B + <usize>((q + 4) * csB + k) * 4, <usize>csB * 4, o + 16);
      }
      for (; k < kc; k++) {
        for (let c: i32 = 0; c < NR; c++) store<f32>(panel + <usize>(k * NR + c) * 4, load<f32>(B + <usize>((q + c) * csB + k) * 4));
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
  const pend = pa + <usize>kc * 64; // (a pointer bound: V8 keeps it in a register, not kc)
  while (pa < pend) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load(pa, 16);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load(pa, 32);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load(pa, 48);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 64;
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
  const pB = pA + <usize>(MC * KC) * 16;
  const tmp = pB + <usize>(KC * NC) * 4;
  for (let jc: i32 = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    // K in equal blocks of at most KC (288 → 2×144, not 256 + a short 32)
    const kb = (((K + KC - 1) / KC + K - 1) / ((K + KC - 1) / KC) + 3) & ~3;
    for (let pc: i32 = 0; pc < K; pc += kb) {
      const kc = min(kb, K - pc);
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
            micro(kc, pA + <usize>(ir * kc) * 16, pb, C + <usize>((ic + ir) * ldc + jc + jr) * 4, ldc, rows, cols, acc, tmp);
          }
        }
      }
    }
  }
}

/**
 * The same product split between threads: blocks of `chunk` columns (byCols ≠ 0) or rows of C,
 * taken from the counter at ctr. Each thread passes its own scratch.
 */
export function gemmShared(
  ctr: usize, chunk: i32, byCols: i32,
  M: i32, N: i32, K: i32,
  A: usize, rsA: i32, csA: i32,
  B: usize, rsB: i32, csB: i32,
  C: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  if (byCols) {
    for (let j0 = next(ctr) * chunk; j0 < N; j0 = next(ctr) * chunk) {
      gemm(M, min(chunk, N - j0), K, A, rsA, csA, B + <usize>(j0 * csB) * 4, rsB, csB, C + <usize>j0 * 4, ldc, accumulate, scratch);
    }
  } else {
    for (let i0 = next(ctr) * chunk; i0 < M; i0 = next(ctr) * chunk) {
      gemm(min(chunk, M - i0), N, K, A + <usize>(i0 * rsA) * 4, rsA, csA, B, rsB, csB, C + <usize>(i0 * ldc) * 4, ldc, accumulate, scratch);
    }
  }
}
