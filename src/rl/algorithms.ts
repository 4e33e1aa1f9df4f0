/**
 * The trainer of each RL algorithm of configs.ts RL_ALGORITHM_CONFIGS, by name: what `askfirst train rl` (cli/train.ts)
 * and the demo (demo/pipeline.ts) run for `--algorithm NAME`. A Record over the names, so an algorithm listed there
 * without a trainer here does not compile (docs/extending.md, "A new RL algorithm").
 */
import { trainGRPO } from './grpo.js';
import { trainPPO } from './ppo.js';
import type { RLAlgorithm } from './configs.js';
import type { RLContext, RLResult } from './run.js';

export const RL_TRAINERS: Record<RLAlgorithm, (partial: unknown, ctx: RLContext) => Promise<RLResult>> = {
  grpo: trainGRPO,
  ppo: trainPPO,
};

/** Train the built-in model with `algorithm` (its settings validated by its own trainer). */
export function trainRL(algorithm: RLAlgorithm, partial: unknown, ctx: RLContext): Promise<RLResult> {
  return RL_TRAINERS[algorithm](partial, ctx);
}
