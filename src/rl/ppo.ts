/**
 * PPO — Proximal Policy Optimization (Schulman et al. 2017) with a learned value head and
 * generalised advantage estimation (Schulman et al. 2016), the second RL algorithm beside GRPO.
 * As in LLaVA-RLHF's PPO (Sun et al. 2023) the policy is also held near a frozen reference by a
 * KL penalty; here the reference is RL's starting policy (the supervised model with its ask gate
 * opened to `askPrior`, run.ts), and the penalty is the exact KL over the shown options added to
 * the loss, as GRPO does, not a per-turn penalty folded into the reward.
 *
 * Each update samples `samplesPerEpisode` trajectories per episode (multi-turn, our named
 * rewards; the whole return arrives at the last turn), estimates per-turn advantages Â_t with GAE
 * from the value head, normalises them over the batch, and minimises
 *
 *   L = L_clip(Â) + c_V·E_t[(V(s_t) − R̂_t)²]
 *
 * where L_clip is the clipped objective GRPO also optimises (objective.ts), with the same
 * factoring on the built-in policy: −E_t[min(ρ_t Â_t, clip(ρ_t, 1−ε, 1+ε) Â_t)] summed over the
 * decision to ask and the intervention asked for, each with its own ratio, minus `whichCoef` ×
 * log P(valid | ask) at turns where a valid intervention is offered, plus β·KL(π ∥ π_ref) − c_H·H(π).
 * `whichCoef` 0 drops the validity term; the factored ratios stay, and so does the blame rule
 * (an ask that failed because of the intervention chosen, where a valid one was offered, gives
 * the decision no advantage: objective.ts), so it is not plain PPO on π(a).
 */
import { add, mean, mulScalar, square, sub, tensor, clipGradNorm, type Tensor } from '../nn/index.js';
import { resolveConfig } from '../util/config.js';
import { progress } from '../util/progress.js';
import { yieldToEventLoop } from '../util/yield.js';
import { gae, normalize } from './advantages.js';
import { factoredClippedLoss } from './objective.js';
import { makeRewards, scoreTrajectory } from './rewards.js';
import { forwardSamples, rolloutMultiTurn, type Rollout } from './rollout.js';
import { RLRun, type RLContext, type RLResult } from './run.js';
import { PPOConfigSchema, type PPOConfig } from './configs.js';
import { Means } from '../util/stats.js';

// ── config ──────────────────────────────────────────────────────────────────
export function resolvePPOConfig(partial: unknown): PPOConfig {
  return resolveConfig(PPOConfigSchema, partial, 'PPO');
}

// ── pure helpers (exported for tests) ───────────────────────────────────────

/** Per-turn advantages and value targets: GAE within each trajectory, advantages normalised over the batch. */
export function ppoTargets(rollout: Rollout, returns: readonly number[], gamma: number, lambda: number): { adv: Float32Array; targets: Float32Array } {
  const adv = new Float32Array(rollout.samples.length);
  const targets = new Float32Array(rollout.samples.length);
  rollout.trajectories.forEach((t, i) => {
    const rewards = t.turns.map((_, j) => (j === t.turns.length - 1 ? returns[i] : 0));
    const values = t.turns.map((s) => rollout.samples[s].value);
    const g = gae(rewards, values, 0, gamma, lambda);
    t.turns.forEach((s, j) => {
      adv[s] = g.advantages[j];
      targets[s] = g.returns[j];
    });
  });
  return { adv: Float32Array.from(normalize(Array.from(adv))), targets };
}

/** Mean squared error between predicted values and targets. */
export function valueLoss(value: Tensor, targets: Float32Array): Tensor {
  return mean(square(sub(value, tensor(targets, [targets.length]))));
}

// ── training loop ───────────────────────────────────────────────────────────
export async function trainPPO(partial: unknown, ctx: RLContext): Promise<RLResult> {
  const cfg = resolvePPOConfig(partial);
  const run = await new RLRun(cfg, ctx, { stage: 'ppo', unit: 'update' }).init();
  const rewards = makeRewards(cfg.rewards);
  const bar = progress('PPO', cfg.updates, { enabled: cfg.progress, unit: 'updates' });
  run.bar = bar; // a divergence ends it as stopped, and no other run's (nn/diverged.ts)
  bar.tick(run.update);
  const textCache = new Map<string, number[]>();

  while (run.running) {
    // 1. Roll out the current policy.
    const tRoll = performance.now();
    const rollout = await rolloutMultiTurn(ctx.policy, run.ref, run.cache, await run.nextEpisodes(), cfg.samplesPerEpisode, run.rng);

    // 2. Returns, GAE advantages and value targets.
    const parts: Record<string, number[]> = {};
    const gold = rollout.trajectories.map((t) => {
      const sc = scoreTrajectory(t.record!, rewards);
      for (const [k, v] of Object.entries(sc.parts)) (parts[k] ??= []).push(v);
      return sc.total;
    });
    const returns = await run.returnsFor(rollout, gold); // a learned reward (RLHF) replaces the gold one when given
    const { adv, targets } = ppoTargets(rollout, returns, cfg.gamma, cfg.lambda);
    const rolloutSeconds = (performance.now() - tRoll) / 1000;
    const tOpt = performance.now();

    // 3. Clipped policy loss (objective.ts, as GRPO) + value loss, over shuffled minibatches.
    const stats = new Means();
    for (let e = 0; e < cfg.epochs; e++) {
      const order = run.rng.shuffle([...rollout.samples.keys()]);
      for (let i = 0; i < order.length; i += cfg.minibatch) {
        const idx = order.slice(i, i + cfg.minibatch);
        const batch = idx.map((j) => rollout.samples[j]);
        const { out, refPadded } = await forwardSamples(ctx.policy, run.cache, batch, textCache);
        const { loss: pl, stats: s } = factoredClippedLoss(out.logp, refPadded, batch, Float32Array.from(idx, (j) => adv[j]), cfg);
        const vl = valueLoss(out.value, Float32Array.from(idx, (j) => targets[j]));
        const loss = add(pl, mulScalar(vl, cfg.valueCoef));
        run.stopIfDiverged(loss.item(), 'the loss (policy + value)');
        run.opt.zeroGrad();
        loss.backward();
        clipGradNorm(run.params, cfg.maxGradNorm);
        run.opt.step();
        await yieldToEventLoop(); // Ctrl-C's handler runs between minibatches, not after the whole update
        stats.add({ kl: s.kl, clipFrac: s.clipFrac, entropy: s.entropy, policyLoss: s.pg, valueLoss: vl.item() });
      }
    }
    run.update++;
    const optimiseSeconds = (performance.now() - tOpt) / 1000;

    // 4. Log, evaluate, checkpoint.
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
  return run.finish({ stage: 'rl', algorithm: 'ppo', config: cfg });
}
