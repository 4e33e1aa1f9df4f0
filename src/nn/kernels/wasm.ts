/**
 * The WebAssembly SIMD backend: loads build/kernels.wasm (compiled from src/nn/wasm/kernels.ts
 * by `npm run build`), instantiates it on one shared WebAssembly.Memory in the main thread and
 * in `threads − 1` worker_threads, and shares each kernel's work between them: the items (GEMM
 * row or column blocks, images of a convolution, chunks of an elementwise kernel) are taken one
 * at a time from an atomic counter in the wasm memory, so a thread the OS deschedules holds back
 * at most one item. Calls are synchronous: the main thread posts the job through a
 * SharedArrayBuffer control block and starts on the items itself; when the items run out it
 * withdraws the job from any worker that has not picked it up yet and waits for the others.
 *
 * Results are bit-identical whatever the timing and the thread count: which thread runs an item
 * is left to chance, but the items' boundaries are not (they depend on the shapes only), every
 * item writes its own outputs, and where items must be summed (the weight and bias gradients of
 * a convolution, a sum over images) each item writes its own slot and the slots are added in
 * item order afterwards (sumSlots) — never one running sum per thread, whose rounding would
 * depend on which images that thread happened to take.
 *
 * Operands are copied into a bump arena in the wasm memory per call (reset every call) and the
 * results copied back; the memory grows on demand and is reused, so steady-state calls do not
 * allocate. Arena offsets run up to 4 GiB, past the int32 range of JS's bitwise operators: they
 * are aligned with plain arithmetic and turned into view indices with `>>> 2`, never `&` or
 * `>> 2` (which made an offset past 2 GiB negative: an op whose operands passed 2 GiB, ReLU
 * on a batch of 4096 64×64 images, placed its work counter outside the memory, or, once the
 * memory had grown that far, never zeroed it and returned the previous call's outputs).
 * Workers are unref'd: they never keep the process alive.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../util/errors.js';
import { packageRoot } from '../../util/package-root.js';
import type { Kernels } from './types.js';
import type { AdamStepParams, ConvGeom } from './ref.js';

// The project's lib (ES2023, no DOM) does not declare the WebAssembly JS API: declare what we use.
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  gemmScratchBytes(): number;
  gemm(...a: number[]): void;
  /** Exact (f64): one thread's conv scratch may pass 4 GiB (convScratchThreads refuses it). */
  convScratchBytes(C: number, KH: number, KW: number, OH: number, OW: number): number;
  conv2dForward(...a: number[]): void;
  convBackwardScratchBytes(C: number, KH: number, KW: number, OH: number, OW: number): number;
  conv2dBackward(...a: number[]): void;
  maxPool2dForward(...a: number[]): void;
  maxPool2dBackward(...a: number[]): void;
  reluForward(...a: number[]): void;
  reluBackward(...a: number[]): void;
  adamStep(...a: number[]): void;
  gemmShared(...a: number[]): void;
  sumSlots(...a: number[]): void;
}

/** The kernels workers can run, by id (1-based; 0 tells a worker to exit). */
const FN_NAMES = ['gemmShared', 'conv2dForward', 'conv2dBackward', 'maxPool2dForward', 'maxPool2dBackward', 'reluForward', 'reluBackward', 'adamStep', 'sumSlots'] as const;
type FnName = (typeof FN_NAMES)[number];
const FN = Object.fromEntries(FN_NAMES.map((n, i) => [n, i + 1])) as Record<FnName, number>;
// Control block per worker (int32s): [0] job sequence number, [1] sequence number done,
// [2] kernel id (0 = exit), [3] argument count, [4] error flag, [5] job state, [6] tests only
// (skewThreads): a delay in ms before the worker starts on the job, or −1: wait until [7] (the
// main thread's share done) is set, [8…] arguments.
const SLOT = 64;
const IDLE = 0;
const POSTED = 1;
const TAKEN = 2;
const WITHDRAWN = 3;
const ARENA_BASE = 65536; // below: wasm statics (none today) — keep clear
const PAGE = 65536;
/** The memory's maximum in pages (4 GiB, all a wasm32 address reaches): build/kernels.wasm's --maximumMemory. */
const MAX_PAGES = 65536;
const NR = 8;
/** The fewest rows or columns of C a GEMM work item gets (see gemm). */
const MIN_SPLIT = 64;
/** Below this many multiply-adds a GEMM runs on one thread (sync costs more than it saves). */
const PARALLEL_MIN_FLOPS = 1 << 18;
/** Below this many elements a memory-bound kernel (ReLU, pooling, Adam) runs on one thread. */
const PARALLEL_MIN_ELEMS = 1 << 16;
/** Elements per work item of the memory-bound kernels (a multiple of 16). */
const ELEM_CHUNK = 1 << 15;
/**
 * A convolution's backward splits its images into at most this many work items, each with its
 * own weight- and bias-gradient slot (summed in item order afterwards). A function of the batch
 * size only, never of the thread count: the result must not depend on it.
 */
const CONV_MAX_ITEMS = 32;
/** …and at most this many bytes of slots (fewer, larger items for very large weights). */
const CONV_SLOT_BYTES = 32 << 20;

const WORKER_SRC = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, slot, names } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = [null, ...names.map((n) => ex[n])];
const c = new Int32Array(ctrl, slot * ${SLOT} * 4, ${SLOT});
for (;;) {
  let spins = 0;
  while (Atomics.load(c, 5) !== ${POSTED}) {
    if (++spins > 20000) { Atomics.wait(c, 5, Atomics.load(c, 5), 1000); spins = 0; }
  }
  if (Atomics.compareExchange(c, 5, ${POSTED}, ${TAKEN}) !== ${POSTED}) continue; // withdrawn
  const seq = Atomics.load(c, 0);
  const id = c[2];
  if (id === 0) break;
  try {
    if (c[6] > 0) Atomics.wait(c, 6, c[6], c[6]);
    else if (c[6] < 0) Atomics.wait(c, 7, 0, 10000);
    const n = c[3];
    const a = new Array(n);
    for (let i = 0; i < n; i++) a[i] = c[8 + i];
    fns[id](...a);
    c[4] = 0;
  } catch (e) {
    c[4] = 1;
  }
  Atomics.store(c, 1, seq);
  Atomics.notify(c, 1);
}
`;

export function wasmPath(): string {
  return process.env.ASKFIRST_KERNELS_WASM ?? join(packageRoot(), 'build', 'kernels.wasm');
}

class WasmKernels implements Kernels {
  readonly name = 'wasm' as const;
  readonly threads: number;
  private readonly memory: WasmMemory;
  private readonly ex: Exports;
  private readonly ctrl: Int32Array;
  private readonly workers: Worker[] = [];
  private f32: Float32Array;
  private i32: Int32Array;
  private top = ARENA_BASE;
  /** Where the arena starts: ARENA_BASE, or (tests only, placeArena) further up. */
  private base = ARENA_BASE;
  private seq = 0;
  /** Tests only (skewThreads): ms, or −1 = after the workers / after the main thread. */
  private skewMain = 0;
  private skewWorker = 0;

  constructor(module: WasmModule, threads: number) {
    this.threads = threads;
    this.memory = new WA.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
    this.ex = new WA.Instance(module, { env: { memory: this.memory } }).exports as unknown as Exports;
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    const sab = new SharedArrayBuffer(Math.max(1, threads - 1) * SLOT * 4);
    this.ctrl = new Int32Array(sab);
    for (let t = 1; t < threads; t++) {
      const w = new Worker(WORKER_SRC, { eval: true, workerData: { module, memory: this.memory, ctrl: sab, slot: t - 1, names: FN_NAMES } });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Stop the workers (the backend is unusable afterwards). */
  close(): void {
    for (let t = 1; t < this.threads; t++) {
      const c = this.slot(t);
      c[2] = 0;
      Atomics.store(c, 5, POSTED);
      Atomics.notify(c, 5);
    }
    for (const w of this.workers) void w.terminate();
  }

  /** Tests only: see skewThreads below. */
  skewThreads(main: number | 'last', worker: number | 'last'): void {
    this.skewMain = main === 'last' ? -1 : main;
    this.skewWorker = worker === 'last' ? -1 : worker;
  }

  /** Tests only: see placeArena below. */
  placeArena(base: number): void {
    this.base = base;
  }

  private slot(t: number): Int32Array {
    return this.ctrl.subarray((t - 1) * SLOT, t * SLOT);
  }

  // ------------------------------------------------------------ arena
  private reset(): void {
    this.top = this.base;
  }
  private alloc(bytes: number): number {
    const p = Math.ceil(this.top / 64) * 64;
    const end = p + bytes;
    if (end > this.memory.buffer.byteLength) {
      if (end > MAX_PAGES * PAGE) {
        throw new InputError(`one operation of the WASM kernels needs ${(end / 2 ** 30).toFixed(2)} GiB for its operands, more than the 4 GiB a WebAssembly memory can hold: use a smaller batch`);
      }
      const need = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      // grow geometrically so repeated calls with rising sizes do not grow every time
      const cur = this.memory.buffer.byteLength / PAGE;
      this.memory.grow(Math.max(need, Math.min(cur, MAX_PAGES - cur - 1) >> 2));
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    this.top = end;
    return p;
  }
  private put(a: Float32Array, n = a.length): number {
    const p = this.alloc(n * 4);
    this.f32.set(n === a.length ? a : a.subarray(0, n), p >>> 2);
    return p;
  }
  private get(p: number, out: Float32Array, n = out.length): void {
    (n === out.length ? out : out.subarray(0, n)).set(this.f32.subarray(p >>> 2, (p >>> 2) + n));
  }
  /** A zeroed work counter for one call. */
  private counter(): number {
    const p = this.alloc(4);
    this.f32[p >>> 2] = 0;
    return p;
  }

  // ------------------------------------------------------------ threads
  /**
   * Run fn on `threads` threads, thread t with argsOf(t) (t = 0 is this thread), and return
   * when all have finished. Jobs a worker has not picked up by the time this thread is done are
   * withdrawn (the shared counter has no items left for them anyway).
   */
  private run(fn: FnName, threads: number, argsOf: (t: number) => number[]): void {
    const T = Math.min(threads, this.threads);
    const seq = (this.seq = (this.seq + 1) | 0);
    for (let t = 1; t < T; t++) {
      const c = this.slot(t);
      const args = argsOf(t);
      c[2] = FN[fn];
      c[3] = args.length;
      for (let i = 0; i < args.length; i++) c[8 + i] = args[i];
      c[6] = this.skewWorker;
      c[7] = 0;
      Atomics.store(c, 0, seq);
      Atomics.store(c, 5, POSTED);
      Atomics.notify(c, 5);
    }
    let error: unknown = null;
    if (this.skewMain && T > 1) this.skew(T, seq);
    try {
      (this.ex[fn] as (...a: number[]) => void)(...argsOf(0));
    } catch (e) {
      error = e; // the workers must still be done before the arena is reused
    }
    if (this.skewWorker < 0) {
      for (let t = 1; t < T; t++) {
        Atomics.store(this.slot(t), 7, 1);
        Atomics.notify(this.slot(t), 7);
      }
    }
    const failed = this.join(T, seq);
    if (error) throw error;
    if (failed) throw new Error(`WASM kernel ${fn} failed in worker ${failed}`);
  }

  /** Tests only: hold this thread back skewMain ms, or (−1) until the workers are done with job `seq` (at most 10 s). */
  private skew(T: number, seq: number): void {
    if (this.skewMain > 0) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.skewMain);
      return;
    }
    const end = Date.now() + 10_000;
    for (let t = 1; t < T; t++) {
      const c = this.slot(t);
      while (Atomics.load(c, 1) !== seq && Date.now() < end) Atomics.wait(c, 1, Atomics.load(c, 1), 10);
    }
  }

  /** Withdraw job `seq` from workers 1…T−1 that have not taken it, wait for the others; a failed worker's number (or 0). */
  private join(T: number, seq: number): number {
    let failed = 0;
    for (let t = 1; t < T; t++) {
      const c = this.slot(t);
      if (Atomics.compareExchange(c, 5, POSTED, WITHDRAWN) === POSTED) continue;
      let spins = 0;
      const start = Date.now();
      while (Atomics.load(c, 1) !== seq) {
        if (++spins > 20000) {
          Atomics.wait(c, 1, Atomics.load(c, 1), 100);
          if (Date.now() - start > 300_000) throw new Error(`WASM kernel worker ${t} did not answer within 300 s`);
        }
      }
      Atomics.store(c, 5, IDLE);
      if (c[4]) failed = t;
    }
    return failed;
  }

  /** Threads worth using for a memory-bound kernel over n elements. */
  private elemThreads(n: number): number {
    return n < PARALLEL_MIN_ELEMS ? 1 : this.threads;
  }

  // ------------------------------------------------------------ kernels
  gemm(A: Float32Array, B: Float32Array, C: Float32Array, M: number, N: number, K: number, transA = false, transB = false, accumulate = false): void {
    if (A.length < M * K || B.length < K * N || C.length < M * N) throw new InputError(`gemm: buffers too small for ${M}×${K}·${K}×${N}`);
    if (M === 0 || N === 0) return;
    this.reset();
    const pa = this.put(A, M * K);
    const pb = this.put(B, K * N);
    const pc = accumulate ? this.put(C, M * N) : this.alloc(M * N * 4);
    const T = M * N * K < PARALLEL_MIN_FLOPS ? 1 : this.threads;
    // Split the longer side of C into about 4 items per thread (whole micro-tiles), but no
    // narrower than MIN_SPLIT: every item packs the whole other operand again.
    const byCols = N >= M;
    const chunk = T === 1 ? Math.max(M, N) : Math.max(MIN_SPLIT, Math.ceil((byCols ? N : M) / (4 * T) / NR) * NR);
    const ctr = this.counter();
    const sb = this.ex.gemmScratchBytes();
    const scratch = Array.from({ length: T }, () => this.alloc(sb));
    const args = [ctr, chunk, byCols ? 1 : 0, M, N, K, pa, transA ? 1 : K, transA ? M : 1, pb, transB ? 1 : N, transB ? K : 1, pc, N, accumulate ? 1 : 0];
    this.run('gemmShared', T, (t) => [...args, scratch[t]]);
    this.get(pc, C, M * N);
  }

  conv2dForward(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, g: ConvGeom): void {
    const { N, C, H, W, F, KH, KW, stride, pad, OH, OW } = g;
    this.reset();
    const px = this.put(x, N * C * H * W);
    const pw = this.put(w, F * C * KH * KW);
    const pbias = b ? this.put(b, F) : 0;
    const py = this.alloc(N * F * OH * OW * 4);
    const ctr = this.counter();
    const sb = this.ex.convScratchBytes(C, KH, KW, OH, OW);
    const T = convScratchThreads(g, false, sb, this.top, this.base, Math.min(this.threads, N));
    const scratch = Array.from({ length: T }, () => this.alloc(sb));
    this.run('conv2dForward', T, (t) => [px, pw, pbias, py, ctr, N, C, H, W, F, KH, KW, stride, pad, OH, OW, scratch[t]]);
    this.get(py, y, N * F * OH * OW);
  }

  conv2dBackward(x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, g: ConvGeom, overwriteDx = false): void {
    const { N, C, H, W, F, KH, KW, stride, pad, OH, OW } = g;
    if (N === 0) return;
    const nw = F * C * KH * KW;
    this.reset();
    const px = dw ? this.put(x, N * C * H * W) : 0;
    const pw = this.put(w, nw);
    const pdy = this.put(dy, N * F * OH * OW);
    const pdx = dx ? (overwriteDx ? this.alloc(N * C * H * W * 4) : this.put(dx, N * C * H * W)) : 0;
    // Work items of `per` consecutive images, each writing its dw/db into its own slot (no
    // zeroing needed: an item's first image overwrites it); the slots are then summed in item
    // order into the caller's values, so neither timing nor the thread count changes a bit.
    const dwStride = dw ? (nw + 15) & ~15 : 0;
    const dbStride = db ? (F + 15) & ~15 : 0;
    const byBytes = dw || db ? Math.max(1, Math.floor(CONV_SLOT_BYTES / ((dwStride + dbStride) * 4))) : N;
    const per = Math.ceil(N / Math.min(N, CONV_MAX_ITEMS, byBytes));
    const G = Math.ceil(N / per);
    const pdw = dw ? this.put(dw, nw) : 0;
    const pdb = db ? this.put(db, F) : 0;
    const dwSlots = dw ? this.alloc(G * dwStride * 4) : 0;
    const dbSlots = db ? this.alloc(G * dbStride * 4) : 0;
    const ctr = this.counter();
    const dwCtr = this.counter();
    const dbCtr = this.counter();
    const sb = this.ex.convBackwardScratchBytes(C, KH, KW, OH, OW);
    const T = convScratchThreads(g, true, sb, this.top, this.base, Math.min(this.threads, G));
    const scratch = Array.from({ length: T }, () => this.alloc(sb));
    this.run('conv2dBackward', T, (t) => [px, pw, pdy, pdx, dwSlots, dbSlots, ctr, N, per, dwStride, dbStride, overwriteDx ? 1 : 0, C, H, W, F, KH, KW, stride, pad, OH, OW, scratch[t]]);
    if (dw) {
      const chunk = Math.max(16, Math.floor(ELEM_CHUNK / G / 16) * 16);
      this.run('sumSlots', this.elemThreads(G * nw), () => [pdw, dwSlots, G, dwStride, nw, dwCtr, chunk]);
      this.get(pdw, dw, nw);
    }
    if (db) {
      this.ex.sumSlots(pdb, dbSlots, G, dbStride, F, dbCtr, F);
      this.get(pdb, db, F);
    }
    if (dx) this.get(pdx, dx, N * C * H * W);
  }

  maxPool2dForward(x: Float32Array, y: Float32Array, arg: Int32Array | null, P: number, H: number, W: number, k: number, s: number, OH: number, OW: number): void {
    this.reset();
    const px = this.put(x, P * H * W);
    const py = this.alloc(P * OH * OW * 4);
    const pa = arg ? this.alloc(P * OH * OW * 4) : 0;
    const ctr = this.counter();
    const chunk = Math.max(1, Math.floor(ELEM_CHUNK / (H * W)));
    this.run('maxPool2dForward', this.elemThreads(P * H * W), () => [px, py, pa, ctr, P, chunk, H, W, k, s, OH, OW]);
    this.get(py, y, P * OH * OW);
    if (arg) arg.set(this.i32.subarray(pa >>> 2, (pa >>> 2) + P * OH * OW));
  }

  maxPool2dBackward(dy: Float32Array, y: Float32Array | null, arg: Int32Array, dx: Float32Array, P: number, accumulate: boolean): void {
    const nOut = dy.length;
    const nIn = dx.length;
    this.reset();
    const pdy = this.put(dy);
    const py = y ? this.put(y, nOut) : 0;
    const parg = this.alloc(nOut * 4);
    this.i32.set(arg.length === nOut ? arg : arg.subarray(0, nOut), parg >>> 2);
    const pdx = accumulate ? this.put(dx) : this.alloc(nIn * 4);
    const ctr = this.counter();
    const chunk = Math.max(1, Math.floor((ELEM_CHUNK * P) / nIn));
    this.run('maxPool2dBackward', this.elemThreads(nIn), () => [pdy, py, parg, pdx, ctr, P, chunk, nIn / P, nOut / P, accumulate ? 0 : 1]);
    this.get(pdx, dx);
  }

  reluForward(x: Float32Array, y: Float32Array): void {
    const n = y.length;
    this.reset();
    const px = this.put(x, n);
    const py = this.alloc(n * 4);
    const ctr = this.counter();
    this.run('reluForward', this.elemThreads(n), () => [px, py, ctr, n, ELEM_CHUNK]);
    this.get(py, y);
  }

  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, accumulate: boolean): void {
    const n = dx.length;
    this.reset();
    const px = this.put(x, n);
    const pdy = this.put(dy, n);
    const pdx = accumulate ? this.put(dx) : this.alloc(n * 4);
    const ctr = this.counter();
    this.run('reluBackward', this.elemThreads(n), () => [px, pdy, pdx, ctr, n, ELEM_CHUNK, accumulate ? 1 : 0]);
    this.get(pdx, dx);
  }

  adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamStepParams): void {
    const n = w.length;
    if (g.length < n || m.length < n || v.length < n) throw new InputError(`adamStep: buffers shorter than the ${n} weights`);
    this.reset();
    const hp = this.alloc(24);
    this.f32.set([h.beta1, h.beta2, h.eps, h.stepSize, 1 / h.sqrtBc2, h.decay], hp >>> 2);
    const pw = this.put(w);
    const pg = this.put(g, n);
    const pm = this.put(m, n);
    const pv = this.put(v, n);
    const ctr = this.counter();
    this.run('adamStep', this.elemThreads(n), () => [pw, pg, pm, pv, ctr, n, ELEM_CHUNK, hp]);
    this.get(pw, w);
    this.get(pm, m, n);
    this.get(pv, v, n);
  }
}

/**
 * How many threads a convolution runs on: `want`, or fewer when the memory above arena byte
 * `top` (the call's operands from `base` up to there) holds fewer scratches of `sb` bytes (the
 * kernels' exact convScratchBytes / convBackwardScratchBytes: one image's im2col buffer, two in
 * the backward pass, and a GEMM's); the result does not depend on the thread count. An
 * InputError naming the geometry when not even one fits: the kernels' 32-bit sizes once wrapped
 * there (one image's im2col past 2 GiB: a negative scratch, overlapping the next thread's).
 */
export function convScratchThreads(g: ConvGeom, backward: boolean, sb: number, top: number, base: number, want: number): number {
  const each = Math.ceil(sb / 64) * 64;
  const fit = Math.floor((MAX_PAGES * PAGE - Math.ceil(top / 64) * 64) / each);
  if (fit >= 1) return Math.min(want, fit);
  const { C, KH, KW, OH, OW } = g;
  const gib = (b: number) => (b / 2 ** 30).toFixed(2);
  throw new InputError(
    `conv2d ${backward ? 'gradients' : 'forward'} of ${C} channels, kernel ${KH}×${KW}, output ${OH}×${OW}: one image's im2col scratch (${C}·${KH}·${KW} × ${OH}·${OW} floats${backward ? ', twice' : ''}) needs ${gib(sb)} GiB and the batch's operands ${gib(top - base)} GiB, more than the 4 GiB a WebAssembly memory can address: use fewer channels, a smaller kernel or image, or a smaller batch`,
  );
}

/**
 * Tests only: force uneven splits of every job between the threads of a WASM backend (a no-op
 * for other backends). main / worker: hold that side back this many ms before it starts on its
 * share, or 'last': until the other side has finished (so the other side takes every item).
 * (0, 0) turns it off.
 */
export function skewThreads(k: Kernels, main: number | 'last', worker: number | 'last'): void {
  if (k instanceof WasmKernels) k.skewThreads(main, worker);
}

/**
 * Tests only: start the arena of a WASM backend at byte `base` instead of 64 KiB (a no-op for
 * other backends), so small operands sit where those of an operation on gigabytes would (the
 * memory grows to reach them, untouched pages costing no RAM). No base: back to the start.
 */
export function placeArena(k: Kernels, base = ARENA_BASE): void {
  if (k instanceof WasmKernels) k.placeArena(base);
}

let cached: WasmKernels | null = null;
let cachedModule: WasmModule | null = null;

/** Load (once) and return the WASM backend with `threads` threads (0 = all cores, at most 8). */
export function loadWasmKernels(threads: number): Kernels {
  const want = threads > 0 ? threads : Math.min(8, availableParallelism());
  if (cached && cached.threads === want) return cached;
  if (!cachedModule) {
    const p = wasmPath();
    if (!existsSync(p)) throw new Error(`${p} not found (build it with \`npm run build\`)`);
    cachedModule = new WA.Module(readFileSync(p));
  }
  if (cached) cached.close();
  cached = new WasmKernels(cachedModule!, want);
  return cached;
}
