/**
 * Per-op profile of one training step of the docs/architecture.md §5 benchmark net (the net of
 * bench/engine.ts): wall time of every layer's forward and backward, and of the Adam step,
 * averaged over `--steps` steps after a warm-up. Backward times come from wrapping each graph
 * node's backward closure with a timer, labelled by the layer that produced the node.
 *
 *   npx tsx bench/engine-profile.ts [--steps 10] [--threads 2] [--batch 64] [--cpu]
 *
 * The table goes to stderr; stdout is one JSON object, the same figures.
 *
 * --cpu times by process CPU time (all threads) instead of wall time: on a shared machine,
 * with --threads 1, this is far less sensitive to other processes than the wall clock.
 */
import { loadavg } from 'node:os';
import { AdamW, Conv2d, Linear, Tensor, crossEntropy, flatten, kernels, maxPool2d, relu, setKernels } from '../src/nn/index.js';
import { markInternal } from '../src/nn/tensor.js';
import { Rng } from '../src/util/rng.js';
import { benchArgs } from './args.js';

const o = benchArgs(
  import.meta.url,
  `Per-op profile of one training step of the docs/architecture.md §5 net (bench/engine.ts's): each layer's forward and
backward time and the Adam step's, averaged over --steps steps after 3 warm-up steps. The table goes to stderr; stdout is
one JSON object ({ kernels, threads, batch, steps, clock, ops: { NAME: { forward_ms, backward_ms } }, step_ms, … }).`,
  {
    steps: { type: 'number', default: 10, min: 1, help: 'timed steps' },
    threads: { type: 'number', default: 0, help: 'WASM kernel threads (0: ASKFIRST_THREADS or all cores, at most 8)' },
    batch: { type: 'number', default: 64, min: 1, help: 'samples a step' },
    cpu: { type: 'boolean', help: 'time by process CPU time (all threads), not wall time: with --threads 1 far less moved by other jobs' },
  },
);
const stepsN = o.steps;
const threadsArg = o.threads;
const batch = o.batch;
const k = threadsArg ? setKernels('wasm', threadsArg) : kernels();
const useCpu = o.cpu;
const now = useCpu
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    }
  : () => performance.now();

const rng = new Rng(0);
const layers: [string, (x: Tensor) => Tensor][] = [];
const conv = (name: string, c: Conv2d) => layers.push([name, (x) => c.forward(x)]);
const lin = (name: string, l: Linear) => layers.push([name, (x) => l.forward(x)]);
const c1 = new Conv2d(3, 16, 3, { pad: 1, rng });
const c2 = new Conv2d(16, 32, 3, { pad: 1, rng });
const c3 = new Conv2d(32, 64, 3, { pad: 1, rng });
const l1 = new Linear(4096, 128, { rng });
const l2 = new Linear(128, 16, { rng });
conv('conv1 3→16', c1);
layers.push(['relu1', relu], ['pool1', (x) => maxPool2d(x, 2)]);
conv('conv2 16→32', c2);
layers.push(['relu2', relu], ['pool2', (x) => maxPool2d(x, 2)]);
conv('conv3 32→64', c3);
layers.push(['relu3', relu], ['pool3', (x) => maxPool2d(x, 2)], ['flatten', flatten]);
lin('linear 4096→128', l1);
layers.push(['relu4', relu]);
lin('linear 128→16', l2);
const params = [c1, c2, c3, l1, l2].flatMap((m) => m.parameters());
const opt = new AdamW(params, { lr: 1e-3, weightDecay: 0 });
const x = new Tensor(Float32Array.from({ length: batch * 3 * 64 * 64 }, () => rng.next()), [batch, 3, 64, 64]);
const y = Array.from({ length: batch }, () => rng.int(16));

const fwd = new Map<string, number>();
const bwd = new Map<string, number>();
const add = (m: Map<string, number>, key: string, v: number) => m.set(key, (m.get(key) ?? 0) + v);
let adam = 0;
let zero = 0;
let total = 0;

function step(record: boolean): void {
  const ts = now();
  let t = now();
  opt.zeroGrad();
  if (record) zero += now() - t;
  const label = new Map<Tensor, string>();
  let h = x;
  const inner: Tensor[] = [];
  for (const [name, f] of layers) {
    t = now();
    h = f(h);
    if (record) add(fwd, name, now() - t);
    label.set(h, name);
    inner.push(h);
  }
  // as Sequential (the bench net) does: intermediate outputs are recycled after backward
  for (const t of inner) if (t !== h && t.data !== h.data) markInternal(t);
  t = now();
  const loss = crossEntropy(h, y);
  if (record) add(fwd, 'crossEntropy', now() - t);
  label.set(loss, 'crossEntropy');
  // wrap every node's backward closure with a timer
  const seen = new Set<Tensor>();
  const stack = [loss];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    const b = n._backward;
    if (b) {
      const name = label.get(n) ?? 'other';
      n._backward = () => {
        const t0 = now();
        b();
        if (record) add(bwd, name, now() - t0);
      };
    }
    stack.push(...n._parents);
  }
  loss.backward();
  t = now();
  opt.step();
  if (record) {
    adam += now() - t;
    total += now() - ts;
  }
}

for (let i = 0; i < 3; i++) step(false);
for (let i = 0; i < stepsN; i++) step(true);
const ms = (v: number | undefined) => ((v ?? 0) / stepsN).toFixed(1).padStart(7);
const names = [...layers.map(([n]) => n), 'crossEntropy'];
const lines = [`kernels=${k.name} threads=${k.threads} batch=${batch} steps=${stepsN} clock=${useCpu ? 'cpu' : 'wall'} load avg ${loadavg()[0].toFixed(2)}`, `${'op'.padEnd(18)}${'fwd ms'.padStart(7)}${'bwd ms'.padStart(8)}`];
let sf = 0;
let sb = 0;
for (const n of names) {
  sf += fwd.get(n) ?? 0;
  sb += bwd.get(n) ?? 0;
  lines.push(`${n.padEnd(18)}${ms(fwd.get(n))} ${ms(bwd.get(n))}`);
}
if (bwd.has('other')) lines.push(`${'other'.padEnd(18)}${ms(0)} ${ms(bwd.get('other'))}`);
lines.push(`${'zeroGrad'.padEnd(18)}${ms(zero)}`, `${'adam'.padEnd(18)}${ms(adam)}`);
lines.push(`${'sum fwd/bwd'.padEnd(18)}${ms(sf)} ${ms(sb)}`, `${'step total'.padEnd(18)}${ms(total)}  → ${((batch * stepsN * 1000) / total).toFixed(1)} samples/s`);
process.stderr.write(lines.join('\n') + '\n');
const avg = (v: number | undefined) => +((v ?? 0) / stepsN).toFixed(2);
const ops = Object.fromEntries([...names, ...(bwd.has('other') ? ['other'] : [])].map((n) => [n, { forward_ms: avg(fwd.get(n)), backward_ms: avg(bwd.get(n)) }]));
process.stdout.write(
  `${JSON.stringify({
    bench: 'engine-profile',
    kernels: k.name,
    threads: k.threads,
    batch,
    steps: stepsN,
    clock: useCpu ? 'cpu' : 'wall',
    ops,
    zero_grad_ms: avg(zero),
    adam_ms: avg(adam),
    forward_ms: avg(sf),
    backward_ms: avg(sb),
    step_ms: avg(total),
    samples_per_s: +((batch * stepsN * 1000) / total).toFixed(1),
    load_avg_1m: +loadavg()[0].toFixed(2),
  })}\n`,
);
