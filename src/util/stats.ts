/** Small descriptive statistics shared by metrics, training logs and multi-seed aggregates. */
import { SceneRng } from './rng.js';

/**
 * log Σ exp(x) over `xs`, computed stably (−∞ for an empty list or one of only −∞; +∞ when one
 * is +∞ and none is NaN, as torch.logsumexp — x − m gave ∞ − ∞ = NaN; NaN when one is NaN).
 */
export function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  return m === -Infinity || m === Infinity ? m : m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}

/** Arithmetic mean (0 for an empty list). */
export function average(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Running lists of named values, averaged at the end (e.g. per-minibatch losses of one update). */
export class Means {
  private readonly values = new Map<string, number[]>();

  add(row: Record<string, number>): void {
    for (const [k, v] of Object.entries(row)) {
      const list = this.values.get(k);
      if (list) list.push(v);
      else this.values.set(k, [v]);
    }
  }

  /** The mean of every name, keyed `prefix + name`, in the order the names were first added. */
  prefixed(prefix: string): Record<string, number> {
    return Object.fromEntries([...this.values].map(([k, v]) => [prefix + k, average(v)]));
  }
}

// ─── Means over a few runs, with a confidence interval ─────────────────────────────────

/** Arithmetic mean; NaN for an empty list (unlike `average`, which says 0). */
export function mean(xs: readonly number[]): number {
  return xs.length ? average(xs) : Number.NaN;
}

/** Sample standard deviation (denominator n − 1); NaN for fewer than two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The standard normal's 0.975 quantile. */
const Z975 = 1.959963984540054;

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom (the two-sided 95 % critical value): within 1e-12 of
 * 40-digit values for df 1…30, 60, 120 (stats.test.ts). Up to df 1,000 it solves P(|T| < t) = 0.95 by bisection on
 * θ = atan(t/√df), where the integer-df distribution function is a finite sum (`tCentralProbability`); beyond, the
 * Cornish–Fisher expansion in 1/df (Abramowitz & Stegun 26.7.5), whose first omitted term is below 1e-15 there.
 * Written here rather than taken from a library: the one exact npm package (@stdlib's t quantile) brings 234 packages,
 * jStat's `studentt.inv` is 3e-8 off at df 60. It was a 3-decimal table (NIST's) for df ≤ 30, so a seed aggregate's
 * interval was up to 8.5e-5 off. NaN for df < 1 or not an integer.
 */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) return Number.NaN;
  if (df > 1000) {
    const z = Z975;
    const g1 = (z ** 3 + z) / 4;
    const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
    const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
    const g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160;
    return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
  }
  let [lo, hi] = [0, Math.PI / 2]; // P(|T| < √df·tan θ) rises from 0 to 1 on θ ∈ [0, π/2]
  for (;;) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break; // the interval is one double wide
    if (tCentralProbability(mid, df) < 0.95) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(df) * Math.tan((lo + hi) / 2);
}

/**
 * P(|T| < √df·tan θ) for Student's t with an integer `df` (Abramowitz & Stegun 26.7.3, 26.7.4): for odd df
 * (2/π)·(θ + sin θ·(cos θ + (2/3)cos³θ + … + (2·4⋯(df−3))/(1·3⋯(df−2))·cos^(df−2)θ)), θ alone for df 1; for even df
 * sin θ·(1 + (1/2)cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3⋯(df−3))/(2·4⋯(df−2))·cos^(df−2)θ).
 */
function tCentralProbability(theta: number, df: number): number {
  const [s, c] = [Math.sin(theta), Math.cos(theta)];
  const odd = df % 2 === 1;
  let term = odd ? c : 1; // the sum's first term: cos θ for odd df, 1 for even
  let sum = df === 1 ? 0 : term;
  for (let k = odd ? 3 : 2; k <= df - 2; k += 2) {
    term *= ((k - 1) / k) * c * c;
    sum += term;
  }
  return odd ? (2 / Math.PI) * (theta + s * sum) : s * sum;
}

/** A 95 % confidence interval for a mean: [low, high] = mean ∓ halfWidth, unless `clipped`. */
export interface Interval95 {
  low: number;
  high: number;
  halfWidth: number;
  /** Present (true) when an end was cut to the range the mean can take (meanInterval95's `range`); halfWidth stays the t one. */
  clipped?: true;
}

/** The values a mean can take, for meanInterval95's interval: a rate's [0, 1], a count's [0, ∞). */
export interface ValueRange {
  min?: number;
  max?: number;
}

/** A share of episodes, seeds…: its mean lies in [0, 1]. */
export const RATE_RANGE: ValueRange = { min: 0, max: 1 };

/** A count (suggestions per episode, labels) or a ratio of counts: its mean is never below 0. */
export const COUNT_RANGE: ValueRange = { min: 0 };

/** Mean, sample standard deviation and 95 % confidence interval of a few values (e.g. one per seed). */
export interface MeanInterval {
  /** How many values. */
  n: number;
  /** null when n = 0. */
  mean: number | null;
  /** Sample standard deviation; null when n < 2. */
  sd: number | null;
  /** mean ± t(0.975, n − 1) · sd / √n (Student's t, two-sided); null when n < 2 — one value has no interval. */
  ci95: Interval95 | null;
}

/**
 * Mean, sample sd and the Student's t 95 % confidence interval for the mean of `xs`. With `range`, an end past it is cut to
 * it and the interval marked `clipped` (two seeds' rates of 0.9 and 1.0 gave 0.95 ± 0.64, up to 159 %): what the mean
 * cannot be is no part of the interval, and cutting it off keeps the coverage. Every interval cut to a range is cut here
 * (eval's ps-rate, intervals.ts; the seed aggregates, report/aggregate.ts and demo/feedback-seeds.ts).
 */
export function meanInterval95(xs: readonly number[], range: ValueRange = {}): MeanInterval {
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null };
  const m = mean(xs);
  if (n === 1) return { n, mean: m, sd: null, ci95: null };
  const sd = sampleStd(xs);
  const halfWidth = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  const low = range.min !== undefined && m - halfWidth < range.min ? range.min : m - halfWidth;
  const high = range.max !== undefined && m + halfWidth > range.max ? range.max : m + halfWidth;
  const clipped = low !== m - halfWidth || high !== m + halfWidth;
  return { n, mean: m, sd, ci95: clipped ? { low, high, halfWidth, clipped: true } : { low, high, halfWidth } };
}

// ─── Rates over episodes: Wilson intervals; paired comparisons: McNemar ─────────────────

/** A share k / n with its Wilson 95 % score interval. */
export interface RateInterval {
  /** Successes (episodes counted). */
  k: number;
  /** Trials (episodes the rate is over). */
  n: number;
  /** k / n; null when n = 0. */
  rate: number | null;
  /** Wilson score interval bounds (95 %); null when n = 0. */
  low: number | null;
  high: number | null;
}

/**
 * Wilson's score interval for a binomial proportion (Wilson 1927, JASA 22:209; the interval
 * Brown, Cai & DasGupta 2001 recommend over the normal "Wald" one, which fails near 0 and 1):
 * (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), z = 1.96; low is exactly 0 at k = 0 and high exactly 1
 * at k = n, so the interval always holds k / n.
 */
export function wilson95(k: number, n: number): RateInterval {
  if (n <= 0) return { k, n, rate: null, low: null, high: null };
  const z = Z975;
  const p = k / n;
  const den = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / den;
  // At k = 0 (k = n) the bound is exactly 0 (1); the formula's cancellation leaves ~1e-17, which put the bound past its rate.
  const low = k <= 0 ? 0 : Math.max(0, centre - half);
  const high = k >= n ? 1 : Math.min(1, centre + half);
  return { k, n, rate: p, low, high };
}

/** McNemar's test on paired binary outcomes (the same episodes, two models). */
export interface McNemar {
  /** Pairs. */
  n: number;
  /** Both right, both wrong. */
  both: number;
  neither: number;
  /** A right and B wrong (b), A wrong and B right (c). */
  onlyA: number;
  onlyB: number;
  /**
   * Exact two-sided p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), capped at 1 (1 when b + c = 0), the double
   * nearest `10 ** log10PExact`: a correct tiny positive number down to 4.9e-324 (Number.MIN_VALUE), 0 only when the p is
   * smaller than any double holds (with min(b, c) = 0, from b + c = 1,076 on: 2 · 0.5^1076 = 2^−1075).
   */
  pExact: number;
  /** log10 of the exact two-sided p (≤ 0; 0 when p = 1): finite for any counts, so a p below the doubles' range is still told (2,000 to 0: −601.8). */
  log10PExact: number;
  /**
   * The chi-square statistic with continuity correction, max(0, |b − c| − 1)² / (b + c) (0 when b + c = 0): the correction
   * moves |b − c| toward 0, never past it, so b = c gives 0 (as R's mcnemar.test does).
   */
  chi2: number;
}

/**
 * ln P(X ≤ m) for X ~ Binomial(n, ½), in log space throughout so it never underflows: the terms
 * ln C(n, i) − n·ln 2 by the running sum ln C(n, i) = ln C(n, i − 1) + ln((n − i + 1) / i), added by
 * log-sum-exp. (Summing exp of each term, as this file did, gave 0 once a term fell below the doubles'
 * range — 2 · 0.5^1075 read 0 where it is 4.9e-324.) Written here: no exact-binomial package is a
 * dependency, and the npm ones seen (e.g. @stdlib/stats-base-dists-binomial-cdf) return the CDF as a
 * plain double, which underflows the same way. O(m).
 */
export function logBinomialHalfCdf(m: number, n: number): number {
  if (m < 0) return -Infinity;
  if (m >= n) return 0;
  const terms = new Float64Array(m + 1);
  let logC = 0;
  terms[0] = -n * Math.LN2;
  for (let i = 1; i <= m; i++) {
    logC += Math.log((n - i + 1) / i);
    terms[i] = logC - n * Math.LN2;
  }
  let top = -Infinity;
  for (const t of terms) top = Math.max(top, t);
  let s = 0;
  for (const t of terms) s += Math.exp(t - top);
  return Math.min(0, top + Math.log(s));
}

/** McNemar (1947) on paired outcomes `a[i]`, `b[i]` (true = success). */
export function mcnemar(a: readonly boolean[], b: readonly boolean[]): McNemar {
  if (a.length !== b.length) throw new Error(`mcnemar: ${a.length} vs ${b.length} outcomes`);
  let both = 0;
  let neither = 0;
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) both++;
    else if (a[i]) onlyA++;
    else if (b[i]) onlyB++;
    else neither++;
  }
  const d = onlyA + onlyB;
  // ln p = min(0, ln 2 + ln P(X ≤ min(b, c))), exponentiated once at the end
  const logP = d > 0 ? Math.min(0, Math.LN2 + logBinomialHalfCdf(Math.min(onlyA, onlyB), d)) : 0;
  const chi2 = d > 0 ? Math.max(0, Math.abs(onlyA - onlyB) - 1) ** 2 / d : 0;
  return { n: a.length, both, neither, onlyA, onlyB, pExact: Math.exp(logP), log10PExact: logP / Math.LN10, chi2 };
}

/**
 * Holm's step-down adjustment of p-values for testing several hypotheses at once (Holm 1979; R's p.adjust(p, "holm")),
 * on their log10 (McNemar.log10PExact: finite where the p itself underflows): sorted ascending, the i-th smallest (from 1)
 * is multiplied by m − i + 1, capped at 1 and kept at least the one before it; returned as log10, in the order given.
 * It controls the chance of any false rejection at the level, as Bonferroni does, and is never less powerful.
 */
export function holmAdjustLog10(log10ps: readonly number[]): number[] {
  const m = log10ps.length;
  const order = log10ps.map((_, i) => i).sort((x, y) => log10ps[x] - log10ps[y]);
  const out = new Array<number>(m);
  let top = -Infinity;
  order.forEach((at, i) => {
    top = Math.max(top, Math.min(0, Math.log10(m - i) + log10ps[at]));
    out[at] = top;
  });
  return out;
}

// ─── Percentile bootstrap over items ────────────────────────────────────────────────────

/**
 * The p-quantile of values sorted ascending, interpolated linearly between order statistics
 * (Hyndman & Fan's type 7: position (n − 1)·p) — the default of numpy.percentile and R's
 * quantile, which scipy.stats.bootstrap's percentile method uses. NaN for an empty list.
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** A percentile interval: the 2.5 % and 97.5 % quantiles of a statistic's resampled values. */
export interface PercentileInterval {
  low: number;
  high: number;
}

/**
 * Percentile bootstrap (Efron 1979) of several statistics at once, resampling within strata:
 * each resample draws, for every group, as many of that group's items (indices) with replacement
 * as the group holds, so every group keeps its size (a stratified bootstrap — e.g. a test suite
 * with a fixed number of episodes per scenario kind). `stats` gets the resampled groups and
 * returns one value per statistic (null: undefined on this resample, skipped). Deterministic:
 * mulberry32 from `seed`, the groups drawn in order. Returns per statistic its 95 % interval, the
 * 2.5 % and 97.5 % quantiles of its resampled values by `quantileSorted` (null when no resample
 * defined it). Written here rather than taken from a library: the npm
 * packages found (e.g. compute-bootstrap, unmaintained since 2015) return a standard error rather
 * than percentiles and do not resample within strata; the project's own generator keeps every
 * interval the same on any machine.
 */
export function stratifiedBootstrap(
  groupSizes: readonly number[],
  stats: (groups: readonly Int32Array[]) => readonly (number | null)[],
  opts: { seed?: number; resamples?: number } = {},
): (PercentileInterval | null)[] {
  return bootstrapDistribution(groupSizes, stats, opts).map((d) => (d ? { low: d.low, high: d.high } : null));
}

/** A statistic's bootstrap distribution in brief: its percentile interval and the variance of its resampled values. */
export interface BootstrapSpread extends PercentileInterval {
  /** Variance of the resampled values (denominator B − 1, B = the resamples that defined the statistic; 0 when B = 1). */
  variance: number;
}

/** `stratifiedBootstrap`'s resampling (the same draws, the same interval ends), giving each statistic's variance too. */
export function bootstrapDistribution(
  groupSizes: readonly number[],
  stats: (groups: readonly Int32Array[]) => readonly (number | null)[],
  opts: { seed?: number; resamples?: number } = {},
): (BootstrapSpread | null)[] {
  const rng = SceneRng.fromState(opts.seed ?? 1);
  const B = opts.resamples ?? 2000;
  const draws = groupSizes.map((n) => new Int32Array(n));
  const values: number[][] = [];
  for (let b = 0; b < B; b++) {
    draws.forEach((d, g) => {
      const n = groupSizes[g];
      for (let i = 0; i < n; i++) d[i] = Math.floor(rng.next() * n);
    });
    stats(draws).forEach((v, j) => {
      (values[j] ??= []);
      if (v !== null && Number.isFinite(v)) values[j].push(v);
    });
  }
  return values.map((vs) => {
    if (!vs.length) return null;
    vs.sort((x, y) => x - y);
    const m = average(vs);
    const variance = vs.length > 1 ? vs.reduce((a, v) => a + (v - m) ** 2, 0) / (vs.length - 1) : 0;
    return { low: quantileSorted(vs, 0.025), high: quantileSorted(vs, 0.975), variance };
  });
}

// ─── Items that come in clusters (several questions about one scene) ────────────────────

/**
 * The clusters of a list of items, by a key per item: each cluster the indices of its items, clusters in the order
 * their first item appears, items in list order. Items with the same key are one cluster wherever they stand.
 */
export function clustersOf<T>(items: readonly T[], key: (x: T, i: number) => string): number[][] {
  const byKey = new Map<string, number[]>();
  items.forEach((x, i) => {
    const k = key(x, i);
    const c = byKey.get(k);
    if (c) c.push(i);
    else byKey.set(k, [i]);
  });
  return [...byKey.values()];
}

/**
 * Cluster bootstrap (Davison & Hinkley 1997, §3.8 — resampling the first stage of a two-stage design): each resample
 * draws as many clusters as there are, with replacement, and keeps every item of each drawn cluster. Items of one
 * cluster (several questions about one scene) are usually correlated, and resampling them one by one treats them as
 * independent, so its interval is too narrow. This is `bootstrapDistribution` with one stratum whose units are the
 * clusters (the same seeded draws; `stats` gets the resampled items' indices, cluster after cluster, an item as often
 * as its cluster was drawn): with every cluster a single item it is the item bootstrap exactly.
 */
export function clusterBootstrap(
  clusters: readonly (readonly number[])[],
  stats: (items: Int32Array) => readonly (number | null)[],
  opts: { seed?: number; resamples?: number } = {},
): (BootstrapSpread | null)[] {
  // the largest a resample can be: every draw the largest cluster
  const buf = new Int32Array(clusters.length * clusters.reduce((a, c) => Math.max(a, c.length), 0));
  return bootstrapDistribution(
    [clusters.length],
    ([draw]) => {
      let n = 0;
      for (const c of draw) for (const i of clusters[c]) buf[n++] = i;
      return stats(buf.subarray(0, n));
    },
    opts,
  );
}

/** A share k / n over clustered items with a 95 % interval that allows for the clustering. */
export interface ClusteredRateInterval extends RateInterval {
  /** Clusters holding at least one of the n trials. */
  clusters: number;
  /**
   * Kish's design effect, Var(k/n over resampled clusters) / (p̂(1 − p̂)/n), floored at 1 (1 too when p̂ is 0 or 1, or
   * every cluster holds one trial); the interval is Wilson's at the effective sample size n / designEffect.
   */
  designEffect: number;
}

/**
 * Wilson's score interval at Kish's effective sample size (Kish 1965, Survey Sampling §8.2; the approach of Korn &
 * Graubard 1998, Survey Methodology 24:193, for proportions from clustered samples): k / n, where trial i counts
 * toward n when `inTrials[i]` and toward k when it also `hits[i]`, with the interval `wilson95` gives at n / deff trials
 * (k / deff successes). deff = the variance of k/n under the cluster bootstrap (resampled clusters, `clusterBootstrap`,
 * seeded) over the binomial p̂(1 − p̂)/n: for clusters of m items that always agree it is m (the clusters are the
 * independent units), for independent items about 1. It is floored at 1, so the interval is never narrower than the
 * items' Wilson interval (a cluster whose items disagree more than chance — POPE's balanced yes and no questions about
 * one scene — would otherwise narrow it); at p̂ = 0 or 1 the resamples cannot vary, the clustering cannot be told from
 * them, and deff = 1 — Wilson's interval over the items, which does not collapse to a point the way a percentile
 * bootstrap does there. Singleton clusters skip the resampling (deff = 1 exactly).
 */
export function clusteredWilson95(
  clusters: readonly (readonly number[])[],
  inTrials: (i: number) => boolean,
  hits: (i: number) => boolean,
  opts: { seed?: number; resamples?: number } = {},
): ClusteredRateInterval {
  let k = 0;
  let n = 0;
  let used = 0;
  let multi = false;
  for (const c of clusters) {
    const t = c.filter(inTrials);
    n += t.length;
    k += t.filter(hits).length;
    if (t.length) used++;
    if (t.length > 1) multi = true;
  }
  const plain = wilson95(k, n);
  if (n === 0 || k === 0 || k === n || !multi) return { ...plain, clusters: used, designEffect: 1 };
  const [spread] = clusterBootstrap(
    clusters,
    (idx) => {
      let kk = 0;
      let nn = 0;
      for (const i of idx) {
        if (!inTrials(i)) continue;
        nn++;
        if (hits(i)) kk++;
      }
      return [nn ? kk / nn : null];
    },
    opts,
  );
  const p = k / n;
  const deff = spread ? Math.max(1, spread.variance / ((p * (1 - p)) / n)) : 1;
  const w = wilson95(k / deff, n / deff);
  return { k, n, rate: p, low: w.low, high: w.high, clusters: used, designEffect: deff };
}
