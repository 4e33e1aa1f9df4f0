/**
 * Learning-rate schedules as pure functions of the step: constant, and linear warmup followed
 * by cosine decay (Loshchilov & Hutter, 2017, "SGDR"; the warmup of Goyal et al., 2017).
 * Use: `opt.lr = schedule(step)` before `opt.step()`.
 */
import { ConfigError } from '../util/errors.js';

export type Schedule = (step: number) => number;

export function constantLR(lr: number): Schedule {
  return () => lr;
}

export interface WarmupCosineOptions {
  /** Peak learning rate (reached at the end of warmup). */
  lr: number;
  /** Steps of linear warmup from lr/warmupSteps (0 = none). */
  warmupSteps: number;
  /** Total steps; after that the rate stays at minLr. */
  totalSteps: number;
  /** Final rate (default 0). */
  minLr?: number;
}

/** Linear warmup to `lr`, then cosine decay to `minLr` at `totalSteps`. step counts from 0. */
export function warmupCosine(o: WarmupCosineOptions): Schedule {
  const minLr = o.minLr ?? 0;
  if (!(o.totalSteps > 0) || o.warmupSteps < 0 || o.warmupSteps > o.totalSteps) {
    throw new ConfigError(`warmupCosine: need 0 <= warmupSteps (${o.warmupSteps}) <= totalSteps (${o.totalSteps}) and totalSteps > 0`);
  }
  return (step) => {
    if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
    if (step >= o.totalSteps) return minLr;
    const t = (step - o.warmupSteps) / Math.max(1, o.totalSteps - o.warmupSteps);
    return minLr + 0.5 * (o.lr - minLr) * (1 + Math.cos(Math.PI * t));
  };
}
