/**
 * `askfirst demo --seeds 0,1,2`: the whole demo (pipeline.ts) once per seed, each into
 * `<out>/seed-<n>/` (resumable exactly as a single demo: a re-run skips that seed's finished
 * stages), then `<out>/aggregate.json` and `<out>/aggregate.html` — every headline figure as the
 * mean over the seeds with a 95 % confidence interval (report/aggregate.ts). `--aggregate-only`
 * rebuilds the aggregate from finished seed runs without running anything.
 */
import { join } from 'node:path';
import { buildAggregate, writeAggregate, type Aggregate, type SeedRun } from '../report/aggregate.js';
import { writeAggregatePage } from '../report/aggregate-page.js';
import { readResults, RESULTS_FILE } from '../report/results-io.js';
import type { Results } from '../report/results.js';
import { resolveConfig } from '../util/config.js';
import { DataError, NotFoundError } from '../util/errors.js';
import { shellQuote } from '../util/shell-quote.js';
import { checkDemoTakeUp, runDemo } from './pipeline.js';
import { checkSeedRun, seedDir } from './seed-dirs.js';
import { type DemoCommandConfig, DemoConfigSchema, type DemoConfig } from './config.js';

/** The demo for one seed (runDemo; tests pass a stub). */
export type DemoRunner = (cfg: DemoConfig, log: (s: string) => void, unlessDone?: (undo: () => void) => () => void) => Promise<unknown>;

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
  unlessDone?: (undo: () => void) => () => void,
): Promise<SeedsOutcome> {
  const each = cfg.seeds.map((seed) => resolveConfig(DemoConfigSchema, { ...cfg, seed, out: seedDir(cfg.out, seed) }, 'demo'));
  // every seed's folder read now: a newer askfirst's file, or a demo of other settings, in the last seed's folder is refused before the first seed's hours
  for (const one of each) checkDemoTakeUp(one);
  for (const [i, one] of each.entries()) {
    const seed = one.seed;
    log(`\ndemo: seed ${seed} (${i + 1} of ${cfg.seeds.length}) → ${one.out}`);
    await run(one, log, unlessDone);
  }
  return aggregateSeeds(cfg.out, cfg.seeds);
}

/**
 * Read `<out>/seed-<n>/results.json` for every seed, aggregate, and write `<out>/aggregate.json`
 * (validated) and `<out>/aggregate.html`. A missing run is a NotFoundError naming every missing seed;
 * a run of another seed in a seed's folder is refused (checkSeedRun), naming the file and the fix.
 */
export async function aggregateSeeds(out: string, seeds: readonly number[]): Promise<SeedsOutcome> {
  const runs: SeedRun[] = [];
  const missing: number[] = [];
  const rerun = `run \`askfirst demo --seeds ${seeds.join(',')} --out ${shellQuote(out)}\` without --aggregate-only`;
  for (const seed of seeds) {
    const dir = seedDir(out, seed);
    let results: Results;
    try {
      results = await readResults(dir);
    } catch (e) {
      if (e instanceof NotFoundError) {
        missing.push(seed);
        continue;
      }
      // a damaged results.json (cut short, edited): the demo writes it again from the seed's finished stages
      if (e instanceof DataError) throw new DataError(`${e.message}; ${rerun} to write it again (its finished stages are kept)`, { cause: e });
      throw e;
    }
    const fresh = `run: askfirst demo --seed ${seed}${results.quick ? ' --quick' : ''} --fresh --out ${shellQuote(dir)} (--fresh: its finished stages are the other seed's)`;
    checkSeedRun(join(dir, RESULTS_FILE), seed, results.data.seed, { run: 'a demo', field: 'data.seed', fix: fresh });
    runs.push({ seed, dir: `seed-${seed}`, results });
  }
  if (missing.length)
    throw new NotFoundError(
      `no finished demo run for seed${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (no results.json in ${missing.map((s) => seedDir(out, s)).join(', ')}); ` +
        `${rerun} to finish them`,
    );
  const aggregate = buildAggregate(runs);
  const json = await writeAggregate(out, aggregate);
  const html = await writeAggregatePage(out, aggregate);
  return { aggregate, files: { json, html } };
}
