/**
 * GEMM in WebAssembly SIMD, after the BLIS/GotoBLAS design (Goto & van de Geijn, 2008,
 * "Anatomy of High-Performance Matrix Multiplication"; Van Zee & van de Geijn, 2015, "BLIS"):
 * the operands are packed into MR-row / NR-column micro-panels per KC×MC / KC×NC cache block,
 * and a 4×8 register-tiled micro-kernel (eight f32x4 accumulators) runs over them. Any strides
 * are accepted, so the transposed variants backward needs cost only a different packing order.
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
