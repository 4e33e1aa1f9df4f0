/**
 * Which preference pairs to label first under a small label budget: a pair for every kind of
 * play first, then one pair of every kind of contrast before a second of any (round-robin).
 *
 * Why: the pairs come from one policy's plays, and most of them contrast the same few behaviours
 * (asked then answered right vs guessed wrong). A reward model trained on the first 30 of them in
 * sampling order may never see a play that asks on a view that already shows enough, or one that
 * asks until it runs out of turns; it then has no reason to score those low, and RL on it finds
 * them (on test seed 2, last round, the 24 of its first 30 labels the fact-augmented reward model
 * trained on held not one such play, and its policy ended 175 of 420 test episodes by running out
 * of turns). No play in the pools looked at ran out of turns, so no order can teach that one.
 *
 * A pair's contrast is what each play did as the annotator sees it beside the scene's facts: how it
 * ended, whether it asked on a view that did not show enough, whether it asked on one that did,
 * whether it answered on one that did not (a guess). No label is read. Within a contrast the
 * sampling order is kept.
 */
import type { EpisodeRecord } from '../episode/types.js';

/** What one play did, as the annotator sees it with the facts. */
export function playContrast(r: EpisodeRecord): string {
  const asks = (want: boolean) => r.actions.some((a, t) => a.type === 'intervention' && r.informative?.[t] === want);
  return `${r.outcome}${asks(false) ? '+needed' : ''}${asks(true) ? '+needless' : ''}${r.guessed ? '+guess' : ''}`;
}

/** A pair's contrast, independent of A/B order. */
export const pairContrast = (a: EpisodeRecord, b: EpisodeRecord) => [playContrast(a), playContrast(b)].sort().join(' | ');

/**
 * The order in which to label `pairs`: a permutation of their indices. First, in sampling order,
 * every pair that shows a kind of play (playContrast) no earlier pair showed — so a few dozen
 * labels already hold every kind of play in the pool; then one pair of each contrast not yet
 * taken (contrasts in order of first appearance), then the second of each, and so on.
 */
export function coverageOrder(pairs: readonly { a: EpisodeRecord; b: EpisodeRecord }[]): number[] {
  const plays = new Set<string>();
  const first: number[] = [];
  pairs.forEach((p, i) => {
    const [ka, kb] = [playContrast(p.a), playContrast(p.b)];
    if (plays.has(ka) && plays.has(kb)) return;
    plays.add(ka).add(kb);
    first.push(i);
  });
  const taken = new Set(first);
  const seen = new Map<string, number>();
  for (const i of first) {
    const k = pairContrast(pairs[i].a, pairs[i].b);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  const rank = pairs.map((p, i) => {
    if (taken.has(i)) return -1;
    const k = pairContrast(p.a, p.b);
    const r = seen.get(k) ?? 0;
    seen.set(k, r + 1);
    return r;
  });
  const rest = [...pairs.keys()].filter((i) => !taken.has(i)).sort((i, j) => rank[i] - rank[j] || i - j);
  return [...first, ...rest];
}

/** The first `n` pairs by coverageOrder, in their original order (so n ≥ pairs.length changes nothing). */
export function firstByCoverage<T extends { a: { record: EpisodeRecord }; b: { record: EpisodeRecord } }>(pairs: readonly T[], n: number): T[] {
  const keep = new Set(coverageOrder(pairs.map((p) => ({ a: p.a.record, b: p.b.record }))).slice(0, n));
  return pairs.filter((_, i) => keep.has(i));
}
