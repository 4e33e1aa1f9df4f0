/**
 * Probe metrics with 95 % intervals.
 *
 * POPE (Li et al., EMNLP 2023): accuracy, precision, recall, F1 of "yes" and the yes-ratio. A
 * reply counts as positive only when it is "yes"; "I cannot tell" and unparseable replies are
 * negatives, and are reported apart (`askRate`, `invalidRate`). Our convention: POPE's evaluate.py
 * reads a reply as no only when its first sentence has the word "no"/"No"/"not", so "I cannot tell
 * from this image." and unparseable replies would be yes there; lmms-eval's pope task leaves any
 * reply other than an exact yes/no out of precision and recall (docs/probes.md). Three-answer metrics for the unseen split: exact accuracy, and
 * among items whose truth is "cannot tell", the share answered yes (`yesOnUnseen`, the
 * hallucination this split exists to catch), no, and cannot tell; among items in view, the share
 * answered "cannot tell" (over-asking).
 *
 * Intervals: Wilson score intervals for proportions (Wilson 1927) — precision and recall are
 * proportions too (tp of the yes replies, tp of the items in view), so a recall of 0 of 5 gets
 * [0, 43 %], where a percentile bootstrap collapsed to [0, 0] (every resample gives 0); for F1, not a
 * proportion, a seeded percentile bootstrap over items (Efron 1979; 1000 resamples) — deterministic.
 */
import type { PresenceAnswer } from '../episode/presence.js';
import { stratifiedBootstrap, wilson95, type PercentileInterval } from '../util/stats.js';

export type Reply = PresenceAnswer | 'invalid';

/** A 95 % interval (util/stats.ts's percentile interval has the same shape). */
export type Interval = PercentileInterval;

/** A figure with its 95 % interval (null when undefined, e.g. precision with no "yes" at all). */
export interface Figure {
  value: number | null;
  ci95: Interval | null;
  n: number;
}

/** Wilson score interval for k successes in n trials (util/stats.ts's, in this file's Figure shape). */
export function wilson(k: number, n: number): Figure {
  const w = wilson95(k, n);
  return { value: w.rate, ci95: w.low === null || w.high === null ? null : { low: w.low, high: w.high }, n };
}

/** Percentile bootstrap of a statistic over items (seeded; null values are skipped): util/stats.ts's, with one stratum. */
export function bootstrap<T>(items: readonly T[], stat: (xs: readonly T[]) => number | null, seed = 1, B = 1000): Figure {
  const value = stat(items);
  if (value === null || items.length === 0) return { value, ci95: null, n: items.length };
  const [ci95] = stratifiedBootstrap([items.length], ([idx]) => [stat(Array.from(idx, (i) => items[i]))], { seed, resamples: B });
  return { value, ci95, n: items.length };
}

export interface ScoredItem {
  truth: PresenceAnswer;
  reply: Reply;
}

function counts(xs: readonly ScoredItem[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const x of xs) {
    const yes = x.reply === 'yes';
    if (yes && x.truth === 'yes') tp++;
    else if (yes) fp++;
    else if (x.truth === 'yes') fn++;
  }
  return { tp, fp, fn };
}
/** A proportion of the confusion counts with its Wilson interval (n: its denominator; value null when that is 0). */
function countsFigure(xs: readonly ScoredItem[], of: (c: ReturnType<typeof counts>) => [number, number]): Figure {
  const [k, n] = of(counts(xs));
  return wilson(k, n);
}
export const f1Of = (xs: readonly ScoredItem[]) => {
  const { tp, fp, fn } = counts(xs);
  return tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : null;
};

export interface PopeMetrics {
  n: number;
  accuracy: Figure;
  precision: Figure;
  recall: Figure;
  f1: Figure;
  yesRatio: Figure;
  askRate: Figure;
  invalidRate: Figure;
}

export function popeMetrics(xs: readonly ScoredItem[], seed = 1): PopeMetrics {
  const k = (f: (x: ScoredItem) => boolean) => wilson(xs.filter(f).length, xs.length);
  return {
    n: xs.length,
    accuracy: k((x) => x.reply === x.truth),
    precision: countsFigure(xs, ({ tp, fp }) => [tp, tp + fp]),
    recall: countsFigure(xs, ({ tp, fn }) => [tp, tp + fn]),
    f1: bootstrap(xs, f1Of, seed + 2),
    yesRatio: k((x) => x.reply === 'yes'),
    askRate: k((x) => x.reply === 'cannot'),
    invalidRate: k((x) => x.reply === 'invalid'),
  };
}

export interface UnseenMetrics {
  n: number;
  accuracy: Figure;
  /** Of the items whose truth is "cannot tell": answered yes (hallucinated), no (denied), cannot tell (asked). */
  yesOnUnseen: Figure;
  noOnUnseen: Figure;
  askOnUnseen: Figure;
  /** Of the items in view (truth yes): answered "cannot tell". */
  overAsk: Figure;
  /** Of the items in view: answered yes. */
  recallInView: Figure;
}

export function unseenMetrics(xs: readonly ScoredItem[]): UnseenMetrics {
  const unseen = xs.filter((x) => x.truth === 'cannot');
  const inView = xs.filter((x) => x.truth !== 'cannot');
  const share = (ys: readonly ScoredItem[], f: (x: ScoredItem) => boolean) => wilson(ys.filter(f).length, ys.length);
  return {
    n: xs.length,
    accuracy: share(xs, (x) => x.reply === x.truth),
    yesOnUnseen: share(unseen, (x) => x.reply === 'yes'),
    noOnUnseen: share(unseen, (x) => x.reply === 'no'),
    askOnUnseen: share(unseen, (x) => x.reply === 'cannot'),
    overAsk: share(inView, (x) => x.reply === 'cannot'),
    recallInView: share(inView, (x) => x.reply === 'yes'),
  };
}

/** A figure as "12.3 % [10.1, 14.8]" (percent) for tables. */
export function pct(f: Figure | undefined): string {
  if (!f || f.value === null) return '—';
  const v = (100 * f.value).toFixed(1);
  return f.ci95 ? `${v} [${(100 * f.ci95.low).toFixed(1)}, ${(100 * f.ci95.high).toFixed(1)}]` : v;
}
