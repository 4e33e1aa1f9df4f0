/**
 * `askfirst train <stage>`: the training stages, one subcommand each with its own options and
 * its own defaults in `--help`:
 *   train supervised   trains the guesser on the clearest views of a generated suite;
 *   train rl           starts from a supervised checkpoint (--init) and teaches it when to ask,
 *                      with GRPO (ours or ProactiveBench's single-turn reward) or PPO;
 *   train reward       a Bradley–Terry reward model from a workbench project's labelled pairs;
 *   train dpo          DPO straight from those pairs (both in train-feedback.ts);
 *   train presence     trains a presence head (for the hallucination probe) on the frozen encoder
 *                      of any checkpoint (--init), written beside a copy of it: the model is unchanged.
 * `train --stage NAME …` (the older spelling) runs the same subcommand. Other files add stages
 * with `addTrainStage` (one call per stage; e.g. a feedback stage in its own file), and each run
 * resumes with --resume.
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { BuiltinPolicy } from '../agents/builtin/policy.js';
import { GRPOConfigSchema, trainGRPO } from '../rl/grpo.js';
import { PPOConfigSchema, trainPPO } from '../rl/ppo.js';
import { SupervisedConfigSchema, resolveSupervisedConfig, trainSupervised, type SupervisedResult } from '../rl/supervised.js';
import { PresenceConfigSchema, trainPresence } from '../rl/presence.js';
import { memoryLoader } from '../suite/loader.js';
import type { ViewLoader } from '../suite/types.js';
import { loadData } from '../suite/open.js';
import { SuiteConfigSchema } from '../suite/suite-config.js';
import { rlSplits, rlValSuite, supervisedSuite } from '../suite/splits.js';
import { ConfigError, InputError } from '../util/errors.js';
import { progress } from '../util/progress.js';
import { SCENARIO_KINDS } from '../suite/kinds/names.js';
import { RunDir } from '../nn/run-dir.js';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { alreadyFinishedLine, guardRun } from './run-guard.js';
import { rewardSpecDir } from '../rl/reward-model.js';
import { RewardWeightListSchema, parseRewardWeights } from '../rl/rewards.js';
import { dpoStage, learnedReward, rewardStage } from './train-feedback.js';
import { addSchemaOptions, commandGroup, configFromOptions } from './options.js';
import { kebab, resolveConfig, schemaOptions, type AnyObjectSchema } from '../util/config.js';

/** One training stage: a `train <name>` subcommand whose options come from `schema`. */
export interface TrainStage<S extends AnyObjectSchema = AnyObjectSchema> {
  name: string;
  description: string;
  schema: S;
  /** Example command lines for --help. */
  examples?: string[];
  /** Run with the validated options. */
  run(cfg: z.output<S>): Promise<void>;
}

const log = (s: string) => console.error(s);

// ─── supervised ───────────────────────────────────────────────────────────────────────

/** The supervised stage's options: its trainer's config (minus the model architecture) plus the generated suite. */
export const SupervisedStageSchema = SupervisedConfigSchema.omit({ model: true }).extend({
  episodes: z.number().int().min(1).default(500).describe('episodes per kind of the generated training suite'),
  size: z.number().int().min(16).max(256).default(64).describe('view size of the generated suite (the model is built for it)'),
});

export const supervisedStage: TrainStage<typeof SupervisedStageSchema> = {
  name: 'supervised',
  description: 'train the guesser: name the object on the clearest views of a generated suite',
  schema: SupervisedStageSchema,
  examples: ['askfirst train supervised --out runs/sup', 'askfirst train supervised --out runs/sup --steps 200 --episodes 100'],
  run: async (c) => {
    const { episodes, size, ...rest } = c;
    const cfg = resolveSupervisedConfig(rest); // its cross-field checks come before the suite is generated
    log(`supervised: generating ${episodes} episodes per kind of ${SCENARIO_KINDS.length} kinds`);
    const bar = progress('generating', episodes * SCENARIO_KINDS.length, { enabled: cfg.progress, unit: 'episodes' });
    const suite = supervisedSuite({ episodes, seed: cfg.seed, size }, () => bar.tick());
    bar.stop();
    const r = await trainSupervised(cfg, suite, log);
    console.log(supervisedSummary(r, cfg.out));
  },
};

/** The last line of `train supervised`: what was trained, or that a resumed run had nothing left to do. */
export function supervisedSummary(r: Pick<SupervisedResult, 'steps' | 'seconds' | 'finalLoss' | 'trainAccuracy' | 'trainAccuracyImages' | 'alreadyFinished'>, out: string): string {
  if (r.alreadyFinished) return alreadyFinishedLine('supervised', out);
  const spread = r.trainAccuracyImages === 512 ? ' spread over the set' : '';
  return `supervised: ${r.steps} steps in ${r.seconds.toFixed(0)} s, final loss ${r.finalLoss.toFixed(3)}, accuracy on ${r.trainAccuracyImages} training images${spread} ${(100 * r.trainAccuracy).toFixed(1)}%`;
}

// ─── rl ───────────────────────────────────────────────────────────────────────────────

const ALGORITHMS = { grpo: GRPOConfigSchema.omit({ rewards: true }), ppo: PPOConfigSchema.omit({ rewards: true }) } as const;

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
    algorithm: z.enum(['grpo', 'ppo']).default('grpo').describe('the algorithm'),
    data: z.string().optional().describe('training episodes (DIR, suite:DIR); default: generate --episodes per training kind'),
    episodes: z.number().int().min(1).default(300).describe('episodes per kind of the generated training suite (without --data)'),
    reward: z.string().optional().describe("a learned reward instead of the simulator's: rm:DIR, a reward model from `train reward` (RLHF; the simulator's reward is still logged as rl/goldReward)"),
    rewardWeights: RewardWeightListSchema.default([]).describe(RewardWeightListSchema.description ?? ''),
    controlShare: SuiteConfigSchema.shape.controlShare.describe('share of control episodes (answerable at the first view) in the generated training suite (without --data)'),
  })
  .extend(rlOptionsSchema().shape);

export const rlStage: TrainStage<typeof RLStageSchema> = {
  name: 'rl',
  description: 'teach a supervised checkpoint when to ask (GRPO or PPO); --init is the supervised run',
  schema: RLStageSchema,
  examples: [
    'askfirst train rl --init runs/sup --out runs/rl',
    'askfirst train rl --init runs/sup --algorithm ppo --out runs/rl-ppo',
    'askfirst train rl --init runs/sup --objective single-turn --rp 1 --out runs/pb-rp1',
    'askfirst train rl --init runs/sup --reward-weights needlessAsks=-1,guessed=-0.5 --out runs/rl-w',
  ],
  run: async (c) => {
    const { init, algorithm, data: dataSpec, episodes, reward, rewardWeights, controlShare, ...rest } = c as Record<string, unknown> & {
      init: string;
      algorithm: 'grpo' | 'ppo';
      data?: string;
      episodes: number;
      reward?: string;
      rewardWeights: string[];
      controlShare: number;
    };
    if (reward) rewardSpecDir(reward); // a malformed --reward fails before any data is generated
    const schema = ALGORITHMS[algorithm] as AnyObjectSchema;
    const own = new Set(Object.keys(schema.shape));
    const stray = Object.keys(rest).filter((k) => rest[k] !== undefined && !own.has(k));
    if (stray.length) throw new InputError(`${stray.map((k) => '--' + kebab(k)).join(', ')} ${stray.length === 1 ? 'does' : 'do'} not apply to --algorithm ${algorithm}`);
    const cfg = { ...(resolveConfig(schema, rest, algorithm) as z.output<(typeof ALGORITHMS)['grpo']> & z.output<(typeof ALGORITHMS)['ppo']>), rewards: parseRewardWeights(rewardWeights) };
    const policy = BuiltinPolicy.load(init);
    // the reward model is loaded before any data is generated (a wrong rm:DIR fails at once); it reads views through the data's loader
    const views: { loader?: ViewLoader } = {};
    const learned = reward ? learnedReward(reward, (ref, id) => views.loader!(ref, id)) : undefined;
    let data;
    if (dataSpec) {
      const d = await loadData(dataSpec, { kinds: cfg.kinds });
      if (d.skipped.length) log(`rl: ${d.skipped.length} entries of ${d.dir} could not be read and are left out, e.g. ${d.skipped[0].reason}`);
      data = { train: d.episodes, val: rlValSuite(cfg), loader: d.loader };
    } else {
      log(`rl: generating ${episodes} episodes per kind of ${cfg.kinds.join(', ')}`);
      data = { ...rlSplits({ episodes, seed: cfg.seed, kinds: cfg.kinds, controlShare }), loader: memoryLoader };
    }
    views.loader = data.loader;
    const ctx = { policy, ...data, log, ...(learned ? { reward: learned } : {}) };
    const r = algorithm === 'ppo' ? await trainPPO(cfg, ctx) : await trainGRPO(cfg, ctx);
    if (r.alreadyFinished) return console.log(alreadyFinishedLine(`rl (${algorithm})`, cfg.out));
    const last = r.curve[r.curve.length - 1] ?? {};
    console.log(`rl (${algorithm}): ${r.updates} updates in ${r.seconds.toFixed(0)} s; last: ${Object.entries(last).filter(([k]) => k.startsWith('eval/') || k === 'rl/reward').map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}; checkpoint: ${cfg.out}/final`);
  },
};

// ─── presence ─────────────────────────────────────────────────────────────────────────

export const PresenceStageSchema = PresenceConfigSchema.extend({
  init: z.string().min(1).describe('the checkpoint whose frozen encoder the head reads (a run dir or its final/, e.g. runs/demo/rl)'),
});

export const presenceStage: TrainStage<typeof PresenceStageSchema> = {
  name: 'presence',
  description: 'add a presence head (yes / no / cannot tell per category, for `askfirst probe`) to a checkpoint; its own weights are not changed',
  schema: PresenceStageSchema,
  examples: ['askfirst train presence --init runs/demo/rl --out runs/rl-presence'],
  run: async (c) => {
    const { init, ...rest } = c;
    const r = await trainPresence(rest, init, log);
    console.log(`presence: ${r.steps} steps in ${r.seconds.toFixed(0)} s, held-out label accuracy ${(100 * r.heldOutAccuracy).toFixed(1)}%, F1 ${(100 * r.heldOutF1).toFixed(1)}%; checkpoint: ${rest.out}/final`);
  },
};

// ─── the command ──────────────────────────────────────────────────────────────────────

function trainGroup(program: Command): Command {
  return commandGroup(program, 'train', 'train the built-in model: train supervised (the guesser), then train rl (teach it to ask)');
}

/** Add `train <stage.name>` (its options, defaults and examples in its own --help). */
export function addTrainStage<S extends AnyObjectSchema>(program: Command, stage: TrainStage<S>): Command {
  const cmd = trainGroup(program).command(stage.name).description(stage.description);
  addSchemaOptions(cmd, stage.schema);
  // only a stage with a --resume option can promise that a killed run continues
  const resumable = 'resume' in stage.schema.shape ? '\n  (kill it any time; add --resume to the same command to continue)' : '';
  if (stage.examples?.length) cmd.addHelpText('after', `\nExamples:\n  ${stage.examples.join('\n  ')}${resumable}`);
  const hasOut = 'out' in stage.schema.shape;
  if (hasOut) cmd.option('--overwrite', 'start over in an --out that already holds a run of this stage (its checkpoints and final model are replaced)');
  cmd.action(async ({ overwrite, ...raw }: Record<string, unknown>) => {
    const cfg = configFromOptions(stage.schema, raw, `train ${stage.name}`);
    const { out, resume } = cfg as { out?: string; resume?: boolean };
    if (!hasOut || !out) return stage.run(cfg);
    const canResume = 'resume' in stage.schema.shape;
    // the lock first: a second run into the same --out is told it is in use, not invited to add --resume
    return guardRun(out, `askfirst train ${stage.name}`, () => interruptedRunHint(out, canResume, resume === true), async () => {
      refuseToReplaceRun(stage.name, { out, resume }, overwrite === true, canResume);
      await stage.run(cfg);
    });
  });
  return cmd;
}

/**
 * A training stage started without --resume into an --out that holds a run (a complete checkpoint or a final model) would
 * delete or replace it: refuse unless --overwrite says so (nothing is lost by accident, as `askfirst eval` refuses to mix runs).
 */
export function refuseToReplaceRun(stage: string, cfg: { out?: string; resume?: boolean }, overwrite: boolean, resumable: boolean): void {
  if (!cfg.out) return;
  if (overwrite && cfg.resume) throw new InputError('--resume and --overwrite contradict each other: --resume continues the run in --out, --overwrite starts it over');
  if (overwrite || cfg.resume) return;
  const run = new RunDir(cfg.out);
  const steps = run.completeSteps();
  const finished = existsSync(run.finalDir);
  if (!steps.length && !finished) return;
  const what = [finished ? 'a final model (final/)' : '', steps.length ? `checkpoints up to step ${steps[steps.length - 1]}` : ''].filter(Boolean).join(' and ');
  throw new ConfigError(
    `${cfg.out} already holds a ${stage} run (${what}). ${resumable ? 'Add --resume to continue it, ' : ''}add --overwrite to start over (it is replaced), or use another --out`,
  );
}

/** What a training run stopped by Ctrl-C keeps in `out` and how to continue it (the newest complete checkpoint, read then). */
export function interruptedRunHint(out: string, resumable: boolean, resumed: boolean): string {
  const run = new RunDir(out);
  if (run.isFinished()) return `the run in ${out} had finished (${run.finalDir})`;
  const steps = run.completeSteps();
  if (!steps.length) return `no checkpoint was written yet; run the same command again to start over`;
  const ckpt = relative(out, run.checkpointDir(steps[steps.length - 1]));
  if (!resumable) return `${out} holds an unfinished run (${ckpt}); run the same command with --overwrite to start over`;
  return `${out} keeps the run up to its latest checkpoint (${ckpt}); run the same command${resumed ? ' again' : ' with --resume'} to continue from there`;
}

/** Run a `train` subcommand from its name and argument list (`train --stage NAME …`, tests). */
export async function runTrainStage(program: Command, name: string, args: readonly string[]): Promise<void> {
  const group = trainGroup(program);
  const sub = group.commands.find((c) => c.name() === name);
  if (!sub) throw new InputError(`unknown training stage "${name}"; use one of: ${group.commands.map((c) => c.name()).join(', ')}`);
  await sub.parseAsync([...args], { from: 'user' });
}

export function register(program: Command): void {
  const group = trainGroup(program);
  addTrainStage(program, supervisedStage);
  addTrainStage(program, rlStage);
  addTrainStage(program, presenceStage);
  addTrainStage(program, rewardStage);
  addTrainStage(program, dpoStage);
  // `train --stage NAME …`: the older spelling, dispatched to `train NAME …`.
  group
    .addOption(new Option('--stage <name>', 'same as `askfirst train <name>` (kept for existing scripts)').hideHelp())
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\nEach stage has its own options and defaults: askfirst train supervised --help, askfirst train rl --help, askfirst train presence --help, askfirst train reward --help, askfirst train dpo --help.\n`askfirst train --stage NAME …` (the older spelling) runs `askfirst train NAME …`.')
    .action(async (opts: { stage?: string }, cmd: Command) => {
      if (!opts.stage) {
        // `train NAME` with a NAME that is no stage: say so (runTrainStage names the stages) rather than print the help alone
        if (cmd.args.length && !cmd.args[0].startsWith('-')) await runTrainStage(program, cmd.args[0], cmd.args.slice(1));
        cmd.help({ error: true });
        return;
      }
      await runTrainStage(program, opts.stage, cmd.args);
    });
}
