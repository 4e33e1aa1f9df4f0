/**
 * The AI labeller of a trajectory pair: an automatic judge that reads what a VLM judge shown the
 * pair would read — every view either play saw, each play's replies and how it ended — through
 * the built-in model's own perception of those views (turnPerceptions), and never the scene
 * generator's hidden facts (which object it is, which views show enough, whether the episode is a
 * control).
 *
 * It values each play by the gold reward itself (rewards.ts, scoreTrajectory) with its perception standing
 * in for the facts:
 *   - what the object is: the category distribution at the view, among all the views of *both*
 *     plays, where the model is surest (a play that asked saw a better view than one that guessed,
 *     and the judge uses it to check the guess — as a person comparing the two plays would);
 *   - whether a view "shows enough": the model's max category probability there is at least
 *     `recognisedAt` — an answer on a view that does not is a guess, an ask on a view that does is
 *     needless, an ask on one that does not is needed.
 * The first version read only the model's belief at each play's own final view (no process terms,
 * no look across plays); on the development seed it agreed with the gold preference on 59 % of
 * decided pairs, this one on 73 % (docs/feedback-rlhf.md).
 */
import type { EpisodeRecord } from '../episode/types.js';
import { makeRewards, scoreTrajectory } from './rewards.js';
import type { TurnPerception } from './trajectory-features.js';

/** The gold reward's components at their default weights. */
const GOLD = makeRewards();

/** One play as the judge sees it: its record and the model's perception at each of its turns. */
export interface JudgedPlay {
  record: EpisodeRecord;
  turns: readonly TurnPerception[];
}

export interface JudgeOptions {
  /** A view "shows enough" where the model's max category probability is at least this (chosen on the development seed). */
  recognisedAt?: number;
}

/** The category distribution, by option text, at the turn where the model is surest. */
function surestBelief(turns: readonly TurnPerception[]): Map<string, number> {
  const best = turns.reduce((x, t) => (t.maxP > x.maxP ? t : x));
  const m = new Map<string, number>();
  best.catP.forEach((p, k) => {
    if (!Number.isNaN(p)) m.set(best.options[k], p);
  });
  return m;
}

/**
 * The judge's value of one play, given its belief about the object: the gold reward itself
 * (rewards.ts, scoreTrajectory with the default weights) of the play's record with the facts
 * replaced by the judge's perception — which views showed enough (`recognisedAt`), hence which asks
 * were needed or needless and whether the answer was a guess — and, for an answer, the expectation
 * over right and wrong under its belief. No term of the reward is restated here.
 */
function playValue(play: JudgedPlay, belief: Map<string, number>, recognisedAt: number): number {
  const { record: r, turns } = play;
  const informative = turns.map((t) => t.maxP >= recognisedAt);
  const last = r.actions.length - 1;
  const a = r.actions[last];
  const perceived = (right: boolean): EpisodeRecord => ({
    ...r,
    informative,
    ...(a.type === 'category' ? { success: right, outcome: right ? 'correct' : 'wrong-category', guessed: !informative[last] } : { guessed: false }),
  });
  if (a.type !== 'category') return scoreTrajectory(perceived(false), GOLD).total;
  const p = belief.get(turns[last].options[a.option]) ?? 0;
  return p * scoreTrajectory(perceived(true), GOLD).total + (1 - p) * scoreTrajectory(perceived(false), GOLD).total;
}

/** The judge's values of the two plays of one pair (same episode); its label is the higher one, its confidence the gap. */
export function judgePair(a: JudgedPlay, b: JudgedPlay, opts: JudgeOptions = {}): [number, number] {
  const { recognisedAt = 0.7 } = opts;
  const belief = surestBelief([...a.turns, ...b.turns]);
  return [playValue(a, belief, recognisedAt), playValue(b, belief, recognisedAt)];
}
