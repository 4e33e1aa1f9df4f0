/**
 * GRPO — Group Relative Policy Optimization (Shao et al. 2024, "DeepSeekMath", §4.1), as
 * ProactiveBench fine-tunes its models (De Min et al. 2026, §5), on the built-in model.
 *
 * For each episode, G trajectories are sampled from the current policy; each trajectory's
 * return is normalised within its group (advantage = (R − mean) / std), and every turn of the
 * trajectory is pushed by the PPO-style clipped ratio objective with that advantage, minus a
 * KL penalty to the frozen supervised policy (exact KL over the shown options) and plus a small
 * entropy bonus:
 *
 *   L = −E_t[ min(ρ_t A, clip(ρ_t, 1−ε, 1+ε) A) ] + β·KL(π ∥ π_ref) − c_H·H(π),   ρ_t = π(a_t)/π_old(a_t)
 *
 * The built-in policy factorises into a decision (ask, or which category) and, when asking,
 * which intervention; each factor is pushed by the trajectory's advantage through its own
 * clipped ratio, and the intervention choice also by how likely it is to be valid: log P(valid |
 * ask), raised through every offered intervention at once (`expectedValidity`). Like Mean
 * Actor-Critic (Allen et al. 2017) it uses the known outcome of every action, not only the
 * sampled one — the simulator knows which offered interventions are valid — so options the
 * policy has not tried yet learn too; unlike it, it raises the log of the expected validity,
 * whose gradient does not vanish while the valid options are still unlikely.
 *
 * Two objectives share this file:
 *   - `multi-turn` (askfirst): a trajectory is a whole episode; R is the weighted sum of the
 *     named rewards in rewards.ts (correct answer, wrong answer, cost per intervention, …);
 *   - `single-turn` (ProactiveBench's recipe, run as published: one unfactored ratio on π(a)): a
 *     trajectory is one reply to one state; R is 1 for the correct category, r_p for a valid
 *     intervention, 0 otherwise.
 */
import { z } from 'zod';
import { add, addScalar, clamp, exp, gather, log, mean, minimum, mul, mulScalar, neg, sub, sum, tensor, clipGradNorm, type Tensor } from '../nn/index.js';
import { resolveConfig } from '../util/config.js';
import { progress } from '../util/progress.js';
import { groupAdvantages } from './advantages.js';
import { makeRewards, proactiveBenchReward, scoreTrajectory } from './rewards.js';
import { forwardSamples, rolloutMultiTurn, rolloutSingleTurn, type Rollout, type TurnSample } from './rollout.js';
import { BaseRLConfigSchema, RLRun, avg, type RLContext, type RLResult } from './run.js';

// ── config ──────────────────────────────────────────────────────────────────
export const GRPOConfigSchema = BaseRLConfigSchema.extend({
  groupSize: z.number().int().min(2).default(8).describe('G: trajectories sampled per episode'),
  objective: z.enum(['multi-turn', 'single-turn']).default('multi-turn').describe('multi-turn episodes with our rewards, or ProactiveBench single-turn states'),
  rp: z.number().min(0).max(1).default(0.5).describe('single-turn: reward for a valid intervention (ProactiveBench r_p)'),
});
export type GRPOConfig = z.output<typeof GRPOConfigSchema>;

export function resolveGRPOConfig(partial: unknown): GRPOConfig {
  return resolveConfig(GRPOConfigSchema, partial, 'GRPO');
}

// ── pure helpers (exported for tests) ───────────────────────────────────────

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

/** Per-sample advantages: each turn inherits its trajectory's group-normalised return. */
export function turnAdvantages(rollout: Rollout, returns: readonly number[], G: number): Float32Array {
  const trajAdv = groupAdvantages(returns, G);
  const adv = new Float32Array(rollout.samples.length);
  rollout.samples.forEach((s, i) => (adv[i] = trajAdv[s.traj]));
  return adv;
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
 * its own clipped ratio with the trajectory's advantage `adv`; the intervention choice also
 * gains `whichCoef` × log P(valid | ask) (`expectedValidity`) at every turn where some offered
 * intervention is valid. Plus the exact KL to the reference over the shown options and an
 * entropy bonus. Returns the loss tensor and diagnostics.
 */
export function grpoLoss(
  logp: Tensor, // [N, K] log π over shown options (padded ≈ −1e30)
  refPadded: Float32Array, // [N·K] log π_ref, same padding
  batch: readonly TurnSample[],
  adv: Float32Array, // [N] decision advantages
  cfg: Pick<GRPOConfig, 'clipEps' | 'klCoef' | 'entropyCoef' | 'whichCoef'> & { factored?: boolean },
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
  return { loss, stats: { pg: pg.item(), kl: kl.item(), entropy: ent.item(), clipFrac: nClipped / N, ratio: avg(Array.from(dec.ratio.data)) } };
}

// ── training loop ───────────────────────────────────────────────────────────
export async function trainGRPO(partial: unknown, ctx: RLContext): Promise<RLResult> {
  const cfg = resolveGRPOConfig(partial);
  const run = await new RLRun(cfg, ctx).init();
  const rewards = makeRewards(cfg.rewards);
  const G = cfg.groupSize;
  const bar = progress(cfg.objective === 'multi-turn' ? 'GRPO' : `GRPO single-turn r_p=${cfg.rp}`, cfg.updates, { enabled: cfg.progress, unit: 'updates' });
  bar.tick(run.update);
  const textCache = new Map<string, number[]>();

  while (run.update < cfg.updates && run.elapsed < cfg.maxSeconds) {
    // 1. Roll out G samples per episode with the current policy.
    const tRoll = performance.now();
    const episodes = run.nextEpisodes();
    const rollout =
      cfg.objective === 'multi-turn'
        ? await rolloutMultiTurn(ctx.policy, run.ref, run.cache, episodes, G, run.rng)
        : await rolloutSingleTurn(ctx.policy, run.ref, run.cache, episodes, G, run.rng, (a) => proactiveBenchReward(a, cfg.rp));

    // 2. Returns and group-normalised advantages.
    const parts: Record<string, number[]> = {};
    const returns = rollout.trajectories.map((t) => {
      if (!t.record) return rollout.samples[t.turns[0]].reward;
      const sc = scoreTrajectory(t.record, rewards);
      for (const [k, v] of Object.entries(sc.parts)) (parts[k] ??= []).push(v);
      return sc.total;
    });
    const adv = turnAdvantages(rollout, returns, G);
    const rolloutSeconds = (performance.now() - tRoll) / 1000;
    const tOpt = performance.now();

    // 3. Optimise the clipped objective for a few epochs over shuffled minibatches.
    const stats = { pg: [] as number[], kl: [] as number[], entropy: [] as number[], clipFrac: [] as number[], gradNorm: [] as number[] };
    for (let e = 0; e < cfg.epochs; e++) {
      const order = run.rng.shuffle([...rollout.samples.keys()]);
      for (let i = 0; i < order.length; i += cfg.minibatch) {
        const idx = order.slice(i, i + cfg.minibatch);
        const batch = idx.map((j) => rollout.samples[j]);
        const { out, refPadded } = await forwardSamples(ctx.policy, run.cache, batch, textCache);
        const { loss, stats: s } = grpoLoss(out.logp, refPadded, batch, Float32Array.from(idx, (j) => adv[j]), { ...cfg, factored: cfg.objective === 'multi-turn' });
        run.opt.zeroGrad();
        loss.backward();
        stats.gradNorm.push(clipGradNorm(run.params, cfg.maxGradNorm));
        run.opt.step();
        stats.pg.push(s.pg);
        stats.kl.push(s.kl);
        stats.entropy.push(s.entropy);
        stats.clipFrac.push(s.clipFrac);
      }
    }
    run.update++;
    const optimiseSeconds = (performance.now() - tOpt) / 1000;

    // 4. Log what happened (rollout behaviour + optimisation diagnostics), evaluate, checkpoint.
    const m = await run.endUpdate(
      rollout,
      returns,
      parts,
      { 'rl/kl': avg(stats.kl), 'rl/clipFrac': avg(stats.clipFrac), 'rl/entropy': avg(stats.entropy), 'rl/policyLoss': avg(stats.pg), 'rl/gradNorm': avg(stats.gradNorm) },
      { rollout: rolloutSeconds, optimise: optimiseSeconds },
    );
    bar.tick(1, { reward: m['rl/reward'].toFixed(3), ask: m['rl/askRate'].toFixed(2) });
  }
  bar.stop();
  return run.finish({ stage: 'rl', algorithm: 'grpo', config: cfg });
}
