/**
 * Engine benchmark (docs/architecture.md §5): the benchmark net — 64×64×3 input, batch 64:
 * conv3×3 3→16, ReLU, maxpool2 → conv3×3 16→32, ReLU, maxpool2 → conv3×3 32→64, ReLU,
 * maxpool2 → linear 4096→128, ReLU → linear 128→16; softmax cross-entropy; one Adam step —
 * timed as samples/s (forward + backward + step), plus GEMM GFLOP/s at 512³, plus the same net
 * run by PyTorch CPU (bench/engine_torch.py under /usr/bin/python3, same threads, same warm-up, as many timed
 * steps as ours took) in the same run.
 *
 *   npx tsx bench/engine.ts --json [--seconds 10] [--threads 2] [--batch 64] [--no-torch]   (--help: the options)
 *
 * Progress goes to stderr; the LAST stdout line is one JSON object:
 * { samples_per_s, gemm_gflops_512, torch_samples_per_s, torch_reason?, ratio, threads, … }.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdamW, Conv2d, Linear, Sequential, Tensor, crossEntropy, flatten, kernels, maxPool2d, relu, setKernels } from '../src/nn/index.js';
import { Rng } from '../src/util/rng.js';
import { benchArgs } from './args.js';

const o = benchArgs(
  import.meta.url,
  `The engine against PyTorch CPU on the docs/architecture.md §5 net (64×64×3, batch 64), side by side in one run:
samples/s of forward + backward + one Adam step, ours then torch's (bench/engine_torch.py under /usr/bin/python3, the
same thread count, the same warm-up and the same number of timed steps), plus GEMM GFLOP/s at 512³. Progress goes to
stderr; stdout is one JSON object ({ samples_per_s, torch_samples_per_s, ratio, threads, steps, … }).`,
  {
    seconds: { type: 'number', default: 10, min: 0.001, integer: false, help: 'how long our timed steps run (at least 3 steps); torch then runs as many steps' },
    threads: { type: 'number', default: 0, help: 'WASM kernel threads, and torch.set_num_threads (0: ASKFIRST_THREADS or all cores, at most 8)' },
    batch: { type: 'number', default: 64, min: 1, help: 'samples a step' },
    json: { type: 'boolean', help: 'the JSON on one line (it is indented otherwise)' },
    'no-torch': { type: 'boolean', help: 'skip the PyTorch peer' },
  },
);
const log = (s: string) => process.stderr.write(`${s}\n`);

const seconds = o.seconds;
const threadsArg = o.threads;
const batch = o.batch;
const k = threadsArg ? setKernels('wasm', threadsArg) : kernels();
const threads = k.threads;
log(`engine bench: kernels=${k.name} threads=${threads} batch=${batch} load avg ${loadavg()[0].toFixed(2)} on ${cpus().length} cpus`);

// ------------------------------------------------------------------ GEMM 512³
function gemmGflops(n: number): number {
  const rng = new Rng(1);
  const A = Float32Array.from({ length: n * n }, () => rng.uniform(-1, 1));
  const B = Float32Array.from({ length: n * n }, () => rng.uniform(-1, 1));
  const C = new Float32Array(n * n);
  for (let i = 0; i < 3; i++) k.gemm(A, B, C, n, n, n);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const reps = 5;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) k.gemm(A, B, C, n, n, n);
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return (2 * n * n * n) / (best * 1e6);
}
const gemm = gemmGflops(512);
log(`gemm 512³: ${gemm.toFixed(1)} GFLOP/s (best of 5×5)`);

// ------------------------------------------------------------------ the net
const rng = new Rng(0);
const pool = (x: Tensor) => maxPool2d(x, 2);
const net = new Sequential(
  new Conv2d(3, 16, 3, { pad: 1, rng }), relu, pool, // [N,16,32,32]
  new Conv2d(16, 32, 3, { pad: 1, rng }), relu, pool, // [N,32,16,16]
  new Conv2d(32, 64, 3, { pad: 1, rng }), relu, pool, // [N,64,8,8]
  flatten, // [N,4096]
  new Linear(4096, 128, { rng }), relu,
  new Linear(128, 16, { rng }),
);
const opt = new AdamW(net.parameters(), { lr: 1e-3, weightDecay: 0 }); // = torch.optim.Adam
const x = new Tensor(Float32Array.from({ length: batch * 3 * 64 * 64 }, () => rng.next()), [batch, 3, 64, 64]);
const y = Array.from({ length: batch }, () => rng.int(16));
const phases = { forward: 0, backward: 0, step: 0 };
/** Untimed steps before the timed ones, on both sides (JIT, buffer pools; torch's allocator and oneDNN primitives). */
const WARMUP = 3;
function step(): number {
  const t0 = performance.now();
  opt.zeroGrad();
  const loss = crossEntropy(net.forward(x), y);
  const t1 = performance.now();
  loss.backward();
  const t2 = performance.now();
  opt.step();
  const t3 = performance.now();
  phases.forward += t1 - t0;
  phases.backward += t2 - t1;
  phases.step += t3 - t2;
  return loss.item();
}
for (let i = 0; i < WARMUP; i++) step();
phases.forward = phases.backward = phases.step = 0;
let steps = 0;
let loss: number;
let dt: number;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
do {
  loss = step();
  steps++;
  dt = (performance.now() - t0) / 1000;
} while (dt < seconds || steps < 3);
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6; // all threads of this process (workers included)
const samplesPerS = (steps * batch) / dt;
const ms = (v: number) => +(v / steps).toFixed(1);
log(`askfirst: ${steps} steps in ${dt.toFixed(2)}s → ${samplesPerS.toFixed(1)} samples/s (loss ${loss.toFixed(3)}; per step ms: forward ${ms(phases.forward)}, backward ${ms(phases.backward)}, adam ${ms(phases.step)})`);

// ------------------------------------------------------------------ PyTorch peer
let torchSps: number | null = null;
let torchReason: string | undefined;
let torchVersion: string | undefined;
let torchPerCpu: number | null = null;
let torchRun: { threads?: number; interopThreads?: number; steps?: number } | undefined;
if (o['no-torch']) torchReason = 'skipped (--no-torch)';
else if (!existsSync('/usr/bin/python3')) torchReason = '/usr/bin/python3 not found';
else {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'engine_torch.py');
  log('running the PyTorch peer (bench/engine_torch.py)…');
  const r = spawnSync('/usr/bin/python3', [script, '--threads', String(threads), '--batch', String(batch), '--warmup', String(WARMUP), '--steps', String(steps)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status === 0) {
    const last = r.stdout.trim().split('\n').pop()!;
    const j = JSON.parse(last) as { samples_per_s: number; samples_per_cpu_s: number; torch_version: string; threads?: number; interop_threads?: number; steps?: number };
    torchVersion = j.torch_version;
    torchRun = { threads: j.threads, interopThreads: j.interop_threads, steps: j.steps };
    // what the peer ran, each compared with ours; one it does not report (not this engine_torch.py) is named: its reason
    // read "undefined threads" / "undefined steps". Without interop_threads it may have run torch's default pool, one per core.
    const fields = [['threads', 'threads', threads], ['interop_threads', 'inter-op threads', threads], ['steps', 'steps', steps]] as const;
    const unsaid = fields.filter(([f]) => typeof j[f] !== 'number');
    const and = (xs: string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}` : xs.join(''));
    // both of torch's pools at --threads (bench/engine_torch.py sets them): a bigger inter-op pool is more CPU than ours
    if (unsaid.length) {
      const said = fields.filter((x) => !unsaid.includes(x));
      const theirs = said.length ? ` (${and(said.map(([f, w]) => `${j[f]} ${w}`))}, ours ${and(said.map(([, , v]) => String(v)))})` : '';
      torchReason = `torch peer did not say its ${and(unsaid.map(([, w]) => w))}${theirs}: run this bench/engine_torch.py`;
    }
    else if (j.threads !== threads || j.interop_threads !== threads || j.steps !== steps) {
      torchReason = `torch peer did other work: ${j.threads} threads, ${j.interop_threads} inter-op threads and ${j.steps} steps, ours ${threads}, ${threads} and ${steps}`;
    }
    else {
      torchSps = j.samples_per_s;
      torchPerCpu = j.samples_per_cpu_s;
    }
    log(torchReason ?? `torch ${torchVersion}: ${j.samples_per_s.toFixed(1)} samples/s`);
  } else {
    const err = `${r.stderr ?? ''}`.trim().split('\n').pop() ?? '';
    torchReason = /No module named 'torch'/.test(err) ? 'python3-torch not installed (apt-get install -y python3-torch)' : `torch peer failed: ${err || r.error?.message}`;
    log(torchReason);
  }
}

const out = {
  samples_per_s: +samplesPerS.toFixed(1),
  gemm_gflops_512: +gemm.toFixed(1),
  torch_samples_per_s: torchSps === null ? null : +torchSps.toFixed(1),
  ...(torchReason ? { torch_reason: torchReason } : {}),
  ratio: torchSps ? +(samplesPerS / torchSps).toFixed(3) : null,
  threads,
  // Contention-robust view: samples per CPU-second (all threads), ours and torch's.
  samples_per_cpu_s: +((steps * batch) / cpuS).toFixed(1),
  torch_samples_per_cpu_s: torchPerCpu === null ? null : +torchPerCpu.toFixed(1),
  kernels: k.name,
  batch,
  steps,
  step_ms: { forward: ms(phases.forward), backward: ms(phases.backward), adam: ms(phases.step) },
  ...(torchVersion ? { torch_version: torchVersion } : {}),
  // what the peer ran: the same threads (both of torch's pools) and timed steps as ours, or its figure is left out (torch_reason)
  ...(torchRun ? { torch_threads: torchRun.threads, torch_interop_threads: torchRun.interopThreads, torch_steps: torchRun.steps } : {}),
  load_avg_1m: +loadavg()[0].toFixed(2),
};
if (o.json) process.stdout.write(`${JSON.stringify(out)}\n`);
else process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
