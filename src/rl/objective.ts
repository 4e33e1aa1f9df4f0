/**
 * The clipped policy objective GRPO and PPO both optimise on the built-in model, with its pure
 * helpers. The clipped ratio surrogate is PPO's (Schulman et al. 2017):
 *
 *   L = −E_t[ min(ρ_t A_t, clip(ρ_t, 1−ε, 1+ε) A_t) ] + β·KL(π ∥ π_ref) − c_H·H(π),   ρ_t = π(a_t)/π_old(a_t)
 *
 * with the exact KL to the frozen reference and the entropy over the shown options. In its
 * factored form (the default) the built-in policy's two factors each get their own ratio: the
 * decision (ask, or which category) and, when asking, which intervention (agents/builtin/model.ts).
 * The intervention choice also gains `whichCoef` × log P(valid | ask) through every offered
 * intervention (`expectedValidity`): like Mean Actor-Critic (Allen et al. 2017) it uses the known
 * outcome of every action — the simulator knows which offered interventions are valid — so options
 * the policy has not tried yet learn too; unlike it, it raises the log of the expected validity,
 * whose gradient does not vanish while the valid options are still unlikely. An ask that failed
 * because of the intervention chosen (a valid one was offered) blames the choice, not the decision.
 *
 * Unfactored (`factored: false`): one ratio on π(a), the plain recipe ProactiveBench's single-turn
 * baseline runs as published.
 */
import { add, addScalar, clamp, exp, gather, log, mean, minimum, mul, mulScalar, neg, sub, sum, tensor, type Tensor } from '../nn/index.js';
import { average } from '../util/stats.js';
import type { TurnSample } from './rollout.js';

/** The objective's coefficients (fields of every RL config). */
export interface ObjectiveCoefs {
  /** Ratio clipping ε. */
  clipEps: number;
  /** β: weight of the KL penalty to the reference policy. */
  klCoef: number;
  /** c_H: weight of the entropy bonus. */
  entropyCoef: number;
  /** Weight of the which-intervention validity term. */
  whichCoef: number;
  /** Factored decision/intervention ratios (default) or one ratio on π(a). */
  factored?: boolean;
}

/** The clipped surrogate for one sample: min(ρA, clip(ρ, 1−ε, 1+ε)A). */
export function clippedSurrogate(ratio: number, adv: number, eps: number): number {
  return Math.min(ratio * adv, Math.min(Math.max(ratio, 1 - eps), 1 + eps) * adv);
}

/** KL(p ∥ q) from log-probabilities over the same options. */
export function klFromLogits(logp: ArrayLike<number>, logq: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < logp.length; i++) if (logp[i] > -1e29) s += Math.exp(logp[i]) * (logp[i] - logq[i]);
  return s;
}

/** Whether some intervention offered at this turn's view is valid (asking could bring a new view). */
export function askCanHelp(s: Pick<TurnSample, 'episode' | 'view'>): boolean {
  const step = s.episode.steps[s.view];
  return !!step && step.offered.some((k) => step.next[k] !== undefined);
}

/**
 * P(valid | ask) at one turn: the share of the intervention probability on interventions valid
 * here (0 when nothing is asked for). The loss raises its log through every option at once, so
 * a valid move the policy has never sampled still gains (sampled validity alone cannot teach it,
 * and the plain expectation's gradient vanishes while P(valid | ask) is near 0).
 */
export function expectedValidity(logpRow: ArrayLike<number>, valid: ArrayLike<number>, numInterventions: number): number {
  let ask = 0;
  let ok = 0;
  for (let k = 0; k < numInterventions; k++) {
    const p = Math.exp(logpRow[k]);
    ask += p;
    if (valid[k]) ok += p;
  }
  return ask > 0 ? ok / ask : 0;
}

/**
 * The policy loss on a minibatch. The policy factorises into a decision (ask, or which
 * category) and, when asking, which intervention (see agents/builtin/model.ts); each factor gets
 * its own clipped ratio with the turn's advantage `adv` (GRPO: its trajectory's; PPO: GAE's),
 * except that the decision gets none at an ask whose choice failed where a valid intervention was
 * offered; each surrogate is a mean over all N turns. The intervention choice also gains
 * `whichCoef` × the mean of log P(valid | ask) (`expectedValidity`) over the turns where some
 * offered intervention is valid. Plus β × the exact KL to the reference over the shown options
 * and the entropy bonus, each a mean over the turns. With `factored: false`, one clipped ratio on
 * π(a) with `adv`. Returns the loss tensor and diagnostics (clipFrac and ratio: of the decision's
 * ratio, or π(a)'s when unfactored).
 */
export function factoredClippedLoss(
  logp: Tensor, // [N, K] log π over shown options (padded ≈ −1e30)
  refPadded: Float32Array, // [N·K] log π_ref, same padding
  batch: readonly TurnSample[],
  adv: Float32Array, // [N] decision advantages
  cfg: ObjectiveCoefs,
): { loss: Tensor; stats: { pg: number; kl: number; entropy: number; clipFrac: number; ratio: number } } {
  const N = batch.length;
  const K = logp.shape[1];
  const askTurn = Float32Array.from(batch, (s) => (s.action < s.text.numInterventions ? 1 : 0));
  const ivMask = new Float32Array(N * K);
  batch.forEach((s, r) => ivMask.fill(1, r * K, r * K + s.text.numInterventions));
  const lpA = gather(logp, batch.map((s) => s.action)); // [N] log π(a)
  const logAsk = log(addScalar(sum(mul(exp(logp), tensor(ivMask, [N, K])), 1), 1e-30)); // [N] log P(ask)
  const A1 = tensor(askTurn, [N]);
  const A0 = tensor(Float32Array.from(askTurn, (v) => 1 - v), [N]);
  const ld = add(mul(logAsk, A1), mul(lpA, A0)); // [N] log π(decision)
  const lw = mul(sub(lpA, logAsk), A1); // [N] log π(intervention | ask), 0 for category turns
  const clipped = (lnew: Tensor, lold: Float32Array, a: Float32Array) => {
    const ratio = exp(sub(lnew, tensor(lold, [N])));
    const A = tensor(a, [N]);
    return { ratio, surr: minimum(mul(ratio, A), mul(clamp(ratio, 1 - cfg.clipEps, 1 + cfg.clipEps), A)) };
  };
  const factored = cfg.factored ?? true;
  // Unfactored (the plain recipe, used for ProactiveBench's single-turn baseline): one ratio on π(a).
  // An ask that chose an invalid intervention or an abstention, where a valid one was offered,
  // ended the episode because of the choice, not the decision to ask: that turn's decision gets
  // no advantage (the choice is blamed). Where no offered intervention could help (e.g. only the
  // abstain-style option is left), the decision to ask is what failed, and it keeps the advantage.
  const choiceFailed = (s: TurnSample) => s.action < s.text.numInterventions && !(s.parsed.type === 'intervention' && s.parsed.valid) && askCanHelp(s);
  const decAdv = factored ? Float32Array.from(adv, (a, i) => (choiceFailed(batch[i]) ? 0 : a)) : adv;
  const dec = factored ? clipped(ld, Float32Array.from(batch, (s) => s.oldDecision), decAdv) : clipped(lpA, Float32Array.from(batch, (s) => s.oldLogp), adv);
  // The intervention choice learns from the episode's outcome (which move got there fastest) …
  const which = clipped(lw, Float32Array.from(batch, (s, i) => (askTurn[i] ? s.oldLogp - s.oldDecision : 0)), Float32Array.from(adv, (a, i) => (askTurn[i] ? a : 0)));
  // … and, weighted by whichCoef, from the validity of every offered intervention: mean over the
  // turns where one is valid of log P(valid | ask) = log Σ_valid π − log Σ_interventions π.
  const vMask = new Float32Array(N * K);
  batch.forEach((s, r) => s.valid.forEach((v, k) => (vMask[r * K + k] = v)));
  const helpful = Float32Array.from(batch, (s) => (s.valid.some((v) => v) ? 1 : 0));
  const nHelpful = helpful.reduce((a, b) => a + b, 0);
  const logPValid = sub(log(addScalar(sum(mul(exp(logp), tensor(vMask, [N, K])), 1), 1e-30)), logAsk); // [N] log P(valid | ask)
  const validTerm = nHelpful ? mulScalar(sum(mul(logPValid, tensor(helpful, [N]))), cfg.whichCoef / nHelpful) : null; // []
  const pgFactored = neg(add(mean(dec.surr), mean(which.surr)));
  const pg = factored ? (validTerm ? sub(pgFactored, validTerm) : pgFactored) : neg(mean(dec.surr));
  // Exact KL(π ∥ π_ref) and entropy over the shown options; padded entries have p = 0.
  const mask = new Float32Array(N * K);
  for (let i = 0; i < N * K; i++) mask[i] = logp.data[i] > -1e29 ? 1 : 0;
  const M = tensor(mask, [N, K]);
  const p = mul(exp(logp), M); // [N, K]
  const safeLogp = mul(logp, M); // zero where padded, so 0·(−1e30) never appears
  const kl = mean(sum(mul(p, sub(safeLogp, tensor(Float32Array.from(refPadded, (v, i) => v * mask[i]), [N, K]))), 1)); // []
  const ent = neg(mean(sum(mul(p, safeLogp), 1))); // []
  const loss = add(add(pg, mulScalar(kl, cfg.klCoef)), mulScalar(ent, -cfg.entropyCoef));
  let nClipped = 0;
  for (let i = 0; i < N; i++) if (Math.abs(dec.ratio.data[i] - 1) > cfg.clipEps) nClipped++;
  return { loss, stats: { pg: pg.item(), kl: kl.item(), entropy: ent.item(), clipFrac: nClipped / N, ratio: average(Array.from(dec.ratio.data)) } };
}
