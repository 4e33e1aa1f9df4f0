/**
 * Determinism of the WASM backend: every multi-threaded kernel gives bit-identical results
 * whatever the split of its work items between threads. Each kernel runs on 1 thread, then on
 * 2 threads plainly and with one thread held back (skewThreads: 2 ms, so the other thread
 * takes most items; 'last', so it takes all of them), and every result must equal the
 * 1-thread one bit for bit. A reduction whose rounding depends on which thread took which item
 * (the old per-thread running sums of the convolution's weight and bias gradients) fails this:
 * at the latest when the worker takes every image, its sum of them is added to the caller's
 * (non-zero) gradient in one go instead of image by image.
 *
 * And wherever in the memory the operands sit: placeArena puts small operands at the offsets an
 * operation on gigabytes would reach (past 2 GiB, up to 4 GiB), where JS's int32 bitwise
 * operators once made an offset negative (a cold batch of 4096 images: ReLU's work counter out
 * of the memory, "memory access out of bounds"; a warm one: the counter left unzeroed, the
 * previous call's outputs returned).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { Kernels } from './types.js';
import { convGeom } from './ref.js';
import { convScratchThreads, loadWasmKernels, placeArena, skewThreads } from './wasm.js';

const rng = new Rng(2024);
const randArr = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

/** A kernel call on fixed inputs; returns its outputs (fresh arrays). */
type Case = [name: string, run: (k: Kernels) => (Float32Array | Int32Array)[]];

function convBackwardCase(N: number, C: number, HW: number, F: number, KH: number, pad: number): Case {
  const g = convGeom(N, C, HW, HW, F, KH, KH, 1, pad);
  const x = randArr(N * C * HW * HW);
  const w = randArr(F * C * KH * KH);
  const dy = randArr(N * F * g.OH * g.OW);
  const dw0 = randArr(w.length); // accumulate into non-zero gradients, as a second consumer would
  const db0 = randArr(F);
  const dx0 = randArr(x.length);
  return [
    `conv2dBackward N=${N} C=${C} ${HW}×${HW} F=${F} k=${KH} (dx, dw, db)`,
    (k) => {
      const dw = dw0.slice();
      const db = db0.slice();
      const dx = dx0.slice();
      k.conv2dBackward(x, w, dy, dx, dw, db, g);
      return [dx, dw, db];
    },
  ];
}

function cases(): Case[] {
  const out: Case[] = [
    convBackwardCase(24, 8, 16, 16, 3, 1),
    convBackwardCase(37, 4, 12, 8, 3, 1), // more images than work items: 2 images per item, the last item short
    convBackwardCase(9, 16, 8, 32, 1, 0), // 1×1: the direct path
  ];
  {
    const g = convGeom(16, 8, 16, 16, 16, 3, 3, 1, 1);
    const x = randArr(g.N * g.C * g.H * g.W);
    const w = randArr(g.F * g.C * 9);
    const b = randArr(g.F);
    out.push(['conv2dForward', (k) => {
      const y = new Float32Array(g.N * g.F * g.OH * g.OW);
      k.conv2dForward(x, w, b, y, g);
      return [y];
    }]);
  }
  for (const [M, N, K, tA, tB] of [[96, 300, 130, false, false], [300, 80, 200, true, false], [150, 150, 260, false, true]] as const) {
    const A = randArr(M * K);
    const B = randArr(K * N);
    const C0 = randArr(M * N);
    out.push([`gemm ${M}×${N}×${K} tA=${tA} tB=${tB} accumulate`, (k) => {
      const C = C0.slice();
      k.gemm(A, B, C, M, N, K, tA, tB, true);
      return [C];
    }]);
  }
  {
    const P = 64;
    const x = randArr(P * 32 * 32);
    const dy = randArr(P * 16 * 16);
    out.push(['maxPool2d forward + backward', (k) => {
      const y = new Float32Array(P * 16 * 16);
      const arg = new Int32Array(y.length);
      k.maxPool2dForward(x, y, arg, P, 32, 32, 2, 2, 16, 16);
      const dx = new Float32Array(x.length);
      k.maxPool2dBackward(dy, y, arg, dx, P, false);
      return [y, arg, dx];
    }]);
  }
  {
    const n = 100_003;
    const x = randArr(n);
    const dy = randArr(n);
    const g = randArr(n);
    out.push(['relu forward + backward, adamStep', (k) => {
      const y = new Float32Array(n);
      k.reluForward(x, y);
      const dx = new Float32Array(n);
      k.reluBackward(x, dy, dx, false);
      const w = x.slice();
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      k.adamStep(w, g, m, v, { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3, sqrtBc2: 0.03, decay: 0.9999 });
      return [y, dx, w, m, v];
    }]);
  }
  return out;
}

/** Index of the first differing element of each output (−1: all bit-identical). */
function firstDiff(got: (Float32Array | Int32Array)[], want: (Float32Array | Int32Array)[]): number[] {
  return want.map((w, i) => {
    const a = new Uint32Array(got[i].buffer, got[i].byteOffset, got[i].length);
    const b = new Uint32Array(w.buffer, w.byteOffset, w.length);
    if (a.length !== b.length) return 0;
    for (let j = 0; j < b.length; j++) if (a[j] !== b[j]) return j;
    return -1;
  });
}

const held = (v: number | 'last') => (v === 'last' ? 'until the other is done' : `${v} ms`);

describe('WASM kernels are bit-identical whatever the split of work between threads', () => {
  const all = cases();
  const one = loadWasmKernels(1);
  const want = all.map(([, run]) => run(one));
  const two = loadWasmKernels(2); // closes the 1-thread instance
  afterAll(() => skewThreads(two, 0, 0));
  // [main, worker, repeats]: 'last' = wait until the other side is done (so it takes every item)
  const skews: [main: number | 'last', worker: number | 'last', reps: number][] = [
    [0, 0, 4],
    [0, 2, 2],
    [2, 0, 2],
    ['last', 0, 1],
    [0, 'last', 1],
  ];
  all.forEach(([name, run], c) => {
    it(name, () => {
      for (const [mainMs, workerMs, reps] of skews) {
        skewThreads(two, mainMs, workerMs);
        for (let r = 0; r < reps; r++) {
          const got = run(two);
          expect(firstDiff(got, want[c]), `2 threads, main held back ${held(mainMs)}, worker ${held(workerMs)}, repeat ${r}`).toEqual(want[c].map(() => -1));
        }
      }
      skewThreads(two, 0, 0);
    });
  });
});

describe('WASM kernels are bit-identical wherever their operands sit in the memory (offsets past 2 GiB)', () => {
  const GiB = 2 ** 30;
  const two = loadWasmKernels(2);
  afterAll(() => placeArena(two));
  // x and y in one 64 KiB page below 2 GiB, the work counter just past it: the memory grows to exactly 2 GiB for x,
  // as it grew to just past y for ReLU on 4096 images of 16 × 64 × 64 (y the 2 GiB's second half), then not for the counter
  const n = 4096;
  const inputs = [randArr(n), randArr(n)];
  const relu = (x: Float32Array) => {
    const y = new Float32Array(n);
    two.reluForward(x, y);
    return [y];
  };
  placeArena(two);
  const reluWant = inputs.map(relu);
  const counterPast2GiB = 2 * GiB - 2 * n * 4;

  // (these two first: they need a memory not yet grown past 2 GiB)
  it('ReLU on a cold memory whose work counter falls just past 2 GiB', () => {
    placeArena(two, counterPast2GiB);
    expect(firstDiff(relu(inputs[0]), reluWant[0])).toEqual([-1]);
    placeArena(two);
  });

  it('ReLU twice with its work counter just past 2 GiB, on a memory grown past it', () => {
    placeArena(two, 2 * GiB - GiB / 4); // grows the memory to 1.75 GiB, so the next growth reaches past 2 GiB
    relu(inputs[0]);
    placeArena(two, counterPast2GiB);
    inputs.forEach((x, i) => expect(firstDiff(relu(x), reluWant[i]), `call ${i + 1}`).toEqual([-1]));
    placeArena(two);
  });

  const all = cases();
  placeArena(two);
  const want = all.map(([, run]) => run(two));
  const bases: [base: number, where: string][] = [
    [2 * GiB - 64, 'straddling 2 GiB'],
    [2 * GiB, 'from 2 GiB'],
    [4 * GiB - 64 * 2 ** 20, 'just under 4 GiB'],
  ];
  all.forEach(([name, run], c) => {
    it(name, () => {
      for (const [base, where] of bases) {
        placeArena(two, base);
        for (let r = 0; r < 2; r++) expect(firstDiff(run(two), want[c]), `${where}, call ${r + 1}`).toEqual(want[c].map(() => -1));
      }
      placeArena(two);
    });
  });

  // one thread's conv scratch, exact: the kernels' own sizes, which the JS side allocates
  const ex = (two as unknown as { ex: Record<'convScratchBytes' | 'convBackwardScratchBytes' | 'gemmScratchBytes', (...a: number[]) => number> }).ex;
  const im2colBytes = (C: number, K: number, OH: number, OW: number) => Math.ceil((C * K * K * OH * OW * 4) / 64) * 64;

  it('a convolution whose im2col buffer passes 2 GiB is sized exactly, and one past 4 GiB is refused in one line naming the geometry', () => {
    // 1024 channels, 3×3, 256×256 out: 2²⁹·1.125 floats, 2.25 GiB one image (i32 bytes wrapped negative: the arena handed
    // out overlapping scratch); 4096 channels at 128×128 out: 2.25 GiB too, twice for the gradients
    const gs = ex.gemmScratchBytes();
    expect(ex.convScratchBytes(1024, 3, 3, 256, 256)).toBe(im2colBytes(1024, 3, 256, 256) + gs);
    expect(ex.convBackwardScratchBytes(1024, 3, 3, 256, 256)).toBe(2 * im2colBytes(1024, 3, 256, 256) + gs);
    expect(ex.convBackwardScratchBytes(4096, 3, 3, 128, 128)).toBe(2 * im2colBytes(4096, 3, 128, 128) + gs);
    expect(ex.convScratchBytes(2 ** 20, 7, 7, 512, 512)).toBe(im2colBytes(2 ** 20, 7, 512, 512) + gs); // past 2⁵³? no: 2⁵¹ bytes, still exact
    const big = convGeom(1, 4096, 128, 128, 16, 3, 3, 1, 1);
    const sb = ex.convBackwardScratchBytes(big.C, big.KH, big.KW, big.OH, big.OW);
    expect(() => convScratchThreads(big, true, sb, 65536 + 2 ** 20, 65536, 8)).toThrow(
      /^conv2d gradients of 4096 channels, kernel 3×3, output 128×128: one image's im2col scratch \(4096·3·3 × 128·128 floats, twice\) needs 4\.50 GiB and the batch's operands 0\.00 GiB, more than the 4 GiB a WebAssembly memory can address: use fewer channels, a smaller kernel or image, or a smaller batch$/,
    );
    // 1.13 GiB a thread fits three times in an empty memory: 8 threads asked, 3 run
    const fwd = convGeom(1, 512, 256, 256, 16, 3, 3, 1, 1);
    expect(convScratchThreads(fwd, false, ex.convScratchBytes(512, 3, 3, 256, 256), 65536 + 2 ** 20, 65536, 8)).toBe(3);
  });

  it('a convolution whose scratch fits once above its operands, not once per thread, runs on one thread with the same results', () => {
    const g = convGeom(4, 8, 16, 16, 16, 3, 3, 1, 1);
    const x = randArr(g.N * g.C * g.H * g.W);
    const w = randArr(g.F * g.C * 9);
    const b = randArr(g.F);
    const dy = randArr(g.N * g.F * g.OH * g.OW);
    const conv = () => {
      const y = new Float32Array(dy.length);
      two.conv2dForward(x, w, b, y, g);
      const [dx, dw, db] = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(b.length)];
      two.conv2dBackward(x, w, dy, dx, dw, db, g);
      return [y, dx, dw, db];
    };
    placeArena(two);
    const wantConv = conv();
    // room above the operands (< 0.5 MiB) for 1.5 backward scratches (1.4 MiB each, a forward one a little less):
    // 2 threads × 4 images wanted two
    const sb = ex.convBackwardScratchBytes(g.C, g.KH, g.KW, g.OH, g.OW);
    placeArena(two, 4 * GiB - Math.ceil((1.5 * sb + 2 ** 19) / 64) * 64);
    expect(firstDiff(conv(), wantConv)).toEqual(wantConv.map(() => -1));
    // and none: refused, naming the geometry
    placeArena(two, 4 * GiB - 2 ** 20);
    expect(() => conv()).toThrow(/^conv2d forward of 8 channels, kernel 3×3, output 16×16: one image's im2col scratch \(8·3·3 × 16·16 floats\) needs 0\.00 GiB and the batch's operands 0\.00 GiB, more than the 4 GiB/);
    placeArena(two);
    expect(firstDiff(conv(), wantConv)).toEqual(wantConv.map(() => -1));
  });

  it('an operation whose operands would pass 4 GiB is refused in one line, and the next one runs', () => {
    placeArena(two, 4 * GiB - n * 4); // x fits, y does not
    expect(() => relu(inputs[0])).toThrow(InputError);
    expect(() => relu(inputs[0])).toThrow(/more than the 4 GiB a WebAssembly memory can hold: use a smaller batch$/);
    placeArena(two);
    expect(firstDiff(relu(inputs[1]), reluWant[1])).toEqual([-1]);
  });
});
