/**
 * The presence stage: train the built-in model's presence head (agents/builtin/presence.ts) on
 * multi-object scenes whose contents are known (suite/multi-object.ts), for the hallucination
 * probes (POPE: "Is there a {c} in the image?", Li et al., EMNLP 2023).
 *
 * It is a stage apart, so it changes nothing else: the model is frozen (the window-pooled
 * category scores the head reads are computed once, without gradient), only the head's
 * per-category scale and bias train, with their own step budget and their own random stream
 * (`seed`, hashed with "presence": scenes and batch order), and the result is written to its own directory — the input checkpoint's files copied
 * unchanged, plus `presence.safetensors` and a `presence` entry in config.json. The demo's
 * trained policy and its figures do not move. Loss: binary cross-entropy per known category,
 * on clean scenes (where absent means absent). The encoder passes (nine windows per scene)
 * take most of the time: about half a minute for the default 800 scenes on a quiet laptop.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW, add, clamp, log, mean, mul, mulScalar, neg, noGrad, resolveCheckpointDir, RunDir, savedConfig, addScalar, sigmoid, tensor, warmupCosine, configJson, readCheckpointConfig, WEIGHTS_FILE, CONFIG_FILE, type Tensor } from '../nn/index.js';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { PresenceHead, presenceScores, type PresenceConfig } from '../agents/builtin/presence.js';
import { multiObjectScene } from '../suite/multi-object.js';
import { CATEGORIES } from '../scenes/shapes.js';
import type { RGBImage } from '../scenes/image.js';
import { yieldToEventLoop } from '../util/yield.js';
import { hashSeed, Rng } from '../util/rng.js';
import { resolveConfig } from '../util/config.js';
import { ConfigError } from '../util/errors.js';
import { JsonlAppender, writeFileAtomicSync } from '../util/fsx.js';
import { progress } from '../util/progress.js';
import { PresenceConfigSchema } from './configs.js';
import { stopIfDiverged, stopIfWeightsDiverged } from '../nn/diverged.js';
import { percent } from '../util/percent.js';

export interface PresenceResult {
  steps: number;
  /** Training loss at the first step and at the last. */
  firstLoss: number;
  finalLoss: number;
  /** Binary cross-entropy on the held-out scenes with the untrained head (scale 1, bias 0) and with the trained one. */
  heldOutLossBefore: number;
  heldOutLossAfter: number;
  /** Share of (scene, category) labels right on the held-out clean scenes. */
  heldOutAccuracy: number;
  /** F1 of "present" on those held-out labels. */
  heldOutF1: number;
  seconds: number;
}

/** Window-pooled category scores (presenceScores) and multi-hot targets of clean scenes `from … from + n − 1`. */
function sceneData(policy: BuiltinPolicy, seed: number, from: number, n: number, size: number, onChunk?: (k: number) => void): { f: Float32Array; y: Float32Array } {
  const C = CATEGORIES.length;
  const y = new Float32Array(n * C);
  const f = new Float32Array(n * C);
  const chunk = 32;
  for (let s = 0; s < n; s += chunk) {
    const k = Math.min(chunk, n - s);
    const imgs: RGBImage[] = [];
    for (let i = 0; i < k; i++) {
      const sc = multiObjectScene('clean', from + s + i, { seed, size });
      imgs.push(sc.image);
      for (const o of sc.facts.objects) y[(s + i) * C + CATEGORIES.indexOf(o.category)] = 1;
    }
    f.set(presenceScores(policy.model, policy.vocab, imgs, CATEGORIES), s * C);
    onChunk?.(k);
  }
  return { f, y };
}

/** Mean binary cross-entropy of logits against 0/1 targets. */
function bce(z: Tensor, y: Float32Array): Tensor {
  const p = clamp(sigmoid(z), 1e-6, 1 - 1e-6);
  const t = tensor(y, z.shape);
  const one = tensor(y.map((v) => 1 - v), z.shape);
  return neg(mean(add(mul(t, log(p)), mul(one, log(addScalar(mulScalar(p, -1), 1))))));
}

export async function trainPresence(partial: unknown, init: string, logLine: (s: string) => void = () => {}): Promise<PresenceResult> {
  const cfg = resolveConfig(PresenceConfigSchema, partial, 'presence training');
  if (cfg.batchSize > cfg.scenes) throw new ConfigError(`--batch-size (${cfg.batchSize}) must not exceed --scenes (${cfg.scenes})`);
  const t0 = performance.now();
  const src = resolveCheckpointDir(init);
  const policy = BuiltinPolicy.load(src);
  const seed = hashSeed('presence', cfg.seed);
  const C = CATEGORIES.length;
  const held = cfg.heldOut;
  const bar = progress('presence features', cfg.scenes + held, { enabled: cfg.progress, unit: 'scenes' });
  const train = sceneData(policy, seed, 0, cfg.scenes, cfg.size, (k) => bar.tick(k));
  const test = sceneData(policy, seed, cfg.scenes, held, cfg.size, (k) => bar.tick(k));
  bar.stop();

  const pc: PresenceConfig = { categories: [...CATEGORIES] };
  const head = new PresenceHead(pc);
  const heldLoss = () => noGrad(() => bce(head.forward(tensor(test.f, [held, C])), test.y)).data[0];
  const heldOutLossBefore = heldLoss();
  const opt = new AdamW(head.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const sched = warmupCosine({ lr: cfg.lr, warmupSteps: Math.min(30, cfg.steps - 1), totalSteps: cfg.steps });
  const rng = new Rng(seed);
  const run = new RunDir(cfg.out);
  mkdirSync(cfg.out, { recursive: true });
  run.reset('train.jsonl');
  const logf = new JsonlAppender(join(cfg.out, 'train.jsonl'));
  const tbar = progress('presence', cfg.steps, { enabled: cfg.progress, unit: 'steps' });
  let last = NaN;
  let first = NaN;
  let order: number[] = [];
  try {
    for (let step = 1; step <= cfg.steps; step++) {
      await yieldToEventLoop(); // Ctrl-C's handler runs between steps
      if (order.length < cfg.batchSize) order = order.concat(rng.shuffle(Array.from({ length: cfg.scenes }, (_, i) => i)));
      const idx = order.splice(0, cfg.batchSize);
      const fb = new Float32Array(idx.length * C);
      const yb = new Float32Array(idx.length * C);
      idx.forEach((s, r) => {
        fb.set(train.f.subarray(s * C, (s + 1) * C), r * C);
        yb.set(train.y.subarray(s * C, (s + 1) * C), r * C);
      });
      opt.zeroGrad();
      const loss = bce(head.forward(tensor(fb, [idx.length, C])), yb);
      stopIfDiverged(loss.data[0], { stage: 'presence', unit: 'step', index: step, bar: tbar }); // nn/diverged.ts (it ends the bar as stopped; the finally below closes the log)
      loss.backward();
      opt.lr = sched(step - 1);
      opt.step();
      // the head is 2 × categories numbers: checked after every step, so a head whose loss stays finite while a weight
      // leaves the finite range (seen at --lr 1e8) is stopped at the step that did it, before anything is saved
      stopIfWeightsDiverged(head.parameters(), { stage: 'presence', unit: 'step', index: step, bar: tbar });
      last = loss.data[0];
      if (step === 1) first = last;
      if (step % cfg.logEvery === 0 || step === cfg.steps) logf.append({ step, 'train/presence_loss': last });
      tbar.tick(1, { loss: last.toFixed(3) });
    }
  } finally {
    logf.close();
  }
  // only once the loop ended: an error in it (a full disk) leaves the bar open, for main's error path to end as stopped
  // (cli/main.ts, `interruptOpenBars`), where a `stop()` here said "N/M steps in Xs" as if it had finished
  tbar.stop();

  // held-out scenes: label accuracy and F1 of "present"
  const z = noGrad(() => sigmoid(head.forward(tensor(test.f, [held, C])))).data;
  let right = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < z.length; i++) {
    const yes = z[i] >= 0.5;
    const truth = test.y[i] === 1;
    if (yes === truth) right++;
    if (yes && truth) tp++;
    else if (yes) fp++;
    else if (truth) fn++;
  }
  const res: PresenceResult = {
    steps: cfg.steps,
    firstLoss: first,
    finalLoss: last,
    heldOutLossBefore,
    heldOutLossAfter: heldLoss(),
    heldOutAccuracy: right / z.length,
    heldOutF1: tp ? (2 * tp) / (2 * tp + fp + fn) : 0,
    seconds: (performance.now() - t0) / 1000,
  };

  // final/: the input checkpoint unchanged, the head beside it, config.json last (= finished)
  const fin = run.finalDir;
  mkdirSync(fin, { recursive: true });
  rmSync(join(fin, CONFIG_FILE), { force: true }); // an earlier final/ (--overwrite) is unfinished until config.json is back
  copyFileSync(join(src, WEIGHTS_FILE), join(fin, WEIGHTS_FILE));
  head.save(fin);
  const base = readCheckpointConfig(src) as Record<string, unknown>;
  const reproducible: Partial<PresenceResult> = { ...res };
  delete reproducible.seconds; // config.json stays the same on any machine
  pc.training = { stage: 'presence', init: src, config: savedConfig(cfg), result: reproducible };
  writeFileAtomicSync(join(fin, CONFIG_FILE), configJson({ ...base, presence: pc }));
  logLine(`presence: ${res.steps} steps, loss ${res.finalLoss.toFixed(3)}, held-out label accuracy ${percent(res.heldOutAccuracy)}, F1 ${percent(res.heldOutF1)}`);
  return res;
}
