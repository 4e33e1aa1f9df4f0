/**
 * The settings of every trainer of rl/, one schema each: the RL base every algorithm shares
 * (run.ts), GRPO (grpo.ts), PPO (ppo.ts) and the list of RL algorithms (RL_ALGORITHM_CONFIGS), DPO (dpo.ts), the supervised stage (supervised.ts), the
 * presence head (presence.ts) and the reward model (reward-model.ts). Light (zod and other light
 * modules only), so `askfirst train …` builds its options and --help without loading the engine
 * (src/cli/commands.ts); each trainer imports its schema from here and validates with it.
 */
import { z } from 'zod';
import { ModelConfigSchema } from '../agents/builtin/model-config.js';
import { TRAIN_KINDS } from '../suite/kinds/names.js';
import { suiteKindListField } from '../suite/kinds/registry.js';
import { outDirField, progressField, seedField } from '../util/config.js';
import { reportToField } from '../util/metrics-log.js';
import { DEFAULT_REWARD_WEIGHTS, type RewardName } from './rewards.js';

// ── RL (every algorithm) ─────────────────────────────────────────────────────
export const RewardWeightsSchema = z
  .object(Object.fromEntries(Object.entries(DEFAULT_REWARD_WEIGHTS).map(([k, v]) => [k, z.number().default(v)])) as Record<RewardName, z.ZodDefault<z.ZodNumber>>)
  .describe(`reward weights, one per component of rewards.ts: ${Object.keys(DEFAULT_REWARD_WEIGHTS).join(', ')} (interventions: per valid intervention)`);

/** Fields every RL algorithm shares. */
export const BaseRLConfigSchema = z.object({
  out: outDirField().describe('run directory (rl.jsonl, checkpoints/, final/)'),
  updates: z.number().int().min(1).default(150).describe('policy updates'),
  episodesPerUpdate: z.number().int().min(1).default(64).describe('episodes rolled out per update'),
  lr: z.number().positive().default(3e-3).describe('AdamW learning rate for the trainable parameters'),
  klCoef: z.number().min(0).default(0.05).describe('weight of the KL penalty to the frozen starting policy: the supervised model with its ask gate opened to --ask-prior'),
  clipEps: z.number().positive().max(1).default(0.2).describe('ratio clipping ε'),
  epochs: z.number().int().min(1).default(2).describe('optimisation passes over each rollout batch'),
  minibatch: z.number().int().min(1).default(256).describe('turns per gradient step'),
  entropyCoef: z.number().min(0).default(0.003).describe('entropy bonus weight'),
  whichCoef: z.number().min(0).default(1).describe('weight of the which-intervention validity term (log P(valid | ask), raised through every offered intervention)'),
  maxGradNorm: z.number().positive().default(1).describe('gradient clipping (global norm)'),
  trainCategoryHead: z.boolean().default(false).describe('also train the category scorer and word embeddings (the image encoder always stays frozen)'),
  trainRepeat: z.boolean().default(false).describe('also train ρ, the persistence prior (bonus for asking again for what was asked at the previous turn); default: RL keeps it at its init (RL on sketch and camera lowered it on every development seed, and with it the unseen kinds waited less and undid their last move more: issue 18, docs/transfer.md)'),
  askPrior: z.number().min(0).max(0.9).default(0.6).describe('open the ask gate at the start of RL so this share of first turns asks, measured on the first 256 training episodes (0 keeps the guesser as is; exploration)'),
  curriculum: z.enum(['none', 'oracle']).default('none').describe("order training episodes by the oracle's exact difficulty (steps to an informative view, then how little the first view shows): each update draws from the easiest share of each kind, growing to every episode (rl/curriculum.ts); none: uniform draws"),
  curriculumStart: z.number().min(0.01).max(1).default(0.25).describe('curriculum: share of each kind\'s episodes (easiest first) drawn from at the first update'),
  curriculumSpan: z.number().min(0).max(1).default(0.5).describe('curriculum: share of the updates after which every episode is drawn from'),
  kinds: suiteKindListField().default([...TRAIN_KINDS]).describe('scenario kinds to train on (a kind of your own too, registered with --plugin: docs/library.md)'),
  evalEvery: z.number().int().min(1).default(10).describe('updates between greedy evaluations'),
  checkpointEvery: z.number().int().min(1).default(25).describe('updates between checkpoints'),
  maxSeconds: z.number().positive().optional().describe('opt-in time limit: also stop after this many seconds (the result then depends on the machine and its load; default: none, the budget is --updates)'),
  seed: seedField().default(0).describe('sampling seed'),
  resume: z.boolean().default(false).describe('continue the run in --out from its latest checkpoint'),
  progress: progressField('a progress bar'),
  reportTo: reportToField,
  rewards: RewardWeightsSchema.default(DEFAULT_REWARD_WEIGHTS as never),
});
export type BaseRLConfig = z.output<typeof BaseRLConfigSchema>;

// ── GRPO ────────────────────────────────────────────────────────────────────
export const GRPOConfigSchema = BaseRLConfigSchema.extend({
  groupSize: z.number().int().min(2).default(8).describe('G: trajectories sampled per episode'),
  objective: z.enum(['multi-turn', 'single-turn']).default('multi-turn').describe('multi-turn episodes with our rewards, or ProactiveBench single-turn states'),
  rp: z.number().min(0).max(1).default(0.5).describe('single-turn: reward for a valid intervention (ProactiveBench r_p)'),
});
export type GRPOConfig = z.output<typeof GRPOConfigSchema>;

// ── PPO ─────────────────────────────────────────────────────────────────────
export const PPOConfigSchema = BaseRLConfigSchema.extend({
  samplesPerEpisode: z.number().int().min(1).default(4).describe('trajectories sampled per episode per update'),
  gamma: z.number().min(0).max(1).default(1).describe('discount per turn'),
  lambda: z.number().min(0).max(1).default(0.95).describe('GAE λ'),
  valueCoef: z.number().min(0).default(0.5).describe('weight of the value loss'),
  epochs: z.number().int().min(1).default(4).describe('optimisation passes over each rollout batch'),
});
export type PPOConfig = z.output<typeof PPOConfigSchema>;

// ── the RL algorithms ───────────────────────────────────────────────────────
/**
 * Every RL algorithm by the name `train rl --algorithm` and `demo --algorithm` take, with its config schema: the one list
 * of them (their trainers are in algorithms.ts, a Record over these names, so a name without a trainer does not
 * compile; docs/extending.md). The first is the default.
 */
export const RL_ALGORITHM_CONFIGS = { grpo: GRPOConfigSchema, ppo: PPOConfigSchema } as const;
export type RLAlgorithm = keyof typeof RL_ALGORITHM_CONFIGS;
export const RL_ALGORITHMS = Object.keys(RL_ALGORITHM_CONFIGS) as [RLAlgorithm, ...RLAlgorithm[]];

/** Whether `x` names an RL algorithm (a setting read back from a file). */
export function isRLAlgorithm(x: unknown): x is RLAlgorithm {
  return typeof x === 'string' && Object.hasOwn(RL_ALGORITHM_CONFIGS, x);
}

// ── DPO ─────────────────────────────────────────────────────────────────────
// DPO's unit is the gradient step (its bar, its messages and its checkpoints, step-N, say so): the shared RL fields that
// count "updates" (several optimizer steps each in GRPO and PPO) are described in steps here, --updates kept as the flag
const B = BaseRLConfigSchema.shape;
export const DPOConfigSchema = BaseRLConfigSchema.extend({
  updates: B.updates.describe('gradient steps, each on --pairs-per-step labelled pairs'),
  evalEvery: B.evalEvery.describe('steps between greedy evaluations'),
  checkpointEvery: B.checkpointEvery.describe('steps between checkpoints'),
  beta: z.number().positive().default(0.5).describe('DPO β: the strength of the implicit KL to the starting policy'),
  pairsPerStep: z.number().int().min(1).default(64).describe('labelled pairs per gradient step'),
});
export type DPOConfig = z.output<typeof DPOConfigSchema>;

// ── supervised stage ────────────────────────────────────────────────────────
export const SupervisedConfigSchema = z.object({
  out: outDirField().describe('run directory (checkpoints/, final/, train.jsonl)'),
  seed: seedField().default(1).describe('seed of the run: batch order and augmentation (askfirst train also draws its training suite from it)'),
  steps: z.number().int().min(1).default(1500).describe('optimizer steps: the budget, so the same seed gives the same model on any machine'),
  maxSeconds: z.number().positive().optional().describe('opt-in time limit: also stop after this many seconds of training (the model then depends on the machine and its load; default: none)'),
  batchSize: z.number().int().min(1).default(64).describe('images per step'),
  lr: z.number().positive().default(2e-3).describe('peak learning rate (AdamW, linear warm-up, cosine decay)'),
  weightDecay: z.number().min(0).default(1e-4).describe('AdamW weight decay'),
  warmupSteps: z.number().int().min(0).default(50).describe('learning-rate warm-up steps'),
  checkpointEvery: z.number().int().min(1).default(100).describe('steps between checkpoints'),
  logEvery: z.number().int().min(1).default(20).describe('steps between log lines in train.jsonl (the last step is logged too)'),
  augment: z.number().min(0).max(1).default(0.5).describe('share of training images randomly shrunk and shifted (0 = none)'),
  calibrate: z.number().min(0).max(0.9).default(0.25).describe('share of each batch drawn from uninformative views of the RL training kinds (sketch, camera), with a uniform target: "I cannot tell" (0 = reference views only)'),
  erase: z.number().min(0).max(1).default(0.1).describe('share of reference images with a random block painted over; the target softens toward uniform as more of the object is hidden (0 = none)'),
  where: z.number().min(0).default(1).describe('weight of the where-map loss on camera views: which cells of the last conv stage the object covers (0 = none)'),
  informative: z.number().min(0).max(0.5).default(0.15).describe('share of each batch drawn from the other informative views of the RL training kinds (sketch, camera: views that show enough to tell, but not the clearest one) with their category target (0 = none)'),
  outliers: z.number().min(0).max(0.5).default(0.1).describe('share of each batch drawn from outlier images (rl/outlier-shapes.ts: random shapes that are none of the categories, painted like suite objects) with a uniform target: outlier exposure, "an object I cannot name: I cannot tell" (0 = none)'),
  looks: z.number().int().min(0).default(16).describe('degradation captions per step: clearest views of the RL training kinds (sketch, camera), each left clean or degraded by one generic pixel operation (blur, noise, pixelation, JPEG, darkening, low contrast, colour loss), matched to a caption of what is wrong (rl/degradation-captions.ts); teaches the which-intervention head\u2019s image–word term (0 = none)'),
  mild: z.number().min(0).max(1).default(0.1).describe('share of the RL training kinds\u2019 (sketch, camera) clearest and other informative views in each batch degraded by one generic pixel operation at a mild severity (rl/degradation-captions.ts MILD_LEVELS), their category kept as target: label-preserving augmentation (0 = none)'),
  resume: z.boolean().default(false).describe('continue the run in --out from its latest checkpoint'),
  progress: progressField('a progress bar'),
  reportTo: reportToField,
  model: ModelConfigSchema.partial().default({}).describe('model architecture overrides'),
});
export type SupervisedConfig = z.output<typeof SupervisedConfigSchema>;

// ── presence head ───────────────────────────────────────────────────────────
export const PresenceConfigSchema = z.object({
  out: outDirField().describe('output directory: final/ holds the input checkpoint plus the presence head; train.jsonl the loss'),
  seed: seedField().default(7).describe("the stage's own seed (training scenes, initialisation, batch order); independent of every other stage"),
  steps: z.number().int().min(1).default(600).describe('optimizer steps (the budget: same seed → same head on any machine)'),
  scenes: z.number().int().min(16).default(800).describe('clean multi-object training scenes (features computed once by the frozen encoder)'),
  size: z.number().int().min(48).max(256).default(128).describe('scene size in pixels (the model resizes to its input size)'),
  heldOut: z.number().int().min(16).default(200).describe('held-out clean scenes the result is measured on (another part of the same stream)'),
  batchSize: z.number().int().min(1).default(64).describe('scenes per step'),
  lr: z.number().positive().default(0.05).describe('peak learning rate (AdamW, warm-up, cosine decay)'),
  weightDecay: z.number().min(0).default(1e-4).describe('AdamW weight decay'),
  logEvery: z.number().int().min(1).default(50).describe('steps between lines of train.jsonl'),
  progress: progressField('a progress bar'),
});
export type PresenceTrainConfig = z.output<typeof PresenceConfigSchema>;

// ── reward model ────────────────────────────────────────────────────────────
export const RewardModelConfigSchema = z.object({
  out: outDirField().optional().describe('output directory (final/ with the reward model, metrics.json); none: the model stays in memory (e.g. the committee router\'s members)'),
  variant: z.enum(['plain', 'fact']).default('fact').describe('plain: views and replies only; fact: also the facts the annotator saw (Factually Augmented RLHF)'),
  steps: z.number().int().min(1).default(600).describe('optimizer steps'),
  batch: z.number().int().min(1).default(64).describe('labelled pairs per step'),
  lr: z.number().positive().default(1e-2).describe('AdamW learning rate'),
  weightDecay: z.number().min(0).default(1e-3).describe('AdamW weight decay'),
  hidden: z.number().int().min(0).default(0).describe('hidden units of the reward MLP beside its linear part (0: linear in the features)'),
  heldOut: z.number().min(0).max(0.9).default(0.2).describe('share of pairs held out for accuracy and calibration'),
  seed: seedField().default(0).describe('initialisation, split and minibatch seed'),
  progress: progressField('a progress bar'),
});
export type RewardModelConfig = z.output<typeof RewardModelConfigSchema>;
