/**
 * The supervised stage: train the built-in model to name the category of the clearest view
 * (reference mode: category question, every category as an option, cross-entropy on the true
 * one; half the images randomly shrunk and shifted; a tenth (`erase`) with a random block painted
 * over, the target softened toward uniform when most of the object is hidden — a generic
 * perception prior: do not be sure of what you cannot see). A quarter of each batch (`calibrate`)
 * are uninformative views of the RL training kinds (sketch, camera) with a uniform target, so the
 * model's confidence means something there; the unseen kinds' uninformative views are never
 * shown. Camera views also teach the encoder's "where" map (binary cross-entropy against the
 * cells the object covers, which the generator knows): a camera move needs to know where the
 * sliver is, and the category loss alone keeps that only by chance. The result is a
 * "guesser": it answers well when it can see, and its ask gate is still at its negative initial
 * bias, so it never asks — which RL then changes.
 *
 * Runs are resumable: a checkpoint (weights, AdamW moments, step, metrics so far) every
 * `checkpointEvery` steps, written atomically; `resume` continues from the latest complete one,
 * so a kill -9 loses at most one checkpoint interval.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  AdamW,
  add,
  addScalar,
  clamp,
  clipGradNorm,
  loadCheckpointInto,
  log,
  mean,
  mul,
  mulScalar,
  neg,
  noGrad,
  optimizerExtras,
  restoreOptimizer,
  selectRows,
  sum,
  tensor,
  warmupCosine,
  type Tensor,
} from '../nn/index.js';
import { Rng } from '../util/rng.js';
import { cameraCoverage } from '../suite/kinds/camera.js';
import type { RGBImage } from '../scenes/image.js';
import { CATEGORIES } from '../scenes/shapes.js';
import { generateSuite } from '../suite/generate.js';
import type { SuiteEpisode } from '../suite/types.js';
import { SCENARIO_KINDS, TRAIN_KINDS } from '../episode/types.js';
import { headBatch, imageBatch, type TextObservation } from '../agents/builtin/features.js';
import { augment, erase } from '../agents/builtin/augment.js';
import { ModelConfigSchema } from '../agents/builtin/model.js';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { resolveConfig } from '../util/config.js';
import { ConfigError, DataError } from '../util/errors.js';
import { JsonlAppender, writeFileAtomic } from '../util/fsx.js';
import { progress } from '../util/progress.js';

export const SupervisedConfigSchema = z.object({
  out: z.string().min(1).describe('run directory (checkpoints/, final/, train.jsonl)'),
  episodes: z.number().int().min(1).default(500).describe('training episodes per kind (their clearest views are the training images)'),
  seed: z.number().int().min(0).default(1).describe('seed of the training suite and of the run'),
  size: z.number().int().min(16).max(256).default(64).describe('view size of the generated suite'),
  steps: z.number().int().min(1).default(1500).describe('optimizer steps (at most; see maxSeconds)'),
  maxSeconds: z.number().min(1).default(240).describe('stop early after this many seconds of training'),
  batchSize: z.number().int().min(1).default(64).describe('images per step'),
  lr: z.number().positive().default(2e-3).describe('peak learning rate (AdamW, linear warm-up, cosine decay)'),
  weightDecay: z.number().min(0).default(1e-4).describe('AdamW weight decay'),
  warmupSteps: z.number().int().min(0).default(50).describe('learning-rate warm-up steps'),
  checkpointEvery: z.number().int().min(1).default(100).describe('steps between checkpoints'),
  logEvery: z.number().int().min(1).default(20).describe('steps between log lines in train.jsonl'),
  augment: z.number().min(0).max(1).default(0.5).describe('share of training images randomly shrunk and shifted (0 = none)'),
  calibrate: z.number().min(0).max(0.9).default(0.25).describe('share of each batch drawn from uninformative views of the RL training kinds (sketch, camera), with a uniform target: "I cannot tell" (0 = reference views only)'),
  erase: z.number().min(0).max(1).default(0.1).describe('share of reference images with a random block painted over; the target softens toward uniform as more of the object is hidden (0 = none)'),
  where: z.number().min(0).default(1).describe('weight of the where-map loss on camera views: which cells of the last conv stage the object covers (0 = none)'),
  resume: z.boolean().default(false).describe('continue the run in --out from its latest checkpoint'),
  progress: z.boolean().default(true).describe('show a progress bar'),
  model: ModelConfigSchema.partial().default({}).describe('model architecture overrides'),
});
export type SupervisedConfig = z.output<typeof SupervisedConfigSchema>;

export function resolveSupervisedConfig(partial: unknown): SupervisedConfig {
  const c = resolveConfig(SupervisedConfigSchema, partial, 'supervised training');
  if (c.warmupSteps >= c.steps) throw new ConfigError(`warmup-steps (${c.warmupSteps}) must be below steps (${c.steps})`);
  return c;
}

/** One training example: the clearest view and the index of its category among all categories. */
export interface ReferenceExample {
  image: RGBImage;
  label: number;
  question: string;
  kind: string;
  /** Where the object is, per cell of the where map (camera views only; see `whereTarget`). */
  where?: Float32Array;
}

/**
 * The where map's target from a view's coverage map: a cell counts as "object here" once the
 * object covers a sixteenth of it (4 pixels of an 8×8 cell), linearly below that.
 */
export function whereTarget(coverage: Float32Array): Float32Array {
  return coverage.map((c) => Math.min(1, 16 * c));
}

/** The where target of view `v`, if its kind has one and `grid` > 0. */
function whereOf(e: SuiteEpisode, v: number, grid: number): Float32Array | undefined {
  const cov = grid > 0 ? cameraCoverage(e, v, grid) : null;
  return cov ? whereTarget(cov) : undefined;
}

/** Clearest views and their categories; with `grid` > 0, camera views carry their where target. */
export function referenceExamples(episodes: readonly SuiteEpisode[], grid = 0): ReferenceExample[] {
  return episodes.map((e) => {
    const ref = e.views[e.referenceView];
    if (!('image' in ref)) throw new DataError(`episode ${e.id}: supervised training needs in-memory views`);
    const label = CATEGORIES.indexOf(e.categories[e.answer]);
    if (label < 0) throw new DataError(`episode ${e.id}: category "${e.categories[e.answer]}" is not a known category`);
    return { image: ref.image, label, question: e.referenceQuestion ?? e.question, kind: e.kind, where: whereOf(e, e.referenceView, grid) };
  });
}

/** Uninformative views of the given kinds, labelled −1 ("cannot tell"); with `grid` > 0, camera views carry their where target. */
export function uninformativeExamples(episodes: readonly SuiteEpisode[], kinds: readonly string[], grid = 0): ReferenceExample[] {
  const ks = new Set(kinds);
  return episodes.flatMap((e) =>
    ks.has(e.kind)
      ? e.views.flatMap((v, i) =>
          e.informative?.[i] === false && 'image' in v ? [{ image: v.image, label: -1, question: e.question, kind: e.kind, where: whereOf(e, i, grid) }] : [],
        )
      : [],
  );
}

export interface SupervisedResult {
  policy: BuiltinPolicy;
  steps: number;
  seconds: number;
  finalLoss: number;
  trainAccuracy: number;
}

interface TrainerState {
  step: number;
  seconds: number;
}

const CKPT_DIR = 'checkpoints';
/**
 * Random erasing's target: one-hot while at most this share of the object is hidden (an object
 * partly cut or covered is often still plain to see)…
 */
const ERASE_SURE = 0.5;
/** …uniform ("cannot tell") from this share on, and a linear mix in between. */
const ERASE_UNSURE = 0.85;

/** Latest complete checkpoint (trainer.json written last marks it complete). */
export function latestCheckpoint(out: string): string | null {
  const d = join(out, CKPT_DIR);
  if (!existsSync(d)) return null;
  const done = readdirSync(d)
    .filter((n) => /^step-\d+$/.test(n) && existsSync(join(d, n, 'trainer.json')))
    .sort();
  return done.length ? join(d, done[done.length - 1]) : null;
}

export async function trainSupervised(partial: unknown, log: (msg: string) => void = () => {}): Promise<SupervisedResult> {
  const cfg = resolveSupervisedConfig(partial);
  const t0 = performance.now();

  // ── data ────────────────────────────────────────────────────────────────
  const suite = generateSuite({ episodes: cfg.episodes, seed: cfg.seed, size: cfg.size, kinds: [...SCENARIO_KINDS], controlShare: 0 });
  const policy = newBuiltin(suite, { ...cfg.model, imageSize: cfg.model.imageSize ?? cfg.size });
  const model = policy.model;
  const grid = cfg.where > 0 ? Math.sqrt(model.whereSize) : 0;
  const data = referenceExamples(suite, grid);
  const unsure = cfg.calibrate > 0 ? uninformativeExamples(suite, TRAIN_KINDS, grid) : [];
  const genSeconds = (performance.now() - t0) / 1000;
  log(`supervised: ${data.length} reference images from ${SCENARIO_KINDS.length} kinds (${genSeconds.toFixed(1)} s)`);

  // ── model, optimizer, resume ────────────────────────────────────────────
  const opt = new AdamW(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const sched = warmupCosine({ lr: cfg.lr, warmupSteps: cfg.warmupSteps, totalSteps: cfg.steps });
  let state: TrainerState = { step: 0, seconds: 0 };
  const ckpt = cfg.resume ? latestCheckpoint(cfg.out) : null;
  if (cfg.resume && !ckpt && existsSync(join(cfg.out, 'final', 'config.json'))) {
    log(`supervised: ${cfg.out} is already finished; loading final/`);
    const p = BuiltinPolicy.load(cfg.out);
    return { policy: p, steps: 0, seconds: 0, finalLoss: NaN, trainAccuracy: NaN };
  }
  if (ckpt) {
    const ck = loadCheckpointInto(ckpt, model);
    restoreOptimizer(opt, ck.tensors, ckpt);
    state = JSON.parse(readFileSync(join(ckpt, 'trainer.json'), 'utf8')) as TrainerState;
    opt.stepCount = state.step;
    log(`supervised: resumed from ${ckpt} at step ${state.step}`);
  } else if (!cfg.resume && existsSync(join(cfg.out, CKPT_DIR))) {
    rmSync(join(cfg.out, CKPT_DIR), { recursive: true, force: true });
  }
  const logFile = new JsonlAppender(join(cfg.out, 'train.jsonl'));

  // ── training loop ───────────────────────────────────────────────────────
  const categories = [...CATEGORIES];
  const bar = progress('supervised', cfg.steps, { enabled: cfg.progress, unit: 'steps' });
  bar.tick(state.step);
  const tStart = performance.now() - state.seconds * 1000;
  let lastLoss = NaN;
  let accSum = 0;
  let accN = 0;
  let whereSum = 0;
  let whereN = 0;
  const save = (dir: string) => {
    saveBuiltin(dir, policy, { stage: 'supervised', step: state.step, config: cfg }, optimizerExtras(opt));
  };
  while (state.step < cfg.steps) {
    const elapsed = (performance.now() - tStart) / 1000;
    if (elapsed > cfg.maxSeconds) {
      log(`supervised: time budget of ${cfg.maxSeconds} s reached at step ${state.step}`);
      break;
    }
    // Batch order: a permutation per epoch, seeded by (seed, epoch), so a resumed run sees the same batches.
    const perEpoch = Math.floor(data.length / cfg.batchSize);
    const epoch = Math.floor(state.step / perEpoch);
    const perm = new Rng(cfg.seed * 7919 + epoch).shuffle([...data.keys()]);
    const off = (state.step % perEpoch) * cfg.batchSize;
    const nUnsure = unsure.length ? Math.round(cfg.batchSize * cfg.calibrate) : 0;
    const unsureRng = new Rng(cfg.seed * 4099 + state.step);
    const batch = [
      ...Array.from({ length: cfg.batchSize - nUnsure }, (_, i) => data[perm[off + i]]),
      ...Array.from({ length: nUnsure }, () => unsure[unsureRng.int(unsure.length)]),
    ];

    const augRng = new Rng(cfg.seed * 31337 + state.step);
    // Per image: geometric augmentation, then (reference views only) random erasing, whose
    // hidden share of the object sets how far the target moves toward uniform.
    const soft = new Float32Array(batch.length);
    const whereRows: number[] = []; // images whose where target still holds (not moved by augmentation, not erased)
    const images = batch.map((b, r) => {
      const moved = augRng.next() < cfg.augment;
      let im = moved ? augment(b.image, augRng) : b.image;
      let erased = false;
      if (b.label >= 0 && augRng.next() < cfg.erase) {
        const e = erase(im, augRng);
        im = e.image;
        erased = true;
        soft[r] = Math.min(1, Math.max(0, (e.hidden - ERASE_SURE) / (ERASE_UNSURE - ERASE_SURE)));
      }
      if (b.where && !moved && !erased) whereRows.push(r);
      return im;
    });
    const x = imageBatch(images, model.config.imageSize);
    const text: TextObservation[] = batch.map((b) => ({ question: b.question, options: categories, numInterventions: 0 }));
    opt.zeroGrad();
    const enc = model.encodeBoth(x);
    const out = model.head(enc.h, headBatch(text, policy.vocab));
    const labels = batch.map((b) => b.label);
    // Targets: one-hot for a view that shows its object, uniform for one that does not (label −1).
    const K0 = out.logp.shape[1];
    const T = new Float32Array(batch.length * K0);
    labels.forEach((l, r) => {
      const u = l >= 0 ? soft[r] : 1; // share of the target that is "cannot tell"
      T.fill(u / K0, r * K0, (r + 1) * K0);
      if (l >= 0) T[r * K0 + l] += 1 - u;
    });
    const catLoss = neg(mean(sum(mul(out.logp, tensor(T, [batch.length, K0])), 1)));
    let loss = catLoss;
    let whereLoss = NaN;
    if (cfg.where > 0 && whereRows.length) {
      const A = model.whereSize;
      const W = new Float32Array(whereRows.length * A);
      whereRows.forEach((r, i) => W.set(batch[r].where!, i * A));
      const wl = binaryCrossEntropy(selectRows(enc.where, Int32Array.from(whereRows)), tensor(W, [whereRows.length, A]));
      whereLoss = wl.item();
      loss = add(loss, mulScalar(wl, cfg.where));
    }
    loss.backward();
    clipGradNorm(model.parameters(), 5);
    opt.lr = sched(state.step);
    opt.step();
    state.step++;
    lastLoss = catLoss.item();
    if (!Number.isNaN(whereLoss)) {
      whereSum += whereLoss;
      whereN++;
    }
    const K = out.logp.shape[1];
    for (let r = 0; r < batch.length; r++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (out.logp.data[r * K + k] > out.logp.data[r * K + best]) best = k;
      if (labels[r] < 0) continue;
      accSum += best === labels[r] ? 1 : 0;
      accN++;
    }
    state.seconds = (performance.now() - tStart) / 1000;
    bar.tick(1, { loss: lastLoss.toFixed(3) });
    if (state.step % cfg.logEvery === 0) {
      logFile.append({
        step: state.step,
        'train/loss': lastLoss,
        'train/accuracy': accSum / accN,
        ...(whereN ? { 'train/where_loss': whereSum / whereN } : {}),
        'train/lr': opt.lr,
        'train/seconds': state.seconds,
      });
      accSum = accN = whereSum = whereN = 0;
    }
    if (state.step % cfg.checkpointEvery === 0) {
      const dir = join(cfg.out, CKPT_DIR, `step-${String(state.step).padStart(7, '0')}`);
      save(dir);
      await writeFileAtomic(join(dir, 'trainer.json'), JSON.stringify(state));
      pruneCheckpoints(cfg.out, 2);
    }
  }
  bar.stop();
  logFile.close();
  saveBuiltin(join(cfg.out, 'final'), policy, { stage: 'supervised', step: state.step, config: cfg });
  const trainAccuracy = accuracyOn(policy, data.slice(0, 512));
  return { policy, steps: state.step, seconds: state.seconds, finalLoss: lastLoss, trainAccuracy };
}

/** Mean binary cross-entropy of probabilities `p` against targets `t` in [0, 1] (same shape). */
export function binaryCrossEntropy(p: Tensor, t: Tensor): Tensor {
  const q = clamp(p, 1e-6, 1 - 1e-6);
  return neg(mean(add(mul(t, log(q)), mul(addScalar(neg(t), 1), log(addScalar(neg(q), 1))))));
}

function pruneCheckpoints(out: string, keep: number): void {
  const d = join(out, CKPT_DIR);
  const all = readdirSync(d).filter((n) => /^step-\d+$/.test(n)).sort();
  for (const n of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(d, n), { recursive: true, force: true });
}

/** Top-1 accuracy over all categories on reference examples. */
export function accuracyOn(policy: BuiltinPolicy, data: readonly ReferenceExample[], batchSize = 128): number {
  return noGrad(() => accuracyNoGrad(policy, data, batchSize));
}

function accuracyNoGrad(policy: BuiltinPolicy, data: readonly ReferenceExample[], batchSize: number): number {
  const categories = [...CATEGORIES];
  let ok = 0;
  for (let i = 0; i < data.length; i += batchSize) {
    const b = data.slice(i, i + batchSize);
    const out = policy.model.head(
      policy.model.encode(imageBatch(b.map((e) => e.image), policy.model.config.imageSize)),
      headBatch(b.map((e) => ({ question: e.question, options: categories, numInterventions: 0 })), policy.vocab),
    );
    const K = out.logp.shape[1];
    b.forEach((e, r) => {
      let best = 0;
      for (let k = 1; k < K; k++) if (out.logp.data[r * K + k] > out.logp.data[r * K + best]) best = k;
      if (best === e.label) ok++;
    });
  }
  return data.length ? ok / data.length : 0;
}
