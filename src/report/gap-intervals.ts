/**
 * How much of one run's gap closed is evaluation noise: 95 % percentile intervals from a paired, stratified bootstrap over
 * the test suite's episodes (`stratifiedBootstrap`, util/stats.ts) — each kind's episodes are resampled within the kind, so
 * every resample keeps the suite's episodes per kind, and one draw serves every policy (reference, guesser, ours, each
 * baseline), so a difference between two policies is read on the same episodes. The interval says how far a figure would
 * move on another test suite of the same size from the same generator. It leaves out training's own variation (another
 * seed trains another guesser and another policy), which only several seeds measure (`askfirst demo --seeds`).
 *
 * A resample in which the reference is not `MIN_GAP_EPISODES` ahead of the guesser has no gap closed (`isGap`, the rule
 * of the point figure). Leaving those resamples out, as this file did, made the interval one conditional on a gap and too
 * narrow (seven kinds of 10 episodes, guesser 10 points below the reference: a tenth of the resamples had no gap); more
 * than `MAX_NO_GAP_SHARE` of them and there is no interval (null), as a percentile bootstrap of a ratio whose
 * denominator may vanish is then undefined, and `noGap` says in how many.
 */
import type { EpisodeRecord } from '../episode/types.js';
import { isGap } from '../episode/metrics.js';
import { stratifiedBootstrap } from '../util/stats.js';
import type { GapClosed, GapClosedIntervals } from './results.js';

export interface GapIntervals {
  /** Per run (by the name given): the interval of its gap closed per split. */
  gapClosed: Record<string, GapClosedIntervals>;
  /** Per run after the first: the interval of (first run's gap closed − this run's), per split, from the same resamples. */
  firstMinus: Record<string, GapClosedIntervals>;
  /** Per split, the share of resamples in which the reference was not `MIN_GAP_EPISODES` ahead of the guesser (the same for every run). */
  noGap: GapShares;
}

/** Per split, a share of the bootstrap's resamples. */
export type GapShares = Record<(typeof SPLITS)[number], number>;

/** The largest share of resamples without a gap that still gives an interval: half the 5 % outside a 95 % interval's ends. */
export const MAX_NO_GAP_SHARE = 0.025;

const SPLITS = ['train', 'unseen', 'all'] as const;

/** What gap closed reads of a record (a full one, or the compact one `askfirst compare` holds). */
type GapRecord = Pick<EpisodeRecord, 'id' | 'kind' | 'success'>;

/** A run's records: as a list, or already by episode id (eval/paired.ts `recordsById`), so a caller that holds that map does not have it built again. */
type GapRecords = readonly GapRecord[] | ReadonlyMap<string, GapRecord>;

/**
 * Intervals of gap closed = (acc − acc_before) / (acc_reference − acc_before) per split for each run in `runs`, and of the
 * first run's lead over each other run. Every record list must hold the same episodes (by id) as `reference`, whose order
 * the bootstrap follows; `before` and each run's records may be given by id (`askfirst compare` indexes each run once).
 */
export function gapIntervals(
  reference: readonly GapRecord[],
  before: GapRecords,
  runs: readonly { name: string; records: GapRecords }[],
  trainKinds: readonly string[],
  opts: { seed?: number; resamples?: number } = {},
): GapIntervals {
  const ids = reference.map((r) => r.id);
  const successes = (name: string, recs: GapRecords): Uint8Array => {
    const byId: ReadonlyMap<string, GapRecord> = Array.isArray(recs) ? new Map(recs.map((r) => [r.id, r])) : (recs as ReadonlyMap<string, GapRecord>);
    return Uint8Array.from(ids, (id) => {
      const r = byId.get(id);
      if (r === undefined) throw new Error(`gapIntervals: ${name} has no record of episode ${id}`);
      return r.success ? 1 : 0;
    });
  };
  const policies = [
    Uint8Array.from(reference, (r) => (r.success ? 1 : 0)), // in its own order: the ids' order
    successes('before', before),
    ...runs.map((r) => successes(r.name, r.records)),
  ];
  const kinds = [...new Set(reference.map((r) => r.kind))];
  const members = kinds.map((k) => ids.flatMap((_, i) => (reference[i].kind === k ? [i] : [])));
  const inSplit = {
    train: kinds.map((k) => trainKinds.includes(k)),
    unseen: kinds.map((k) => !trainKinds.includes(k)),
    all: kinds.map(() => true),
  };

  const noGapDraws = { train: 0, unseen: 0, all: 0 };
  let resamples = 0;
  const stats = (draws: readonly Int32Array[]): (number | null)[] => {
    // hits[p][g]: policy p's successes among group g's drawn episodes
    const hits = policies.map((s) =>
      draws.map((d, g) => d.reduce((a, j) => a + s[members[g][j]], 0)),
    );
    // successes of policy p over a split's drawn episodes; each split's accuracies share one denominator, so counts will do
    const over = (p: number, split: (typeof SPLITS)[number]) =>
      hits[p].reduce((a, h, g) => a + (inSplit[split][g] ? h : 0), 0);
    resamples++;
    const gapOf = SPLITS.map((split) => over(0, split) - over(1, split));
    SPLITS.forEach((split, s) => {
      if (!isGap(gapOf[s])) noGapDraws[split]++;
    });
    const gaps = runs.map((_, r) =>
      SPLITS.map((split, s) => (isGap(gapOf[s]) ? (over(r + 2, split) - over(1, split)) / gapOf[s] : null)),
    );
    const leads = runs
      .slice(1)
      .map((_, r) =>
        SPLITS.map((_, s) =>
          gaps[0][s] === null || gaps[r + 1][s] === null ? null : gaps[0][s]! - gaps[r + 1][s]!,
        ),
      );
    return [...gaps.flat(), ...leads.flat()];
  };
  const ci = stratifiedBootstrap(
    members.map((m) => m.length),
    stats,
    opts,
  );
  const noGap: GapShares = {
    train: noGapDraws.train / resamples,
    unseen: noGapDraws.unseen / resamples,
    all: noGapDraws.all / resamples,
  };
  const kept = (split: (typeof SPLITS)[number], iv: (typeof ci)[number]) =>
    noGap[split] > MAX_NO_GAP_SHARE ? null : (iv ?? null);
  const splitOf = (at: number): GapClosedIntervals => ({
    train: kept('train', ci[at]),
    unseen: kept('unseen', ci[at + 1]),
    all: kept('all', ci[at + 2]),
  });
  return {
    noGap,
    gapClosed: Object.fromEntries(runs.map((r, i) => [r.name, splitOf(3 * i)])),
    firstMinus: Object.fromEntries(
      runs.slice(1).map((r, i) => [r.name, splitOf(3 * (runs.length + i))]),
    ),
  };
}

/** a − b per split (null where either is). */
export function gapDifference(a: GapClosed, b: GapClosed): GapClosed {
  const d = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);
  return { train: d(a.train, b.train), unseen: d(a.unseen, b.unseen), all: d(a.all, b.all) };
}
