/**
 * Two runs on the same episodes compared episode by episode (`askfirst compare`): the differences A − B of accuracy,
 * ps-rate and over-asking, each with a 95 % percentile interval from one paired bootstrap stratified by kind
 * (util/stats.ts `stratifiedBootstrap`: every resample draws each kind's episodes with replacement, keeping the kind's
 * size, and one draw serves both runs, so the interval is that of the difference on these episodes, not of two
 * independent rates). McNemar's exact test on the same pairs is util/stats.ts `mcnemar`.
 */
import { askedFirst } from '../episode/metrics.js';
import type { EpisodeRecordCore } from '../episode/types.js';
import { stratifiedBootstrap } from '../util/stats.js';

/** A − B with its 95 % paired-bootstrap interval; all null when undefined (over-asking on episodes with no control). */
export interface PairedDifference {
  diff: number | null;
  low: number | null;
  high: number | null;
}

export interface PairedDifferences {
  /** Episodes paired (both runs played each). */
  episodes: number;
  /** Share answered right, A − B. */
  accuracy: PairedDifference;
  /** Mean interventions per episode, A − B. */
  psRate: PairedDifference;
  /** Share of the control episodes whose first reply asked, A − B (null when none is a control). */
  overAsking: PairedDifference;
}

/**
 * The paired differences of `a` and `b`, which must hold the same episodes (by id, in any order: a missing one is an
 * Error here; callers refuse such runs first in words). Deterministic: the bootstrap is seeded (`seed`, default 1, and
 * `resamples`, default 2,000, as gap-intervals.ts).
 */
export function pairedDifferences(
  a: readonly EpisodeRecordCore[],
  b: readonly EpisodeRecordCore[],
  opts: { seed?: number; resamples?: number } = {},
): PairedDifferences {
  const byId = new Map(b.map((r) => [r.id, r]));
  if (byId.size !== a.length) throw new Error(`pairedDifferences: ${a.length} episodes against ${byId.size}`);
  const pairs = a.map((r) => {
    const o = byId.get(r.id);
    if (!o) throw new Error(`pairedDifferences: no record of episode ${r.id} in the second run`);
    return [r, o] as const;
  });
  const n = pairs.length;
  const success = Float64Array.from(pairs, ([x, y]) => Number(x.success) - Number(y.success));
  const ps = Float64Array.from(pairs, ([x, y]) => x.ps - y.ps);
  const control = Uint8Array.from(pairs, ([x]) => (x.control ? 1 : 0));
  const asked = Float64Array.from(pairs, ([x, y]) => (x.control ? Number(askedFirst(x)) - Number(askedFirst(y)) : 0));
  const kinds = [...new Set(pairs.map(([x]) => x.kind))];
  const members = kinds.map((k) => pairs.flatMap(([x], i) => (x.kind === k ? [i] : [])));

  // the three differences over a list of episode indices (every episode once: the point figures)
  const over = (indices: Iterable<number>): [number | null, number | null, number | null] => {
    let [s, p, c, q, m] = [0, 0, 0, 0, 0];
    for (const i of indices) {
      m++;
      s += success[i];
      p += ps[i];
      c += control[i];
      q += asked[i];
    }
    return m ? [s / m, p / m, c ? q / c : null] : [null, null, null];
  };
  const point = over(pairs.keys());
  const ci = stratifiedBootstrap(
    members.map((g) => g.length),
    (draws) => over((function* () {
      for (let g = 0; g < draws.length; g++) for (const j of draws[g]) yield members[g][j];
    })()),
    opts,
  );
  const difference = (at: number): PairedDifference => ({ diff: point[at], low: ci[at]?.low ?? null, high: ci[at]?.high ?? null });
  return { episodes: n, accuracy: difference(0), psRate: difference(1), overAsking: point[2] === null ? { diff: null, low: null, high: null } : difference(2) };
}
