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
  /** The ps-rate (mean `ps`, turns − 1: the interventions asked, one fewer on an episode that reached its turn limit), A − B. */
  psRate: PairedDifference;
  /** Share of the control episodes whose first reply asked, A − B (null when none is a control). */
  overAsking: PairedDifference;
  /** The control episodes (answerable at the first view) that over-asking difference is over: the runs' own `controls`. */
  controls: number;
}

/** A run's records by episode id (a second record of an id replaces the first, and the map is then smaller than the list). */
export function recordsById<R extends EpisodeRecordCore>(records: readonly R[]): Map<string, R> {
  return new Map(records.map((r) => [r.id, r]));
}

const isList = (b: readonly EpisodeRecordCore[] | ReadonlyMap<string, EpisodeRecordCore>): b is readonly EpisodeRecordCore[] => Array.isArray(b);

/**
 * The paired differences of `a` and `b`, which must hold the same episodes (by id, in any order: a missing one is an
 * Error here; callers refuse such runs first in words). `b` may be given as its records by id (`recordsById`), so a
 * caller pairing one run with several others builds that map once per run, not once per pair. Deterministic: the
 * bootstrap is seeded (`seed`, default 1, and `resamples`, default 2,000, as gap-intervals.ts).
 */
export function pairedDifferences(
  a: readonly EpisodeRecordCore[],
  b: readonly EpisodeRecordCore[] | ReadonlyMap<string, EpisodeRecordCore>,
  opts: { seed?: number; resamples?: number } = {},
): PairedDifferences {
  const byId = isList(b) ? recordsById(b) : b;
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

  // the three differences over the episodes of `groups` (each a list of indices into `members`' group, or all once: the
  // point figures); plain loops, no iterator per episode: 2,000 resamples of 7,000 episodes are 14 million per pair
  const over = (groups: readonly ArrayLike<number>[] | null): [number | null, number | null, number | null] => {
    let [s, p, c, q, m] = [0, 0, 0, 0, 0];
    const one = (i: number) => {
      m++;
      s += success[i];
      p += ps[i];
      c += control[i];
      q += asked[i];
    };
    if (!groups) for (let i = 0; i < n; i++) one(i);
    else {
      for (let g = 0; g < groups.length; g++) {
        const d = groups[g];
        const ix = members[g];
        for (let k = 0; k < d.length; k++) one(ix[d[k]]);
      }
    }
    return m ? [s / m, p / m, c ? q / c : null] : [null, null, null];
  };
  const point = over(null);
  const ci = stratifiedBootstrap(members.map((g) => g.length), over, opts);
  const difference = (at: number): PairedDifference => ({ diff: point[at], low: ci[at]?.low ?? null, high: ci[at]?.high ?? null });
  let controls = 0;
  for (let i = 0; i < n; i++) controls += control[i];
  return { episodes: n, accuracy: difference(0), psRate: difference(1), overAsking: point[2] === null ? { diff: null, low: null, high: null } : difference(2), controls };
}
