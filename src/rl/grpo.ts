/**
 * GRPO — Group Relative Policy Optimization (Shao et al. 2024, "DeepSeekMath", §4.1), as
 * ProactiveBench fine-tunes its models (De Min et al. 2026, §5), on the built-in model.
 *
 * For each episode, G trajectories are sampled from the current policy; each trajectory's
 * return is normalised within its group (advantage = (R − mean) / (std + ε), the sample std with
 * n − 1 as TRL's GRPOTrainer; ε = 10⁻⁶ where TRL adds 10⁻⁴; a group whose returns are all equal
 * gets 0), and every turn of the trajectory is pushed with that advantage through the clipped
 * objective of objective.ts (a mean over turns, so a longer trajectory weighs more):
 *
 *   L = −E_t[ min(ρ_t A, clip(ρ_t, 1−ε, 1+ε) A) ] + β·KL(π ∥ π_ref) − c_H·H(π),   ρ_t = π(a_t)/π_old(a_t)
 *
 * factored on the built-in policy into the decision to ask and the intervention asked for, the
 * latter also raised toward the valid interventions (`whichCoef`; see objective.ts).
 *
 * Two objectives share this file:
 *   - `multi-turn` (askfirst): a trajectory is a whole episode; R is the weighted sum of the
 *     named rewards in rewards.ts (correct answer, wrong answer, cost per intervention, …);
 *   - `single-turn` (ProactiveBench's recipe, run as published: one unfactored ratio on π(a)): a
 *     trajectory is one reply to one state; R is 1 for the correct category, r_p for a valid
 *     intervention, 0 otherwise.
 */
import { clipGradNorm } from '../nn/index.js';
import { resolveConfig } from '../util/config.js';
import { progress } from '../util/progress.js';
import { yieldToEventLoop } from '../util/yield.js';
import { groupAdvantages } from './advantages.js';
import { makeRewards, proactiveBenchReward, scoreTrajectory } from './rewards.js';
import { factoredClippedLoss } from './objective.js';
import { forwardSamples, rolloutMultiTurn, rolloutSingleTurn, type Rollout } from './rollout.js';
import { RLRun, type RLContext, type RLResult } from './run.js';
import { GRPOConfigSchema, type GRPOConfig } from './configs.js';
import { Means } from '../util/stats.js';

// ── config ──────────────────────────────────────────────────────────────────
export function resolveGRPOConfig(partial: unknown): GRPOConfig {
  return resolveConfig(GRPOConfigSchema, partial, 'GRPO');
}

// ── pure helpers (exported for tests) ───────────────────────────────────────

/** Per-sample advantages: each turn inherits its trajectory's group-normalised return. */
export function turnAdvantages(rollout: Rollout, returns: readonly number[], G: number): Float32Array {
  const trajAdv = groupAdvantages(returns, G);
  const adv = new Float32Array(rollout.samples.length);
  rollout.samples.forEach((s, i) => (adv[i] = trajAdv[s.traj]));
  return adv;
}

// ── training loop ───────────────────────────────────────────────────────────
export async function trainGRPO(partial: unknown, ctx: RLContext): Promise<RLResult> {
  const cfg = resolveGRPOConfig(partial);
  const run = await new RLRun(cfg, ctx, { stage: 'grpo', unit: 'update' }).init();
  const rewards = makeRewards(cfg.rewards);
  const G = cfg.groupSize;
  const bar = progress(cfg.objective === 'multi-turn' ? 'GRPO' : `GRPO single-turn r_p=${cfg.rp}`, cfg.updates, { enabled: cfg.progress, unit: 'updates' });
  run.bar = bar; // a divergence ends it as stopped, and no other run's (nn/diverged.ts)
  bar.tick(run.update);
  const textCache = new Map<string, number[]>();

  while (run.running) {
    // 1. Roll out G samples per episode with the current policy.
    const tRoll = performance.now();
    const episodes = await run.nextEpisodes();
    const rollout =
      cfg.objective === 'multi-turn'
        ? await rolloutMultiTurn(ctx.policy, run.ref, run.cache, episodes, G, run.rng)
        : await rolloutSingleTurn(ctx.policy, run.ref, run.cache, episodes, G, run.rng, (a) => proactiveBenchReward(a, cfg.rp));

    // 2. Returns and group-normalised advantages.
    const parts: Record<string, number[]> = {};
    const gold = rollout.trajectories.map((t) => {
      if (!t.record) return rollout.samples[t.turns[0]].reward;
      const sc = scoreTrajectory(t.record, rewards);
      for (const [k, v] of Object.entries(sc.parts)) (parts[k] ??= []).push(v);
      return sc.total;
    });
    const returns = await run.returnsFor(rollout, gold); // a learned reward (RLHF) replaces the gold one when given
    const adv = turnAdvantages(rollout, returns, G);
    const rolloutSeconds = (performance.now() - tRoll) / 1000;
    const tOpt = performance.now();

    // 3. Optimise the clipped objective for a few epochs over shuffled minibatches.
    const stats = new Means();
    for (let e = 0; e < cfg.epochs; e++) {
      const order = run.rng.shuffle([...rollout.samples.keys()]);
      for (let i = 0; i < order.length; i += cfg.minibatch) {
        const idx = order.slice(i, i + cfg.minibatch);
        const batch = idx.map((j) => rollout.samples[j]);
        const { out, refPadded } = await forwardSamples(ctx.policy, run.cache, batch, textCache);
        const { loss, stats: s } = factoredClippedLoss(out.logp, refPadded, batch, Float32Array.from(idx, (j) => adv[j]), { ...cfg, factored: cfg.objective === 'multi-turn' });
        run.stopIfDiverged(loss.item());
        run.opt.zeroGrad();
        loss.backward();
        const gradNorm = clipGradNorm(run.params, cfg.maxGradNorm);
        run.opt.step();
        await yieldToEventLoop(); // Ctrl-C's handler runs between minibatches, not after the whole update
        stats.add({ kl: s.kl, clipFrac: s.clipFrac, entropy: s.entropy, policyLoss: s.pg, gradNorm });
      }
    }
    run.update++;
    const optimiseSeconds = (performance.now() - tOpt) / 1000;

    // 4. Log what happened (rollout behaviour + optimisation diagnostics), evaluate, checkpoint.
    const m = await run.endUpdate(
      rollout,
      returns,
      parts,
      stats.prefixed('rl/'),
      { rollout: rolloutSeconds, optimise: optimiseSeconds },
    );
    bar.tick(1, { reward: m['rl/reward'].toFixed(3), ask: m['rl/askRate'].toFixed(2) });
  }
  bar.stop();
  return run.finish({ stage: 'rl', algorithm: 'grpo', config: cfg });
}
