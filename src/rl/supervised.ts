/**
 * The supervised stage: train the built-in model to name the category of the clearest view
 * (reference mode: category question, every category as an option, cross-entropy on the true
 * one; half the images randomly shrunk and shifted; a tenth (`erase`) with a random block painted
 * over, the target softened toward uniform when most of the object is hidden — a generic
 * perception prior: do not be sure of what you cannot see). A quarter of each batch (`calibrate`)
 * are uninformative views of the RL training kinds (sketch, camera) with a uniform target, so the
 * model's confidence means something there; the unseen kinds' uninformative views are never
 * shown. A further share (`informative`) are the RL training kinds' other informative views (not
 * the clearest: a camera window that cuts the object or shows it whole near an edge, a sketch with
 * fewer strokes) with their category: "what shows enough to tell, tell" — without them the model
 * is unsure on exactly the views that answer a control episode. Camera views also teach the encoder's "where" map (binary cross-entropy against the
 * cells the object covers, which the generator knows): a camera move needs to know where the
 * sliver is, and the category loss alone keeps that only by chance. The result is a
 * "guesser": it answers well when it can see, and its ask gate is still at its negative initial
 * bias, so it never asks — which RL then changes.
 *
 * The training episodes come from the caller (`supervisedSuite` in suite/splits.ts for the
 * generated default); every kind's clearest views are used, its uninformative views only for the
 * RL training kinds.
 *
 * Runs are resumable: a checkpoint (weights, AdamW moments, step) every `checkpointEvery` steps
 * in the run directory (nn/run-dir.ts); `resume` continues from the latest complete one, so a
 * kill -9 loses at most one checkpoint interval.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdamW,
  add,
  addScalar,
  clamp,
  clipGradNorm,
  gather,
  logSoftmax,
  RunDir,
  savedConfig,
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
import { yieldToEventLoop } from '../util/yield.js';
import { Rng } from '../util/rng.js';
import type { RGBImage } from '../scenes/image.js';
import { CATEGORIES } from '../scenes/shapes.js';
import type { SuiteEpisode } from '../suite/types.js';
import { TRAIN_KINDS } from '../suite/kinds/names.js';
import { headBatch, imageBatch, type TextObservation } from '../agents/builtin/features.js';
import { augment, erase } from '../agents/builtin/augment.js';
import { outlierPool } from './outlier-shapes.js';
import { degradeForCaption, LOOK_CAPTIONS, LOOKS, mildlyDegrade } from './degradation-captions.js';
import { SupervisedConfigSchema, type SupervisedConfig } from './configs.js';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { newBuiltin, saveBuiltin } from '../agents/builtin/build.js';
import { type ConfigIssue, InvalidConfigError, resolveConfig, schemaOptions } from '../util/config.js';
import { ConfigError, DataError } from '../util/errors.js';
import { MetricsLog } from '../util/metrics-log.js';
import { readJsonl } from '../util/jsonl.js';
import { progress, withBar } from '../util/progress.js';
import { tokenize, UNK } from '../agents/builtin/vocab.js';
import { informativeExamples, referenceExamples, uninformativeExamples, type ReferenceExample } from './supervised-examples.js';
import { stopIfDiverged, stopIfWeightsDiverged, type RunPosition } from '../nn/diverged.js';

/** The warm-up a run without --warmup-steps gets (its schema's default). */
const DEFAULT_WARMUP_STEPS = schemaOptions(SupervisedConfigSchema).find((o) => o.key === 'warmupSteps')?.defaultValue;

export function resolveSupervisedConfig(partial: unknown): SupervisedConfig {
  const c = resolveConfig(SupervisedConfigSchema, partial, 'supervised training');
  const issues: ConfigIssue[] = [];
  if (c.warmupSteps >= c.steps) {
    // a short --steps alone (`train supervised --steps 40`) meets the default warm-up: say that the 50 is it, not one typed
    const isDefault = c.warmupSteps === DEFAULT_WARMUP_STEPS;
    issues.push({ path: ['warmupSteps'], message: (name) => `must be below ${name('steps')} (${c.steps}) (got ${c.warmupSteps}${isDefault ? ', its default' : ''}): give a smaller ${name('warmupSteps')} or a larger ${name('steps')}` });
  }
  if (c.calibrate + c.outliers + c.informative > 0.9)
    issues.push({
      path: ['calibrate'],
      message: (name) => `${name('calibrate')} (${c.calibrate}) + ${name('outliers')} (${c.outliers}) + ${name('informative')} (${c.informative}) leave less than a tenth of each batch for the clearest views: lower them`,
    });
  if (issues.length) throw new InvalidConfigError('supervised training', issues);
  return c;
}

export interface SupervisedResult {
  policy: BuiltinPolicy;
  steps: number;
  /** The steps' seconds across resumes (what `--max-seconds` limits). */
  seconds: number;
  /** The runs' setups (drawing the training images, building or loading the model), recorded with `seconds` in the log. */
  setupSeconds: number;
  finalLoss: number;
  trainAccuracy: number;
  /** How many training images `trainAccuracy` was measured on (0 when the run was already finished). */
  trainAccuracyImages: number;
  /** True when `resume` found the run already finished: nothing was trained, final/ was loaded. */
  alreadyFinished?: boolean;
}

interface TrainerState {
  step: number;
  /** What the run took so far, across its resumes: each run's setup (`setupSeconds`) and the training. */
  seconds: number;
  /**
   * The setups in `seconds` (drawing the training images, building or loading the model: each run's before its first step,
   * 1–3 s at the default size), so the training clock `--max-seconds` reads leaves them out; absent in an older askfirst's
   * checkpoint, whose `seconds` is the training alone.
   */
  setupSeconds?: number;
  /** The sums of the log window in progress (steps since the last log line), so a run resumed inside it logs what an uninterrupted one does. */
  window?: { accSum: number; accN: number; whereSum: number; whereN: number };
}

/** The training log in the run directory. */
export const TRAIN_LOG = 'train.jsonl';

/**
 * A finished run's seconds (across its resumes: each run's setup and the training), read back from its log: `train/seconds` of its line at step
 * `steps`, the last (every run logs its last step), so a stage taken up finished (demo/pipeline.ts) reports the time it
 * took, as an RL run's log does (rl/run.ts finishedCurve). Undefined when the log does not end at that step: none, or one
 * written before the last step was logged.
 */
export async function finishedSeconds(dir: string, steps: number): Promise<number | undefined> {
  const file = join(dir, TRAIN_LOG);
  if (!existsSync(file)) return undefined;
  const last = (await readJsonl<Record<string, number>>(file, { tolerateTruncatedTail: true })).lines.at(-1)?.value;
  return last?.step === steps && typeof last['train/seconds'] === 'number' ? last['train/seconds'] : undefined;
}
/**
 * Random erasing's target: one-hot while at most this share of the object is hidden (an object
 * partly cut or covered is often still plain to see)…
 */
const ERASE_SURE = 0.5;
/** …uniform ("cannot tell") from this share on, and a linear mix in between. */
const ERASE_UNSURE = 0.85;

/**
 * Train the guesser on `episodes` (views in memory; all kinds, no controls needed). The model's
 * vocabulary and image size come from these episodes unless `model` overrides the size.
 */
export async function trainSupervised(partial: unknown, episodes: readonly SuiteEpisode[], log: (msg: string) => void = () => {}): Promise<SupervisedResult> {
  const cfg = resolveSupervisedConfig(partial);
  if (!episodes.length) throw new DataError('supervised training needs at least one episode');
  const tSetup = performance.now(); // the setup's time is recorded with the training's (TrainerState.setupSeconds)

  // ── data ────────────────────────────────────────────────────────────────
  log(`supervised: preparing the training images of ${episodes.length} episodes`); // seconds for a large suite, before the first step
  const first = episodes[0].views[episodes[0].referenceView];
  const size = cfg.model.imageSize ?? ('image' in first ? first.image.width : 64);
  const policy = newBuiltin(episodes, { ...cfg.model, imageSize: size });
  const model = policy.model;
  const grid = cfg.where > 0 ? Math.sqrt(model.whereSize) : 0;
  const data = referenceExamples(episodes, grid);
  const unsure = cfg.calibrate > 0 ? uninformativeExamples(episodes, TRAIN_KINDS, grid) : [];
  const sure = cfg.informative > 0 ? informativeExamples(episodes, TRAIN_KINDS, grid) : [];
  const trainKinds = new Set<string>(TRAIN_KINDS);
  if (data.length < cfg.batchSize)
    throw new ConfigError(`supervised training needs at least --batch-size (${cfg.batchSize}) training images, but ${episodes.length} episodes give ${data.length}: use more episodes (askfirst train: --episodes per kind) or a smaller --batch-size`);
  // the pools drawn once per run take most of this stretch (the outliers alone 1.0 s of its 1.3 s at the default 3500 episodes;
  // 2.6 s on a busy machine): a bar counts their images
  const looked = cfg.looks > 0 ? data.filter((d) => trainKinds.has(d.kind)) : [];
  const pools = progress('preparing images', (looked.length ? LOOK_POOL : 0) + (cfg.outliers > 0 ? OUTLIER_POOL : 0), { enabled: cfg.progress, unit: 'images' });
  const tick = () => pools.tick();
  let lookPool: { image: RGBImage; look: number }[], outliers: ReferenceExample[];
  try {
    lookPool = degradedPool(looked, cfg.seed, tick);
    outliers = cfg.outliers > 0 ? outlierPool(OUTLIER_POOL, size, cfg.seed * 8191 + 3, tick).map((image): ReferenceExample => ({ image, label: -1, question: 'What object is in the image?', kind: 'outlier' })) : [];
  } catch (e) {
    pools.fail();
    throw e;
  }
  pools.stop();
  const captions = captionIds(policy);
  // the look term reads, on every option, only the words these captions teach it
  if (lookPool.length) model.config.lookWords = captionWords(policy);
  log(`supervised: ${data.length} reference images from ${new Set(episodes.map((e) => e.kind)).size} kinds`);

  // ── model, optimizer, resume ────────────────────────────────────────────
  const run = new RunDir(cfg.out);
  const opt = new AdamW(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const sched = warmupCosine({ lr: cfg.lr, warmupSteps: cfg.warmupSteps, totalSteps: cfg.steps });
  let state: TrainerState = { step: 0, seconds: 0 };
  const ckpt = cfg.resume ? run.latestComplete<TrainerState>() : null;
  if (cfg.resume && run.finishedFor(cfg.steps)) {
    log(`supervised: ${cfg.out} is already finished; loading final/`);
    const p = BuiltinPolicy.load(cfg.out);
    return { policy: p, steps: 0, seconds: 0, setupSeconds: 0, finalLoss: NaN, trainAccuracy: NaN, trainAccuracyImages: 0, alreadyFinished: true };
  }
  if (ckpt) {
    const ck = loadCheckpointInto(ckpt.dir, model);
    restoreOptimizer(opt, ck.tensors, ckpt.dir);
    state = ckpt.state;
    opt.stepCount = state.step;
    run.truncateLog(TRAIN_LOG, 'step', state.step);
    log(`supervised: resumed from ${ckpt.dir} at step ${state.step}`);
  } else {
    run.reset(TRAIN_LOG); // nothing to resume from: start over
  }
  const logFile = new MetricsLog(cfg.out, TRAIN_LOG.replace(/\.jsonl$/, ''), 'step', cfg.reportTo, ckpt ? state.step : undefined);

  // ── training loop ───────────────────────────────────────────────────────
  const categories = [...CATEGORIES];
  const bar = progress('supervised', cfg.steps, { enabled: cfg.progress, unit: 'steps' });
  bar.tick(state.step);
  // what the runs before recorded, this run's setup added: it was not in the log an interrupted-and-resumed demo took the
  // stage's time from (the drawing of the images of the quick demo's supervised stage, 1 s, was counted nowhere)
  const setupSeconds = (state.setupSeconds ?? 0) + (performance.now() - tSetup) / 1000;
  const tStart = performance.now() - (state.seconds - (state.setupSeconds ?? 0)) * 1000; // the training clock (--max-seconds): setups left out
  const recordTime = () => {
    state.seconds = setupSeconds + (performance.now() - tStart) / 1000;
    state.setupSeconds = setupSeconds;
  };
  let lastLoss = NaN;
  let { accSum, accN, whereSum, whereN } = state.window ?? { accSum: 0, accN: 0, whereSum: 0, whereN: 0 };
  const save = (dir: string) => {
    saveBuiltin(dir, policy, { stage: 'supervised', step: state.step, config: savedConfig(cfg) }, optimizerExtras(opt));
  };
  // a diverged run stops at its first non-finite loss and saves no weights that are not finite (nn/diverged.ts, which
  // also ends the bar as stopped)
  const at = (index: number): RunPosition => ({ stage: 'supervised', unit: 'step', index, run, close: () => logFile.close(), bar });
  while (state.step < cfg.steps) {
    await yieldToEventLoop(); // Ctrl-C's handler runs between steps, not after the whole run
    const elapsed = (performance.now() - tStart) / 1000;
    if (cfg.maxSeconds !== undefined && elapsed > cfg.maxSeconds) {
      log(`supervised: time budget of ${cfg.maxSeconds} s reached at step ${state.step}`);
      break;
    }
    // Batch order: a permutation per epoch, seeded by (seed, epoch), so a resumed run sees the same batches.
    const perEpoch = Math.floor(data.length / cfg.batchSize);
    const epoch = Math.floor(state.step / perEpoch);
    const perm = new Rng(cfg.seed * 7919 + epoch).shuffle([...data.keys()]);
    const off = (state.step % perEpoch) * cfg.batchSize;
    const nUnsure = unsure.length ? Math.round(cfg.batchSize * cfg.calibrate) : 0;
    const nOut = outliers.length ? Math.round(cfg.batchSize * cfg.outliers) : 0;
    const nSure = sure.length ? Math.round(cfg.batchSize * cfg.informative) : 0;
    const sureRng = new Rng(cfg.seed * 5003 + state.step);
    const unsureRng = new Rng(cfg.seed * 4099 + state.step);
    const outRng = new Rng(cfg.seed * 6151 + state.step);
    const batch = [
      ...Array.from({ length: cfg.batchSize - nUnsure - nOut - nSure }, (_, i) => data[perm[off + i]]),
      ...Array.from({ length: nSure }, () => sure[sureRng.int(sure.length)]),
      ...Array.from({ length: nUnsure }, () => unsure[unsureRng.int(unsure.length)]),
      ...Array.from({ length: nOut }, () => outliers[outRng.int(outliers.length)]),
    ];

    const augRng = new Rng(cfg.seed * 31337 + state.step);
    // Per image: geometric augmentation, then (reference views only) random erasing, whose
    // hidden share of the object sets how far the target moves toward uniform.
    const soft = new Float32Array(batch.length);
    const whereRows: number[] = []; // images whose where target still holds (not moved by augmentation, not erased)
    const images = batch.map((b, r) => {
      const moved = augRng.next() < cfg.augment;
      let im = moved ? augment(b.image, augRng) : b.image;
      // label-preserving degradation of the training kinds' views that show their object
      if (cfg.mild > 0 && b.label >= 0 && trainKinds.has(b.kind) && augRng.next() < cfg.mild) im = mildlyDegrade(im, augRng);
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
    let lookLoss = NaN;
    if (lookPool.length) {
      // Degradation captions: which of LOOKS is this image? (cross-entropy over the captions)
      const lookRng = new Rng(cfg.seed * 65537 + state.step);
      const picks = Array.from({ length: cfg.looks }, () => lookPool[lookRng.int(lookPool.length)]);
      const hl = model.encode(imageBatch(picks.map((p) => p.image), model.config.imageSize));
      const lp = logSoftmax(model.lookLogits(hl, captions.ids, captions.mask, LOOKS.length, captions.L));
      const ll = neg(mean(gather(lp, picks.map((p) => p.look))));
      lookLoss = ll.item();
      loss = add(loss, ll);
    }
    stopIfDiverged(loss.item(), at(state.step + 1));
    // Ctrl-C's handler runs between the forward pass and the backward pass too (a step held the event loop for both:
    // 0.4–0.9 s in demo --quick, 2–4 s at the default size on a loaded machine; the backward pass is about 60 % of it).
    // A batch cannot be split further without changing the weights: its gradient would be summed in another order.
    await yieldToEventLoop();
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
    for (let r = 0; r < batch.length; r++) {
      if (labels[r] < 0) continue;
      accSum += rowArgmax(out.logp, r) === labels[r] ? 1 : 0;
      accN++;
    }
    recordTime();
    bar.tick(1, { loss: lastLoss.toFixed(3) });
    if (state.step % cfg.logEvery === 0 || state.step === cfg.steps) { // the last step too: the log holds the run's whole time (finishedSeconds)
      logFile.append({
        step: state.step,
        'train/loss': lastLoss,
        'train/accuracy': accSum / accN,
        ...(whereN ? { 'train/whereLoss': whereSum / whereN } : {}),
        ...(Number.isNaN(lookLoss) ? {} : { 'train/lookLoss': lookLoss }),
        'train/lr': opt.lr,
        'train/seconds': state.seconds,
      });
      accSum = accN = whereSum = whereN = 0;
    }
    if (state.step % cfg.checkpointEvery === 0) {
      stopIfWeightsDiverged(model.parameters(), at(state.step));
      run.saveCheckpoint(state.step, save, { ...state, window: { accSum, accN, whereSum, whereN } });
    }
  }
  bar.stop();
  logFile.close();
  // the last step, writing final/ and the accuracy below ran as one stretch (1.8 s at the quick demo's size): Ctrl-C's
  // handler now runs between them, and between the accuracy's batches
  await yieldToEventLoop();
  stopIfWeightsDiverged(model.parameters(), { ...at(state.step), close: undefined });
  run.saveFinal((dir) => saveBuiltin(dir, policy, { stage: 'supervised', step: state.step, config: savedConfig(cfg) }));
  await yieldToEventLoop();
  // 512 images spread over the whole set (it lists one kind after another: its first 512 were one kind's)
  const stride = Math.max(1, Math.floor(data.length / 512));
  const sample = data.filter((_, i) => i % stride === 0).slice(0, 512);
  // after the steps' bar ended, the accuracy took 2.1 s of silence before the summary line (4.7 s on a busy machine): its own bar
  const measuring = progress('measuring accuracy', sample.length, { enabled: cfg.progress, unit: 'images' });
  const trainAccuracy = await withBar(measuring, () => accuracyOn(policy, sample, undefined, (n) => measuring.tick(n)));
  return { policy, steps: state.step, seconds: state.seconds - (state.setupSeconds ?? 0), setupSeconds: state.setupSeconds ?? 0, finalLoss: lastLoss, trainAccuracy, trainAccuracyImages: sample.length };
}

/** Outlier images drawn once per run (`outliers`). */
export const OUTLIER_POOL = 1024;

/** Degraded images drawn once per run (pixel operations cost milliseconds each; a pool keeps steps fast). */
export const LOOK_POOL = 768;

/** `LOOK_POOL` caption examples from `images`, seeded by the run's seed; `onImage` after each (a progress bar). */
function degradedPool(images: readonly ReferenceExample[], seed: number, onImage: () => void = () => {}): { image: RGBImage; look: number }[] {
  if (!images.length) return [];
  const rng = new Rng(seed * 65537 + 1);
  return Array.from({ length: LOOK_POOL }, () => {
    const d = degradeForCaption(images[rng.int(images.length)].image, rng);
    onImage();
    return d;
  });
}

/** The vocabulary's words that occur in the degradation captions, in caption order: what the look term is taught to read. */
export function captionWords(policy: BuiltinPolicy): string[] {
  return [...new Set(LOOKS.flatMap((l) => tokenize(LOOK_CAPTIONS[l])))].filter((w) => policy.vocab.id(w) !== UNK);
}

/**
 * The degradation captions (LOOKS order) as padded token ids for `MultimodalModel.lookLogits`.
 * The vocabulary is the suite's (agents/builtin/build.ts `suiteTexts`), so a caption word no suite
 * text uses ("blurry", "grainy", "photo") reads as the one shared unknown-word id, and what tells
 * the captions apart is the words they share with intervention texts ("deblur", "denoise",
 * "resolution", "contrast", …): the image–word term learns those. Measured (issue 18): adding
 * the captions' own words to the vocabulary lowered a small model's ask mass on the corruption
 * kind's valid enhancement from 0.35 to 0.17 (3 seeds; chance 0.25), because the term then
 * matched caption-only words that no option uses.
 */
export function captionIds(policy: BuiltinPolicy): { ids: Int32Array; mask: Int32Array; L: number } {
  const enc = LOOKS.map((l) => policy.vocab.encode(LOOK_CAPTIONS[l]));
  const L = Math.max(...enc.map((e) => e.length));
  const ids = new Int32Array(LOOKS.length * L);
  const mask = new Int32Array(LOOKS.length * L);
  enc.forEach((e, c) => e.forEach((id, j) => ((ids[c * L + j] = id), (mask[c * L + j] = 1))));
  return { ids, mask, L };
}

/** Mean binary cross-entropy of probabilities `p` against targets `t` in [0, 1] (same shape). */
export function binaryCrossEntropy(p: Tensor, t: Tensor): Tensor {
  const q = clamp(p, 1e-6, 1 - 1e-6);
  return neg(mean(add(mul(t, log(q)), mul(addScalar(neg(t), 1), log(addScalar(neg(q), 1))))));
}

/**
 * Top-1 accuracy over all categories on reference examples; the event loop gets a turn between batches (a batch of 128
 * takes a few hundred ms); `onBatch` after each with its number of images (a progress bar).
 */
export async function accuracyOn(policy: BuiltinPolicy, data: readonly ReferenceExample[], batchSize = 128, onBatch: (images: number) => void = () => {}): Promise<number> {
  const categories = [...CATEGORIES];
  let ok = 0;
  for (let i = 0; i < data.length; i += batchSize) {
    if (i > 0) await yieldToEventLoop();
    const b = data.slice(i, i + batchSize);
    const out = noGrad(() =>
      policy.model.head(
        policy.model.encode(imageBatch(b.map((e) => e.image), policy.model.config.imageSize)),
        headBatch(b.map((e) => ({ question: e.question, options: categories, numInterventions: 0 })), policy.vocab),
      ),
    );
    b.forEach((e, r) => {
      if (rowArgmax(out.logp, r) === e.label) ok++;
    });
    onBatch(b.length);
  }
  return data.length ? ok / data.length : 0;
}

/**
 * The column of the largest entry of row `r` of a [N, K] tensor (the first on ties), or −1 — never a label — when the
 * row holds a NaN. A diverged model (too high a --lr: the supervised loop stops at its first non-finite loss,
 * nn/diverged.ts, but a model from elsewhere can still hold NaN weights) gives rows of NaN log-probabilities: skipping
 * them would answer column 0 and count every label-0 example correct (train/accuracy and trainAccuracy near the share
 * of label 0, not 0); torch.argmax would answer the first NaN's column, right as often by
 * chance. A NaN prediction is never counted correct.
 */
export function rowArgmax(t: Tensor, r: number): number {
  const K = t.shape[1];
  let best = 0;
  for (let k = 0; k < K; k++) {
    const v = t.data[r * K + k];
    if (Number.isNaN(v)) return -1;
    if (v > t.data[r * K + best]) best = k;
  }
  return best;
}
