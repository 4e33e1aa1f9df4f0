/**
 * `askfirst demo --seeds 0,1,2`: the whole demo (pipeline.ts) once per seed, each into
 * `<out>/seed-<n>/` (resumable exactly as a single demo: a re-run skips that seed's finished
 * stages), then `<out>/aggregate.json` and `<out>/aggregate.html` — every headline figure as the
 * mean over the seeds with a 95 % confidence interval (report/aggregate.ts). `--aggregate-only`
 * rebuilds the aggregate from finished seed runs without running anything.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AGGREGATE_FILE, AGGREGATE_PAGE, buildAggregate, writeAggregate, type Aggregate, type SeedRun } from '../report/aggregate.js';
import { writeAggregatePage } from '../report/aggregate-page.js';
import { NewerResultsError, readResults, RESULTS_FILE } from '../report/results-io.js';
import type { Results } from '../report/results.js';
import { resolveConfig } from '../util/config.js';
import { DataError, NotFoundError } from '../util/errors.js';
import { shellQuote } from '../util/shell-quote.js';
import { checkDemoTakeUp, demoBudget, runDemo } from './pipeline.js';
import { readRunSettings } from '../util/run-settings.js';
import { DEMO_RUNS, isBaselineStage } from './demo-stage-run.js';
import { checkSeedRun, seedDir } from './seed-dirs.js';
import { DEMO_FLAGS, type DemoCommandConfig, DemoConfigSchema, type DemoConfig, type DemoFlagSettings } from './config.js';
import { flagsOf } from '../util/command-flags.js';
import { isRLAlgorithm } from '../rl/configs.js';
import { writeFileAtomicSync } from '../util/fsx.js';
import type { RunContents } from '../nn/run-dir.js';
import { demoStagesHeld, demoWroteSince, RESUMES, stagesKept } from './demo-stopped.js';
import { NOTHING_SET_ASIDE, setAside } from './fresh-summary.js';
import { undoOnThrow } from './undo-on-throw.js';

/**
 * The file a `--seeds … --fresh` run puts in every seed's folder holding an earlier demo before the first seed runs, and
 * removes from a seed's once that seed's new demo wrote a checkpoint or finished. A seed whose folder holds it is started over
 * by any demo --seeds run, --fresh or not: stopped in seed 0, a re-run without --fresh (what continues seed 0) took up the
 * earlier demo still in seed-1/ and seed-2/ as this one's.
 */
export const FRESH_PENDING_FILE = 'fresh-pending';

/** The demo for one seed (runDemo; tests pass a stub). */
export type DemoRunner = (cfg: DemoConfig, log: (s: string) => void, unlessDone?: (undo: () => void) => () => void) => Promise<unknown>;

/** Where a `--seeds` run is, kept up to date by runSeeds (what an interrupted one says: seedsStopped): the seed running, those finished. */
export interface SeedsProgress {
  running?: number;
  finished: number[];
  /** The run is a `--fresh` one; `held`: what the running seed's stages held when it started (demoStagesHeld). */
  fresh?: boolean;
  held?: RunContents[];
}

/**
 * What a `--seeds` run stopped by a signal says after "askfirst: interrupted; ": which seed it stopped in and which are
 * finished (was: the single demo's words, naming no seed), what is kept, and that the same command resumes — for a --fresh
 * run, the command without --fresh (was: "re-run the same command to resume", which starts every seed over; `at.fresh`).
 */
export function seedsStopped(at: SeedsProgress, out: string, seeds: readonly number[]): string {
  const list = (xs: readonly number[]) => `seed${xs.length > 1 ? 's' : ''} ${xs.join(', ')}`;
  const finished = at.finished.length ? `${list(at.finished)} finished` : 'none finished yet';
  if (at.fresh && at.finished.length < seeds.length) {
    // stopped before it wrote anything: the earlier demo is put back whole (summaries, aggregate, no marks; runSeeds)
    if (wroteNothing(at, out))
      return `stopped ${at.running === undefined ? `before seed ${seeds[0]} started` : `in seed ${at.running}`} before this --fresh run wrote anything: ${out} holds the earlier demo as it was; run the same command again to start over`;
    // a --fresh run's same command starts every seed over: it is continued without --fresh, seeds not begun being marked
    const resume = `re-run the command without --fresh to continue (${RESUMES}; the seeds it had not begun are started over: their folders are marked ${FRESH_PENDING_FILE}; with --fresh every seed starts over)`;
    if (at.running === undefined) return `stopped before seed ${seeds[at.finished.length]} started (${finished}); ${resume}`;
    const dir = seedDir(out, at.running);
    const kept = stagesKept(dir, true, at.held);
    const said = kept.length ? `kept in ${dir}: ${kept.join(', ')}` : `no checkpoint of its --fresh demo was written yet in ${dir}`;
    return `stopped in seed ${at.running} (${finished}); ${said}; ${resume}`;
  }
  const resume = 're-run the same command to resume (finished stages are skipped, the training in progress resumes from its latest checkpoint)';
  if (at.running !== undefined)
    return `stopped in seed ${at.running} (${finished}); its finished stages and training checkpoints in ${seedDir(out, at.running)} are kept; ${resume}`;
  if (at.finished.length === seeds.length) return `stopped writing the aggregate (${finished}); re-run the same command with --aggregate-only to write it`;
  return `stopped before seed ${seeds[at.finished.length]} started (${finished}); ${resume}`;
}

export interface SeedsOutcome {
  aggregate: Aggregate;
  files: { json: string; html: string };
}

/**
 * Run the demo once per seed into `<out>/seed-<n>/`, in the order given, then aggregate. A
 * failing seed stops the loop (re-running resumes: finished stages are skipped by `run`).
 * `at` follows which seed runs and which are finished (for the interrupt's message: seedsStopped).
 * `unlessDone` (the command's: cli/run-guard.ts `guardRun`) has what undoes a run that ends without finishing run then, by an
 * error or a signal; without it (a library caller) that runs when a seed's demo or the aggregate throws, before the error
 * goes on (was: nothing ran, so a --fresh run failing before it wrote anything left the earlier aggregate set aside and
 * its seeds marked to start over).
 */
export async function runSeeds(
  cfg: DemoCommandConfig & { seeds: number[] },
  run: DemoRunner = runDemo,
  log: (s: string) => void = console.log,
  unlessDone?: (undo: () => void) => () => void,
  at: SeedsProgress = { finished: [] },
): Promise<SeedsOutcome> {
  return unlessDone ? seedsRun(cfg, run, log, unlessDone, at) : undoOnThrow(log, (own) => seedsRun(cfg, run, log, own, at));
}

async function seedsRun(
  cfg: DemoCommandConfig & { seeds: number[] },
  run: DemoRunner,
  log: (s: string) => void,
  unlessDone: (undo: () => void) => () => void,
  at: SeedsProgress,
): Promise<SeedsOutcome> {
  const marker = (seed: number) => join(seedDir(cfg.out, seed), FRESH_PENDING_FILE);
  // a seed marked by a --fresh run that had not reached it is started over (FRESH_PENDING_FILE)
  const each = cfg.seeds.map((seed) => resolveConfig(DemoConfigSchema, { ...cfg, seed, out: seedDir(cfg.out, seed), fresh: cfg.fresh || existsSync(marker(seed)) }, 'demo'));
  // every seed's folder read now: a newer askfirst's file, or a demo of other settings, in the last seed's folder is refused before the first seed's hours
  for (const one of each) checkDemoTakeUp(one, true);
  if (cfg.seeds.length > MANY_SEEDS) log(manySeeds(cfg));
  at.fresh = cfg.fresh;
  // the earlier run's aggregate.json and aggregate.html, set aside as summaries are (fresh-summary.ts): left in place, they
  // read as this run's figures until it wrote its own; put back only if it is stopped before it wrote anything (wroteNothing)
  const aside = cfg.fresh ? setAside(cfg.out, [AGGREGATE_FILE, AGGREGATE_PAGE], log, '--seeds run') : NOTHING_SET_ASIDE;
  // the marks this run writes (below); a mark an earlier stopped --fresh run left stays: its seed is still to be started over
  const marks = cfg.fresh ? each.filter((one) => existsSync(one.out) && !existsSync(marker(one.seed))).map((one) => marker(one.seed)) : [];
  // stopped before it wrote anything, the earlier demo is back as it was: its aggregate, and no mark of this run (was: the
  // marks stayed, so --aggregate-only called those seeds missing while aggregate.json showed their figures)
  const putBack = () => {
    aside.putBack();
    for (const m of marks) rmSync(m, { force: true });
  };
  const forgetAside = unlessDone(() => (wroteNothing(at, cfg.out) ? putBack() : aside.drop()));
  // Two layers, both needed (a run that set every seed's summary aside up front instead of marking was rejected):
  // - the fresh-pending marks cover the TRAINED STAGES of the seeds not begun: setting their summaries aside would not stop
  //   the re-run without --fresh (what continues a stopped --fresh run) taking up the earlier demo's finished stages in
  //   seed-1/, seed-2/ as this run's; a marked seed is started over instead.
  // - setting aside (runDemo's setAsideSummary) covers the SUMMARY of the seed being run: its earlier results.json would
  //   otherwise sit beside its half-done new stages; it is set aside only as the seed begins, and put back if stopped
  //   before it wrote anything, so a stop never leaves an un-begun seed without its earlier demo's summary.
  for (const m of marks) writeFileAtomicSync(m, 'an earlier demo, to be started over by askfirst demo --seeds\n');
  for (const [i, one] of each.entries()) {
    const seed = one.seed;
    log(`\ndemo: seed ${seed} (${i + 1} of ${cfg.seeds.length}) → ${one.out}`);
    if (one.fresh && !cfg.fresh) log(`demo: ${marker(seed)}: a --fresh run had not begun seed ${seed}; starting it over`);
    at.running = seed;
    const held = one.fresh ? demoStagesHeld(one.out) : undefined;
    at.held = held;
    // stopped once the seed's new demo wrote something, that is what a re-run continues: the mark goes
    const forget = held ? unlessDone(() => demoWroteSince(one.out, held) && rmSync(marker(seed), { force: true })) : () => {};
    await run(one, log, unlessDone);
    forget();
    rmSync(marker(seed), { force: true });
    at.finished.push(seed);
    at.running = undefined;
    at.held = undefined;
  }
  const outcome = await aggregateSeeds(cfg.out, cfg.seeds, cfg);
  forgetAside();
  aside.drop();
  return outcome;
}

/** More seeds than this, and a `--seeds` run says up front what it has taken on (manySeeds): 51 seeds were taken without a word. */
export const MANY_SEEDS = 10;

/** The line a long `--seeds` run starts with: how many seeds, and that each is a whole demo (its training steps, demoBudget). */
export function manySeeds(cfg: Pick<DemoCommandConfig, 'quick' | 'baselines'> & { seeds: readonly number[] }): string {
  const b = demoBudget(cfg.quick);
  const baselines = cfg.baselines ? DEMO_RUNS.filter(isBaselineStage).length : 0;
  const rl = baselines ? `${b.rlUpdates} RL updates for ours and for each of ${baselines} baselines` : `${b.rlUpdates} RL updates`;
  return `demo: ${cfg.seeds.length} seeds, each a full${cfg.quick ? ' --quick' : ''} demo of its own, run one after another (a seed: ${b.supSteps} supervised steps, then ${rl}); stop any time: the same command resumes, skipping finished stages`;
}

/** True when a `--seeds` run stopped now wrote nothing of its own: no seed finished, and the running one's demo (a --fresh one, `at.held`) wrote no checkpoint or final model since it began. */
function wroteNothing(at: SeedsProgress, out: string): boolean {
  return !at.finished.length && !(at.running !== undefined && at.held && demoWroteSince(seedDir(out, at.running), at.held));
}

/**
 * Read `<out>/seed-<n>/results.json` for every seed, aggregate, and write `<out>/aggregate.json`
 * (validated) and `<out>/aggregate.html`. A missing run is a NotFoundError naming every missing seed;
 * a run of another seed in a seed's folder is refused (checkSeedRun), naming the file and the fix.
 * `given`: the settings of the command line, for the commands an error suggests when no seed's run.json keeps them (seedSettings).
 */
export async function aggregateSeeds(out: string, seeds: readonly number[], given: DemoFlagSettings = resolveConfig(DemoConfigSchema, {}, 'demo')): Promise<SeedsOutcome> {
  const runs: SeedRun[] = [];
  const missing: number[] = [];
  let ran = given; // what the commands suggested run with when no seed's run.json keeps it: a finished seed's, else the command line's
  const settings = (first: readonly number[]) => seedSettings(out, [...first, ...seeds], ran);
  // never --seed (the command line's, 0 by default, when no seed ran: `--seeds 0,1 --seed 0` is refused)
  const rerun = (first: readonly number[]) => `run \`askfirst demo --seeds ${seeds.join(',')}${flagsOf(DemoConfigSchema, { ...settings(first), seed: undefined }, DEMO_FLAGS)} --out ${shellQuote(out)}\` without --aggregate-only`;
  for (const seed of seeds) {
    const dir = seedDir(out, seed);
    if (existsSync(join(dir, FRESH_PENDING_FILE))) {
      missing.push(seed); // its results.json is the earlier demo's, which a --fresh run is to replace
      continue;
    }
    let results: Results;
    try {
      results = await readResults(dir);
    } catch (e) {
      if (e instanceof NotFoundError) {
        missing.push(seed);
        continue;
      }
      // a damaged results.json (cut short, edited): the demo writes it again from the seed's finished stages; a newer
      // askfirst's is named as such (NewerResultsError), not offered to be written over
      if (e instanceof DataError && !(e instanceof NewerResultsError)) throw new DataError(`${e.message}; ${rerun([seed])} to write it again (its finished stages are kept)`, { cause: e });
      throw e;
    }
    ran = resultsSettings(results, given);
    const fresh = `run: askfirst demo${flagsOf(DemoConfigSchema, { ...settings([seed]), seed }, DEMO_FLAGS)} --fresh --out ${shellQuote(dir)} (--fresh: its finished stages are the other seed's)`;
    checkSeedRun(join(dir, RESULTS_FILE), seed, results.data.seed, { run: 'a demo', field: 'data.seed', fix: fresh });
    runs.push({ seed, dir: `seed-${seed}`, results });
  }
  if (missing.length) {
    // each reason said once, with its folders (was: "no results.json in …" once per seed)
    const marks = missing.map((s) => join(seedDir(out, s), FRESH_PENDING_FILE)).filter((f) => existsSync(f));
    const none = missing.map((s) => seedDir(out, s)).filter((d) => !marks.includes(join(d, FRESH_PENDING_FILE)));
    const why = [...(none.length ? [`no results.json in ${none.join(', ')}`] : []), ...(marks.length ? [`${marks.join(', ')}: a --fresh run's, not begun`] : [])];
    throw new NotFoundError(`no finished demo run for seed${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (${why.join('; ')}); ${rerun(missing)} to finish them`);
  }
  const aggregate = buildAggregate(runs);
  const json = await writeAggregate(out, aggregate);
  const html = await writeAggregatePage(out, aggregate);
  return { aggregate, files: { json, html } };
}

/**
 * The settings the seeds were run with, for a command an error suggests (a `--seeds` re-run under others is refused): those
 * kept in the run.json of the first of `seeds` whose folder holds a demo's, else `given` (a finished seed's results.json's,
 * else the command line's, which `--aggregate-only` needs no --quick in). --no-baselines is the command line's (a re-run may
 * add or leave out the baselines).
 */
function seedSettings(out: string, seeds: readonly number[], given: DemoFlagSettings): DemoFlagSettings {
  for (const seed of seeds) {
    let kept;
    try {
      kept = readRunSettings(seedDir(out, seed));
    } catch {
      continue; // damaged, or a newer askfirst's: the next seed's, or the command line's
    }
    if (kept?.run !== 'demo') continue;
    const s = kept.settings as { quick?: unknown; algorithm?: unknown; rewardWeights?: { shown?: unknown }; rlControlShare?: unknown };
    const weights = s.rewardWeights?.shown;
    return {
      quick: typeof s.quick === 'boolean' ? s.quick : given.quick,
      algorithm: isRLAlgorithm(s.algorithm) ? s.algorithm : given.algorithm,
      rewardWeights: typeof weights === 'string' ? (weights === '(defaults)' ? [] : weights.split(',')) : given.rewardWeights,
      rlControlShare: typeof s.rlControlShare === 'number' ? s.rlControlShare : given.rlControlShare,
      baselines: given.baselines,
    };
  }
  return given;
}

/** The settings a finished demo ran with, from its results.json (`config.demo`, `quick`; where it records none, `given`'s). */
function resultsSettings(r: Results, given: DemoFlagSettings): DemoFlagSettings {
  const d = (r.config.demo ?? {}) as { algorithm?: unknown; rewardWeights?: unknown; rlControlShare?: unknown };
  return {
    quick: r.quick,
    algorithm: isRLAlgorithm(d.algorithm) ? d.algorithm : given.algorithm,
    rewardWeights: Array.isArray(d.rewardWeights) && d.rewardWeights.every((w) => typeof w === 'string') ? d.rewardWeights : given.rewardWeights,
    rlControlShare: typeof d.rlControlShare === 'number' ? d.rlControlShare : given.rlControlShare,
    baselines: given.baselines,
  };
}
