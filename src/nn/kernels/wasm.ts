/**
 * The WebAssembly SIMD backend: loads build/kernels.wasm (compiled from src/nn/wasm/kernels.ts
 * by `npm run build`), instantiates it on one shared WebAssembly.Memory in the main thread and
 * in `threads − 1` worker_threads, and splits each GEMM (by rows or columns) or convolution
 * (by images) between them. Calls are synchronous: the main thread posts work through a
 * SharedArrayBuffer control block, runs its own share, then waits (spin, then Atomics.wait).
 *
 * Operands are copied into a bump arena in the wasm memory per call (reset every call) and the
 * results copied back; the memory grows on demand and is reused, so steady-state calls do not
 * allocate. Workers are unref'd: they never keep the process alive.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../util/errors.js';
import type { Kernels } from './index.js';
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
  convScratchBytes(C: number, KH: number, KW: number, OH: number, OW: number): number;
  conv2dForward(...a: number[]): void;
  convBackwardScratchBytes(C: number, KH: number, KW: number, OH: number, OW: number): number;
  conv2dBackward(...a: number[]): void;
  addInto(dst: number, src: number, n: number): void;
  maxPool2dForward(...a: number[]): void;
  reluForward(...a: number[]): void;
  reluBackward(...a: number[]): void;
  adamStep(...a: number[]): void;
}

/** The kernels workers can run, by id (1-based; 0 tells a worker to exit). */
const FN_NAMES = ['gemm', 'conv2dForward', 'conv2dBackward', 'maxPool2dForward', 'reluForward', 'reluBackward', 'adamStep'] as const;
type FnName = (typeof FN_NAMES)[number];
const FN = Object.fromEntries(FN_NAMES.map((n, i) => [n, i + 1])) as Record<FnName, number>;
const SLOT = 64; // int32s of control block per worker
const ARENA_BASE = 65536; // below: wasm statics (none today) — keep clear
const PAGE = 65536;
const NR = 8;
const MR = 4;
/** Below this many multiply-adds a GEMM runs on one thread (sync costs more than it saves). */
const PARALLEL_MIN_FLOPS = 1 << 18;
/** Below this many elements a memory-bound kernel (pooling, Adam) runs on one thread. */
const PARALLEL_MIN_ELEMS = 1 << 16;

const WORKER_SRC = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, slot, names } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = [null, ...names.map((n) => ex[n])];
const c = new Int32Array(ctrl, slot * ${SLOT} * 4, ${SLOT});
let seen = 0;
for (;;) {
  let s, spins = 0;
  while ((s = Atomics.load(c, 0)) === seen) {
    if (++spins > 50000) { Atomics.wait(c, 0, seen, 1000); spins = 0; }
  }
  seen = s;
  const id = c[2];
  if (id === 0) break;
  try {
    const n = c[3];
    const a = new Array(n);
    for (let i = 0; i < n; i++) a[i] = c[8 + i];
    fns[id](...a);
    c[4] = 0;
  } catch (e) {
    c[4] = 1;
  }
  Atomics.store(c, 1, seen);
  Atomics.notify(c, 1);
}
`;

/** The package root: the nearest ancestor of this file holding package.json (works from src/ and dist/). */
function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(d, 'package.json'))) return d;
    d = dirname(d);
  }
  throw new Error('cannot find the askfirst package root (package.json) above ' + fileURLToPath(import.meta.url));
}

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
  private top = ARENA_BASE;

  constructor(module: WasmModule, threads: number) {
    this.threads = threads;
    this.memory = new WA.Memory({ initial: 32, maximum: 65536, shared: true });
    this.ex = new WA.Instance(module, { env: { memory: this.memory } }).exports as unknown as Exports;
    this.f32 = new Float32Array(this.memory.buffer);
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
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
    }
    for (const w of this.workers) void w.terminate();
  }

  private slot(t: number): Int32Array {
    return this.ctrl.subarray((t - 1) * SLOT, t * SLOT);
  }

  // ------------------------------------------------------------ arena
  private reset(): void {
    this.top = ARENA_BASE;
  }
  private alloc(bytes: number): number {
    const p = (this.top + 63) & ~63;
    const end = p + bytes;
    if (end > this.memory.buffer.byteLength) {
      const need = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      // grow geometrically so repeated calls with rising sizes do not grow every time
      const cur = this.memory.buffer.byteLength / PAGE;
      this.memory.grow(Math.max(need, Math.min(cur, 65536 - cur - 1) >> 2));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    this.top = end;
    return p;
  }
  private put(a: Float32Array): number {
    const p = this.alloc(a.length * 4);
    this.f32.set(a, p >> 2);
    return p;
  }
  private zeroed(n: number): number {
    const p = this.alloc(n * 4);
    this.f32.fill(0, p >> 2, (p >> 2) + n);
    return p;
  }
  private get(p: number, out: Float32Array): void {
    out.set(this.f32.subarray(p >> 2, (p >> 2) + out.length));
  }

  // ------------------------------------------------------------ threads
  /** Run fn with args[t] on thread t (t = 0 is this thread) and wait for all. */
  private run(fn: FnName, args: number[][]): void {
    const seqs: number[] = [];
    for (let t = 1; t < args.length; t++) {
      const c = this.slot(t);
      c[2] = FN[fn];
      c[3] = args[t].length;
      for (let i = 0; i < args[t].length; i++) c[8 + i] = args[t][i];
      const s = (c[0] + 1) | 0;
      seqs[t] = s;
      Atomics.store(c, 0, s);
      Atomics.notify(c, 0);
    }
    (this.ex[fn] as (...a: number[]) => void)(...args[0]);
    for (let t = 1; t < args.length; t++) {
      const c = this.slot(t);
      let spins = 0;
      const start = Date.now();
      while (Atomics.load(c, 1) !== seqs[t]) {
        if (++spins > 20000) {
          Atomics.wait(c, 1, Atomics.load(c, 1), 100);
          if (Date.now() - start > 300_000) throw new Error(`WASM kernel worker ${t} did not answer within 300 s`);
        }
      }
      if (c[4]) throw new Error(`WASM kernel ${fn} failed in worker ${t}`);
    }
  }

  // ------------------------------------------------------------ kernels
  gemm(A: Float32Array, B: Float32Array, C: Float32Array, M: number, N: number, K: number, transA = false, transB = false, accumulate = false): void {
    if (A.length < M * K || B.length < K * N || C.length < M * N) throw new InputError(`gemm: buffers too small for ${M}×${K}·${K}×${N}`);
    if (M === 0 || N === 0) return;
    this.reset();
    const pa = this.put(A.length === M * K ? A : A.subarray(0, M * K));
    const pb = this.put(B.length === K * N ? B : B.subarray(0, K * N));
    const Cv = C.length === M * N ? C : C.subarray(0, M * N);
    const pc = accumulate ? this.put(Cv) : this.alloc(M * N * 4);
    const rsA = transA ? 1 : K;
    const csA = transA ? M : 1;
    const rsB = transB ? 1 : N;
    const csB = transB ? K : 1;
    const acc = accumulate ? 1 : 0;
    let T = M * N * K < PARALLEL_MIN_FLOPS ? 1 : this.threads;
    const args: number[][] = [];
    const sb = this.ex.gemmScratchBytes();
    if (N >= M) {
      const chunk = Math.ceil(N / T / NR) * NR;
      T = Math.min(T, Math.ceil(N / chunk));
      for (let t = 0; t < T; t++) {
        const j0 = t * chunk;
        const n = Math.min(chunk, N - j0);
        args.push([M, n, K, pa, rsA, csA, pb + j0 * csB * 4, rsB, csB, pc + j0 * 4, N, acc, this.alloc(sb)]);
      }
    } else {
      const chunk = Math.ceil(M / T / MR) * MR;
      T = Math.min(T, Math.ceil(M / chunk));
      for (let t = 0; t < T; t++) {
        const i0 = t * chunk;
        const m = Math.min(chunk, M - i0);
        args.push([m, N, K, pa + i0 * rsA * 4, rsA, csA, pb, rsB, csB, pc + i0 * N * 4, N, acc, this.alloc(sb)]);
      }
    }
    this.run('gemm', args);
    this.get(pc, Cv);
  }

  private split(N: number): [number, number][] {
    const T = Math.min(this.threads, N);
    const out: [number, number][] = [];
    for (let t = 0; t < T; t++) out.push([Math.floor((t * N) / T), Math.floor(((t + 1) * N) / T)]);
    return out;
  }

  conv2dForward(x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, g: ConvGeom): void {
    const { N, C, H, W, F, KH, KW, stride, pad, OH, OW } = g;
    this.reset();
    const px = this.put(x);
    const pw = this.put(w);
    const pbias = b ? this.put(b) : 0;
    const py = this.alloc(N * F * OH * OW * 4);
    const sb = this.ex.convScratchBytes(C, KH, KW, OH, OW);
    const args = this.split(N).map(([n0, n1]) => [px, pw, pbias, py, n0, n1, C, H, W, F, KH, KW, stride, pad, OH, OW, this.alloc(sb)]);
    this.run('conv2dForward', args);
    this.get(py, y);
  }

  conv2dBackward(x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, g: ConvGeom): void {
    const { N, C, H, W, F, KH, KW, stride, pad, OH, OW } = g;
    this.reset();
    const px = dw ? this.put(x) : 0;
    const pw = this.put(w);
    const pdy = this.put(dy);
    const pdx = dx ? this.put(dx) : 0;
    const parts = this.split(N);
    const sb = this.ex.convBackwardScratchBytes(C, KH, KW, OH, OW);
    const dws: number[] = [];
    const dbs: number[] = [];
    const args = parts.map(([n0, n1], t) => {
      const pdw = dw ? (t === 0 ? this.put(dw) : this.zeroed(w.length)) : 0;
      const pdb = db ? (t === 0 ? this.put(db) : this.zeroed(F)) : 0;
      dws.push(pdw);
      dbs.push(pdb);
      return [px, pw, pdy, pdx, pdw, pdb, n0, n1, C, H, W, F, KH, KW, stride, pad, OH, OW, this.alloc(sb)];
    });
    this.run('conv2dBackward', args);
    for (let t = 1; t < parts.length; t++) {
      if (dw) this.ex.addInto(dws[0], dws[t], w.length);
      if (db) this.ex.addInto(dbs[0], dbs[t], F);
    }
    if (dx) this.get(pdx, dx);
    if (dw) this.get(dws[0], dw);
    if (db) this.get(dbs[0], db);
  }

  maxPool2dForward(x: Float32Array, y: Float32Array, arg: Int32Array | null, P: number, H: number, W: number, k: number, s: number, OH: number, OW: number): void {
    this.reset();
    const px = this.put(x.length === P * H * W ? x : x.subarray(0, P * H * W));
    const py = this.alloc(P * OH * OW * 4);
    const pa = arg ? this.alloc(P * OH * OW * 4) : 0;
    const parts = P * H * W < PARALLEL_MIN_ELEMS ? [[0, P] as [number, number]] : this.split(P);
    this.run('maxPool2dForward', parts.map(([p0, p1]) => [px, py, pa, p0, p1, H, W, k, s, OH, OW]));
    this.get(py, y);
    if (arg) arg.set(new Int32Array(this.memory.buffer, pa, P * OH * OW));
  }

  /** Element ranges [i0, i1) per thread (one range when n is small). */
  private ranges(n: number): [number, number][] {
    if (n < PARALLEL_MIN_ELEMS) return [[0, n]];
    // split on multiples of 16 floats (whole cache lines, whole f32x4 lanes)
    const T = this.threads;
    const out: [number, number][] = [];
    for (let t = 0; t < T; t++) out.push([Math.min(n, Math.ceil((t * n) / T / 16) * 16), t === T - 1 ? n : Math.min(n, Math.ceil(((t + 1) * n) / T / 16) * 16)]);
    return out;
  }

  reluForward(x: Float32Array, y: Float32Array): void {
    const n = y.length;
    this.reset();
    const px = this.put(x.length === n ? x : x.subarray(0, n));
    const py = this.alloc(n * 4);
    this.run('reluForward', this.ranges(n).map(([i0, i1]) => [px, py, i0, i1]));
    this.get(py, y);
  }

  reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, accumulate: boolean): void {
    const n = dx.length;
    this.reset();
    const px = this.put(x.length === n ? x : x.subarray(0, n));
    const pdy = this.put(dy.length === n ? dy : dy.subarray(0, n));
    const pdx = accumulate ? this.put(dx) : this.alloc(n * 4);
    this.run('reluBackward', this.ranges(n).map(([i0, i1]) => [px, pdy, pdx, i0, i1, accumulate ? 1 : 0]));
    this.get(pdx, dx);
  }

  adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamStepParams): void {
    const n = w.length;
    if (g.length < n || m.length < n || v.length < n) throw new InputError(`adamStep: buffers shorter than the ${n} weights`);
    this.reset();
    const hp = this.alloc(24);
    this.f32.set([h.beta1, h.beta2, h.eps, h.stepSize, 1 / h.sqrtBc2, h.decay], hp >> 2);
    const pw = this.put(w);
    const pg = this.put(g.length === n ? g : g.subarray(0, n));
    const pm = this.put(m.length === n ? m : m.subarray(0, n));
    const pv = this.put(v.length === n ? v : v.subarray(0, n));
    this.run('adamStep', this.ranges(n).map(([i0, i1]) => [pw, pg, pm, pv, i0, i1, hp]));
    this.get(pw, w);
    this.get(pm, m.length === n ? m : m.subarray(0, n));
    this.get(pv, v.length === n ? v : v.subarray(0, n));
  }
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
