/**
 * A reward model learned from pairwise preferences: Bradley–Terry (Bradley & Terry 1952), as
 * in RLHF (Christiano et al. 2017; Ouyang et al. 2022) and LLaVA-RLHF (Sun et al. 2023):
 *
 *   P(A ≻ B) = σ(r(A) − r(B)),   loss = −log σ(r(winner) − r(loser)),
 *
 * with r a small MLP (plus a linear skip) over a trajectory's features read through the
 * built-in model's frozen encoder (trajectory-features.ts). The fact-augmented variant
 * (Factually Augmented RLHF) also reads the scene's facts the annotator saw.
 *
 * Held-out pairs (a share of the pairs, split by episode so that no episode's pairs fall on both
 * sides; never trained on) give the report: accuracy against the annotators' labels, accuracy
 * against the gold preference (the simulator's reward, on pairs where it is not a tie), and
 * calibration of P(A ≻ B) (expected calibration error over 10 bins, Brier score).
 *
 * On disk (`--out DIR`): `DIR/final/model.safetensors` + `config.json` (variant, feature names
 * and their standardisation, the encoder checkpoint it reads through) and `DIR/metrics.json`.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { AdamW, Linear, Module, add, configJson, noGrad, readCheckpoint, readCheckpointConfig, relu, reshape, resolveCheckpointDir, saveCheckpoint, sub, tensor, weightsDigestIfAny, RunDir, type Tensor } from '../nn/index.js';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { FeatureCache } from '../agents/builtin/feature-cache.js';
import type { EpisodeRecord } from '../episode/types.js';
import type { ViewLoader } from '../suite/types.js';
import { yieldToEventLoop } from '../util/yield.js';
import { resolveConfig } from '../util/config.js';
import { DataError, InputError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fsx.js';
import { Rng, hashSeed } from '../util/rng.js';
import { progress } from '../util/progress.js';
import { preferenceLoss } from './preference-loss.js';
import { stopIfDiverged, stopIfWeightsDiverged } from '../nn/diverged.js';
import { featureNames, trajectoryFeatures, type RewardVariant, type Trajectory } from './trajectory-features.js';
import { RewardModelConfigSchema, type RewardModelConfig } from './configs.js';
import { percent } from '../util/percent.js';
import { shellQuote } from '../util/shell-quote.js';

// ── config ──────────────────────────────────────────────────────────────────
export function resolveRewardModelConfig(partial: unknown): RewardModelConfig {
  return resolveConfig(RewardModelConfigSchema, partial, 'reward model');
}

/** One label: which of two plays of an episode is better. Several labels may share a pair. */
export interface PreferenceExample {
  pairId: string;
  a: Trajectory;
  b: Trajectory;
  /** 0 = A is better, 1 = B. */
  preferred: 0 | 1;
}

export interface PairMetrics {
  /** Labels scored. */
  n: number;
  /** Share of labels whose preferred play gets the higher reward. */
  accuracy: number;
  /** Share of pairs (gold not a tie) where the reward orders the plays as the gold reward does. */
  goldAccuracy: number;
  goldPairs: number;
  /** Pairs whose gold reward is a tie, left out of goldAccuracy (absent in metrics written before askfirst counted them). */
  goldTies?: number;
  /** Expected calibration error of P(A ≻ B) over 10 equal-width bins. */
  ece: number;
  brier: number;
}

export interface RewardModelMetrics {
  variant: RewardVariant;
  labels: number;
  pairs: number;
  train: PairMetrics;
  heldOut: PairMetrics;
  finalLoss: number;
}

// ── the network ─────────────────────────────────────────────────────────────
export class RewardNet extends Module {
  readonly l1: Linear | null;
  readonly l2: Linear | null;
  readonly skip: Linear;
  constructor(inputs: number, hidden: number, seed: number) {
    super();
    const rng = new Rng(seed);
    this.skip = this.addModule('skip', new Linear(inputs, 1, { rng, bias: false }));
    this.l1 = hidden > 0 ? this.addModule('l1', new Linear(inputs, hidden, { rng })) : null;
    this.l2 = hidden > 0 ? this.addModule('l2', new Linear(hidden, 1, { rng })) : null;
    this.l2?.weight.data.forEach((_, i, a) => (a[i] *= 0.1));
  }
  /** Standardised features [N, F] → rewards [N]: linear, plus an MLP when it has hidden units. */
  forward(x: Tensor): Tensor {
    const N = x.shape[0];
    const lin = this.skip.forward(x);
    return reshape(this.l1 && this.l2 ? add(this.l2.forward(relu(this.l1.forward(x))), lin) : lin, [N]);
  }
}

// ── pure helpers (exported for tests) ───────────────────────────────────────

/** Column means and standard deviations (1 for constant columns). */
export function standardisation(rows: readonly Float32Array[]): { mean: number[]; std: number[] } {
  const F = rows[0]?.length ?? 0;
  const m = new Array<number>(F).fill(0);
  const s = new Array<number>(F).fill(0);
  for (const r of rows) for (let j = 0; j < F; j++) m[j] += r[j] / rows.length;
  for (const r of rows) for (let j = 0; j < F; j++) s[j] += (r[j] - m[j]) ** 2 / rows.length;
  return { mean: m, std: s.map((v) => (v > 1e-8 ? Math.sqrt(v) : 1)) };
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** Accuracy and calibration of rewards on labelled pairs; `gold` orders pairs for goldAccuracy. */
export function pairMetrics(
  scores: readonly { ra: number; rb: number; preferred: 0 | 1; pairId: string; ga?: number; gb?: number }[],
): PairMetrics {
  let hits = 0;
  let brier = 0;
  const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, y: 0 }));
  const gold = new Map<string, boolean>();
  const ties = new Set<string>();
  for (const s of scores) {
    const q = sig(s.ra - s.rb); // P(A ≻ B)
    const y = s.preferred === 0 ? 1 : 0;
    if ((s.ra > s.rb ? 0 : 1) === s.preferred && s.ra !== s.rb) hits++;
    brier += (q - y) ** 2;
    const b = bins[Math.min(9, Math.floor(q * 10))];
    b.n++;
    b.p += q;
    b.y += y;
    if (s.ga !== undefined && s.gb !== undefined) {
      if (Math.abs(s.ga - s.gb) > 1e-9) gold.set(s.pairId, (s.ra - s.rb) * (s.ga - s.gb) > 0);
      else ties.add(s.pairId);
    }
  }
  const n = scores.length;
  const ece = n ? bins.reduce((a, b) => a + (b.n ? Math.abs(b.p / b.n - b.y / b.n) * b.n : 0), 0) / n : Number.NaN;
  const g = [...gold.values()];
  return { n, accuracy: n ? hits / n : Number.NaN, goldAccuracy: g.length ? g.filter(Boolean).length / g.length : Number.NaN, goldPairs: g.length, goldTies: ties.size, ece, brier: n ? brier / n : Number.NaN };
}

/**
 * Whether a pair is held out: a seeded hash of its episode (the id before `#pair<k>`), so every
 * label of a pair, and every pair of one episode, falls on one side.
 */
export function isHeldOut(pairId: string, share: number, seed: number): boolean {
  return (hashSeed('reward-held-out', seed, pairId.replace(/#pair\d+$/, '')) % 10000) / 10000 < share;
}

// ── the scorer (training, RLHF and evaluation share it) ─────────────────────
export interface RewardModelFile {
  kind: 'askfirst-reward-model';
  variant: RewardVariant;
  features: string[];
  mean: number[];
  std: number[];
  hidden: number;
  /** The built-in checkpoint whose frozen encoder and heads read the trajectories. */
  encoder: string;
}

/** A learned reward: scores trajectories (higher = preferred). */
export class RewardModel {
  /** Image features of the views it scores, through its frozen encoder. */
  readonly cache: FeatureCache;
  constructor(
    readonly net: RewardNet,
    readonly file: RewardModelFile,
    readonly encoder: BuiltinPolicy,
    loader: ViewLoader,
    cache?: FeatureCache,
  ) {
    this.cache = cache ?? new FeatureCache(encoder.model, loader);
  }

  get variant(): RewardVariant {
    return this.file.variant;
  }

  /** Standardised feature rows of trajectories [N, F]. */
  async features(trajs: readonly Trajectory[]): Promise<Float32Array> {
    const rows = await trajectoryFeatures(this.encoder, this.cache, trajs, this.file.variant);
    const F = this.file.features.length;
    const x = new Float32Array(rows.length * F);
    rows.forEach((r, i) => {
      for (let j = 0; j < F; j++) x[i * F + j] = (r[j] - this.file.mean[j]) / this.file.std[j];
    });
    return x;
  }

  async score(trajs: readonly Trajectory[]): Promise<number[]> {
    if (!trajs.length) return [];
    const x = await this.features(trajs);
    const out = noGrad(() => this.net.forward(tensor(x, [trajs.length, this.file.features.length])));
    return Array.from(out.data);
  }

  /** Weights and config.json; the weights' metadata keeps the config's digest and encoder (checkRewardModelConfig). */
  save(dir: string): void {
    saveCheckpoint(dir, this.net, { config: this.file, metadata: { [CONFIG_DIGEST_KEY]: rewardConfigDigest(this.file), [ENCODER_KEY]: this.file.encoder } });
  }

  /**
   * Load `DIR` (a reward-model run directory or its final/). `loader` resolves the views of the
   * trajectories it will score; `encoder` may be given when already loaded (same checkpoint).
   */
  static load(dir: string, loader: ViewLoader, encoder?: BuiltinPolicy, cache?: FeatureCache): RewardModel {
    const d = existsSync(join(dir, 'final', 'config.json')) ? join(dir, 'final') : dir;
    if (!existsSync(join(d, 'config.json'))) throw new InputError(`no reward model in ${dir} (train one with \`askfirst train reward --out ${shellQuote(dir)}\`)`);
    const ck = readCheckpoint(d);
    const f = ck.config as RewardModelFile;
    if (f?.kind !== 'askfirst-reward-model') throw new DataError('config.json is not an askfirst reward model', { file: join(d, 'config.json') });
    verifyRewardConfig(dir, d, f, ck.metadata);
    const net = new RewardNet(f.features.length, f.hidden, 0);
    net.loadStateDict(ck.tensors, true, join(d, 'model.safetensors'));
    return new RewardModel(net, f, encoder ?? BuiltinPolicy.load(f.encoder), loader, cache);
  }
}

/** Safetensors metadata of a reward model's weights: the SHA-256 of its config.json as saved (configJson) … */
const CONFIG_DIGEST_KEY = 'askfirst.reward_config_sha256';
/** … and the encoder that config named, so that a refusal can say what an edit changed. */
const ENCODER_KEY = 'askfirst.reward_encoder';

const rewardConfigDigest = (config: unknown) => createHash('sha256').update(configJson(config)).digest('hex');

/**
 * Refuse a config.json that is not the one saved with the weights (`metadata`: theirs): its `encoder` path edited (the
 * plays would be read through other weights), its variant, features or standardisation changed, or one copied from
 * another model. Was: loaded without complaint. A model saved before the weights kept the digest: not checked.
 */
function verifyRewardConfig(dir: string, d: string, f: RewardModelFile, metadata: Readonly<Record<string, string>>): void {
  const kept = metadata[CONFIG_DIGEST_KEY];
  if (kept === undefined || kept === rewardConfigDigest(f)) return;
  const was = metadata[ENCODER_KEY];
  const what =
    was !== undefined && was !== f.encoder
      ? `its encoder was changed from ${was} to ${String(f.encoder)}, so the plays would be read through other weights than it was trained on`
      : 'its variant, features or their standardisation differ from those it was trained with, so its scores would not mean what it learned';
  throw new DataError(
    `the reward model's config.json is not the one saved with its weights (edited, or copied from another model): ${what}. Put back the config.json it was trained with, or train it again (askfirst train reward --out ${shellQuote(dir)} --overwrite, with its --init and --project)`,
    { file: join(d, 'config.json') },
  );
}

/** The check RewardModel.load makes of `dir`'s config.json against its weights (verifyRewardConfig), without loading its encoder. */
export function checkRewardModelConfig(dir: string): void {
  const d = existsSync(join(dir, 'final', 'config.json')) ? join(dir, 'final') : dir;
  if (!existsSync(join(d, 'config.json'))) return; // RewardModel.load says there is no model
  const ck = readCheckpoint(d);
  const f = ck.config as RewardModelFile;
  if (f?.kind === 'askfirst-reward-model') verifyRewardConfig(dir, d, f, ck.metadata);
}

/**
 * What the reward model in `dir` scores by, whatever path names it, for a run that compares its --reward on resume
 * (cli/train.ts): `sha256:` over its weights' SHA-256, its config.json (the features' standardisation, the variant, the
 * encoder's path) and the weights' SHA-256 of the encoder that config names (RewardModelFile.encoder: its trajectories are
 * read through that model, loaded from the path when the reward is), so another encoder at the same path is another reward.
 * `weights`: the SHA-256 of its weights alone, what an askfirst before this compared (a run.json keeping it is of this
 * model). Both '' when the model, or the encoder it names, cannot be read (not compared: the run fails on it, saying why).
 */
export function rewardModelIdentity(dir: string): { id: string; weights: string } {
  const weights = weightsDigestIfAny(dir);
  if (!weights) return { id: '', weights };
  const config = readCheckpointConfig(resolveCheckpointDir(dir), { ifReadable: true }) as Partial<RewardModelFile> | undefined;
  const encoder = typeof config?.encoder === 'string' ? weightsDigestIfAny(config.encoder) : '';
  if (!encoder) return { id: '', weights };
  return { id: `sha256:${createHash('sha256').update(`${weights}\n${configJson(config)}\n${encoder}`).digest('hex')}`, weights };
}

/** `rm:DIR` → DIR, else an InputError saying the form. */
export function rewardSpecDir(spec: string): string {
  if (!spec.startsWith('rm:') || spec.length <= 3) throw new InputError(`--reward must be rm:DIR (a reward model trained with \`askfirst train reward\`), got "${spec}"`);
  return spec.slice(3);
}

// ── training ────────────────────────────────────────────────────────────────
export interface RewardTrainContext {
  /** The built-in model whose frozen encoder reads the trajectories, and where it was loaded from. */
  encoder: BuiltinPolicy;
  encoderDir: string;
  examples: readonly PreferenceExample[];
  loader: ViewLoader;
  /** Image features to reuse: a cache over `encoder`'s own model (same weights), e.g. RL's. */
  features?: FeatureCache;
  /** The gold reward (the simulator's), for held-out gold accuracy; absent: goldAccuracy is NaN. */
  gold?: (r: EpisodeRecord) => number;
}

export async function trainRewardModel(partial: unknown, ctx: RewardTrainContext): Promise<{ model: RewardModel; metrics: RewardModelMetrics }> {
  const cfg = resolveRewardModelConfig(partial);
  if (!ctx.examples.length) throw new InputError('no preference labels to train the reward model on');
  // 1. Features of every distinct trajectory, once.
  const trajs: Trajectory[] = [];
  const index = new Map<Trajectory, number>();
  for (const e of ctx.examples) for (const t of [e.a, e.b]) if (!index.has(t)) index.set(t, trajs.push(t) - 1);
  const names = featureNames(cfg.variant);
  const file: RewardModelFile = { kind: 'askfirst-reward-model', variant: cfg.variant, features: names, mean: [], std: [], hidden: cfg.hidden, encoder: isAbsolute(ctx.encoderDir) ? ctx.encoderDir : resolve(ctx.encoderDir) };
  const net = new RewardNet(names.length, cfg.hidden, cfg.seed);
  const rm = new RewardModel(net, file, ctx.encoder, ctx.loader, ctx.features);
  const raw = await trajectoryFeatures(ctx.encoder, rm.cache, trajs, cfg.variant);

  // 2. Split by episode (isHeldOut); standardise on the training side.
  const train = ctx.examples.filter((e) => !isHeldOut(e.pairId, cfg.heldOut, cfg.seed));
  const held = ctx.examples.filter((e) => isHeldOut(e.pairId, cfg.heldOut, cfg.seed));
  if (!train.length) throw new InputError(`all ${ctx.examples.length} labels fell in the held-out share; lower --held-out or label more pairs`);
  const trainRows = [...new Set(train.flatMap((e) => [index.get(e.a)!, index.get(e.b)!]))].map((i) => raw[i]);
  Object.assign(file, standardisation(trainRows));
  const F = names.length;
  const X = new Float32Array(trajs.length * F);
  raw.forEach((r, i) => {
    for (let j = 0; j < F; j++) X[i * F + j] = (r[j] - file.mean[j]) / file.std[j];
  });
  const rowsOf = (idx: readonly number[]) => {
    const x = new Float32Array(idx.length * F);
    idx.forEach((t, i) => x.set(X.subarray(t * F, (t + 1) * F), i * F));
    return tensor(x, [idx.length, F]);
  };

  // 3. Bradley–Terry: minimise −log σ(r(winner) − r(loser)) over minibatches (preference-loss.ts, stable for any margin).
  const opt = new AdamW(net.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const rng = new Rng(hashSeed('reward-model', cfg.seed));
  const bar = progress(`reward model (${cfg.variant})`, cfg.steps, { enabled: cfg.progress, unit: 'steps' });
  let lastLoss = Number.NaN;
  for (let step = 0; step < cfg.steps; step++) {
    await yieldToEventLoop(); // Ctrl-C's handler runs between steps
    const batch = Array.from({ length: Math.min(cfg.batch, train.length) }, () => train[rng.int(train.length)]);
    const win = rowsOf(batch.map((e) => index.get(e.preferred === 0 ? e.a : e.b)!));
    const lose = rowsOf(batch.map((e) => index.get(e.preferred === 0 ? e.b : e.a)!));
    const loss = preferenceLoss(sub(net.forward(win), net.forward(lose)));
    stopIfDiverged(loss.item(), { stage: `reward model (${cfg.variant})`, unit: 'step', index: step + 1, bar }); // nn/diverged.ts: it ends the bar as stopped
    opt.zeroGrad();
    loss.backward();
    opt.step();
    lastLoss = loss.item();
    bar.tick(1, { loss: lastLoss.toFixed(3) });
  }
  bar.stop();

  // 4. Metrics on both sides; save.
  const r = noGrad(() => net.forward(tensor(X, [trajs.length, F]))).data;
  const scored = (ex: readonly PreferenceExample[]) =>
    pairMetrics(
      ex.map((e) => ({
        ra: r[index.get(e.a)!],
        rb: r[index.get(e.b)!],
        preferred: e.preferred,
        pairId: e.pairId,
        ...(ctx.gold ? { ga: ctx.gold(e.a.record), gb: ctx.gold(e.b.record) } : {}),
      })),
    );
  const metrics: RewardModelMetrics = { variant: cfg.variant, labels: ctx.examples.length, pairs: new Set(ctx.examples.map((e) => e.pairId)).size, train: scored(train), heldOut: scored(held), finalLoss: lastLoss };
  if (cfg.out) {
    stopIfWeightsDiverged(net.parameters(), { stage: `reward model (${cfg.variant})`, unit: 'step', index: cfg.steps, bar });
    rm.save(new RunDir(cfg.out).finalDir);
    writeFileAtomicSync(join(cfg.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  }
  return { model: rm, metrics }; // the caller reports them (rewardSummary), as the other training stages do
}

/**
 * The held-out metrics in words (no NaN when nothing is held out, no gold figure without gold pairs). The gold figure says
 * over how many pairs and how many gold ties it leaves out: it said "(gold 100.0%)" alone, over 28 of 59 held-out pairs.
 */
export function describeHeldOut(h: PairMetrics): string {
  if (h.n === 0) return 'no held-out pairs (--held-out 0 or too few pairs), so no held-out accuracy or calibration';
  const ties = h.goldTies ?? 0;
  const tiesLeft = ties > 0 ? `, ${ties} gold ${ties === 1 ? 'tie' : 'ties'} left out` : '';
  const gold = h.goldPairs > 0 ? ` (gold ${percent(h.goldAccuracy)} of ${h.goldPairs} ${h.goldPairs === 1 ? 'pair' : 'pairs'}${tiesLeft})` : ties > 0 ? ` (no gold figure: the ${ties === 1 ? 'held-out pair is a gold tie' : `${ties} held-out pairs are gold ties`})` : '';
  return `held-out accuracy ${percent(h.accuracy)} on ${h.n} labels${gold}, ECE ${h.ece.toFixed(3)}, Brier ${h.brier.toFixed(3)}`;
}

/**
 * A trained reward model in one line, for its caller to print (`train reward`'s closing line, the
 * feedback demo's per model). With no held-out labels (`--held-out 0`, or too few pairs) it says
 * so instead of printing NaN %, and the gold accuracy appears only when gold pairs exist.
 */
export function rewardSummary(m: RewardModelMetrics, out: string): string {
  return `reward model (${m.variant}) from ${m.labels} labels on ${m.pairs} pairs: ${describeHeldOut(m.heldOut)}; model: ${out}/final, metrics: ${out}/metrics.json`;
}
