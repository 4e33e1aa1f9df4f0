/**
 * A curriculum ordered by the oracle's exact difficulty (issue 18's direction "curriculum
 * learning"), competence-based as in Platanios et al. 2019 ("Competence-based curriculum
 * learning for neural machine translation"): at update t of T the sampler draws only from the
 * easiest c(t) share of each kind's training episodes, where
 *
 *   c(t) = min(1, sqrt(t · (1 − c0²) / (span · T) + c0²))
 *
 * grows from c0 (`start`) to every episode at `span` of the updates. Difficulty is what the
 * oracle knows exactly about an episode: the fewest interventions from the first view to an
 * informative one (`minInterventions`; 0 for a control), then how little of the object the first
 * view shows (1 − the oracle's score of it). Ranks are taken within each kind, so every update
 * keeps the kinds' mix.
 *
 * Pure functions; `RLRun.nextEpisodes` applies them.
 */
import type { SuiteEpisode } from '../suite/types.js';

export interface CurriculumSchedule {
  /** c0: the share of each kind's episodes drawn from at the first update. */
  start: number;
  /** Share of the updates after which every episode is drawn from. */
  span: number;
}

/** The oracle's difficulty of an episode: steps to an informative view, then how little the first view shows. */
export function oracleDifficulty(ep: SuiteEpisode): number {
  const scores = (ep.meta as { scores?: number[] } | undefined)?.scores;
  const shown = scores?.[ep.firstView] ?? 0;
  return ep.minInterventions + (1 - Math.max(0, Math.min(1, shown)));
}

/** c(t): the share of each kind's episodes (easiest first) the sampler draws from at update `update` of `updates`. */
export function competence(update: number, updates: number, s: CurriculumSchedule): number {
  if (s.span <= 0 || updates <= 0) return 1;
  const c0 = Math.max(0, Math.min(1, s.start));
  return Math.min(1, Math.sqrt((update * (1 - c0 * c0)) / (s.span * updates) + c0 * c0));
}

/**
 * Each episode's rank within its kind by difficulty, as a share in [0, 1): 0 the easiest. Ties
 * keep the episodes' order.
 */
export function difficultyRanks(episodes: readonly SuiteEpisode[]): Float64Array {
  return ranksWithinKinds(episodes, episodes.map(oracleDifficulty));
}

/** difficultyRanks of episodes given by their kinds and their difficulties (`d[i]`: the i-th's). */
export function ranksWithinKinds(episodes: readonly Pick<SuiteEpisode, 'kind'>[], d: ArrayLike<number>): Float64Array {
  const byKind = new Map<string, number[]>();
  episodes.forEach((e, i) => {
    const list = byKind.get(e.kind) ?? [];
    list.push(i);
    byKind.set(e.kind, list);
  });
  const ranks = new Float64Array(episodes.length);
  for (const list of byKind.values()) {
    const sorted = [...list].sort((a, b) => d[a] - d[b] || a - b);
    sorted.forEach((i, r) => (ranks[i] = r / sorted.length));
  }
  return ranks;
}

/** Indices of the episodes eligible at competence `c`: those ranked in the easiest c share of their kind (at least one per kind). */
export function eligible(ranks: Float64Array, c: number): number[] {
  const out: number[] = [];
  ranks.forEach((r, i) => {
    if (r < c || r === 0) out.push(i);
  });
  return out;
}
