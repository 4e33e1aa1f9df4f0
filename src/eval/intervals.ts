/**
 * 95 % intervals for every rate of an evaluation (docs/architecture.md §2 metrics): Wilson
 * score intervals for the shares of episodes (accuracy, guess — over the episodes whose last view's informativeness is
 * known, episode/metrics.ts —, abstain, invalid, unparseable,
 * max-turns, over-asking and abstaining at once over the controls, accuracy off the controls) and a Student's t
 * interval for the mean number of proactive suggestions (ps-rate, its lower bound cut at 0), overall, per kind and per variant.
 */
import { abstainedFirst, askedFirst, guessKnown, kindKey, statsBy, variantKey } from '../episode/metrics.js';
import type { EpisodeRecordCore } from '../episode/types.js';
import { COUNT_RANGE, meanInterval95, wilson95, type MeanInterval, type RateInterval } from '../util/stats.js';

export type RateName = 'accuracy' | 'guessRate' | 'abstainRate' | 'invalidRate' | 'unparseableRate' | 'maxTurnsRate' | 'overAsking' | 'controlAbstain' | 'accuracyNonControl';

export type Intervals = Record<RateName, RateInterval> & { psRate: MeanInterval };

export interface IntervalSummary extends Intervals {
  byKind: Record<string, Intervals>;
  /** Per variant within a kind, keyed "kind/variant" as `Summary.byVariant`; absent when no record names one. */
  byVariant?: Record<string, Intervals>;
}

export function rateIntervals(records: readonly EpisodeRecordCore[]): Intervals {
  const count = (rs: readonly EpisodeRecordCore[], f: (r: EpisodeRecordCore) => boolean) => wilson95(rs.filter(f).length, rs.length);
  const controls = records.filter((r) => r.control);
  const nonControl = records.filter((r) => !r.control);
  return {
    accuracy: count(records, (r) => r.success),
    guessRate: count(records.filter(guessKnown), (r) => r.guessed),
    abstainRate: count(records, (r) => r.outcome === 'abstain'),
    invalidRate: count(records, (r) => r.outcome === 'invalid-intervention'),
    unparseableRate: count(records, (r) => r.outcome === 'unparseable'),
    maxTurnsRate: count(records, (r) => r.outcome === 'max-turns'),
    overAsking: count(controls, askedFirst),
    controlAbstain: count(controls, abstainedFirst),
    accuracyNonControl: count(nonControl, (r) => r.success),
    psRate: psInterval(records.map((r) => r.ps)),
  };
}

/**
 * The ps-rate's Student's t interval, its lower bound cut at 0 and then marked `clipped` (meanInterval95's COUNT_RANGE):
 * a mean of counts of suggestions is never negative, and the symmetric interval of a few episodes that mostly asked
 * nothing reached below it ("0.10 [-0.13, 0.33]" over ten episodes with one suggestion). Cutting off what cannot hold
 * the mean keeps the coverage; halfWidth stays the t one.
 */
export function psInterval(ps: readonly number[]): MeanInterval {
  return meanInterval95(ps, COUNT_RANGE);
}

/** Intervals overall, per kind and per variant when records name variants (grouped and sorted as `summarize` does). */
export function intervalSummary(records: readonly EpisodeRecordCore[]): IntervalSummary {
  const byKind = statsBy(records, kindKey, rateIntervals);
  const byVariant = statsBy(records, variantKey, rateIntervals);
  return Object.keys(byVariant).length ? { ...rateIntervals(records), byKind, byVariant } : { ...rateIntervals(records), byKind };
}
