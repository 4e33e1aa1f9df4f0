/**
 * `askfirst demo --seeds 0,1,2`: the whole demo (pipeline.ts) once per seed, each into
 * `<out>/seed-<n>/` (resumable exactly as a single demo: a re-run skips that seed's finished
 * stages), then `<out>/aggregate.json` and `<out>/aggregate.html` — every headline figure as the
 * mean over the seeds with a 95 % confidence interval (report/aggregate.ts). `--aggregate-only`
 * rebuilds the aggregate from finished seed runs without running anything.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { buildAggregate, writeAggregate, type Aggregate, type SeedRun } from '../report/aggregate.js';
import { writeAggregatePage } from '../report/aggregate-page.js';
import { readResults } from '../report/results-io.js';
import { InvalidConfigError, resolveConfig, type ConfigIssue } from '../util/config.js';
import { NotFoundError } from '../util/errors.js';
import { DemoConfigSchema, runDemo, type DemoConfig } from './pipeline.js';

const seedList = z
  .array(
    z.coerce
      .number({ error: 'each seed must be a number, e.g. --seeds 0,1,2' })
      .int({ error: 'each seed must be a whole number' })
      .min(0, { error: 'each seed must be 0 or more' }),
  )
  .min(1, { error: 'give at least one seed, e.g. --seeds 0,1,2' })
  .refine((xs) => new Set(xs).size === xs.length, { error: 'seeds must be distinct (each runs into its own seed-<n>/)' });

/** The `askfirst demo` command: one demo (DemoConfigSchema), or one per seed with an aggregate. */
export const DemoCommandSchema = DemoConfigSchema.extend({
  seeds: seedList
    .optional()
    .describe(
      'run the whole demo once per seed (distinct, ≥ 0), each into <out>/seed-<n>/ (resumable like a single demo), then write <out>/aggregate.json and aggregate.html: every headline figure as the mean over the seeds with a 95 % confidence interval (Student\u2019s t); instead of --seed',
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

/** Where the run of one seed lives. */
export function seedDir(out: string, seed: number): string {
  return join(out, `seed-${seed}`);
}

/** The demo for one seed (runDemo; tests pass a stub). */
export type DemoRunner = (cfg: DemoConfig, log: (s: string) => void) => Promise<unknown>;

export interface SeedsOutcome {
  aggregate: Aggregate;
  files: { json: string; html: string };
}

/**
 * Run the demo once per seed into `<out>/seed-<n>/`, in the order given, then aggregate. A
 * failing seed stops the loop (re-running resumes: finished stages are skipped by `run`).
 */
export async function runSeeds(
  cfg: DemoCommandConfig & { seeds: number[] },
  run: DemoRunner = runDemo,
  log: (s: string) => void = console.log,
): Promise<SeedsOutcome> {
  for (const [i, seed] of cfg.seeds.entries()) {
    const one = resolveConfig(DemoConfigSchema, { ...cfg, seed, out: seedDir(cfg.out, seed) }, 'demo');
    log(`\ndemo: seed ${seed} (${i + 1} of ${cfg.seeds.length}) → ${one.out}`);
    await run(one, log);
  }
  return aggregateSeeds(cfg.out, cfg.seeds);
}

/**
 * Read `<out>/seed-<n>/results.json` for every seed, aggregate, and write `<out>/aggregate.json`
 * (validated) and `<out>/aggregate.html`. A missing run is a NotFoundError naming every missing seed.
 */
export async function aggregateSeeds(out: string, seeds: readonly number[]): Promise<SeedsOutcome> {
  const runs: SeedRun[] = [];
  const missing: number[] = [];
  for (const seed of seeds) {
    try {
      runs.push({ seed, dir: `seed-${seed}`, results: await readResults(seedDir(out, seed)) });
    } catch (e) {
      if (e instanceof NotFoundError) missing.push(seed);
      else throw e;
    }
  }
  if (missing.length)
    throw new NotFoundError(
      `no finished demo run for seed${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (no results.json in ${missing.map((s) => seedDir(out, s)).join(', ')}); ` +
        `run \`askfirst demo --seeds ${seeds.join(',')} --out ${out}\` without --aggregate-only to finish them`,
    );
  const aggregate = buildAggregate(runs);
  const json = await writeAggregate(out, aggregate);
  const html = await writeAggregatePage(out, aggregate);
  return { aggregate, files: { json, html } };
}
