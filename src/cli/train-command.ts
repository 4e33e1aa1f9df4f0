/**
 * `askfirst train <stage>`: the training stages, one subcommand each with its own options and
 * its own defaults in `--help` (from train-schema.ts); a stage's work is loaded only when it runs
 * (commands.ts): train.ts for supervised, rl and presence, train-feedback.ts for reward and dpo.
 *   train supervised   trains the guesser on the clearest views of a generated suite;
 *   train rl           starts from a supervised checkpoint (--init) and teaches it when to ask,
 *                      with GRPO (ours or ProactiveBench's single-turn reward) or PPO;
 *   train reward       a Bradley–Terry reward model from a workbench project's labelled pairs;
 *   train dpo          DPO straight from those pairs;
 *   train presence     trains a presence head (for the hallucination probe) on the frozen encoder
 *                      of any checkpoint (--init), written beside a copy of it: the model is unchanged.
 * `train --stage NAME …` (the older spelling) runs the same subcommand. Other files add stages
 * with `addTrainStage` (one call per stage), and each run resumes with --resume.
 */
import { Option, type Command } from 'commander';
import { InputError } from '../util/errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import { schemaOptions, type AnyObjectSchema } from '../util/config.js';
import { addSchemaOptions, commandGroup } from './options.js';
import { BUDGETS, DPOStageOptions, MAY_CHANGE, PresenceStageSchema, RewardStageOptions, RLStageSchema, SupervisedStageSchema, type TrainStage } from './train-schema.js';

export const supervisedStage: TrainStage<typeof SupervisedStageSchema> = {
  name: 'supervised',
  description: 'train the guesser: name the object on the clearest views of a generated suite',
  schema: SupervisedStageSchema,
  examples: ['askfirst train supervised --out runs/sup', 'askfirst train supervised --out runs/sup --steps 200 --episodes 100'],
  run: async (c) => (await import('./train.js')).runSupervisedStage(c),
};

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
  check: async (c, given) => (await import('./train.js')).checkRLStage(c, given),
  run: async (c, _given, _orderly, data) => (await import('./train.js')).runRLStage(c, data),
};

export const presenceStage: TrainStage<typeof PresenceStageSchema> = {
  name: 'presence',
  description: 'add a presence head (yes / no / cannot tell per category, for `askfirst probe`) to a checkpoint; its own weights are not changed',
  schema: PresenceStageSchema,
  examples: ['askfirst train presence --init runs/demo/rl --out runs/rl-presence'],
  run: async (c) => (await import('./train.js')).runPresenceStage(c),
};

export const rewardStage: TrainStage<typeof RewardStageOptions> = {
  name: 'reward',
  description: "a Bradley–Terry reward model (plain or fact-augmented) from a workbench project's labelled trajectory pairs; use it with train rl --reward rm:DIR",
  schema: RewardStageOptions,
  examples: ['askfirst train reward --init runs/sup --project pairs --variant fact --out runs/rm', 'askfirst train rl --init runs/sup --reward rm:runs/rm --out runs/rlhf'],
  check: async (c) => (await import('./train.js')).refuseInitOfOtherStage('reward', c.init),
  run: async (c, _given, orderly) => (await import('./train-feedback.js')).runRewardStage(c, undefined, orderly),
};

export const dpoStage: TrainStage<typeof DPOStageOptions> = {
  name: 'dpo',
  description: "DPO straight from a workbench project's labelled trajectory pairs, from the supervised checkpoint that played them",
  schema: DPOStageOptions,
  examples: ['askfirst train dpo --init runs/sup --project pairs --out runs/dpo'],
  check: async (c) => (await import('./train.js')).refuseInitOfOtherStage('dpo', c.init),
  run: async (c, _given, orderly) => (await import('./train-feedback.js')).runDpoStage(c, undefined, orderly),
};

function trainGroup(program: Command): Command {
  return commandGroup(program, 'train', 'train the built-in model: train supervised (the guesser), then train rl (teach it to ask)');
}

/**
 * What a stage's --help says of --resume: only a stage with a --resume option can promise that a killed run continues, and
 * it names the flags of its own that may change on the way (MAY_CHANGE) and its budget (BUDGETS), not another stage's: the
 * one sentence for every stage named --log-every to `train rl` and `train dpo`, which have none (an unknown option there).
 */
export function resumeNote(schema: AnyObjectSchema): string {
  if (!('resume' in schema.shape)) return '';
  const opts = schemaOptions(schema);
  const flag = (o: { flags: string }) => o.flags.split(' ')[0];
  const free = opts.filter((o) => MAY_CHANGE.has(o.key) && o.key !== 'out' && o.key !== 'resume').map(flag);
  const budget = opts.filter((o) => BUDGETS.includes(o.key)).map(flag);
  const but = [...free, ...budget.map((b) => `a larger ${b}`)];
  const list = but.length > 1 ? `${but.slice(0, -1).join(', ')} and ${but[but.length - 1]}` : but.join('');
  return `\n  (kill it any time; add --resume to the same command to continue: other settings are refused${list ? `, but for\n  ${list}` : ''})`;
}

/** Add `train <stage.name>` (its options, defaults and examples in its own --help); its action is train.ts's `runStage`. */
export function addTrainStage<S extends AnyObjectSchema>(program: Command, stage: TrainStage<S>): Command {
  const cmd = trainGroup(program).command(stage.name).description(stage.description);
  addSchemaOptions(cmd, stage.schema);
  if (stage.examples?.length) cmd.addHelpText('after', `\nExamples:\n  ${stage.examples.join('\n  ')}${resumeNote(stage.schema)}`);
  if ('out' in stage.schema.shape) cmd.option('--overwrite', 'start over in an --out that already holds a run of this stage (its checkpoints and final model are replaced)');
  cmd.action(async ({ overwrite, ...raw }: Record<string, unknown>) => (await import('./train.js')).runStage(stage, raw, overwrite === true));
  return cmd;
}

/** Run a `train` subcommand from its name and argument list (`train --stage NAME …`, tests). */
export async function runTrainStage(program: Command, name: string, args: readonly string[]): Promise<void> {
  const group = trainGroup(program);
  const sub = group.commands.find((c) => c.name() === name);
  const stages = group.commands.map((c) => c.name());
  if (!sub) throw new InputError(`unknown training stage "${name}"${didYouMean(name, stages)}; use one of: ${stages.join(', ')}`);
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
