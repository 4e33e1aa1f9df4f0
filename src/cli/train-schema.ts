/**
 * The settings of `askfirst train <stage>`: light, read at startup for the stages' options and
 * --help (commands.ts). The stages themselves are registered in train-command.ts; their work is in
 * train.ts (supervised, rl, presence) and train-feedback.ts (reward, dpo).
 */
import { z } from 'zod';
import { DPOConfigSchema, PresenceConfigSchema, RewardModelConfigSchema, RL_ALGORITHM_CONFIGS, RL_ALGORITHMS, SupervisedConfigSchema, type RLAlgorithm } from '../rl/configs.js';
import { RewardWeightListSchema } from '../rl/rewards.js';
import { DEFAULT_FEEDBACK_DB_DIR } from '../feedback/db-dir.js';
import { SuiteConfigSchema } from '../suite/suite-config.js';
import { outDirField, schemaOptions, type AnyObjectSchema } from '../util/config.js';
import { RUN_OPTIONS } from '../nn/run-dir.js';
import type { Orderly } from './signals.js';
import type { IndexedData } from '../suite/open.js';

/**
 * A stage's --data, read once (the first call reads it; every call gets that one read, or its error): an askfirst suite
 * indexed, not held (suite/open.ts indexData); `close` closes its file (again: nothing).
 */
export type ReadData = (() => Promise<IndexedData>) & { close(): Promise<void> };

/** One training stage: a `train <name>` subcommand whose options come from `schema`. */
export interface TrainStage<S extends AnyObjectSchema = AnyObjectSchema> {
  name: string;
  description: string;
  schema: S;
  /** Example command lines for --help. */
  examples?: string[];
  /**
   * Run with the validated options (a stage registered at startup loads its work here, with `await import()`);
   * `given`: the options as the user gave them, before the schema's defaults (options.ts's `refuseUnread`); `orderly`: the
   * run guard's (signals.ts), for a section that holds a database open (absent without --out, where nothing guards it);
   * `data`: the stage's --data as read for its resume check (train.ts `trainingData`), to train on without reading it again.
   */
  run(cfg: z.output<S>, given: Readonly<Record<string, unknown>>, orderly?: Orderly, data?: ReadData): Promise<void>;
  /** Refuse options this run would not read (options.ts's `refuseUnread`), before --out is locked or anything is written. */
  check?(cfg: z.output<S>, given: Readonly<Record<string, unknown>>): Promise<void>;
}

/**
 * What may differ when a run is resumed (docs/hardening.md, "may change"): how it shows, logs and checkpoints (RUN_OPTIONS:
 * none changes a weight), when it stops on the clock (--max-seconds), and the database `train dpo` reads its labels from
 * (--db-dir: checkDpoLabels compares the labels themselves). Every other setting must be the one the run started with
 * (train.ts keepRunSettings); each stage's --help names those of them it has (train-command.ts resumeNote).
 */
export const MAY_CHANGE: ReadonlySet<string> = new Set<string>([...RUN_OPTIONS, 'maxSeconds', 'dbDir']);
/** Budgets a resumed run may raise (it trains on to the new budget: RunDir.finishedFor), not lower. */
export const BUDGETS: readonly string[] = ['steps', 'updates'];

// ─── supervised ───────────────────────────────────────────────────────────────────────

/** The supervised stage's options: its trainer's config (minus the model architecture) plus the generated suite. */
export const SupervisedStageSchema = SupervisedConfigSchema.omit({ model: true }).extend({
  episodes: z.number().int().min(1).default(500).describe('episodes per kind of the generated training suite'),
  size: z.number().int().min(32).max(256).default(64).describe('view size of the generated suite, in pixels (the model reads every view resized to its own input size, 64)'), // min: the suite's (suite-config.ts)
});

// ─── rl ───────────────────────────────────────────────────────────────────────────────

/** Each --algorithm's own settings (the algorithm's schema validates a run with them). */
export const ALGORITHMS = Object.fromEntries(RL_ALGORITHMS.map((a) => [a, (RL_ALGORITHM_CONFIGS[a] as AnyObjectSchema).omit({ rewards: true })])) as Record<RLAlgorithm, AnyObjectSchema>;

/**
 * One option per field of either algorithm, with defaults that tell the truth: a field whose
 * default differs between them shows both ("default: grpo 2, ppo 4"); a field of one algorithm
 * only says which. The algorithm's own schema validates the run.
 */
function rlOptionsSchema(): AnyObjectSchema {
  const shape: Record<string, z.ZodType> = {};
  const byAlgo = Object.entries(ALGORITHMS).map(([name, s]) => ({ name, opts: new Map(schemaOptions(s as AnyObjectSchema).map((o) => [o.key, o])), shape: (s as AnyObjectSchema).shape }));
  const keys = [...new Set(byAlgo.flatMap((a) => [...a.opts.keys()]))];
  const fmt = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));
  for (const k of keys) {
    const has = byAlgo.filter((a) => a.opts.has(k));
    const field = has[0].shape[k] as z.ZodType;
    const defaults = has.map((a) => a.opts.get(k)!.defaultValue);
    const same = has.length === byAlgo.length && defaults.every((d) => JSON.stringify(d) === JSON.stringify(defaults[0]));
    if (same) {
      shape[k] = field;
      continue;
    }
    const desc = has[0].opts.get(k)!.description;
    const inner = (field as unknown as { def: { type: string; innerType?: z.ZodType } }).def.type === 'default' ? (field as unknown as { def: { innerType: z.ZodType } }).def.innerType : field;
    const note = has.length < byAlgo.length
      ? `${has.map((a) => a.name).join(', ')} only${defaults[0] !== undefined ? `; default ${fmt(defaults[0])}` : ''}`
      : `default: ${has.map((a, i) => `${a.name} ${fmt(defaults[i])}`).join(', ')}`;
    shape[k] = (inner as z.ZodType).optional().describe(`${desc} (${note})`);
  }
  return z.object(shape) as AnyObjectSchema;
}

export const RLStageSchema = z
  .object({
    init: z.string().min(1).describe('the supervised checkpoint to start from (a run dir or its final/)'),
    algorithm: z.enum(RL_ALGORITHMS).default(RL_ALGORITHMS[0]).describe('the algorithm'),
    data: z.string().optional().describe('training episodes (DIR, suite:DIR); default: generate --episodes per training kind'),
    episodes: z.number().int().min(1).default(300).describe('episodes per kind of the generated training suite (without --data)'),
    reward: z.string().optional().describe("a learned reward instead of the simulator's: rm:DIR, a reward model from `train reward` (RLHF; the simulator's reward is still logged as rl/goldReward)"),
    rewardWeights: RewardWeightListSchema.default([]).describe(RewardWeightListSchema.description ?? ''),
    controlShare: SuiteConfigSchema.shape.controlShare.describe('share of control episodes (answerable at the first view) in the generated training suite (without --data)'),
  })
  .extend(rlOptionsSchema().shape);

// ─── presence ─────────────────────────────────────────────────────────────────────────

export const PresenceStageSchema = PresenceConfigSchema.extend({
  init: z.string().min(1).describe('the checkpoint whose frozen encoder the head reads (a run dir or its final/, e.g. runs/demo/rl)'),
});

// ─── reward, dpo (from a workbench project's labelled pairs: train-feedback.ts) ──────

const LabelsSchema = z.object({
  project: z.string().min(1).describe('reward, dpo: the workbench project whose labelled trajectory pairs to learn from'),
  dbDir: outDirField().default(DEFAULT_FEEDBACK_DB_DIR).describe('reward, dpo: PGlite data directory (ignored when DATABASE_URL is set)'),
});
// The command always writes its model: --out is required here (the library keeps a model in memory without one).
export const RewardStageSchema = RewardModelConfigSchema.merge(LabelsSchema).extend({ out: outDirField().describe('output directory (final/ with the reward model, metrics.json)') });
export const DPOStageSchema = DPOConfigSchema.omit({ rewards: true }).merge(LabelsSchema);

const INIT = {
  reward: z.string().min(1).describe('the supervised checkpoint whose frozen encoder reads the trajectories (the one the pairs were played by)'),
  dpo: z.string().min(1).describe('the supervised checkpoint to start from (the one the pairs were played by)'),
};
export const RewardStageOptions = RewardStageSchema.extend({ init: INIT.reward });
/**
 * RL settings DPO never reads (it rolls nothing out: no clipped objective, no episode draws, no
 * curriculum; rl/dpo.ts). They stay at their defaults in the config and are not `train dpo`
 * options, so its --help lists only settings that act.
 */
const DPO_UNUSED = { episodesPerUpdate: true, klCoef: true, clipEps: true, epochs: true, minibatch: true, entropyCoef: true, whichCoef: true, curriculum: true, curriculumStart: true, curriculumSpan: true } as const;
/**
 * DPO trains on every labelled pair of --project, whatever its kind; --kinds only picks the kinds of the validation
 * suite its eval/* figures are measured on. Its --help said "scenario kinds to train on" (RL's wording), so
 * `--kinds camera` looked like it kept the camera pairs alone.
 */
const DPO_KINDS = DPOStageSchema.shape.kinds.describe(
  'scenario kinds of the validation suite its eval/* figures are measured on (a kind of your own too, registered with --plugin: docs/library.md); DPO trains on every labelled pair of --project, whatever its kind',
);
export const DPOStageOptions = DPOStageSchema.omit(DPO_UNUSED).extend({ init: INIT.dpo, kinds: DPO_KINDS });
