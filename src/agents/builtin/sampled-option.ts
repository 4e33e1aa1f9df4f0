/**
 * A sampled choice of the built-in model at a temperature and top_p (OpenAI's fields, `askfirst serve`), drawn as
 * the model factors its policy (model.ts): first the decision — ask, whose logit is the gate g (P(ask) is the
 * interventions' total), or one of the categories, whose logits are z_cat — then, when asking, which intervention
 * (logits w). Each step is softmax(logits / T) cut to its top_p nucleus (../sampling.ts), as a VLM's two tokens would
 * be. So T → 0 or a small top_p tends to the greedy choice (`greedyOption`: the same two steps, each its argmax, a
 * category winning a tie with asking), and T = 1 with top_p = 1 is the model's own distribution (the per-option
 * probabilities multiply back: P(ask)·P(i | ask) = π(i)).
 */
import type { Sampling } from '../policy.js';
import { samplingWeights } from '../sampling.js';
import { logSumExp } from '../../util/stats.js';
import type { Rng } from '../../util/rng.js';

/** The option index drawn from `row` (log-probabilities, interventions first), or −1 for an empty row. */
export function sampledOption(row: readonly number[], numInterventions: number, rng: Rng, s: Required<Sampling>): number {
  if (!row.length) return -1;
  const nI = Math.min(numInterventions, row.length);
  const interventions = row.slice(0, nI);
  // the decisions: the categories, then asking (after them, so a tie goes to the category, as greedyOption)
  const decisions = nI ? [...row.slice(nI), logSumExp(interventions)] : row.slice(nI);
  const d = rng.categorical(samplingWeights(decisions, s));
  if (d < row.length - nI) return nI + d;
  return rng.categorical(samplingWeights(interventions, s));
}
