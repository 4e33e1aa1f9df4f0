/**
 * `aggregate.json`: the demo's headline figures over several seeds (`askfirst demo --seeds`).
 * For every figure of results.json — gap closed train / unseen / all, over-asking and beside it the share of
 * controls abstained on (`controlAbstain`), ps-rate and ps-rate ÷ the oracle's minimum, accuracy reference / before /
 * after (overall and per kind) —
 * for our run and for each baseline: the per-seed values, their mean, sample sd, the 95 %
 * confidence interval for the mean (Student's t, two-sided, df = n − 1) and n. Paired
 * comparisons: per seed, ours − baseline on gap closed unseen / all and accuracy after, with the
 * same statistics over the differences (the seeds share suites and the supervised guesser, so
 * the paired interval is the one to read for "better than the baseline"), and beside each seed's
 * difference its interval over that seed's test episodes (evaluation noise, from results.json).
 *
 * A figure that is undefined for a seed (gap closed when the reference is no better than the
 * guesser) is `null` there and left out of the statistics, so `n` can be below the number of
 * seeds. With n < 2 there is no interval: `ci95` is null rather than invented. The zod schema is
 * the declaration and validates the file when written.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { kebab } from '../util/config.js';
import { DataError } from '../util/errors.js';
import { writeJson } from '../util/fsx.js';
import { COUNT_RANGE, meanInterval95, RATE_RANGE, type ValueRange } from '../util/stats.js';
import { intervalSchema, type HeadlineFigures, type Results } from './results.js';

/** Bumped when a field changes meaning or is removed. */
export const AGGREGATE_VERSION = 1;
export const AGGREGATE_FILE = 'aggregate.json';
export const AGGREGATE_PAGE = 'aggregate.html';

// ─── Schema and types ───────────────────────────────────────────────────────────────────

/** One figure over the seeds. */
export type SeedStat = z.output<typeof seedStatSchema>;
const seedStatSchema = z.object({
  /** One value per seed, in the order of the aggregate's `seeds`; null where undefined or missing. */
  values: z.array(z.number().nullable()),
  /** Seeds with a value (the non-null `values`). */
  n: z.number().int().min(0),
  /** Mean of the values; null when n = 0. */
  mean: z.number().nullable(),
  /** Sample standard deviation (n − 1); null when n < 2. */
  sd: z.number().nullable(),
  /**
   * 95 % CI for the mean, mean ± t(0.975, n − 1)·sd/√n; null when n < 2 (no interval from one value). A rate's cut to
   * [0, 1] and a ps-rate's at 0, then `clipped: true` (halfWidth stays the t one).
   */
  ci95: z.object({ low: z.number(), high: z.number(), halfWidth: z.number().min(0), clipped: z.literal(true).optional() }).nullable(),
});

const accuracyStatsSchema = z.object({
  overall: seedStatSchema,
  byKind: z.record(z.string(), seedStatSchema),
  /** Per variant within a kind ("corruption/blur", …), when any seed's run has them; a seed without one counts as missing. */
  byVariant: z.record(z.string(), seedStatSchema).optional(),
});

/** The headline figures of one policy (ours or a baseline) over the seeds. */
export type FigureStats = z.output<typeof figureStatsSchema>;
const figureStatsSchema = z.object({
  gapClosed: z.object({ train: seedStatSchema, unseen: seedStatSchema, all: seedStatSchema }),
  overAsking: seedStatSchema,
  /**
   * Controls whose first reply was an abstention, after RL (`controlAbstain`: beside over-asking, not in it;
   * docs/evaluation.md, "What the rates mean"); a seed whose results.json predates it is null. Absent in aggregates
   * written before it existed.
   */
  controlAbstain: seedStatSchema.optional(),
  psRate: seedStatSchema,
  /** ps-rate ÷ the oracle's minimum ps-rate on the same episodes (null for a seed where the oracle's is 0). */
  psRateOverOracle: seedStatSchema,
  accuracy: z.object({
    reference: accuracyStatsSchema,
    before: accuracyStatsSchema,
    after: accuracyStatsSchema,
  }),
});

/** Figures compared pairwise (ours − baseline, per seed). */
export const PAIRED_FIGURES = ['gapClosed.unseen', 'gapClosed.all', 'accuracy.after'] as const;
export type PairedFigure = (typeof PAIRED_FIGURES)[number];

export type BaselineStats = z.output<typeof baselineStatsSchema>;
const baselineStatsSchema = z.object({
  /** As in results.json ("proactivebench-rp0.5"). */
  name: z.string(),
  label: z.string(),
  rp: z.number(),
  figures: figureStatsSchema,
  /** Per seed ours − this baseline, and its statistics (positive: ours is higher). */
  paired: z.object({
    'gapClosed.unseen': seedStatSchema,
    'gapClosed.all': seedStatSchema,
    'accuracy.after': seedStatSchema,
  }),
  /**
   * Per seed (in `seeds` order), the 95 % interval of ours − this baseline over that seed's test episodes (results.json's
   * `oursMinus`: evaluation noise only); null for a seed whose run has none. Absent in aggregates written before it existed.
   */
  evaluationCi95: z.object({ 'gapClosed.unseen': z.array(intervalSchema.nullable()), 'gapClosed.all': z.array(intervalSchema.nullable()) }).optional(),
  /**
   * Per seed, the share of resamples without a gap that withheld `evaluationCi95`'s interval (results.json's
   * `gapClosedNoGap`; null where none was withheld). Present only when a seed's interval was withheld.
   */
  evaluationNoGap: z.object({ 'gapClosed.unseen': z.array(z.number().nullable()), 'gapClosed.all': z.array(z.number().nullable()) }).optional(),
});

/** The whole of `aggregate.json`. */
export type Aggregate = z.output<typeof aggregateSchema>;
export const aggregateSchema = z.object({
  version: z.literal(AGGREGATE_VERSION),
  /** ISO time the aggregate was written. */
  createdAt: z.string(),
  /** The seeds, in the order every `values` list follows. */
  seeds: z.array(z.number().int().min(0)).min(1),
  /** The run of each seed: its directory (relative to the aggregate) and when it finished. */
  runs: z.array(z.object({ seed: z.number().int().min(0), dir: z.string(), createdAt: z.string(), wallSeconds: z.number().min(0) })),
  /** True when every seed ran with --quick. */
  quick: z.boolean(),
  /** How the statistics were computed, in words. */
  method: z.string(),
  trainKinds: z.array(z.string()),
  unseenKinds: z.array(z.string()),
  ours: figureStatsSchema,
  baselines: z.array(baselineStatsSchema),
});

export const AGGREGATE_METHOD =
  'per figure: the value of each seed, their mean, sample sd, n and a 95 % confidence interval for the mean, ' +
  'mean ± t(0.975, n − 1)·sd/√n (Student\u2019s t, two-sided); no interval (null) when fewer than two seeds have a value. ' +
  'A rate\u2019s interval (accuracy, over-asking, controls abstained on) is cut to [0, 1] and a ps-rate\u2019s (and its ratio to the oracle\u2019s) at 0, ' +
  'marked clipped: true. ' +
  'Paired: per seed ours − baseline, with the same statistics over the differences.';

// ─── Building ───────────────────────────────────────────────────────────────────────────

/** One finished seed run: its seed, its directory (relative to the aggregate) and its results.json. */
export interface SeedRun {
  seed: number;
  dir: string;
  results: Results;
}

/** Statistics of per-seed values (nulls kept in `values`, left out of the statistics); the interval cut to `range` (meanInterval95). */
export function seedStat(values: readonly (number | null | undefined)[], range: ValueRange = {}): SeedStat {
  const vs = values.map((v) => (v == null || !Number.isFinite(v) ? null : v));
  return { values: vs, ...meanInterval95(vs.filter((v): v is number => v !== null), range) };
}

const ratio = (h: HeadlineFigures) => (h.oraclePsRate > 0 ? h.psRate / h.oraclePsRate : null);

function accuracyStats(hs: readonly (HeadlineFigures | undefined)[], which: 'reference' | 'before' | 'after', kinds: readonly string[]) {
  const overall = seedStat(hs.map((h) => h?.accuracy[which].overall), RATE_RANGE);
  const byKind = Object.fromEntries(kinds.map((k) => [k, seedStat(hs.map((h) => h?.accuracy[which].byKind[k]), RATE_RANGE)]));
  const variants = [...new Set(hs.flatMap((h) => Object.keys(h?.accuracy[which].byVariant ?? {})))].sort();
  if (!variants.length) return { overall, byKind };
  return { overall, byKind, byVariant: Object.fromEntries(variants.map((v) => [v, seedStat(hs.map((h) => h?.accuracy[which].byVariant?.[v]), RATE_RANGE)])) };
}

/**
 * The headline figures of one policy over the seeds (`undefined`: that seed has no such run), and per seed its
 * `controlAbstain` after RL (from the run's summary: results.json keeps it there, not among the headline figures).
 */
export function figureStats(hs: readonly (HeadlineFigures | undefined)[], kinds: readonly string[], controlAbstain: readonly (number | null | undefined)[]): FigureStats {
  return {
    gapClosed: {
      train: seedStat(hs.map((h) => h?.gapClosed.train)),
      unseen: seedStat(hs.map((h) => h?.gapClosed.unseen)),
      all: seedStat(hs.map((h) => h?.gapClosed.all)),
    },
    overAsking: seedStat(hs.map((h) => h?.overAsking), RATE_RANGE),
    controlAbstain: seedStat(controlAbstain, RATE_RANGE),
    psRate: seedStat(hs.map((h) => h?.psRate), COUNT_RANGE),
    psRateOverOracle: seedStat(hs.map((h) => (h ? ratio(h) : null)), COUNT_RANGE),
    accuracy: {
      reference: accuracyStats(hs, 'reference', kinds),
      before: accuracyStats(hs, 'before', kinds),
      after: accuracyStats(hs, 'after', kinds),
    },
  };
}

/** The value of a paired figure in one run's headline figures. */
export function pairedValue(h: HeadlineFigures, f: PairedFigure): number | null {
  if (f === 'gapClosed.unseen') return h.gapClosed.unseen;
  if (f === 'gapClosed.all') return h.gapClosed.all;
  return h.accuracy.after.overall;
}

const diff = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : a - b);

/**
 * What a seed's demo was trained under besides its seed and --quick, by flag: seeds that differ in one are not draws of one
 * experiment, and a mean over them is of no setting. --rl-control-share only where results.json records it (config.demo).
 */
function trainedUnder(r: Results): Partial<Record<'algorithm' | 'reward-weights' | 'rl-control-share', string>> {
  const share = (r.config.demo as { rlControlShare?: unknown } | undefined)?.rlControlShare;
  return {
    algorithm: r.training.algorithm,
    'reward-weights': r.training.rewards.map((w) => `${w.name}=${w.weight}`).join(','),
    ...(typeof share === 'number' ? { 'rl-control-share': String(share) } : {}),
  };
}

/**
 * Refuse seeds whose runs differ in a setting (by flag, as the user types it: `labels` → `--labels 100,300`), in one line
 * naming each setting that differs with its seeds: `<what>: --algorithm grpo (seeds 0, 2) vs ppo (seed 1); a mean over seeds is
 * of one setting: <fix>, or leave them out of --seeds`. A setting a seed's run does not record (undefined) is not compared for it.
 * `demo --seeds` (buildAggregate) and `feedback demo-aggregate` (demo/feedback-seeds.ts).
 */
export function refuseOtherSettings(runs: readonly { seed: number; settings: Readonly<Record<string, string | undefined>> }[], what: string, fix: string): void {
  const flags = [...new Set(runs.flatMap((r) => Object.keys(r.settings)))];
  const differ = flags.flatMap((flag) => {
    const seedsOf = new Map<string, number[]>();
    for (const r of runs) {
      const v = r.settings[flag];
      if (v !== undefined) seedsOf.set(v, [...(seedsOf.get(v) ?? []), r.seed]);
    }
    return seedsOf.size > 1 ? [`--${kebab(flag)} ${[...seedsOf].map(([v, s]) => `${v} (seed${s.length > 1 ? 's' : ''} ${s.join(', ')})`).join(' vs ')}`] : [];
  });
  if (differ.length) throw new DataError(`${what}: ${differ.join('; ')}; a mean over seeds is of one setting: ${fix}, or leave them out of --seeds`);
}

/**
 * Aggregate finished seed runs (sorted by seed). Throws a DataError when the runs are not
 * comparable: a seed twice, quick and full runs mixed, or runs trained under other settings (trainedUnder). That each run is its seed's is the
 * reader's to check (demo/seed-dirs.ts checkSeedRun, where the file and the fix are known).
 */
export function buildAggregate(runs: readonly SeedRun[], createdAt = new Date().toISOString()): Aggregate {
  if (!runs.length) throw new DataError('no seed runs to aggregate');
  const sorted = [...runs].sort((a, b) => a.seed - b.seed);
  const seeds = sorted.map((r) => r.seed);
  if (new Set(seeds).size !== seeds.length) throw new DataError(`a seed appears twice among the runs (${seeds.join(', ')})`);
  const quick = new Set(sorted.map((r) => r.results.quick));
  if (quick.size > 1)
    throw new DataError(
      `quick and full runs are mixed (quick: ${sorted.filter((r) => r.results.quick).map((r) => r.seed).join(', ')}); re-run them all with the same budget`,
    );
  refuseOtherSettings(
    sorted.map((r) => ({ seed: r.seed, settings: trainedUnder(r.results) })),
    "the seeds' runs were trained under other settings",
    "re-run the odd ones with the others' settings (and --fresh)",
  );
  const first = sorted[0].results;
  const kinds = [...new Set(sorted.flatMap((r) => r.results.data.kinds))];
  const ours = sorted.map((r) => r.results as HeadlineFigures);
  // Baselines in the order they first appear; a seed without one counts as missing (null) there.
  const names = [...new Set(sorted.flatMap((r) => r.results.baselines.map((b) => b.name)))];
  const baselines: BaselineStats[] = names.map((name) => {
    const per = sorted.map((r) => r.results.baselines.find((b) => b.name === name));
    const any = per.find((b) => b !== undefined)!;
    const paired = Object.fromEntries(
      PAIRED_FIGURES.map((f) => [f, seedStat(per.map((b, i) => (b ? diff(pairedValue(ours[i], f), pairedValue(b, f)) : null)))]),
    ) as BaselineStats['paired'];
    const evaluationCi95 = {
      'gapClosed.unseen': per.map((b) => b?.oursMinus?.ci95.unseen ?? null),
      'gapClosed.all': per.map((b) => b?.oursMinus?.ci95.all ?? null),
    };
    // why a seed's interval is missing, kept only when one is (every other aggregate.json keeps its bytes)
    const evaluationNoGap = per.some((b) => b?.gapClosedNoGap)
      ? { evaluationNoGap: { 'gapClosed.unseen': per.map((b) => b?.gapClosedNoGap?.unseen ?? null), 'gapClosed.all': per.map((b) => b?.gapClosedNoGap?.all ?? null) } }
      : {};
    return { name, label: any.label, rp: any.rp, figures: figureStats(per, kinds, per.map((b) => b?.summary.controlAbstain)), paired, evaluationCi95, ...evaluationNoGap };
  });
  const agg: Aggregate = {
    version: AGGREGATE_VERSION,
    createdAt,
    seeds,
    runs: sorted.map((r) => ({ seed: r.seed, dir: r.dir, createdAt: r.results.createdAt, wallSeconds: r.results.wallSeconds })),
    quick: first.quick,
    method: AGGREGATE_METHOD,
    trainKinds: first.data.trainKinds,
    unseenKinds: first.data.unseenKinds,
    ours: figureStats(ours, kinds, sorted.map((r) => r.results.summaries.after.controlAbstain)),
    baselines,
  };
  return parseAggregate(agg, 'aggregate (in memory)');
}

// ─── Reading and writing ────────────────────────────────────────────────────────────────

/** Validate parsed JSON as an Aggregate; the error names the file and the first bad field. */
export function parseAggregate(json: unknown, file = AGGREGATE_FILE): Aggregate {
  const r = aggregateSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new DataError(`not a valid askfirst aggregate: ${where}: ${issue.message}`, { file });
  }
  return r.data;
}

/** Validate and write `<dir>/aggregate.json` atomically; returns its path. */
export async function writeAggregate(dir: string, agg: Aggregate): Promise<string> {
  const file = join(dir, AGGREGATE_FILE);
  parseAggregate(JSON.parse(JSON.stringify(agg)), file);
  await writeJson(file, agg);
  return file;
}
