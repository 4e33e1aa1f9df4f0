/**
 * The Bradley–Terry preference loss of the reward model and of DPO: the mean over pairs of
 * −log σ(m), m the margin of the preferred play over the other (r(winner) − r(loser) for the
 * reward model, β·(log-ratio of the winner − log-ratio of the loser) for DPO).
 *
 * Computed as −logσ(m) = softplus(−m) by the engine's stable log-sigmoid (nn `logSigmoid`), whose
 * gradient σ(−m) tends to 1 for a pair ranked wrong by a wide margin. Until this file both trainers
 * wrote −log(σ(m) + 1e-7): the floor made the gradient σ(m)(1 − σ(m)) / (σ(m) + 1e-7), half the
 * true one at m ≈ −16 and ≈ 0 below −20, so the pairs ranked most wrongly taught least.
 */
import { logSigmoid, mean, neg, type Tensor } from '../nn/index.js';

/** mean over pairs of −log σ(margin) (a scalar), stable for any margin. */
export function preferenceLoss(margin: Tensor): Tensor {
  return neg(mean(logSigmoid(margin)));
}
