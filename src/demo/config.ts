/**
 * The settings of `askfirst demo`: one demo (DemoConfigSchema, run by pipeline.ts) or one per seed
 * (DemoCommandSchema, seeds.ts). Light on purpose: the command's options and --help come from here
 * without loading the pipeline (src/cli/commands.ts).
 */
import { z } from 'zod';
import { RL_ALGORITHMS } from '../rl/configs.js';
import { RewardWeightListSchema } from '../rl/rewards.js';
import { DEFAULT_CONTROL_SHARE, SuiteConfigSchema } from '../suite/suite-config.js';
import { InvalidConfigError, onByDefault, outDirField, resolveConfig, seedField, seedListItem, type ConfigIssue, progressField } from '../util/config.js';
import { reportToField } from '../util/metrics-log.js';
import type { FlagOrder } from '../util/command-flags.js';
import { MAX_SEED } from '../util/rng.js';

export const DemoConfigSchema = z.object({
  out: outDirField().default('runs/demo').describe('output directory (results.json, report.html, MODEL_CARD.md, checkpoints)'),
  quick: z.boolean().default(false).describe('a reduced run (about two minutes) for tests and a first look'),
  seed: seedField().default(0).describe('master seed (suites, initialisation, sampling)'),
  algorithm: z.enum(RL_ALGORITHMS).default(RL_ALGORITHMS[0]).describe('RL algorithm for our run'),
  baselines: onByDefault('also run the ProactiveBench single-turn reward at r_p = 0.5 and 1.0', 'skip the baselines: do not run the ProactiveBench single-turn reward at r_p = 0.5 and 1.0'),
  rewardWeights: RewardWeightListSchema.default([]).describe(RewardWeightListSchema.description ?? ''),
  rlControlShare: SuiteConfigSchema.shape.controlShare.describe(`share of control episodes (answerable at the first view) in the RL training suite (ours and the baselines; the test suite keeps ${DEFAULT_CONTROL_SHARE})`),
  fresh: z.boolean().default(false).describe('ignore finished stages in --out and start over'),
  progress: progressField('progress bars'),
  reportTo: reportToField,
});
export type DemoConfig = z.output<typeof DemoConfigSchema>;

/**
 * The options of `askfirst demo` that give a demo its settings (util/command-flags.ts flagsOf, with DemoConfigSchema),
 * defaults left out, --seed whenever given (the demo's results.json records none for seed 0), --no-baselines last: the
 * command results.json records, and those a message says to run (a re-run without the seeds' --quick is refused).
 */
export const DEMO_FLAGS: FlagOrder<keyof typeof DemoConfigSchema.shape> = { order: ['quick', 'seed', 'algorithm', 'rewardWeights', 'rlControlShare', 'baselines'], always: ['seed'] };

/** What a demo's command line sets (DEMO_FLAGS): `seed` left out when undefined, `baselines` when true or undefined. */
export type DemoFlagSettings = Pick<DemoConfig, 'quick' | 'algorithm' | 'rewardWeights' | 'rlControlShare'> & { seed?: number; baselines?: boolean };

const seedList = z
  .array(seedListItem())
  .min(1, { error: 'give at least one seed, e.g. --seeds 0,1,2' })
  .refine((xs) => new Set(xs).size === xs.length, { error: 'seeds must be distinct (each runs into its own seed-<n>/)' });

/** The `askfirst demo` command: one demo (DemoConfigSchema), or one per seed with an aggregate. */
export const DemoCommandSchema = DemoConfigSchema.extend({
  seeds: seedList
    .optional()
    .describe(
      `run the whole demo once per seed (distinct, 0 to ${MAX_SEED}), each into <out>/seed-<n>/ (resumable like a single demo), then write <out>/aggregate.json and aggregate.html: every headline figure as the mean over the seeds with a 95 % confidence interval (Student\u2019s t); instead of --seed`,
    ),
  aggregateOnly: z
    .boolean()
    .default(false)
    .describe('with --seeds: run nothing, only rebuild aggregate.json and aggregate.html from the finished runs in <out>/seed-<n>/'),
});
export type DemoCommandConfig = z.output<typeof DemoCommandSchema>;

/**
 * Validate the command's options. Beyond the schema: `--seeds` and `--seed` together are an
 * error (`--seed` has a default, so this looks at what was given, before defaults), and
 * `--aggregate-only` needs `--seeds` and contradicts `--fresh`.
 */
export function resolveDemoCommandConfig(partial: unknown): DemoCommandConfig {
  const given = (partial ?? {}) as Record<string, unknown>;
  const problems: ConfigIssue[] = [];
  if (given.seeds !== undefined && given.seed !== undefined)
    problems.push({ path: ['seed'], message: (name) => `cannot be given with ${name('seeds')}: give ${name('seeds')} 0,1,2 for several runs (each into <out>/seed-<n>/) or ${name('seed')} N for one run into ${name('out')}, not both` });
  if (given.aggregateOnly === true && given.seeds === undefined)
    problems.push({ path: ['aggregateOnly'], message: (name) => `needs ${name('seeds')} (which seed runs under ${name('out')} to aggregate)` });
  if (given.aggregateOnly === true && given.fresh === true)
    problems.push({ path: ['aggregateOnly'], message: (name) => `${name('fresh')} would discard the runs ${name('aggregateOnly')} reads; give one or the other` });
  if (problems.length) throw new InvalidConfigError('demo', problems);
  return resolveConfig(DemoCommandSchema, given, 'demo');
}
