/**
 * `askfirst train --stage supervised|rl`: the two training stages of the built-in model.
 *   supervised  trains the guesser on the clearest views of a generated suite;
 *   rl          starts from a supervised checkpoint (--init) and teaches it when to ask, with
 *               GRPO (ours or ProactiveBench's single-turn reward) or PPO.
 * Options of both stages come from their config schemas; each run resumes with --resume.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { GRPOConfigSchema, trainGRPO } from '../rl/grpo.js';
import { PPOConfigSchema, trainPPO } from '../rl/ppo.js';
import { SupervisedConfigSchema, trainSupervised } from '../rl/supervised.js';
import { memoryLoader } from '../suite/loader.js';
import { loadData } from '../suite/open.js';
import { rlSplits, rlValSuite, supervisedSuite } from '../suite/splits.js';
import { InputError } from '../util/errors.js';
import { addSchemaOptions } from './options.js';
import { addFeedbackStageOptions, learnedReward, runFeedbackStage } from './train-feedback.js';
import { rewardSpecDir } from '../rl/reward-model.js';
import { coerceOptions, kebab, resolveConfig, schemaOptions } from '../util/config.js';

const StageSchema = z.object({
  stage: z.enum(['supervised', 'rl', 'reward', 'dpo']).describe('which stage to run (reward, dpo: from labelled pairs, see train-feedback.ts)'),
  reward: z.string().optional().describe('rl: a learned reward instead of the simulator\'s, rm:DIR (RLHF; a reward model from --stage reward)'),
  algorithm: z.enum(['grpo', 'ppo']).default('grpo').describe('rl: the algorithm'),
  init: z.string().optional().describe('rl: the supervised checkpoint to start from (a run dir or its final/)'),
  data: z.string().optional().describe('rl: training episodes (DIR, suite:DIR); default: generate --episodes per training kind'),
});
/** The generated training suite (both stages; `size` only for the supervised stage, whose model fixes the size for RL). */
const DataSchema = z.object({
  episodes: z.number().int().min(1).optional().describe('episodes per kind of the generated training suite (supervised: default 500; rl: default 300)'),
  size: z.number().int().min(16).max(256).default(64).describe('supervised: view size of the generated suite'),
});
const SupSchema = SupervisedConfigSchema.omit({ model: true }).extend(DataSchema.shape);
const RLSchema = GRPOConfigSchema.merge(PPOConfigSchema).omit({ rewards: true }).extend({ episodes: DataSchema.shape.episodes });
// One option per field across both stages (shared names such as --lr, --seed, --out once).
const AllSchema = StageSchema.merge(RLSchema).merge(SupSchema);

function pick(raw: Record<string, unknown>, schema: z.ZodObject<z.ZodRawShape>, stage: string): Record<string, unknown> {
  const own = new Set(Object.keys(schema.shape));
  const stray = Object.keys(raw).filter((k) => raw[k] !== undefined && !own.has(k) && !(k in StageSchema.shape));
  if (stray.length) throw new InputError(`${stray.map((k) => '--' + kebab(k)).join(', ')} do(es) not apply to --stage ${stage}`);
  return coerceOptions(schemaOptions(schema), raw);
}

export async function runTrain(raw: Record<string, unknown>): Promise<void> {
  const st = resolveConfig(StageSchema, coerceOptions(schemaOptions(StageSchema), raw), 'train');
  const log = (s: string) => console.error(s);
  if (st.stage === 'reward' || st.stage === 'dpo') return runFeedbackStage(st.stage, st.init, raw, Object.keys(StageSchema.shape));
  if (st.stage === 'supervised') {
    const { episodes, size, ...rest } = pick(raw, SupSchema, 'supervised');
    const data = resolveConfig(DataSchema, { episodes, size }, 'train');
    const cfg = resolveConfig(SupervisedConfigSchema, rest, 'supervised training');
    const suite = supervisedSuite({ episodes: data.episodes ?? 500, seed: cfg.seed, size: data.size });
    const r = await trainSupervised(cfg, suite, log);
    console.log(`supervised: ${r.steps} steps in ${r.seconds.toFixed(0)} s, final loss ${r.finalLoss.toFixed(3)}, accuracy on 512 training images ${(100 * r.trainAccuracy).toFixed(1)}%`);
    return;
  }
  if (!st.init) throw new InputError('--stage rl needs --init DIR: the supervised checkpoint to start from (askfirst train --stage supervised --out DIR)');
  if (st.reward) rewardSpecDir(st.reward); // a malformed --reward fails before any data is generated
  const schema = st.algorithm === 'ppo' ? PPOConfigSchema.omit({ rewards: true }) : GRPOConfigSchema.omit({ rewards: true });
  const { episodes, ...cfgRaw } = pick(raw, RLSchema, 'rl');
  const cfg = resolveConfig(schema, cfgRaw, st.algorithm);
  const policy = BuiltinPolicy.load(st.init);
  const perKind = resolveConfig(DataSchema, { episodes }, 'train').episodes ?? 300;
  let data;
  if (st.data) {
    const d = await loadData(st.data, { kinds: cfg.kinds });
    data = { train: d.episodes, val: rlValSuite(cfg), loader: d.loader };
  } else {
    log(`rl: generating ${perKind} episodes per kind of ${cfg.kinds.join(', ')}`);
    data = { ...rlSplits({ episodes: perKind, seed: cfg.seed, kinds: cfg.kinds }), loader: memoryLoader };
  }
  const ctx = { policy, ...data, log, ...(st.reward ? { reward: learnedReward(st.reward, data.loader) } : {}) };
  const r = st.algorithm === 'ppo' ? await trainPPO(cfg, ctx) : await trainGRPO(cfg, ctx);
  const last = r.curve[r.curve.length - 1] ?? {};
  console.log(`rl (${st.algorithm}): ${r.updates} updates in ${r.seconds.toFixed(0)} s; last: ${Object.entries(last).filter(([k]) => k.startsWith('eval/') || k === 'rl/reward').map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}; checkpoint: ${cfg.out}/final`);
}

export function register(program: Command): void {
  const cmd = program.command('train').description('train the built-in model: --stage supervised (the guesser), then --stage rl (teach it to ask); from labelled pairs: --stage reward (a reward model for rl --reward rm:DIR) or --stage dpo');
  addSchemaOptions(cmd, AllSchema);
  addFeedbackStageOptions(cmd);
  cmd.addHelpText('after', '\nExamples:\n  askfirst train --stage supervised --out runs/sup\n  askfirst train --stage rl --init runs/sup --algorithm grpo --out runs/rl\n  askfirst train --stage rl --init runs/sup --objective single-turn --rp 1 --out runs/pb-rp1\n  askfirst train --stage reward --init runs/sup --project pairs --variant fact --out runs/rm\n  askfirst train --stage rl --init runs/sup --reward rm:runs/rm --out runs/rlhf\n  askfirst train --stage dpo --init runs/sup --project pairs --out runs/dpo\n  (kill it any time; add --resume to the same command to continue)');
  cmd.action(async (raw: Record<string, unknown>) => runTrain(raw));
}
