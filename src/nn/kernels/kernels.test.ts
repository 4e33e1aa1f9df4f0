/**
 * Kernel agreement: every backend's GEMM (all transpose variants, overwrite and accumulate),
 * convolution (forward + all three gradients), max-pooling (values, first-max indices, gradient),
 * ReLU (forward, backward) and the Adam update against naive loops (float64 for the sums), on
 * random shapes including odd and degenerate sizes (1, 3, 7, 17, 33, …; 1×1 inputs, kernels and planes, non-square
 * kernels, lengths that are not multiples of the SIMD width, batch 1, empty operands) and the built-in model's own.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { refKernels } from './index.js';
import type { Kernels } from './types.js';
import { loadWasmKernels } from './wasm.js';
import { type ConvGeom, convGeom } from './ref.js';

const rng = new Rng(77);
const randArr = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

function naiveGemm(A: Float32Array, B: Float32Array, C0: Float32Array, M: number, N: number, K: number, tA: boolean, tB: boolean, acc: boolean): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = acc ? C0[i * N + j] : 0;
      for (let k = 0; k < K; k++) s += (tA ? A[k * M + i] : A[i * K + k]) * (tB ? B[j * K + k] : B[k * N + j]);
      C[i * N + j] = s;
    }
  return C;
}

/** Max |got − want| / (1 + |want|). */
function relErr(got: Float32Array, want: Float64Array | Float32Array): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  if (got.length !== want.length) return Infinity;
  return e;
}

function naiveConv(x: Float32Array, w: Float32Array, b: Float32Array | null, g: ConvGeom): Float64Array {
  const { N, C, H, W, F, KH, KW, stride, pad, OH, OW } = g;
  const y = new Float64Array(N * F * OH * OW);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = b ? b[f] : 0;
          for (let c = 0; c < C; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride - pad + kh;
                const iw = ow * stride - pad + kw;
                if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += x[((n * C + c) * H + ih) * W + iw] * w[((f * C + c) * KH + kh) * KW + kw];
              }
          y[((n * F + f) * OH + oh) * OW + ow] = s;
        }
  return y;
}

/** Gradients of Σ y·dy by the naive adjoint loops. */
function naiveConvGrads(x: Float32Array, w: Float32Array, dy: Float32Array, g: ConvGeom) {
  const { N, C, H, W, F, KH, KW, stride, pad, OH, OW } = g;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(F);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const d = dy[((n * F + f) * OH + oh) * OW + ow];
          db[f] += d;
          for (let c = 0; c < C; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride - pad + kh;
                const iw = ow * stride - pad + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const xi = ((n * C + c) * H + ih) * W + iw;
                const wi = ((f * C + c) * KH + kh) * KW + kw;
                dx[xi] += d * w[wi];
                dw[wi] += d * x[xi];
              }
        }
  return { dx, dw, db };
}

function kernelAgreementSuite(name: string, get: () => Kernels): void {
  describe(`${name} kernels agree with naive float64 loops`, () => {
    const dims = [1, 3, 7, 17, 33];
    it('gemm: all transpose variants, overwrite and accumulate, odd sizes', () => {
      const k = get();
      let cases = 0;
      for (const M of dims)
        for (const N of dims)
          for (const K of [1, 5, 33]) {
            const tA = rng.next() < 0.5;
            const tB = rng.next() < 0.5;
            const acc = rng.next() < 0.5;
            const A = randArr(M * K);
            const B = randArr(K * N);
            const C = randArr(M * N);
            const want = naiveGemm(A, B, C, M, N, K, tA, tB, acc);
            k.gemm(A, B, C, M, N, K, tA, tB, acc);
            const e = relErr(C, want);
            expect(e, `M=${M} N=${N} K=${K} tA=${tA} tB=${tB} acc=${acc}`).toBeLessThan(1e-5);
            cases++;
          }
      expect(cases).toBe(75);
    });
    it('gemm: larger blocked shapes (crossing cache-block edges)', () => {
      const k = get();
      for (const [M, N, K] of [
        [64, 64, 64],
        [130, 67, 300],
        [97, 257, 129],
        [16, 4096, 27],
        [520, 9, 260],
      ]) {
        for (const [tA, tB] of [
          [false, false],
          [false, true],
          [true, false],
          [true, true],
        ] as const) {
          const A = randArr(M * K);
          const B = randArr(K * N);
          const C = randArr(M * N);
          const want = naiveGemm(A, B, C, M, N, K, tA, tB, true);
          k.gemm(A, B, C, M, N, K, tA, tB, true);
          expect(relErr(C, want), `M=${M} N=${N} K=${K} tA=${tA} tB=${tB}`).toBeLessThan(1e-4);
        }
      }
    });
    it('gemm and conv2d propagate NaN and ∞ through zero factors (0·NaN = 0·∞ = NaN, as IEEE and PyTorch)', () => {
      const k = get();
      for (const bad of [NaN, Infinity]) {
        // row 0 of A is all zeros; B holds one non-finite value → every C[0, j] in its column is NaN
        for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const [M, N, K] = [3, 5, 4];
          const Araw = randArr(M * K);
          for (let kk = 0; kk < K; kk++) Araw[kk] = 0; // A(0, k) = 0 (row-major M×K)
          const A = tA ? Float32Array.from({ length: M * K }, (_, i) => Araw[(i % M) * K + Math.floor(i / M)]) : Araw;
          const Braw = randArr(K * N);
          Braw[2 * N + 1] = bad; // B(2, 1)
          const B = tB ? Float32Array.from({ length: K * N }, (_, i) => Braw[(i % K) * N + Math.floor(i / K)]) : Braw;
          const C = new Float32Array(M * N);
          k.gemm(A, B, C, M, N, K, tA, tB);
          for (let i = 0; i < M; i++)
            for (let j = 0; j < N; j++) {
              const want = j === 1 ? (i === 0 ? NaN : Araw[i * K + 2] * bad + 0) : 'finite';
              const got = C[i * N + j];
              if (want === 'finite') expect(Number.isFinite(got), `C[${i},${j}] tA=${tA} tB=${tB}`).toBe(true);
              else if (Number.isNaN(want)) expect(got, `C[${i},${j}] tA=${tA} tB=${tB} (0·${bad})`).toBeNaN();
              else expect(Number.isFinite(got), `C[${i},${j}]`).toBe(false);
            }
        }
        // conv2d: a non-finite weight reaches every output of its filter, also where the input is 0
        const g = convGeom(1, 1, 4, 4, 2, 3, 3, 1, 1);
        const x = new Float32Array(16); // all zeros
        const w = randArr(18);
        w[4] = bad; // filter 0, centre tap
        const y = new Float32Array(2 * 16);
        k.conv2dForward(x, w, null, y, g);
        for (let p = 0; p < 16; p++) expect(y[p], `filter 0 output ${p}`).toBeNaN();
        for (let p = 16; p < 32; p++) expect(y[p]).toBe(0);
      }
    });
    it.each([
      [1, 1, 5, 5, 1, 3, 3, 1, 0],
      [2, 3, 7, 9, 4, 3, 3, 1, 1],
      [3, 2, 8, 8, 5, 3, 3, 2, 1],
      [4, 3, 17, 13, 7, 5, 5, 3, 2],
      [5, 16, 16, 16, 32, 3, 3, 1, 1],
      [2, 1, 6, 7, 3, 1, 1, 1, 0], // 1×1, stride 1, no padding: the WASM kernel's direct path (no im2col)
      [9, 3, 16, 16, 16, 3, 3, 1, 1],
      // odd shapes: a 1×1 input under a padded 3×3 kernel (only the centre tap reads it), 1×1 kernels off the direct
      // path (stride 2, padding 1), non-square kernels (1×3, 3×1, 2×5: every other case is square), a single filter
      [2, 3, 1, 1, 4, 3, 3, 1, 1],
      [1, 1, 1, 1, 1, 1, 1, 1, 0],
      [2, 3, 5, 5, 4, 1, 1, 2, 1],
      [2, 3, 5, 6, 4, 1, 3, 1, 1],
      [3, 2, 7, 5, 3, 3, 1, 2, 1],
      [2, 5, 9, 11, 1, 2, 5, 1, 2],
      // the built-in model's three stages at its defaults (docs/builtin-model.md: 64×64 views, channels 16, 32, 64,
      // 3×3 convs, padding 1), batch 1 and 2: the reference twin at the sizes the model uses
      [2, 3, 64, 64, 16, 3, 3, 1, 1],
      [1, 16, 32, 32, 32, 3, 3, 1, 1],
      [2, 32, 16, 16, 64, 3, 3, 1, 1],
    ])('conv2d forward + backward N=%i C=%i H=%i W=%i F=%i KH=%i KW=%i stride=%i pad=%i', (N, C, H, W, F, KH, KW, stride, pad) => {
      const k = get();
      const g = convGeom(N, C, H, W, F, KH, KW, stride, pad);
      const x = randArr(N * C * H * W);
      const w = randArr(F * C * KH * KW);
      const b = randArr(F);
      const y = new Float32Array(N * F * g.OH * g.OW).fill(NaN);
      k.conv2dForward(x, w, b, y, g);
      expect(relErr(y, naiveConv(x, w, b, g))).toBeLessThan(1e-5);
      const dy = randArr(y.length);
      const dx0 = randArr(x.length);
      const dw0 = randArr(w.length);
      const db0 = randArr(F);
      const dx = dx0.slice();
      const dw = dw0.slice();
      const db = db0.slice();
      k.conv2dBackward(x, w, dy, dx, dw, db, g);
      const want = naiveConvGrads(x, w, dy, g);
      const plus = (a: Float32Array, d: Float64Array) => Float64Array.from(d, (v, i) => v + a[i]);
      expect(relErr(dx, plus(dx0, want.dx)), 'dx').toBeLessThan(1e-4);
      expect(relErr(dw, plus(dw0, want.dw)), 'dw').toBeLessThan(1e-4);
      expect(relErr(db, plus(db0, want.db)), 'db').toBeLessThan(1e-4);
      // only some gradients requested
      const dw2 = new Float32Array(w.length);
      k.conv2dBackward(x, w, dy, null, dw2, null, g);
      expect(relErr(dw2, want.dw)).toBeLessThan(1e-4);
      // dx overwritten instead of accumulated (whatever it held before)
      const dx2 = randArr(x.length);
      k.conv2dBackward(x, w, dy, dx2, null, null, g, true);
      expect(relErr(dx2, want.dx), 'dx overwrite').toBeLessThan(1e-4);
    });
    it.each([
      [1, 1, 4, 4, 2, 2],
      [3, 5, 7, 9, 2, 2],
      [2, 3, 13, 17, 2, 2],
      [64, 16, 16, 16, 2, 2],
      [32, 16, 32, 32, 2, 2],
      [2, 3, 9, 11, 3, 2],
      [1, 4, 8, 7, 2, 1],
      [2, 2, 17, 19, 3, 3],
      [2, 3, 8, 8, 8, 8], // one 8×8 window a plane, as the built-in model's global pool
      [1, 2, 11, 13, 5, 3],
      [1, 1, 1, 1, 1, 1], // a 1×1 plane, a 1×1 window: the identity
      [1, 3, 5, 1, 1, 1], // planes one pixel wide
      [2, 16, 64, 64, 2, 2], // the built-in model's first pool (docs/builtin-model.md), batch 2
    ])('maxPool2d N=%i C=%i H=%i W=%i k=%i s=%i (values, first-max indices, ties, NaN)', (N, C, H, W, kk, s) => {
      const k = get();
      const OH = Math.floor((H - kk) / s) + 1;
      const OW = Math.floor((W - kk) / s) + 1;
      // quarter steps in [-2, 2]: many ties, so the first-maximum rule is exercised
      const x = Float32Array.from({ length: N * C * H * W }, () => Math.round(rng.uniform(-8, 8)) / 4);
      // and NaN, ±∞ at fixed strides (no draws: the rng stream of later tests is unchanged), in
      // every position of a window somewhere, pairs of NaN in one window included
      for (let i = 0; i < x.length; i += 13) x[i] = NaN;
      for (let i = 5; i < x.length; i += 29) x[i] = NaN;
      for (let i = 3; i < x.length; i += 31) x[i] = Infinity;
      for (let i = 7; i < x.length; i += 37) x[i] = -Infinity;
      const y = new Float32Array(N * C * OH * OW).fill(1234.5); // no window gives this: an output left unwritten shows
      const arg = new Int32Array(y.length).fill(-1);
      k.maxPool2dForward(x, y, arg, N * C, H, W, kk, s, OH, OW);
      let o = 0;
      for (let p = 0; p < N * C; p++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++, o++) {
            // PyTorch's max_pool2d: the first maximum, or the last NaN (its scan takes val > max || isnan(val))
            let best = -Infinity;
            let bi = -1;
            let nan = -1;
            for (let i = 0; i < kk; i++)
              for (let j = 0; j < kk; j++) {
                const idx = (p * H + oh * s + i) * W + ow * s + j;
                if (Number.isNaN(x[idx])) nan = idx;
                else if (x[idx] > best || bi < 0) [best, bi] = [x[idx], idx];
              }
            if (nan >= 0) [best, bi] = [NaN, nan];
            if (!Object.is(y[o], best) || arg[o] !== bi) expect.fail(`window ${o}: got ${y[o]}@${arg[o]}, want ${best}@${bi}`);
          }
      const y2 = new Float32Array(y.length);
      k.maxPool2dForward(x, y2, null, N * C, H, W, kk, s, OH, OW);
      expect(Array.from(y2)).toEqual(Array.from(y));
      // backward: scatter to the argmax, plain and with a ReLU folded in (only where y > 0 or y
      // is NaN: ReLU's backward passes a NaN's gradient, as PyTorch's), accumulating and overwriting
      const dy = randArr(y.length);
      for (const masked of [false, true]) {
        const want = randArr(x.length);
        const dx = want.slice();
        const dx2 = randArr(x.length);
        const want2 = new Float32Array(x.length);
        for (let o2 = 0; o2 < y.length; o2++) {
          if (masked && y[o2] <= 0) continue;
          want[arg[o2]] += dy[o2];
          want2[arg[o2]] += dy[o2];
        }
        k.maxPool2dBackward(dy, masked ? y : null, arg, dx, N * C, true);
        k.maxPool2dBackward(dy, masked ? y : null, arg, dx2, N * C, false);
        expect(relErr(dx, want), `accumulate, masked=${masked}`).toBeLessThan(1e-6);
        expect(relErr(dx2, want2), `overwrite, masked=${masked}`).toBeLessThan(1e-6);
      }
    });
    it('empty operands (batch 0, a GEMM dimension 0, no elements): no error, nothing written outside, K = 0 a sum of nothing', () => {
      const k = get();
      const none = new Float32Array(0);
      // M = 0 or N = 0: no output; K = 0: C = 0 (overwrite) or C unchanged (accumulate), as an empty sum
      k.gemm(none, randArr(12), none, 0, 3, 4);
      k.gemm(randArr(12), none, none, 3, 0, 4, true, true);
      for (const acc of [false, true]) {
        const C = randArr(6);
        const want = acc ? Array.from(C) : [0, 0, 0, 0, 0, 0];
        k.gemm(none, none, C, 2, 3, 0, false, false, acc);
        expect(Array.from(C), `K = 0, accumulate ${acc}`).toEqual(want);
      }
      // a convolution over a batch of 0 images: the weight and bias gradients keep what they held
      const g = convGeom(0, 3, 8, 8, 4, 3, 3, 1, 1);
      const w = randArr(4 * 3 * 9);
      k.conv2dForward(none, w, randArr(4), none, g);
      const [dw, db] = [randArr(w.length), randArr(4)];
      const [dw0, db0] = [Array.from(dw), Array.from(db)];
      k.conv2dBackward(none, w, none, none, dw, db, g, true);
      expect([Array.from(dw), Array.from(db)]).toEqual([dw0, db0]);
      // max-pool over 0 planes, ReLU and Adam over 0 elements
      const arg = new Int32Array(0);
      k.maxPool2dForward(none, none, arg, 0, 4, 4, 2, 2, 2, 2);
      k.maxPool2dBackward(none, none, arg, none, 0, true);
      k.maxPool2dBackward(none, none, arg, none, 0, false);
      k.reluForward(none, none);
      k.reluBackward(none, none, none, true);
      k.reluBackward(none, none, none, false);
      k.adamStep(none, none, none, none, { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3, sqrtBc2: 0.03, decay: 1 });
    });
    it.each([1, 3, 4, 17, 1000, 70001])('relu forward and backward, n=%i (NaN and ±∞ as PyTorch)', (n) => {
      const k = get();
      const x = randArr(n);
      for (let i = 0; i < n; i += 7) x[i] = 0; // the kink: gradient 0, value +0
      // NaN: value NaN, gradient passed (torch's threshold_backward zeroes only where the output is <= 0); ±∞: ∞ / 0
      for (let i = n > 1 ? 1 : 0; i < n; i += 5) x[i] = NaN;
      for (let i = 2; i < n; i += 11) x[i] = Infinity;
      for (let i = 3; i < n; i += 13) x[i] = -Infinity;
      const y = new Float32Array(n).fill(1234.5);
      k.reluForward(x, y);
      for (let i = 0; i < n; i++) if (!Object.is(y[i], x[i] <= 0 ? 0 : x[i])) expect.fail(`relu(${x[i]}) = ${y[i]} at ${i}`);
      const dy = randArr(n);
      const dx0 = randArr(n);
      const dx = dx0.slice();
      k.reluBackward(x, dy, dx, true);
      const dx2 = new Float32Array(n).fill(NaN);
      k.reluBackward(x, dy, dx2, false);
      for (let i = 0; i < n; i++) {
        const g = x[i] <= 0 ? 0 : dy[i];
        if (dx[i] !== Math.fround(dx0[i] + g) || dx2[i] !== g) expect.fail(`relu backward at ${i}: x ${x[i]} dy ${dy[i]} → ${dx[i]}, ${dx2[i]}`);
      }
    });
    // What torch.optim.Adam (2.x, CPU, foreach or not; lr 1e-3, defaults) gives from w = 0.5 for a first gradient g and a
    // second of 0.1: its v term is addcmul's (1 − β2)·g·g, finite up to |g| ≈ 5.8e20 (the weight moves by lr, v ≈ 1e-3·g²);
    // past it v = ∞ and the weight never moves again; g = ∞ makes it NaN, as g = NaN. The SIMD kernel squared g first
    // (∞ from |g| ≈ 1.8e19: no update), and the reference's update read v before it was stored as float32 (never ∞: it
    // moved where the kernel did not).
    it.each([
      [1e19, 0.49900001287460327, 0.4983299672603607, 1.0000000409184788e35],
      [-2e19, 0.50099998712539673, 0.50166958570480347, 4.000000163673915e35],
      [1e20, 0.49900001287460327, 0.4983299672603607, 1.0000001201466413e37],
      [5e20, 0.49900001287460327, 0.4983299672603607, 2.500000275013591e38],
      [1e21, 0.5, 0.5, Infinity],
      [1e30, 0.5, 0.5, Infinity],
      [-1e30, 0.5, 0.5, Infinity],
      [3e38, 0.5, 0.5, Infinity],
      [Infinity, NaN, NaN, Infinity],
      [NaN, NaN, NaN, NaN],
    ])('adamStep on an extreme gradient %s as PyTorch’s Adam (SIMD lanes and scalar tail alike)', (g0, w1, w2, v1) => {
      const k = get();
      const n = 7; // 4 in f32x4 lanes, 3 in the WASM kernel's scalar tail
      const [w, m, v] = [new Float32Array(n).fill(0.5), new Float32Array(n), new Float32Array(n)];
      const [b1, b2, eps, lr] = [0.9, 0.999, 1e-8, 1e-3];
      const after: number[][] = [];
      for (let t = 1; t <= 2; t++) {
        const g = new Float32Array(n).fill(t === 1 ? g0 : 0.1);
        k.adamStep(w, g, m, v, { beta1: b1, beta2: b2, eps, stepSize: lr / (1 - b1 ** t), sqrtBc2: Math.sqrt(1 - b2 ** t), decay: 1 });
        after.push(Array.from(w));
        if (t === 1) expect(Array.from(v, (x) => (Number.isFinite(v1) ? x / v1 : x)), 'v after the first step (÷ PyTorch’s when finite)').toEqual(Array.from(v, () => (Number.isFinite(v1) ? expect.closeTo(1, 4) : v1)));
      }
      const near = (x: number) => (Number.isNaN(x) ? NaN : expect.closeTo(x, 6));
      expect(after[0], 'w after the first step').toEqual(Array.from(w, () => near(w1)));
      expect(after[1], 'w after the second').toEqual(Array.from(w, () => near(w2)));
    });

    // How far each backend's Adam step may be from the same step in float64, from the same float32 state (w, m, v, g), as
    // measured (one-step script in the commit adding this; 30 steps, n = 70003, lr 0.01, wd 0.1):
    // - reference: float64 throughout, one rounding where w, m, v are stored, so each is the float64 value correctly
    //   rounded: within half an ulp, |Δ| ≤ 2^-24·|value| (measured 1.0 × 2^-24).
    // - WASM: float32 throughout (no fused multiply-add: baseline WASM SIMD has none), and β1, β2, ε, the step size,
    //   1/√(1 − β2ᵗ) and the decay reach it as float32 (wasm.ts adamStep), so 1 − β2 is 1 − fround(0.999) =
    //   9.99987e-4, 1.29e-5 below 1e-3: v is 1.300e-5 low (218 × 2^-24, 109–218 ulps), and through √v the update
    //   6.5e-6 large. 1 − fround(0.9) = 0.100000024 puts m 2.4e-7 high; with float32 rounding at each of its three
    //   operations, m is within 5.8 × 2^-24 of Σ|terms| (β1·|m| + (1 − β1)·|g|: m itself may cancel to ~0). w: w·decay
    //   and the subtraction round, decay itself is float32 (≤ 3 × 2^-24·|w|), plus the update's 6.9e-6 of its scale
    //   stepSize·Σ|terms| / (√v̂ + ε). The bounds below sit just above those figures: a kernel whose v or update is off
    //   by 1e-4 fails (the old bound, 1e-5·(1 + |x|), let v be 1 % wrong: v is ~1e-3 here).
    it.each([1, 5, 16, 1001, 70003])('adamStep (three steps, weight decay) against float64 from the same state, n=%i', (n) => {
      const k = get();
      const wasm = k.name === 'wasm';
      const bound = wasm ? { v: 1.4e-5, m: 8 * 2 ** -24, w: 3 * 2 ** -24, update: 8e-6 } : { v: 2 ** -24, m: 2 ** -24, w: 2 ** -24, update: 0 };
      const w = randArr(n);
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      const [b1, b2, eps, lr, wd] = [0.9, 0.999, 1e-8, 0.01, 0.1];
      const worst = { v: 0, m: 0, w: 0 };
      for (let t = 1; t <= 3; t++) {
        const g = randArr(n);
        const h = { beta1: b1, beta2: b2, eps, stepSize: lr / (1 - b1 ** t), sqrtBc2: Math.sqrt(1 - b2 ** t), decay: 1 - lr * wd };
        const [w0, m0, v0] = [w.slice(), m.slice(), v.slice()];
        k.adamStep(w, g, m, v, h);
        for (let i = 0; i < n; i++) {
          const M = b1 * m0[i] + (1 - b1) * g[i];
          const terms = b1 * Math.abs(m0[i]) + (1 - b1) * Math.abs(g[i]);
          const V = b2 * v0[i] + (1 - b2) * g[i] * g[i];
          const den = Math.sqrt(V) / h.sqrtBc2 + eps;
          const W = w0[i] * h.decay - (h.stepSize * M) / den;
          const scale = (h.stepSize * terms) / den;
          // each error as a multiple of its bound (≤ 1 passes)
          worst.v = Math.max(worst.v, Math.abs(v[i] - V) / (bound.v * V));
          worst.m = Math.max(worst.m, Math.abs(m[i] - M) / (bound.m * terms));
          worst.w = Math.max(worst.w, Math.abs(w[i] - W) / (bound.w * Math.abs(W) + bound.update * scale));
        }
      }
      expect(worst.v, 'v').toBeLessThanOrEqual(1);
      expect(worst.m, 'm').toBeLessThanOrEqual(1);
      expect(worst.w, 'w').toBeLessThanOrEqual(1);
    });
  });
}

kernelAgreementSuite('reference', () => refKernels);
// The WASM backend must be built (npm ci / npm run build do it); a missing .wasm fails here.
kernelAgreementSuite('wasm (1 thread)', () => loadWasmKernels(1));
kernelAgreementSuite('wasm (2 threads)', () => loadWasmKernels(2));
