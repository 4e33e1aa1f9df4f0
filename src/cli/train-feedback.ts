/**
 * The stages of `askfirst train` that learn from human feedback, wired here so train.ts only
 * dispatches to them:
 *   --stage reward   Bradley–Terry reward model (plain or fact-augmented) on a workbench
 *                    project's labelled trajectory pairs, read through the built-in encoder (--init)
 *   --stage dpo      DPO on the same labelled pairs, from the supervised checkpoint (--init)
 *   --stage rl --reward rm:DIR   RLHF: GRPO/PPO on a learned reward (+ KL to the start)
 * The labels are read from the database exactly as stored (src/feedback/pairs.ts); an empty label
 * set or a label on an item that is not a valid pair stops the stage before anything trains.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { z } from 'zod';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { goldReward } from '../demo/feedback.js';
import { openDb } from '../feedback/db.js';
import { readLabelledPairs, type LabelledPair } from '../feedback/pairs.js';
import { FeedbackStore } from '../feedback/store.js';
import { DPOConfigSchema, trainDPO } from '../rl/dpo.js';
import { RewardModel, RewardModelConfigSchema, rewardSpecDir, trainRewardModel, type PreferenceExample } from '../rl/reward-model.js';
import type { RLContext } from '../rl/run.js';
import { createViewLoader } from '../suite/loader.js';
import { rlValSuite } from '../suite/splits.js';
import type { SuiteEpisode, ViewLoader } from '../suite/types.js';
import { coerceOptions, kebab, resolveConfig, schemaOptions, type AnyObjectSchema } from '../util/config.js';
import { InputError } from '../util/errors.js';
import { addSchemaOptions } from './options.js';

const LabelsSchema = z.object({
  project: z.string().min(1).describe('reward, dpo: the workbench project whose labelled trajectory pairs to learn from'),
  dbDir: z.string().default('.askfirst/feedback-db').describe('reward, dpo: PGlite data directory (ignored when DATABASE_URL is set)'),
});
export const RewardStageSchema = RewardModelConfigSchema.merge(LabelsSchema);
export const DPOStageSchema = DPOConfigSchema.omit({ rewards: true }).merge(LabelsSchema);

/** Options of the feedback stages that `train` does not have yet (shared names such as --out, --seed stay one option). */
export function addFeedbackStageOptions(cmd: Command): void {
  const have = new Set(cmd.options.map((o) => o.attributeName()));
  for (const schema of [RewardStageSchema, DPOStageSchema] as AnyObjectSchema[]) {
    const extra = Object.fromEntries(Object.entries(schema.shape).filter(([k]) => !have.has(k)));
    addSchemaOptions(cmd, z.object(extra));
    Object.keys(extra).forEach((k) => have.add(k));
  }
}

/** The labelled pairs of a project as training examples, views as files in the project's image folder. */
export async function labelledExamples(dbDir: string, projectName: string): Promise<{ examples: PreferenceExample[]; loader: ViewLoader; episodes: SuiteEpisode[] }> {
  const url = process.env.DATABASE_URL || undefined;
  const store = await FeedbackStore.open(await openDb({ url, dataDir: url ? undefined : dbDir }));
  let labels: LabelledPair[];
  let imageDir: string;
  try {
    const project = await store.project(projectName);
    imageDir = project.imageDir;
    labels = await readLabelledPairs(store, project);
  } finally {
    await store.close();
  }
  const eps = new Map<string, SuiteEpisode>();
  const examples = labels.map((l) => {
    let ep = eps.get(l.pair.episode.id);
    if (!ep) eps.set(l.pair.episode.id, (ep = { ...l.pair.episode, views: l.pair.episode.views.map((v) => ({ path: join(imageDir, v) })) }));
    return { pairId: l.pair.id, a: { episode: ep, record: l.pair.a }, b: { episode: ep, record: l.pair.b }, preferred: l.preferred };
  });
  return { examples, loader: createViewLoader(imageDir), episodes: [...eps.values()] };
}

/** Only the options of `schema` may be set (besides the stage selectors in `stageKeys`). */
function own(raw: Record<string, unknown>, schema: AnyObjectSchema, stage: string, stageKeys: readonly string[]): Record<string, unknown> {
  const keys = new Set(Object.keys(schema.shape));
  const stray = Object.keys(raw).filter((k) => raw[k] !== undefined && !keys.has(k) && !stageKeys.includes(k));
  if (stray.length) throw new InputError(`${stray.map((k) => '--' + kebab(k)).join(', ')} do(es) not apply to --stage ${stage}`);
  return coerceOptions(schemaOptions(schema), raw);
}

export async function runFeedbackStage(stage: 'reward' | 'dpo', init: string | undefined, raw: Record<string, unknown>, stageKeys: readonly string[], log = (s: string) => console.error(s)): Promise<void> {
  if (!init) throw new InputError(`--stage ${stage} needs --init DIR: the supervised checkpoint ${stage === 'reward' ? 'whose frozen encoder reads the trajectories' : 'to start from'} (the one the pairs were played by)`);
  if (stage === 'reward') {
    const cfg = resolveConfig(RewardStageSchema, own(raw, RewardStageSchema, stage, stageKeys), 'reward model');
    const { examples, loader } = await labelledExamples(cfg.dbDir, cfg.project);
    const { metrics: m } = await trainRewardModel(cfg, { encoder: BuiltinPolicy.load(init), encoderDir: init, examples, loader, gold: goldReward, log });
    console.log(
      `reward model (${m.variant}) from ${m.labels} labels on ${m.pairs} pairs: held-out accuracy ${(100 * m.heldOut.accuracy).toFixed(1)}% on ${m.heldOut.n} labels (gold ${(100 * m.heldOut.goldAccuracy).toFixed(1)}%), ECE ${m.heldOut.ece.toFixed(3)}, Brier ${m.heldOut.brier.toFixed(3)}; model: ${cfg.out}/final, metrics: ${cfg.out}/metrics.json`,
    );
    return;
  }
  const cfg = resolveConfig(DPOStageSchema, own(raw, DPOStageSchema, stage, stageKeys), 'DPO');
  const { examples, loader, episodes } = await labelledExamples(cfg.dbDir, cfg.project);
  const ctx: RLContext = { policy: BuiltinPolicy.load(init), train: episodes, val: rlValSuite(cfg), loader, log };
  const r = await trainDPO(cfg, ctx, examples);
  const last = r.curve[r.curve.length - 1] ?? {};
  console.log(`dpo: ${r.updates} steps on ${examples.length} labels; last: ${Object.entries(last).filter(([k]) => k.startsWith('eval/') || k === 'dpo/loss').map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}; checkpoint: ${cfg.out}/final`);
}

/** `--reward rm:DIR` → the RL context's learned reward (its own frozen encoder, views through `loader`). */
export function learnedReward(spec: string, loader: ViewLoader): NonNullable<RLContext['reward']> {
  const rm = RewardModel.load(rewardSpecDir(spec), loader);
  return (trajs) => rm.score(trajs);
}
