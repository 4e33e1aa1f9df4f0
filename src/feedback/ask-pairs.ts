/**
 * Pairs that teach what a needless ask is: on an episode whose first view already shows enough (a
 * control), one play of the policy that asks at its first turn against one that answers there.
 *
 * Why: pairs of two plays sampled from one policy rarely contrast these. The starting policy
 * nearly always answers a control at once, so two of its plays of a control episode are mostly
 * the same play (no pair), and of seed 10's 878 pairs last round only 32 were control episodes and
 * 8 compared an ask with a right answer. A reward model trained on them barely learns that a
 * needless ask is bad, and RLHF on it over-asks as much as or more than RL on the gold reward.
 * Sampling many plays of each control episode from the same policy (at its own temperature, so
 * both plays are real plays of the policy, nothing forced) finds both kinds on enough episodes;
 * these pairs go through the same annotators and workbench path as every other pair.
 */
import type { Episode, EpisodeRecord } from '../episode/types.js';
import { SceneRng } from '../util/rng.js';
import { checkRecord, type TrajectoryPair } from './pairs.js';

/** A play that asks at its first turn on a view that already shows enough. */
export const asksNeedlesslyFirst = (r: EpisodeRecord) => r.actions[0]?.type === 'intervention' && r.informative?.[0] === true;
/** A play that answers with a category at its first turn. */
export const answersFirst = (r: EpisodeRecord) => r.actions[0]?.type === 'category';

/**
 * At most one pair per episode: the first play (in the order given) that asks needlessly at its
 * first turn against the first play that answers at its first turn; episodes with no such two
 * plays give none. A/B order is shuffled by `seed`; ids are `<episode id>#ask` (never clashing
 * with pairsFromRecords' `#pair<k>`). Every record is checked against its episode.
 */
export function askContrastPairs(
  episodes: readonly Episode<string>[],
  records: readonly { record: EpisodeRecord; source: string }[],
  o: { seed: number; max?: number },
): TrajectoryPair[] {
  const byId = new Map(episodes.map((e) => [e.id, e]));
  const found = new Map<string, { ask?: EpisodeRecord; answer?: EpisodeRecord; source: string }>();
  for (const x of records) {
    if (x.record.mode !== 'proactive') continue;
    const ep = byId.get(x.record.id);
    if (!ep) continue; // the caller's episodes are the ones it rolled out; a stray record is not a pair
    const f = found.get(ep.id) ?? { source: x.source };
    if (!f.ask && asksNeedlesslyFirst(x.record)) (checkRecord(ep, x.record, x.source), (f.ask = x.record));
    else if (!f.answer && answersFirst(x.record)) (checkRecord(ep, x.record, x.source), (f.answer = x.record));
    found.set(ep.id, f);
  }
  const rng = SceneRng.fromState(o.seed);
  const out: TrajectoryPair[] = [];
  for (const [id, f] of found) {
    if (!f.ask || !f.answer) continue;
    if (o.max !== undefined && out.length >= o.max) break;
    const [a, b] = rng.next() < 0.5 ? [f.ask, f.answer] : [f.answer, f.ask];
    out.push({ id: `${id}#ask`, episode: byId.get(id)!, a, b, source: `${f.source} (ask vs answer at the first view)` });
  }
  return out;
}
