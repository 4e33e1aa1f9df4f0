/**
 * Probe metrics with 95 % intervals.
 *
 * POPE (Li et al., EMNLP 2023): accuracy, precision, recall, F1 of "yes" and the yes-ratio. A
 * reply counts as positive only when it is "yes"; "I cannot tell" and unparseable replies are
 * negatives, and are reported apart (`askRate`, and `invalidRate`: despite its name, the share of
 * replies that named none of the three options nor began with yes or no (pope-reply.ts), what `askfirst eval` calls unparseable — its
 * `unparseableRate`; eval's `invalidRate`, an intervention not valid at that view, has no
 * counterpart here; docs/probes.md, "Names"). Our convention: POPE's evaluate.py
 * reads a reply as no only when its first sentence has the word "no"/"No"/"not", so "I cannot tell
 * from this image." and unparseable replies would be yes there; lmms-eval's pope task leaves any
 * reply other than an exact yes/no out of precision and recall (docs/probes.md). Three-answer metrics for the unseen split: exact accuracy, and
 * among items whose truth is "cannot tell", the share answered yes (`yesOnUnseen`, the
 * hallucination this split exists to catch), no, cannot tell and none of the options (unparseable: the four add up
 * to 1); among items in view, the share answered "cannot tell" (over-asking, as eval's: "I cannot tell" is the items'
 * one intervention and they offer no abstain-style option, so no control abstention is in it); over all its items,
 * the share unparseable (`invalidRate`, as each POPE split's).
 *
 * Intervals: the questions about one scene are not independent (a model that misreads a scene tends
 * to misread its questions together, and POPE fixes as many absent as present questions per scene), so
 * every interval resamples scenes, not questions (items carry their `scene`; an item without one is a
 * scene of its own). For F1, not a proportion, a seeded percentile cluster bootstrap (util/stats.ts
 * `clusterBootstrap`: scenes drawn with replacement, each with all its questions; 1000 resamples; the
 * type-7 quantile ends of `stratifiedBootstrap`) — deterministic; it can be narrower than the item
 * bootstrap, which varied the yes / no balance a scene resample keeps (always-yes: F1 ⅔ on every resample). For
 * proportions (precision and recall too: tp of the yes replies, tp of the items in view), Wilson's score
 * interval (Wilson 1927) at the effective sample size n / design effect, the design effect measured by
 * the same cluster bootstrap (`clusteredWilson95`): so a recall of 0 of 5 still gets [0, 43 %], where a
 * percentile bootstrap collapses to [0, 0] (every resample gives 0).
 */
import type { PresenceAnswer } from '../episode/presence.js';
import { clusterBootstrap, clusteredWilson95, clustersOf, stratifiedBootstrap, wilson95, type PercentileInterval } from '../util/stats.js';
import { MISSING } from '../util/missing.js';

/**
 * How an item was answered. 'invalid' is a reply that named none of the options — eval's unparseable (the items offer
 * no abstain-style option, and "I cannot tell", their one intervention, is 'cannot'); the value keeps its name, as
 * items.jsonl's `answer` field and summary.json's `invalidRate` keep theirs (documented formats, read by scripts).
 */
export type Reply = PresenceAnswer | 'invalid';

/** A 95 % interval (util/stats.ts's percentile interval has the same shape). */
export type Interval = PercentileInterval;

/** A figure with its 95 % interval (null when undefined, e.g. precision with no "yes" at all). */
export interface Figure {
  value: number | null;
  ci95: Interval | null;
  n: number;
  /** Scenes the n items come from, when the interval resampled scenes (items clustered by scene). */
  clusters?: number;
  /** A proportion's design effect (util/stats.ts `clusteredWilson95`): its interval is Wilson's at n / designEffect items. */
  designEffect?: number;
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
  /** The scene asked about: items of one scene are resampled together (absent: the item is a scene of its own). */
  scene?: string;
}

/** Items' indices grouped by scene (an item without a scene alone), in order of first appearance. */
export function scenesOf(xs: readonly { scene?: string }[]): number[][] {
  return clustersOf(xs, (x, i) => (x.scene === undefined ? `\u0000${i}` : `s${x.scene}`));
}

/** Percentile cluster bootstrap of a statistic (seeded; null values skipped): resamples `clusters` of `items` (util/stats.ts). */
export function clusterBootstrapFigure<T>(items: readonly T[], clusters: readonly (readonly number[])[], stat: (xs: readonly T[]) => number | null, seed = 1, B = 1000): Figure {
  const value = stat(items);
  if (value === null || items.length === 0) return { value, ci95: null, n: items.length, clusters: clusters.length };
  const [spread] = clusterBootstrap(clusters, (idx) => [stat(Array.from(idx, (i) => items[i]))], { seed, resamples: B });
  return { value, ci95: spread ? { low: spread.low, high: spread.high } : null, n: items.length, clusters: clusters.length };
}

/**
 * The share of the items `of` holds for, among those `among` holds for, with Wilson's interval at the effective sample
 * size of their scenes (util/stats.ts `clusteredWilson95`; seeded).
 */
export function clusteredShare<T>(items: readonly T[], clusters: readonly (readonly number[])[], among: (x: T) => boolean, of: (x: T) => boolean, seed = 1, B = 1000): Figure {
  const r = clusteredWilson95(clusters, (i) => among(items[i]), (i) => of(items[i]), { seed, resamples: B });
  return { value: r.rate, ci95: r.low === null || r.high === null ? null : { low: r.low, high: r.high }, n: r.n, clusters: r.clusters, designEffect: r.designEffect };
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
  /** Answered "I cannot tell". */
  askRate: Figure;
  /**
   * The reply named none of the options: what `askfirst eval` calls unparseable (its `unparseableRate`), printed as
   * "unparseable". Not eval's `invalidRate` (an intervention not valid at that view: here, "I cannot tell" about an
   * object in view, which `askRate` counts). The field keeps its name: summary.json is a documented format.
   */
  invalidRate: Figure;
}

export function popeMetrics(xs: readonly ScoredItem[], seed = 1): PopeMetrics {
  const scenes = scenesOf(xs);
  const all = () => true;
  const yes = (x: ScoredItem) => x.reply === 'yes';
  // each proportion its own seed, the F1 bootstrap seed + 2 as before
  const share = (among: (x: ScoredItem) => boolean, of: (x: ScoredItem) => boolean, s: number) => clusteredShare(xs, scenes, among, of, seed + s);
  return {
    n: xs.length,
    // (tp + tn) / n with "cannot tell" and unparseable replies negatives, as precision, recall and F1 count them (an exact
    // match scored a "cannot tell" about an absent object wrong, a negative there but not here)
    accuracy: share(all, (x) => yes(x) === (x.truth === 'yes'), 10),
    precision: share(yes, (x) => x.truth === 'yes', 11),
    recall: share((x) => x.truth === 'yes', yes, 12),
    f1: clusterBootstrapFigure(xs, scenes, f1Of, seed + 2),
    yesRatio: share(all, yes, 13),
    askRate: share(all, (x) => x.reply === 'cannot', 14),
    invalidRate: share(all, (x) => x.reply === 'invalid', 15),
  };
}

export interface UnseenMetrics {
  n: number;
  accuracy: Figure;
  /**
   * Of the items whose truth is "cannot tell": answered yes (hallucinated), no (denied), cannot tell (asked), or none of
   * the options (`invalidOnUnseen`: unparseable, as `invalidRate`; the four add up to 1).
   */
  yesOnUnseen: Figure;
  noOnUnseen: Figure;
  askOnUnseen: Figure;
  invalidOnUnseen: Figure;
  /**
   * Of the items in view (truth yes, answerable at once: the probe's controls): answered "cannot tell". That option is
   * the items' one intervention, so this is eval's over-asking (`overAsking`: the first reply was an intervention on a
   * control); the items offer no abstain-style option, so there is no control abstention (`controlAbstain`) in it, nor
   * beside it. One difference: an item ends at its first reply, so here the request is never carried out.
   */
  overAsk: Figure;
  /** Of the items in view: answered yes. */
  recallInView: Figure;
  /** Of all the split's items: the reply named none of the options — unparseable, named as each POPE split's `invalidRate`. */
  invalidRate: Figure;
}

export function unseenMetrics(xs: readonly ScoredItem[], seed = 1): UnseenMetrics {
  const scenes = scenesOf(xs);
  const unseen = (x: ScoredItem) => x.truth === 'cannot';
  const inView = (x: ScoredItem) => x.truth !== 'cannot';
  const share = (among: (x: ScoredItem) => boolean, of: (x: ScoredItem) => boolean, s: number) => clusteredShare(xs, scenes, among, of, seed + s);
  return {
    n: xs.length,
    accuracy: share(() => true, (x) => x.reply === x.truth, 20),
    yesOnUnseen: share(unseen, (x) => x.reply === 'yes', 21),
    noOnUnseen: share(unseen, (x) => x.reply === 'no', 22),
    askOnUnseen: share(unseen, (x) => x.reply === 'cannot', 23),
    invalidOnUnseen: share(unseen, (x) => x.reply === 'invalid', 26),
    overAsk: share(inView, (x) => x.reply === 'cannot', 24),
    recallInView: share(inView, (x) => x.reply === 'yes', 25),
    invalidRate: share(() => true, (x) => x.reply === 'invalid', 27),
  };
}

/** A plain number to `digits` decimals ("2.00"); '–' (MISSING) when it is not a finite number (a mean over no items, a kappa over no verdicts). */
export function fixed(x: number | null | undefined, digits = 2): string {
  return x != null && Number.isFinite(x) ? x.toFixed(digits) : MISSING;
}

/** A figure as "12.3 % [10.1, 14.8]" (percent) for tables. */
export function pct(f: Figure | undefined): string {
  if (!f || f.value === null) return MISSING;
  const v = (100 * f.value).toFixed(1);
  return f.ci95 ? `${v} [${(100 * f.ci95.low).toFixed(1)}, ${(100 * f.ci95.high).toFixed(1)}]` : v;
}
